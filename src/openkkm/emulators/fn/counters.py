"""Shift and ФН counters: counts and sums per document form × 1054 × payment kind × VAT rate.

Kept as a flat ``{key: kopecks}`` map so it persists as JSON unchanged. A key is
``"<form>.<1054>.<field>"``: ``count``, ``total``, one per payment kind (``cash``,
``electronic``, ``prepayment``, ``credit``, ``provision``), ``base<1199>`` (sum of the lines at a
VAT rate) and ``vat<1199>`` (the tax at that rate). That is enough to fill 1194/1157 once their
layout is known (``FISCAL.md`` §8).
"""

from __future__ import annotations

from openkkm.emulators.fn.receipt import PAYMENT_TAGS, vat_totals
from openkkm.fiscal.types import DocumentType, Payments, ReceiptKind, VatRate

_BASE_ONLY = (VatRate.VAT0, VatRate.NONE)


def key(form: DocumentType, kind: ReceiptKind, name: str) -> str:
    """Return the counter key of ``name`` for receipts of ``form`` and ``kind``."""
    return f"{int(form)}.{int(kind)}.{name}"


def add_receipt(totals: dict[str, int], form: DocumentType, kind: ReceiptKind, total: int,
                payments: Payments, lines: list[tuple[int, int]]) -> None:
    """Count one closed receipt into ``totals``."""

    def add(name: str, value: int) -> None:
        counter = key(form, kind, name)
        totals[counter] = totals.get(counter, 0) + value

    add("count", 1)
    add("total", total)
    for name, _tag in PAYMENT_TAGS:
        add(name, getattr(payments, name))
    for code, amount in lines:
        add(f"base{code}", amount)
    for rate, amount in vat_totals(lines).items():
        if rate not in _BASE_ONLY:
            add(f"vat{int(rate)}", amount)
