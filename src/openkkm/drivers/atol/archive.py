"""Reading ФН documents as TLV (A4 46, in pieces) and the receipt counters summed from them.

ATOL publishes no counter command, so, like the Shtrih driver, the counters are the archive's
receipts summed: the first reading walks the whole archive, later ones only the new documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openkkm.errors import DeviceRejected, ProtocolError
from openkkm.fiscal import readback, tlv
from openkkm.fiscal.tally import RECEIPT_FORMS, ReceiptTally, fresh_tallies
from openkkm.fiscal.types import (
    Counters,
    DocumentType,
    ReceiptKind,
)
from openkkm.protocol.atol import cmd_fn
from openkkm.protocol.atol.errors import ErrorCode

from .link import AtolLink


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
class ArchiveTally:
    """Receipt counters of one ФН summed from its archive up to ``last_fd``."""

    fn_number: str
    last_fd: int = 0
    shift: dict[ReceiptKind, ReceiptTally] = field(default_factory=fresh_tallies)
    total: dict[ReceiptKind, ReceiptTally] = field(default_factory=fresh_tallies)

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
            self.shift = fresh_tallies()
        elif content.form in RECEIPT_FORMS and content.kind is not None:
            self.total[content.kind].add(content)
            self.shift[content.kind].add(content)

    def counters(self, shift_number: int) -> Counters:
        """The counters as the domain type."""
        return Counters(shift_number=shift_number,
                        shift=tuple(self.shift[kind].result(kind) for kind in ReceiptKind),
                        total=tuple(self.total[kind].result(kind) for kind in ReceiptKind))
