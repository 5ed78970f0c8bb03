"""``openkkm emulator shtrih``: serve an emulated Shtrih-M register over TCP or a pty.

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
log = logging.getLogger("openkkm.emulator")


def add_parser(sub: Any) -> None:
    """Register the ``emulator`` subcommand on the main parser's subparsers."""
    emulator = sub.add_parser("emulator", help="run a device emulator")
    kinds = emulator.add_subparsers(dest="kind", required=True)
    shtrih = kinds.add_parser(
        "shtrih", help="a fiscalised Shtrih-M register with a simulated ФН"
    )
    where = shtrih.add_mutually_exclusive_group()
    where.add_argument(
        "--listen",
        default=DEFAULT_LISTEN,
        metavar="tcp://HOST:PORT",
        help=f"TCP address (default {DEFAULT_LISTEN}; port 0 = any free)",
    )
    where.add_argument(
        "--pty", action="store_true", help="serve on a new pseudo-terminal"
    )
    shtrih.add_argument(
        "--state", metavar="FILE", help="ФН state file (default in the data dir)"
    )
    shtrih.add_argument(
        "--num", type=int, default=1, help="device number (seeds the ФН numbers)"
    )
    shtrih.add_argument(
        "--baud", type=int, default=0, help="pace answers at this baud rate"
    )
    shtrih.add_argument(
        "--fault",
        default="",
        metavar="SPEC",
        help="wire fault plan, e.g. lose_reply@ff45*1,delay=2",
    )
    shtrih.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )


def default_state(num: int) -> Path:
    """Where the emulator keeps its ФН unless ``--state`` says otherwise."""
    return (
        Path(platformdirs.user_data_dir("openkkm"))
        / "emulators"
        / f"shtrih-fn-{num}.json"
    )


def _tcp_address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme != "tcp" or not parts.hostname or parts.port is None:
        raise ConfigError(
            f"Ожидался адрес tcp://HOST:PORT, а не {url!r}",
            f"Expected tcp://HOST:PORT, not {url!r}",
        )
    return parts.hostname, parts.port


async def _serve(args: argparse.Namespace) -> None:
    from openkkm.emulators.shtrih import (
        ShtrihEmulator,
        serve_connection,
        serve_tcp_emulator,
    )
    from openkkm.transport import open_pty_pair

    emulator = ShtrihEmulator(
        DeviceConfig.model_validate({"num": args.num, "kind": "shtrih"}),
        state_file=args.state or str(default_state(args.num)),
        faults=args.fault,
        baud=args.baud,
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
    asyncio.run(_serve(args))
    return 0
