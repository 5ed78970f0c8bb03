"""ATOL protocol 3.1 upper-layer codes (PROTOCOLS.md §2.3, §2.4): commands, modes, value tables.

Two-byte command codes (``A4 xx`` ФН queries) are written ``0xA4xx``; :func:`command_bytes` gives
their wire form. Confidence marks follow PROTOCOLS.md; values marked *unconfirmed* are openkkm's
choice where no open source gives them (see ``README.md`` in this package).
"""

from __future__ import annotations

from enum import IntEnum, IntFlag
from typing import Final

FN_PREFIX: Final = 0xA4  #: first byte of the ``A4 xx`` ФН pass-through queries


class Command(IntEnum):
    """Upper-layer command codes."""

    DEVICE_STATE = 0x3F  #: → ``'D'`` state record (H)
    STATE_CODE = 0x45  #: → ``'U'`` mode, printer flags (H)
    BEEP = 0x47  #: (H)
    LEAVE_MODE = 0x48  #: (H)
    CASH_IN = 0x49  #: flags, sum 5 BCD (H)
    CLOSE_RECEIPT = 0x4A  #: flags, payment type, sum 5 BCD (H)
    PRINT_STRING = 0x4C  #: text, external code page (H)
    CASH_BALANCE = 0x4D  #: → cash in the drawer, 7 BCD (M; answer layout *unconfirmed*)
    CASH_OUT = 0x4F  #: flags, sum 5 BCD (H)
    ENTER_MODE = 0x56  #: mode, password 4 BCD (H)
    CANCEL_RECEIPT = 0x59  #: (H)
    Z_REPORT = 0x5A  #: close the shift, mode 3 (H)
    REPORT = 0x67  #: report type, mode 2 (H)
    CUT = 0x75  #: 0 full, 1 partial (H)
    OPEN_DRAWER = 0x80  #: (M)
    PRINT_PICTURE_LINE = 0x8E  #: tape flag, repeat u16 BE, offset u16 BE, dots (L: atol4j)
    OPEN_RECEIPT = 0x92  #: flags, receipt type (H)
    PAYMENT = 0x99  #: flags, payment type, sum 5 BCD (H)
    OPEN_SHIFT = 0x9A  #: flags (H)
    DEVICE_TYPE = 0xA5  #: → err, protocol, type, model, … (H)
    REGISTER_ITEM = 0xE6  #: 54-ФЗ item, 103 bytes of parameters (L)
    WRITE_PROPS = 0xE8  #: TLV props of the document or the last item (unconfirmed layout)
    FN_SHIFT_STATE = 0xA410  #: → state, shift u16 LE, receipt u16 LE (M)
    FN_OFD_STATE = 0xA420  #: → ФН 20h answer (M)
    FN_STATUS = 0xA430  #: → ФН 30h answer (M)
    FN_NUMBER = 0xA431  #: → 16 ASCII digits (M)
    FN_FIND_DOCUMENT = 0xA440  #: FD number u32 LE → ФН 40h answer (unconfirmed pass-through)
    FN_DOCUMENT_TLV = 0xA446  #: FD number u32, offset u16 → size u16, TLV bytes (openkkm's own)
    FN_CHECK_MARKING = 0xA4B1  #: planned status, code → 2106 result (openkkm's own)
    FN_REREGISTER = 0xA4B2  #: reason u32 LE, registration TLVs → nothing (openkkm's own)
    FN_CLOSE = 0xA4B3  #: close the ФН (form 6) → nothing (openkkm's own)
    FN_REGISTER = 0xA4B4  #: registration TLVs → nothing: FD 1, form 1 (openkkm's own)
    FN_CHANGE_FN = 0xA4B5  #: reason u32 LE, TLVs → nothing: FD 1 of a new ФН (openkkm's own)


def command_bytes(code: int) -> bytes:
    """Return the wire form of a code: one byte, or ``A4 xx``."""
    return code.to_bytes(2 if code > 0xFF else 1, "big")


def split_command(message: bytes) -> tuple[int, bytes]:
    """Split ``CMD PARAMS`` (after the password) into ``(code, params)``."""
    if not message:
        return -1, b""
    if message[0] == FN_PREFIX and len(message) >= 2:
        return int.from_bytes(message[:2], "big"), message[2:]
    return message[0], message[1:]


class Mode(IntEnum):
    """Device modes entered with 0x56 (low nibble of the mode byte)."""

    SELECT = 0
    REGISTRATION = 1
    X_REPORTS = 2
    Z_REPORTS = 3
    PROGRAMMING = 4
    FN_ACCESS = 5
    FN_SECURE = 6


class ReceiptType(IntEnum):
    """0x92 receipt types (H); corrections 7/9/10 as listed in PROTOCOLS.md §2.4, numbered
    as DTO 10's ``LIBFPTR_RT_*`` (8 and 10 as return corrections: M)."""

    SALE = 1
    SALE_RETURN = 2
    PURCHASE = 4
    PURCHASE_RETURN = 5
    SALE_CORRECTION = 7
    SALE_RETURN_CORRECTION = 8
    PURCHASE_CORRECTION = 9
    PURCHASE_RETURN_CORRECTION = 10


class PaymentType(IntEnum):
    """0x99 / 0x4A payment types (H)."""

    CASH = 1
    ELECTRONIC = 2
    PREPAYMENT = 3
    CREDIT = 4
    OTHER = 5


class ReportType(IntEnum):
    """0x67 report types (H); ``FN_STATE`` is openkkm's own choice (*unconfirmed*)."""

    X = 1
    SECTIONS = 2
    CASHIERS = 3
    HOURLY = 5
    FN_STATE = 0x15  #: the settlement-state report, form 21 (numbered after the form)


class TaxType(IntEnum):
    """E6 tax byte: DTO 10 ``LIBFPTR_TAX_*`` numbering (M for 1–8, *unconfirmed* for 9–14)."""

    DEPARTMENT = 0
    VAT18 = 1  #: 1199 code 1 (now 20 %)
    VAT10 = 2
    VAT118 = 3  #: 1199 code 3 (now 20/120)
    VAT110 = 4
    VAT0 = 5
    NONE = 6
    VAT20 = 7
    VAT120 = 8
    VAT5 = 9
    VAT7 = 10
    VAT105 = 11
    VAT107 = 12
    VAT22 = 13  #: *unconfirmed*: next free number after VAT107
    VAT122 = 14  #: *unconfirmed*


class StateFlags(IntFlag):
    """Flags byte of the 0x3F state record (H)."""

    NONE = 0
    FISCAL = 0x01
    SHIFT_OPEN = 0x02
    DRAWER_OPEN = 0x04
    PAPER_PRESENT = 0x08
    COVER_OPEN = 0x20
    FN_ACTIVE = 0x40
    BATTERY_LOW = 0x80


class PrinterFlags(IntFlag):
    """Flags byte of the 0x45 answer (H)."""

    NONE = 0
    NO_PAPER = 0x01
    NO_PRINTER_LINK = 0x02
    MECHANICAL_ERROR = 0x04
    CUTTER_ERROR = 0x08
    PRINTER_ERROR = 0x10


class FnShiftState(IntEnum):
    """First byte of the A4 10 answer; DTO 10's ``shiftState`` values (2 = over 24 h)."""

    CLOSED = 0
    OPEN = 1
    EXPIRED = 2


class PropsFlags(IntFlag):
    """E8 flags (openkkm's layout, *unconfirmed*)."""

    NONE = 0
    PRINT = 0x01  #: print the prop on the receipt
    ITEM = 0x02  #: bind to the last registered item instead of the document


class PropTag(IntEnum):
    """FFD tags openkkm writes with 0xE8 (numbers from the FFD tables, FISCAL.md §3)."""

    CUSTOMER_CONTACT = 1008
    SETTLEMENT_ADDRESS = 1009
    CASHIER = 1021
    TAX_SYSTEM = 1055
    SENDER_EMAIL = 1117
    SETTLEMENT_PLACE = 1187
    RECEIPT_ATTRIBUTE = 1192
    CASHIER_INN = 1203
    PAYMENT_SUBJECT = 1212
    PAYMENT_METHOD = 1214
    CUSTOMER_NAME = 1227
    CUSTOMER_INN = 1228
    MARKING_CODE = 2000
    MEASURE = 2108


ANSWER_OK: Final = 0x55  #: ``'U'``: the usual answer prefix, followed by ERR ERR_EXT
ANSWER_STATE: Final = 0x44  #: ``'D'``: the 0x3F answer prefix
DEFAULT_PASSWORD: Final = 0  #: access password, 2 BCD bytes
DEFAULT_MODE_PASSWORD: Final = 30  #: password of modes 1–3 in the examples (4 BCD bytes)
