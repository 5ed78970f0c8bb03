"""FN queries: status, number, expiry, find/read documents, OFD status, shift parameters.

FF01, FF02, FF03, FF0A, FF39, FF3A/FF3B (document as TLV), FF3F, FF40 (PROTOCOLS.md §1.6).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from .codes import Command
from .fields import Ascii, Blob, DateField, DateTimeField, Optional, spec, take
from .messages import U8, U16, U32, Answer, Request, admin_password
from .status import FnDocument, FnPhase, FnWarning, OfdStatus


@dataclass(frozen=True, kw_only=True)
class FnStatusAnswer(Answer):
    """FF01 answer: phase, open document, shift flag, warnings, date-time, FN number, last FD."""

    phase: int = spec(U8)
    current_document: int = spec(U8, FnDocument.NONE)
    document_data_received: int = spec(U8, 0)
    shift_open: int = spec(U8, 0)
    warnings: int = spec(U8, 0)
    datetime: dt.datetime | None = spec(DateTimeField())
    fn_number: str = spec(Ascii(16))
    last_fd_number: int = spec(U32)

    @property
    def phase_flags(self) -> FnPhase:
        """Return the life phase as flags."""
        return FnPhase(self.phase)

    @property
    def warning_flags(self) -> FnWarning:
        """Return the warnings as flags."""
        return FnWarning(self.warnings)


@dataclass(frozen=True, kw_only=True)
class FnStatus(Request):
    """FF01 FN status request."""

    code: ClassVar[Command] = Command.FN_STATUS
    answer: ClassVar[type[Answer]] = FnStatusAnswer
    password: int = admin_password()


@dataclass(frozen=True, kw_only=True)
class FnNumberAnswer(Answer):
    """FF02 answer: the 16-character FN serial number."""

    fn_number: str = spec(Ascii(16))


@dataclass(frozen=True, kw_only=True)
class FnNumber(Request):
    """FF02 FN number request."""

    code: ClassVar[Command] = Command.FN_NUMBER
    answer: ClassVar[type[Answer]] = FnNumberAnswer
    password: int = admin_password()


@dataclass(frozen=True, kw_only=True)
class FnExpiryAnswer(Answer):
    """FF03 answer: ``YY MM DD`` and, on most firmware, re-registrations left and done."""

    expiry: dt.date | None = spec(DateField("ymd"))
    reregistrations_left: int | None = spec(Optional(U8), None)
    reregistrations_done: int | None = spec(Optional(U8), None)


@dataclass(frozen=True, kw_only=True)
class FnExpiry(Request):
    """FF03 FN expiry request."""

    code: ClassVar[Command] = Command.FN_EXPIRY
    answer: ClassVar[type[Answer]] = FnExpiryAnswer
    password: int = admin_password()


@dataclass(frozen=True, kw_only=True)
class FindDocumentAnswer(Answer):
    """FF0A answer; ``details`` is type-specific (receipt: op type u8 + sum u40; shift: u16)."""

    document_type: int = spec(U8)
    ticket_received: int = spec(U8, 0)
    datetime: dt.datetime | None = spec(DateTimeField())
    fd_number: int = spec(U32)
    fiscal_sign: int = spec(U32)
    details: bytes = spec(Blob(), b"")

    def receipt_operation(self) -> tuple[int, int]:
        """Return ``(operation type, total in kopecks)`` of a receipt document."""
        raw = take(self.details, 0, 6, "details")
        return raw[0], int.from_bytes(raw[1:], "little")

    def shift_number(self) -> int:
        """Return the shift number of a shift open/close report."""
        return int.from_bytes(take(self.details, 0, 2, "details"), "little")


@dataclass(frozen=True, kw_only=True)
class FindDocument(Request):
    """FF0A find a fiscal document by its number."""

    code: ClassVar[Command] = Command.FN_FIND_DOCUMENT
    answer: ClassVar[type[Answer]] = FindDocumentAnswer
    password: int = admin_password()
    fd_number: int = spec(U32)


@dataclass(frozen=True, kw_only=True)
class OfdStatusAnswer(Answer):
    """FF39 answer: status bits, reading flag, queue length, first unsent FD and its date-time."""

    status: int = spec(U8, 0)
    reading_message: int = spec(U8, 0)
    queue_length: int = spec(U16, 0)
    first_unsent_fd: int = spec(U32, 0)
    first_unsent_datetime: dt.datetime | None = spec(DateTimeField(), None)

    @property
    def status_flags(self) -> OfdStatus:
        """Return the status as flags."""
        return OfdStatus(self.status)


@dataclass(frozen=True, kw_only=True)
class OfdExchangeStatus(Request):
    """FF39 OFD exchange status request."""

    code: ClassVar[Command] = Command.FN_OFD_STATUS
    answer: ClassVar[type[Answer]] = OfdStatusAnswer
    password: int = admin_password()


@dataclass(frozen=True, kw_only=True)
class ReadDocumentStartAnswer(Answer):
    """FF3A answer: STLV document type (tag) and its length."""

    document_tag: int = spec(U16)
    length: int = spec(U16)


@dataclass(frozen=True, kw_only=True)
class ReadDocumentStart(Request):
    """FF3A start reading FD ``fd_number`` as TLV."""

    code: ClassVar[Command] = Command.FN_READ_DOCUMENT_START
    answer: ClassVar[type[Answer]] = ReadDocumentStartAnswer
    password: int = admin_password()
    fd_number: int = spec(U32)


@dataclass(frozen=True, kw_only=True)
class ReadDocumentBlockAnswer(Answer):
    """FF3B answer: the next TLV block."""

    data: bytes = spec(Blob())


@dataclass(frozen=True, kw_only=True)
class ReadDocumentBlock(Request):
    """FF3B read the next TLV block of the document started with FF3A."""

    code: ClassVar[Command] = Command.FN_READ_DOCUMENT_BLOCK
    answer: ClassVar[type[Answer]] = ReadDocumentBlockAnswer
    password: int = admin_password()


@dataclass(frozen=True, kw_only=True)
class UnconfirmedCountAnswer(Answer):
    """FF3F answer: count of FDs without an OFD ticket (u16 per the spec)."""

    count: int = spec(U16)


@dataclass(frozen=True, kw_only=True)
class UnconfirmedCount(Request):
    """FF3F count of FDs without an OFD ticket."""

    code: ClassVar[Command] = Command.FN_UNCONFIRMED_COUNT
    answer: ClassVar[type[Answer]] = UnconfirmedCountAnswer
    password: int = admin_password()


@dataclass(frozen=True, kw_only=True)
class ShiftParamsAnswer(Answer):
    """FF40 answer: shift open flag, shift number, receipt number in the shift."""

    shift_open: int = spec(U8)
    shift_number: int = spec(U16)
    receipt_number: int = spec(U16)


@dataclass(frozen=True, kw_only=True)
class ShiftParams(Request):
    """FF40 current shift parameters."""

    code: ClassVar[Command] = Command.FN_SHIFT_PARAMS
    answer: ClassVar[type[Answer]] = ShiftParamsAnswer
    password: int = admin_password()
