"""``openkkm emulator shtrih|atol``: serve an emulated register over TCP or a pty.

The first line on stdout is the address served (``tcp://127.0.0.1:7778`` or the pty path), so
scripts and tests can wait for it; the process runs until SIGINT or SIGTERM and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

from openkkm.config import DeviceConfig
from openkkm.errors import ConfigError

DEFAULT_LISTEN = "tcp://127.0.0.1:7778"
ATOL_LISTEN = "tcp://127.0.0.1:5555"
log = logging.getLogger("openkkm.emulator")


def add_parser(sub: Any) -> None:
    """Register the ``emulator`` subcommand on the main parser's subparsers."""
    emulator = sub.add_parser("emulator", help="run a device emulator")
    kinds = emulator.add_subparsers(dest="kind", required=True)
    shtrih = kinds.add_parser("shtrih", help="a fiscalised Shtrih-M register with a simulated ФН")
    _common(shtrih, DEFAULT_LISTEN, "lose_reply@ff45*1,delay=2")
    shtrih.add_argument("--protocol", choices=["auto", "1", "2"], default="auto",
                        help="lower level: 1 (ENQ/ACK), 2 (numbered frames) or auto, "
                             "each connection's first byte decides (default)")
    atol = kinds.add_parser("atol", help="a fiscalised ATOL register with a simulated ФН")
    _common(atol, ATOL_LISTEN, "lose_reply*1,delay=2")
    atol.add_argument("--layer", choices=["v3", "v2"], default="v3",
                      help="lower layer the register speaks (default v3)")


def _common(parser: Any, listen: str, fault_example: str) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--listen", default=listen, metavar="tcp://HOST:PORT",
                       help=f"TCP address (default {listen}; port 0 = any free)")
    where.add_argument("--pty", action="store_true", help="serve on a new pseudo-terminal")
    parser.add_argument("--state", metavar="FILE", help="ФН state file (default in the data dir)")
    parser.add_argument("--unregistered", action="store_true",
                        help="a new ФН waits for registration (KkmRegOfd Open); "
                             "an existing state file keeps its own")
    parser.add_argument("--num", type=int, default=1, help="device number (seeds the ФН numbers)")
    parser.add_argument("--baud", type=int, default=0, help="pace answers at this baud rate")
    parser.add_argument("--fault", default="", metavar="SPEC",
                        help=f"wire fault plan, e.g. {fault_example}")
    parser.add_argument("--log-level", default="info",
                        choices=["debug", "info", "warning", "error"])


def default_state(kind: str, num: int) -> Path:
    """Where the emulator keeps its ФН unless ``--state`` says otherwise."""
    return Path(platformdirs.user_data_dir("openkkm")) / "emulators" / f"{kind}-fn-{num}.json"


def _tcp_address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme != "tcp" or not parts.hostname or parts.port is None:
        raise ConfigError(
            f"Ожидался адрес tcp://HOST:PORT, а не {url!r}",
            f"Expected tcp://HOST:PORT, not {url!r}",
        )
    return parts.hostname, parts.port


async def _serve_atol(args: argparse.Namespace) -> None:
    from openkkm.emulators.atol.cli import serve_cli

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    state = args.state or str(default_state("atol", args.num))
    serving = asyncio.create_task(serve_cli(
        None if args.pty else args.listen, args.pty, state, args.baud, args.fault,
        lambda address: print(address, flush=True), layer=args.layer,
        registered=not args.unregistered, num=args.num))
    await asyncio.wait([serving, asyncio.create_task(stop.wait())],
                       return_when=asyncio.FIRST_COMPLETED)
    serving.cancel()
    await asyncio.gather(serving, return_exceptions=True)


async def _serve(args: argparse.Namespace) -> None:
    from openkkm.emulators.shtrih import (
        ShtrihEmulator,
        serve_connection,
        serve_tcp_emulator,
    )
    from openkkm.transport import open_pty_pair

    emulator = ShtrihEmulator(
        DeviceConfig.model_validate(
            {"num": args.num, "kind": "shtrih", "registered": not args.unregistered}),
        state_file=args.state or str(default_state("shtrih", args.num)),
        faults=args.fault,
        baud=args.baud,
        protocol=None if args.protocol == "auto" else int(args.protocol),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    if args.pty:
        device_end, path = open_pty_pair()
        print(path, flush=True)
        serving = asyncio.create_task(
            _serve_pty(emulator, device_end, serve_connection)
        )
        await stop.wait()
        serving.cancel()
        await asyncio.gather(serving, return_exceptions=True)
        await device_end.close()
        return
    host, port = _tcp_address(args.listen)
    listener = await serve_tcp_emulator(emulator, host, port)
    print(f"tcp://{host}:{listener.port}", flush=True)
    log.info("ФН %s, last FD %s", emulator.fn.fn_number, emulator.fn.last_number)
    await stop.wait()
    await listener.close()


async def _serve_pty(emulator: Any, device_end: Any, serve_connection: Any) -> None:
    """Serve the pty for ever: a cut or a power loss only restarts the exchange."""
    while not device_end.closed:
        await serve_connection(emulator, device_end, close=False)


def run(args: argparse.Namespace) -> int:
    """Run the chosen emulator until a signal; 0 on a clean stop."""
    asyncio.run(_serve_atol(args) if args.kind == "atol" else _serve(args))
    return 0
