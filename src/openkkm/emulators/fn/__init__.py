"""The vendor-neutral simulated fiscal drive (ФН): numbering, shifts, receipts, archive, OFD queue.

It is what the ``virtual`` driver drives in process and what the protocol fronts (Shtrih-M,
ATOL) put behind their wire protocols. ``FiscalDrive`` is the state machine; ``FnError`` is
every refusal, which changes no state; ``StateFile`` keeps the whole state in one file,
replaced atomically on each change.
"""
