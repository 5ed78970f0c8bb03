"""The vendor-neutral simulated fiscal drive (ФН): numbering, shifts, receipts, archive, OFD queue.

It is what the ``virtual`` driver drives in process and what the protocol fronts (Shtrih-M,
ATOL) put behind their wire protocols. ``drive.FiscalDrive`` is the state machine and
``setup.open_drive`` brings one up for a configured device; ``errors.FnError`` is every refusal,
which changes no state; ``persist.StateFile`` keeps the state in ``fn-<num>.json`` (replaced
atomically) beside the append-only archive ``fn-<num>.archive``.
"""
