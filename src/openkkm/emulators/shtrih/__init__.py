"""The Shtrih-M device emulator: a fiscalised ШТРИХ-М-02Ф in front of the simulated ФН.

``device`` holds :class:`ShtrihEmulator` (command dispatch, status, error mapping); the
command handlers live in ``queries`` (status and ФН reads), ``receipts`` and ``operations``
(shifts, reports, cash, printer, service), ``reports`` (money register 241, the state report,
re-registration, closing the ФН) and ``marking``; ``state`` is what the register keeps besides the ФН;
``faults`` the wire fault plan; ``server`` the device-side loop over any transport, TCP and
in-process ``loop://`` serving.
"""

from __future__ import annotations

from .device import ShtrihEmulator
from .server import serve_connection, serve_in_process, serve_tcp_emulator

__all__ = [
    "ShtrihEmulator",
    "serve_connection",
    "serve_in_process",
    "serve_tcp_emulator",
]
