"""Shtrih-M protocol layer: command codes, error and status tables, typed commands, exchanges.

Both sides use it: the host driver encodes requests and decodes answers; the device emulator
decodes requests and encodes answers. Modules:

- ``codes`` (:class:`Command`), ``errors`` (texts, exceptions), ``status``, ``values``,
  ``timeouts`` — typed tables from PROTOCOLS.md §1.
- ``fields``/``messages`` — declarative layouts; ``cmd_*`` — one dataclass per request and
  answer; ``registry`` — request class by code and :func:`registry.decode_request`.
- ``exchange`` (protocol 1: ENQ/ACK/NAK) and ``exchange_v2`` (protocol 2: numbered frames) —
  sans-IO state machines, host and device; they return bytes to write and never do I/O.
- ``session`` — the only async module: :class:`session.HostSession` for drivers and
  :func:`session.serve_device` for emulators, over any :mod:`openkkm.transport`.
"""
