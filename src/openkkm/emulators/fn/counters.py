"""Shift and ФН counters: counts and sums per document form × 1054 × payment kind × VAT rate.

Kept as a flat ``{key: kopecks}`` map so it persists as JSON unchanged. A key is
``"<form>.<1054>.<field>"``: ``count``, ``total``, one per payment kind (``cash``,
``electronic``, ``prepayment``, ``credit``, ``provision``), ``base<1199>`` (sum of the lines at a
VAT rate) and ``vat<1199>`` (the tax at that rate). That is enough to fill 1194/1157 once their
layout is known (``FISCAL.md`` §8).
"""

from __future__ import annotations

from openkkm.emulators.fn.receipt import PAYMENT_TAGS, vat_totals
from openkkm.fiscal.types import (
    DocumentType,
    Payments,
    ReceiptCounters,
    ReceiptKind,
    VatRate,
)

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


_RECEIPT_FORMS = (DocumentType.RECEIPT, DocumentType.BSO)
_CORRECTION_FORMS = (DocumentType.CORRECTION, DocumentType.BSO_CORRECTION)
_PAYMENT_NAMES = tuple(name for name, _tag in PAYMENT_TAGS)


def readout(totals: dict[str, int]) -> tuple[ReceiptCounters, ...]:
    """The counters of each receipt kind; as in the ФН's own counters (1129–1132) receipts, BSO
    and their corrections are all counted, and corrections are also counted apart."""
    result = []
    for kind in ReceiptKind:

        def value(name: str, forms: tuple[DocumentType, ...], kind: ReceiptKind = kind) -> int:
            return sum(totals.get(key(form, kind, name), 0) for form in forms)

        every = _RECEIPT_FORMS + _CORRECTION_FORMS
        payments = Payments(**{name: value(name, every) for name in _PAYMENT_NAMES})
        vat = {rate: value(f"vat{int(rate)}", every) for rate in VatRate}
        base = {rate: value(f"base{int(rate)}", every) for rate in VatRate}
        result.append(ReceiptCounters(
            kind=kind, count=value("count", every), total=value("total", every),
            payments=payments, vat={rate: sum_ for rate, sum_ in vat.items() if sum_},
            base={rate: sum_ for rate, sum_ in base.items() if sum_},
            corrections_count=value("count", _CORRECTION_FORMS),
            corrections_total=value("total", _CORRECTION_FORMS)))
    return tuple(result)
