"""Reading ФН documents as TLV (A4 46, in pieces) and the receipt counters summed from them.

ATOL publishes no counter command, so, like the Shtrih driver, the counters are the archive's
receipts summed: the first reading walks the whole archive, later ones only the new documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openkkm.errors import DeviceRejected, ProtocolError
from openkkm.fiscal import readback, tlv
from openkkm.fiscal.taxes import vat_of
from openkkm.fiscal.types import (
    Counters,
    DocumentType,
    Payments,
    ReceiptCounters,
    ReceiptKind,
    VatRate,
)
from openkkm.protocol.atol import cmd_fn
from openkkm.protocol.atol.errors import ErrorCode

from .link import AtolLink

RECEIPT_FORMS = (DocumentType.RECEIPT, DocumentType.BSO, DocumentType.CORRECTION,
                 DocumentType.BSO_CORRECTION)
CORRECTION_FORMS = (DocumentType.CORRECTION, DocumentType.BSO_CORRECTION)
BASE_ONLY = (VatRate.VAT0, VatRate.NONE)  #: rates whose counters carry the sum, not a tax
PAYMENT_NAMES = ("cash", "electronic", "prepayment", "credit", "provision")


async def read_tlv(link: AtolLink, number: int) -> bytes | None:
    """FD ``number``'s form STLV, read piece by piece; None when the ФН has no such FD."""
    data = b""
    size = None
    while size is None or len(data) < size:
        try:
            answer = await link.execute(cmd_fn.FnDocumentTlv(number=number, offset=len(data)),
                                        cmd_fn.FnDocumentTlvAnswer)
        except DeviceRejected as exc:
            if exc.vendor_code == ErrorCode.FN_NO_DATA:
                return None
            raise
        size = answer.size
        if not answer.piece and len(data) < size:
            raise ProtocolError(f"Документ {number} прочитан не полностью",
                                f"Document {number} was read short")
        data += answer.piece
    return data[:size]


@dataclass(slots=True)
class _Tally:
    """Running counters of one receipt kind."""

    count: int = 0
    total: int = 0
    payments: dict[str, int] = field(default_factory=dict)
    base: dict[VatRate, int] = field(default_factory=dict)
    vat: dict[VatRate, int] = field(default_factory=dict)
    corrections_count: int = 0
    corrections_total: int = 0

    def add(self, content: readback.ReadDocumentContent) -> None:
        """Count one receipt: its total, payments, per-rate sums and taxes (per receipt, as
        the ФН computes them)."""
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
            tax = 0 if rate in BASE_ONLY else vat_of(amount, rate)
            self.vat[rate] = self.vat.get(rate, 0) + tax

    def result(self, kind: ReceiptKind) -> ReceiptCounters:
        """The counters as the domain type."""
        return ReceiptCounters(
            kind=kind, count=self.count, total=self.total, payments=Payments(**self.payments),
            vat={rate: value for rate, value in self.vat.items() if value},
            base={rate: value for rate, value in self.base.items() if value},
            corrections_count=self.corrections_count, corrections_total=self.corrections_total)


def _fresh() -> dict[ReceiptKind, _Tally]:
    """Empty tallies, one per receipt kind."""
    return {kind: _Tally() for kind in ReceiptKind}


@dataclass(slots=True)
class ArchiveTally:
    """Receipt counters of one ФН summed from its archive up to ``last_fd``."""

    fn_number: str
    last_fd: int = 0
    shift: dict[ReceiptKind, _Tally] = field(default_factory=_fresh)
    total: dict[ReceiptKind, _Tally] = field(default_factory=_fresh)

    async def update(self, link: AtolLink, last_fd: int) -> None:
        """Count documents after ``self.last_fd`` up to ``last_fd``; a shift open restarts
        the shift's tallies."""
        for number in range(self.last_fd + 1, last_fd + 1):
            data = await read_tlv(link, number)
            if data is not None:
                self._count(number, data)
            self.last_fd = number  # counted: a failure later resumes after it

    def _count(self, number: int, data: bytes) -> None:
        try:
            content = readback.decode(data)
        except (tlv.TlvError, ValueError) as exc:
            raise ProtocolError(f"Документ {number} из архива ФН не разобран: {exc}",
                                f"Document {number} of the FN archive is unreadable: {exc}"
                                ) from exc
        if content.form is DocumentType.SHIFT_OPEN:
            self.shift = _fresh()
        elif content.form in RECEIPT_FORMS and content.kind is not None:
            self.total[content.kind].add(content)
            self.shift[content.kind].add(content)

    def counters(self, shift_number: int) -> Counters:
        """The counters as the domain type."""
        return Counters(shift_number=shift_number,
                        shift=tuple(self.shift[kind].result(kind) for kind in ReceiptKind),
                        total=tuple(self.total[kind].result(kind) for kind in ReceiptKind))
