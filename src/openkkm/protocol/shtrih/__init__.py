"""Shtrih-M protocol layer: command codes, error and status tables, typed commands, exchanges.

Both sides use it: the host driver encodes requests and decodes answers; the device emulator
decodes requests and encodes answers. Nothing here does I/O (see ``exchange`` for the
ENQ/ACK/NAK state machines, which return bytes to write and never touch a transport).
"""
