"""Entry of ``openkkm emulator atol --listen tcp://HOST:PORT | --pty [--state FILE]``.

The command-line parser lives in ``openkkm.cli``; it calls :func:`serve_cli`, which runs until
cancelled (Ctrl+C).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from openkkm.config import DeviceConfig
from openkkm.errors import ConfigError
from openkkm.transport import open_pty_pair, parse_url

from .device import DEFAULT_PORT, AtolEmulator, serve_tcp_emulator

DEFAULT_LISTEN = f"tcp://127.0.0.1:{DEFAULT_PORT}"


async def serve_cli(listen: str | None, pty: bool, state: str | None, baud: int, fault: str,
                    print_address: Callable[[str], None], *, layer: str = "v3",
                    registered: bool = True, num: int = 1) -> None:
    """Serve one emulated ATOL register on TCP (default ``127.0.0.1:5555``) or a new pty.

    ``state`` is the ФН state file (kept across runs; in memory without it), ``baud`` paces
    bytes as a serial line would (0 = no pacing), ``fault`` is a fault plan (see ``faults``).
    ``print_address`` gets the URL a driver connects to; ``layer`` is the lower layer the
    register speaks ("v3", the 54-ФЗ default, or "v2"); without ``registered`` a new ФН waits
    for its registration; ``num`` seeds the ФН and serial numbers, as for the Shtrih emulator.
    """
    config = DeviceConfig.model_validate({"num": num, "kind": "atol", "registered": registered})
    emulator = AtolEmulator(config, state_file=state, faults=fault, baud=baud, layer=layer)
    if pty:
        if listen:
            raise ConfigError("Укажите либо --listen, либо --pty", "Give either --listen or --pty")
        transport, path = open_pty_pair()
        print_address(f"pty://{path}")
        await emulator.serve(transport)
        return
    spec = parse_url(listen or DEFAULT_LISTEN)
    if spec.scheme != "tcp":
        raise ConfigError(f"Эмулятор слушает только tcp://HOST:PORT, а не {spec.url!r}",
                          f"The emulator listens on tcp://HOST:PORT only, not {spec.url!r}")
    listener = await serve_tcp_emulator(emulator, spec.target, spec.port)
    try:
        print_address(f"tcp://{spec.target}:{listener.port}")
        await asyncio.Event().wait()
    finally:
        await listener.close()
