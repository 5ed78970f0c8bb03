"""The emulated ATOL register (lower layer v3 on the shared simulated ФН), for tests and the CLI."""

from __future__ import annotations

from .device import DEFAULT_PORT, AtolEmulator, serve_in_process, serve_tcp_emulator

__all__ = ["DEFAULT_PORT", "AtolEmulator", "serve_in_process", "serve_tcp_emulator"]
