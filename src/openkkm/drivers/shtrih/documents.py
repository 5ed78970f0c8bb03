"""Reading the FN archive through a Shtrih register: FF0A find, FF3A/FF3B TLV, FF09 registration.

FF0A is the authority on whether a document exists and what it is (type, moment to the minute,
fiscal sign, receipt kind and total). Where the firmware reads documents as TLV (FF3A/FF3B),
the moment to the second, the shift number and the receipt number come from tags 1012, 1038
and 1042; where it does not (0x37), FF0A's data stand alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Final

from openkkm.errors import DeviceRejected, ProtocolError
from openkkm.fiscal import tlv
from openkkm.fiscal.types import FiscalDocument, ReceiptKind
from openkkm.protocol.shtrih.cmd_fn import (
    FindDocument,
    FindDocumentAnswer,
    ReadDocumentBlock,
    ReadDocumentBlockAnswer,
    ReadDocumentStart,
    ReadDocumentStartAnswer,
)
from openkkm.protocol.shtrih.values import DEFAULT_ADMIN_PASSWORD

from .link import ShtrihLink
from .mapping import RECEIPT_DOCUMENTS, SHIFT_DOCUMENTS, document_type

log = logging.getLogger(__name__)

NO_DATA: Final = frozenset({0x08, 0x34})  #: "no requested data": the FN has no such document
NOT_SUPPORTED: Final = frozenset({0x37, 0x01})  #: the firmware lacks the command
MAX_BLOCKS: Final = 256  #: FF3B calls per document at most (a receipt is ≤ 32 KiB)
FF09: Final = b"\xff\x09"  #: last fiscalisation result; not in the typed command table
FF09_SHORTEST: Final = 47  #: FF09 DATA with the FD and FP at its end (the FFD 1.05 layout)
TAG_MOMENT: Final = 1012
TAG_SHIFT: Final = 1038
TAG_RECEIPT: Final = 1042


class DocumentReader:
    """Reads documents of one FN; remembers whether the firmware reads them as TLV."""

    def __init__(self, link: ShtrihLink) -> None:
        self.link = link
        self.tlv_supported = True

    async def find(self, number: int, fn_number: str) -> FiscalDocument | None:
        """Return FD ``number`` as a domain document, or None when the FN has none."""
        try:
            found = await self.link.execute(FindDocument(fd_number=number), FindDocumentAnswer)
        except DeviceRejected as exc:
            if exc.vendor_code in NO_DATA:
                return None
            raise
        document = from_find(found, fn_number)
        if document.number != number:
            raise ProtocolError(
                f"ФН вернул документ {document.number} вместо {number}",
                f"The FN returned document {document.number} instead of {number}",
            )
        tags = await self.read_tags(number)
        return refine(document, tags) if tags else document

    async def read_tags(self, number: int) -> dict[int, bytes]:
        """Return the top-level tags of FD ``number`` ({} when the firmware cannot read TLV)."""
        read = await self.read_stlv(number)
        if read is None:
            return {}
        try:
            return dict(tlv.iter_tlv(read[4:]))
        except tlv.TlvError as exc:
            log.warning("FD %s read as TLV is malformed (%s); using FF0A data alone", number, exc)
            return {}

    async def read_stlv(self, number: int) -> bytes | None:
        """Return FD ``number`` as its form's STLV (FF3A/FF3B); None when the firmware cannot."""
        if not self.tlv_supported:
            return None
        try:
            start = await self.link.execute(
                ReadDocumentStart(fd_number=number), ReadDocumentStartAnswer
            )
        except DeviceRejected as exc:
            if exc.vendor_code in NOT_SUPPORTED:
                self.tlv_supported = False
                return None
            raise
        data = b""
        for _ in range(MAX_BLOCKS):
            if len(data) >= start.length:
                break
            block = await self.link.execute(ReadDocumentBlock(), ReadDocumentBlockAnswer)
            if not block.data:
                break
            data += block.data
        return tlv.tlv(start.document_tag, _body(data, start.document_tag))


def from_find(found: FindDocumentAnswer, fn_number: str) -> FiscalDocument:
    """Build the domain document from an FF0A answer."""
    doc_type = document_type(found.document_type)
    if doc_type is None or found.datetime is None:
        raise ProtocolError(
            f"ФН вернул неизвестный тип документа {found.document_type} или неверную дату",
            f"The FN returned unknown document type {found.document_type} or a bad date",
        )
    kind: ReceiptKind | None = None
    total = shift = 0
    if doc_type in RECEIPT_DOCUMENTS:
        operation, total = found.receipt_operation()
        kind = ReceiptKind(operation)
    elif doc_type in SHIFT_DOCUMENTS:
        shift = found.shift_number()
    return FiscalDocument(
        number=found.fd_number,
        fiscal_sign=found.fiscal_sign,
        moment=found.datetime,
        type=doc_type,
        fn_number=fn_number,
        shift_number=shift,
        kind=kind,
        total=total,
    )


def refine(document: FiscalDocument, tags: dict[int, bytes]) -> FiscalDocument:
    """Take the exact moment, shift and receipt numbers from the document's own tags."""
    changes: dict[str, object] = {}
    if TAG_MOMENT in tags:
        moment = tlv.read_unixtime(tags[TAG_MOMENT])
        if moment.replace(second=0) == document.moment:
            changes["moment"] = moment
    if TAG_SHIFT in tags:
        changes["shift_number"] = tlv.read_vln(tags[TAG_SHIFT])
    if TAG_RECEIPT in tags:
        changes["receipt_number"] = tlv.read_vln(tags[TAG_RECEIPT])
    return replace(document, **changes)  # type: ignore[arg-type]


def _body(data: bytes, document_tag: int) -> bytes:
    """Unwrap the document's STLV if the firmware sent it whole, else return the run of TLVs."""
    if len(data) >= 4 and int.from_bytes(data[:2], "little") == document_tag:
        length = int.from_bytes(data[2:4], "little")
        if length == len(data) - 4:
            return data[4:]
    return data


@dataclass(frozen=True, slots=True)
class Fiscalisation:
    """FF09: the register's last registration (INN, РН, tax systems, work modes)."""

    inn: str
    reg_number: str
    tax_mask: int
    work_mode: int
    extended_mode: int
    fd_number: int  #: the FD of that (re-)registration report; 0 when the answer is too short


async def read_fiscalisation(link: ShtrihLink) -> Fiscalisation | None:
    """Return FF09's answer, or None when the firmware lacks the command."""
    password = DEFAULT_ADMIN_PASSWORD.to_bytes(4, "little")
    try:
        data = await link.execute_raw(FF09, password)
    except DeviceRejected as exc:
        if exc.vendor_code in NOT_SUPPORTED | NO_DATA:
            return None
        raise
    if len(data) < 39:
        raise ProtocolError("Ответ FF09 короче ожидаемого", "FF09 answer too short")
    return Fiscalisation(
        inn=data[5:17].decode("ascii", "replace").strip(" \0"),
        reg_number=data[17:37].decode("ascii", "replace").strip(" \0"),
        tax_mask=data[37],
        work_mode=data[38],
        extended_mode=data[39] if len(data) >= 48 else 0,
        fd_number=int.from_bytes(data[-8:-4], "little") if len(data) >= FF09_SHORTEST else 0,
    )
