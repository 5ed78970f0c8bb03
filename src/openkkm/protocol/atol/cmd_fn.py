"""ФН queries ``A4 xx``: shift state, OFD exchange, ФН status and number, document by number.

``A4 10`` is documented by atol4j (M). The others pass the ФН interface's own commands through
(20h, 30h, 31h, 40h) and answer with the ФН's layouts after ``55 00 00`` (M for 30h/31h,
*unconfirmed* for 40h). ``A4 46`` (read a document as TLV, in pieces) and ``A4 B1`` (check a
marking code) are openkkm's own layouts: see ``README.md``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar, Final, Self

from ...errors import ProtocolError
from ...fiscal.types import DocumentType, ReceiptKind
from .codes import Command, FnShiftState
from .messages import Answer, Request, fn_datetime, need, read_fn_datetime, read_u, u

FN_NUMBER_SIZE: Final = 16
TLV_CHUNK: Final = 1024  #: at most this many TLV bytes in one A4 46 answer
RECEIPT_FORMS: Final = frozenset({DocumentType.RECEIPT, DocumentType.BSO,
                                  DocumentType.CORRECTION, DocumentType.BSO_CORRECTION})
SHIFT_FORMS: Final = frozenset({DocumentType.SHIFT_OPEN, DocumentType.SHIFT_CLOSE})


@dataclass(frozen=True, slots=True)
class FnShiftStateAnswer(Answer):
    """A4 10: shift state, shift number u16 LE, receipt number u16 LE."""

    state: FnShiftState = FnShiftState.CLOSED
    shift_number: int = 0
    receipt_number: int = 0

    def data(self) -> bytes:
        """``state shift receipt``."""
        return bytes((self.state,)) + u(self.shift_number, 2) + u(self.receipt_number, 2)

    @classmethod
    def from_data(cls, data: bytes) -> Self:
        """``state shift receipt``."""
        need(data, 5, "A4 10")
        try:
            state = FnShiftState(data[0])
        except ValueError:
            raise ProtocolError(f"Неизвестное состояние смены {data[0]}",
                                f"Unknown shift state {data[0]}") from None
        return cls(state=state, shift_number=read_u(data, 1, 2, "shift"),
                   receipt_number=read_u(data, 3, 2, "receipt"))


@dataclass(frozen=True, slots=True)
class FnShift(Request):
    """A4 10 ФН shift state."""

    code: ClassVar[Command] = Command.FN_SHIFT_STATE
    answer: ClassVar[type[Answer]] = FnShiftStateAnswer


@dataclass(frozen=True, slots=True)
class FnOfdStateAnswer(Answer):
    """A4 20: exchange status, reading flag, unsent u16, first unsent u32, its date-time."""

    status: int = 0
    reading: bool = False
    unsent: int = 0
    first_unsent: int = 0
    first_unsent_at: dt.datetime | None = None

    def data(self) -> bytes:
        """The ФН 20h layout."""
        return (bytes((self.status, int(self.reading))) + u(self.unsent, 2)
                + u(self.first_unsent, 4) + fn_datetime(self.first_unsent_at))

    @classmethod
    def from_data(cls, data: bytes) -> Self:
        """The ФН 20h layout."""
        need(data, 13, "A4 20")
        return cls(status=data[0], reading=bool(data[1]), unsent=read_u(data, 2, 2, "unsent"),
                   first_unsent=read_u(data, 4, 4, "first"),
                   first_unsent_at=read_fn_datetime(data, 8))


@dataclass(frozen=True, slots=True)
class FnOfdState(Request):
    """A4 20 OFD exchange state."""

    code: ClassVar[Command] = Command.FN_OFD_STATE
    answer: ClassVar[type[Answer]] = FnOfdStateAnswer


@dataclass(frozen=True, slots=True)
class FnStatusAnswer(Answer):
    """A4 30: phase, current document, document data, shift open, warnings, date-time,
    ФН number (16 ASCII), last FD number u32 LE — the ФН's 30h answer."""

    phase: int = 0
    document: int = 0
    document_data: int = 0
    shift_open: bool = False
    warnings: int = 0
    moment: dt.datetime | None = None
    fn_number: str = ""
    last_document: int = 0

    def data(self) -> bytes:
        """30 bytes."""
        return (bytes((self.phase, self.document, self.document_data, int(self.shift_open),
                       self.warnings)) + fn_datetime(self.moment)
                + self.fn_number.encode("ascii").ljust(FN_NUMBER_SIZE, b" ")
                + u(self.last_document, 4))

    @classmethod
    def from_data(cls, data: bytes) -> Self:
        """30 bytes."""
        need(data, 30, "A4 30")
        return cls(phase=data[0], document=data[1], document_data=data[2],
                   shift_open=bool(data[3]), warnings=data[4], moment=read_fn_datetime(data, 5),
                   fn_number=data[10:26].decode("ascii", errors="replace").strip(" \0"),
                   last_document=read_u(data, 26, 4, "last FD"))


@dataclass(frozen=True, slots=True)
class FnStatus(Request):
    """A4 30 ФН status."""

    code: ClassVar[Command] = Command.FN_STATUS
    answer: ClassVar[type[Answer]] = FnStatusAnswer


@dataclass(frozen=True, slots=True)
class FnDocumentAnswer(Answer):
    """A4 40: type, OFD receipt flag, date-time, number, fiscal sign, then by type: receipts
    ``kind total(u40)``, shift reports ``shift(u16)``."""

    type: DocumentType = DocumentType.RECEIPT
    ofd_confirmed: bool = False
    moment: dt.datetime | None = None
    number: int = 0
    fiscal_sign: int = 0
    kind: ReceiptKind | None = None
    total: int = 0
    shift_number: int = 0

    def data(self) -> bytes:
        """Type-dependent layout."""
        head = (bytes((self.type, int(self.ofd_confirmed))) + fn_datetime(self.moment)
                + u(self.number, 4) + u(self.fiscal_sign, 4))
        if self.type in RECEIPT_FORMS:
            return head + bytes((self.kind or 0,)) + u(self.total, 5)
        if self.type in SHIFT_FORMS:
            return head + u(self.shift_number, 2)
        return head

    @classmethod
    def from_data(cls, data: bytes) -> Self:
        """Type-dependent layout."""
        need(data, 15, "A4 40")
        try:
            form = DocumentType(data[0])
        except ValueError:
            raise ProtocolError(f"Неизвестный тип документа {data[0]}",
                                f"Unknown document type {data[0]}") from None
        moment, number = read_fn_datetime(data, 2), read_u(data, 7, 4, "number")
        sign, confirmed = read_u(data, 11, 4, "sign"), bool(data[1])
        if form in RECEIPT_FORMS:
            need(data, 21, "A4 40 receipt")
            return cls(type=form, ofd_confirmed=confirmed, moment=moment, number=number,
                       fiscal_sign=sign, kind=ReceiptKind(data[15]),
                       total=read_u(data, 16, 5, "total"))
        shift = read_u(data, 15, 2, "shift") if form in SHIFT_FORMS else 0
        return cls(type=form, ofd_confirmed=confirmed, moment=moment, number=number,
                   fiscal_sign=sign, shift_number=shift)


@dataclass(frozen=True, slots=True)
class FnFindDocument(Request):
    """A4 40 read the archived FD ``number``."""

    code: ClassVar[Command] = Command.FN_FIND_DOCUMENT
    answer: ClassVar[type[Answer]] = FnDocumentAnswer
    number: int = 1

    def params(self) -> bytes:
        """``number u32 LE``."""
        return u(self.number, 4)

    @classmethod
    def from_params(cls, params: bytes) -> Self:
        """``number u32 LE``."""
        if len(params) != 4:
            raise ProtocolError("Неверная длина команды A4 40", "Wrong A4 40 length")
        return cls(number=read_u(params, 0, 4, "number"))


@dataclass(frozen=True, slots=True)
class FnDocumentTlvAnswer(Answer):
    """A4 46 answer: the whole document's size u16 LE, then the piece asked for."""

    size: int = 0
    piece: bytes = b""

    def data(self) -> bytes:
        """``size piece``."""
        return u(self.size, 2) + self.piece

    @classmethod
    def from_data(cls, data: bytes) -> Self:
        """``size piece``."""
        need(data, 2, "A4 46")
        return cls(size=read_u(data, 0, 2, "size"), piece=bytes(data[2:]))


@dataclass(frozen=True, slots=True)
class FnDocumentTlv(Request):
    """A4 46 read FD ``number``'s form STLV from ``offset`` (openkkm's layout, *unconfirmed*)."""

    code: ClassVar[Command] = Command.FN_DOCUMENT_TLV
    answer: ClassVar[type[Answer]] = FnDocumentTlvAnswer
    number: int = 1
    offset: int = 0

    def params(self) -> bytes:
        """``number u32 LE, offset u16 LE``."""
        return u(self.number, 4) + u(self.offset, 2)

    @classmethod
    def from_params(cls, params: bytes) -> Self:
        """``number u32 LE, offset u16 LE``."""
        if len(params) != 6:
            raise ProtocolError("Неверная длина команды A4 46", "Wrong A4 46 length")
        return cls(number=read_u(params, 0, 4, "number"), offset=read_u(params, 4, 2, "offset"))


@dataclass(frozen=True, slots=True)
class FnCheckMarkingAnswer(Answer):
    """A4 B1 answer: the check result, tag 2106 (bit 0 checked, bit 1 good)."""

    result: int = 0

    def data(self) -> bytes:
        """``result``."""
        return bytes((self.result,))

    @classmethod
    def from_data(cls, data: bytes) -> Self:
        """``result``."""
        need(data, 1, "A4 B1")
        return cls(result=data[0])


@dataclass(frozen=True, slots=True)
class FnCheckMarking(Request):
    """A4 B1 check a marking code with the ФН (openkkm's layout, *unconfirmed*)."""

    code: ClassVar[Command] = Command.FN_CHECK_MARKING
    answer: ClassVar[type[Answer]] = FnCheckMarkingAnswer
    planned_status: int = 1
    marking_code: bytes = b""

    def params(self) -> bytes:
        """``planned status (2003), code length, code (ASCII, GS included)``."""
        return bytes((self.planned_status, len(self.marking_code))) + self.marking_code

    @classmethod
    def from_params(cls, params: bytes) -> Self:
        """``planned status, code length, code``."""
        need(params, 2, "A4 B1")
        if len(params) != 2 + params[1]:
            raise ProtocolError("Неверная длина команды A4 B1", "Wrong A4 B1 length")
        return cls(planned_status=params[0], marking_code=bytes(params[2:]))
