"""ATOL protocol layer ("Протокол работы ККТ 3.1"): codes, errors, typed commands, exchanges.

Both sides use it: the host driver encodes requests and decodes answers, the device emulator
decodes requests and encodes answers. Modules:

- ``codes`` (:class:`~codes.Command`, modes, value tables), ``errors`` (texts, exceptions),
  ``values`` (BCD, external code page) — typed tables from PROTOCOLS.md §2.
- ``messages`` — request/answer bases; ``cmd_state``, ``cmd_receipt``, ``cmd_fn`` — one
  dataclass per request and answer; ``registry`` — request class by code.
- ``exchange`` — the sans-IO task-buffer exchange of lower layer v3, host and device;
  ``detect`` — which lower layer a device speaks.
- ``session`` — the only async module: :class:`session.HostSession` for drivers.

What is and is not covered (and where layouts are openkkm's own) is in ``README.md``.
"""
