"""Receipt counters summed from documents read back from a ФН archive.

Registers that have no counter command (Shtrih, ATOL) give ``GetCounters`` by summing the
receipts of their ФН archive; the summing is the same whatever protocol read the documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openkkm.fiscal import readback
from openkkm.fiscal.taxes import vat_of
from openkkm.fiscal.types import (
    DocumentType,
    Payments,
    ReceiptCounters,
    ReceiptKind,
    VatRate,
)

RECEIPT_FORMS = frozenset(
    {DocumentType.RECEIPT, DocumentType.BSO, DocumentType.CORRECTION, DocumentType.BSO_CORRECTION})
CORRECTION_FORMS = frozenset({DocumentType.CORRECTION, DocumentType.BSO_CORRECTION})
BASE_ONLY = frozenset({VatRate.VAT0, VatRate.NONE})  #: rates whose total is the sum, no tax
PAYMENT_NAMES = ("cash", "electronic", "prepayment", "credit", "provision")


@dataclass(slots=True)
class ReceiptTally:
    """Running counters of one receipt kind."""

    count: int = 0
    total: int = 0
    payments: dict[str, int] = field(default_factory=dict)
    base: dict[VatRate, int] = field(default_factory=dict)
    vat: dict[VatRate, int] = field(default_factory=dict)
    corrections_count: int = 0
    corrections_total: int = 0

    def add(self, content: readback.ReadDocumentContent) -> None:
        """Count one receipt: its total, payments and per-rate sums and taxes."""
        self.count += 1
        self.total += content.total
        if content.form in CORRECTION_FORMS:
            self.corrections_count += 1
            self.corrections_total += content.total
        for name in PAYMENT_NAMES:
            self.payments[name] = self.payments.get(name, 0) + getattr(content.payments, name)
        sums: dict[VatRate, int] = {}
        for line in content.lines:
            if line.vat is not None:
                sums[line.vat] = sums.get(line.vat, 0) + line.amount
        for rate, amount in sums.items():
            self.base[rate] = self.base.get(rate, 0) + amount
            self.vat[rate] = self.vat.get(rate, 0) + (
                0 if rate in BASE_ONLY else vat_of(amount, rate)
            )

    def result(self, kind: ReceiptKind) -> ReceiptCounters:
        """The counters as the domain type."""
        return ReceiptCounters(
            kind=kind,
            count=self.count,
            total=self.total,
            payments=Payments(**self.payments),
            vat={rate: value for rate, value in self.vat.items() if value},
            base={rate: value for rate, value in self.base.items() if value},
            corrections_count=self.corrections_count,
            corrections_total=self.corrections_total,
        )


def fresh_tallies() -> dict[ReceiptKind, ReceiptTally]:
    """Empty tallies, one per receipt kind."""
    return {kind: ReceiptTally() for kind in ReceiptKind}


def tally_results(tallies: dict[ReceiptKind, ReceiptTally]) -> tuple[ReceiptCounters, ...]:
    """The counters of every kind, in the kind order."""
    return tuple(tallies[kind].result(kind) for kind in ReceiptKind)
