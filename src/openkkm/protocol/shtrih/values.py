"""Codes carried inside Shtrih-M commands: receipt and operation types, VAT bytes, tax systems.

Sources: PROTOCOLS.md §1.5 (0x8D, 0x17) and §1.8 (FF46 / FF45 / FF06 codes). The 2026 22 %
rate bytes 0xCB/0xCC are javapos HEAD's values (confidence L).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum, IntFlag
from types import MappingProxyType
from typing import Final

from ...fiscal.types import TaxSystem, VatRate

NOT_GIVEN_U40: Final = 0xFF_FF_FF_FF_FF  #: "device computes it" in FF46 amount and tax fields
MAX_U40: Final = 0xFF_FF_FF_FF_FF


class ReceiptType(IntEnum):
    """0x8D document type; 0x80…0x83 open FFD 1.1/1.2 correction receipts."""

    SALE = 0
    BUY = 1
    SALE_RETURN = 2
    BUY_RETURN = 3
    CORRECTION_SALE = 0x80
    CORRECTION_BUY = 0x81
    CORRECTION_SALE_RETURN = 0x82
    CORRECTION_BUY_RETURN = 0x83


class OperationType(IntEnum):
    """FF46 operation type (tag 1054)."""

    INCOME = 1
    INCOME_RETURN = 2
    EXPENSE = 3
    EXPENSE_RETURN = 4


class VatCode(IntEnum):
    """FF46 VAT rate byte."""

    VAT20 = 0x01
    VAT10 = 0x02
    VAT0 = 0x04
    NO_VAT = 0x08
    VAT20_120 = 0x10
    VAT10_110 = 0x20
    VAT5 = 0x81
    VAT7 = 0x82
    VAT5_105 = 0x84
    VAT7_107 = 0x88
    VAT22 = 0xCB
    VAT22_122 = 0xCC


class TaxSystemBits(IntFlag):
    """Tax system bits (tag 1055); a receipt carries exactly one."""

    OSN = 0x01
    USN_INCOME = 0x02
    USN_INCOME_EXPENSE = 0x04
    ENVD = 0x08
    ESHN = 0x10
    PATENT = 0x20


class PrintFlags(IntFlag):
    """0x17 / 0x2F print-string flags."""

    JOURNAL = 1 << 0
    RECEIPT = 1 << 1
    SLIP = 1 << 2
    SLIP_CHECK = 1 << 3
    WORD_WRAP = 1 << 6
    PRINT_NOW = 1 << 7


PAYMENT_SLOTS: Final = (
    16  #: FF45 payment sums: 1 cash, 2 electronic, …, 14 prepayment, 15 credit, 16 barter
)
TAX_SLOTS: Final = 6  #: FF45 tax sums
FF45_TEXT_MAX: Final = 64
FF46_NAME_MAX: Final = 128
CLASSIC_TEXT_SIZE: Final = 40  #: fixed text field of 0x17, 0x2F, 0x80, 0x85
TLV_MAX: Final = 250  #: FF0C/FF4D data per call
DEFAULT_CASHIER_PASSWORD: Final = 1
DEFAULT_ADMIN_PASSWORD: Final = 30


#: domain VAT rate -> FF46 byte (PROTOCOLS.md §1.8; 22 % bytes are confidence L)
VAT_CODES: Final[Mapping[VatRate, VatCode]] = MappingProxyType(
    {
        VatRate.VAT20: VatCode.VAT20,
        VatRate.VAT10: VatCode.VAT10,
        VatRate.VAT0: VatCode.VAT0,
        VatRate.NONE: VatCode.NO_VAT,
        VatRate.VAT20_120: VatCode.VAT20_120,
        VatRate.VAT10_110: VatCode.VAT10_110,
        VatRate.VAT5: VatCode.VAT5,
        VatRate.VAT7: VatCode.VAT7,
        VatRate.VAT5_105: VatCode.VAT5_105,
        VatRate.VAT7_107: VatCode.VAT7_107,
        VatRate.VAT22: VatCode.VAT22,
        VatRate.VAT22_122: VatCode.VAT22_122,
    }
)
#: FF46 byte -> domain VAT rate (for the emulator)
VAT_RATES: Final[Mapping[VatCode, VatRate]] = MappingProxyType(
    {code: rate for rate, code in VAT_CODES.items()}
)
#: domain tax system -> its bit (tag 1055)
TAX_SYSTEM_BITS: Final[Mapping[TaxSystem, TaxSystemBits]] = MappingProxyType(
    {system: TaxSystemBits(1 << system.value) for system in TaxSystem}
)

#: baud rate -> code of commands 0x14/0x15 (PROTOCOLS.md §1.1; 230400+ are model-dependent)
BAUDRATE_CODES: Final[Mapping[int, int]] = MappingProxyType(
    {
        2400: 0,
        4800: 1,
        9600: 2,
        19200: 3,
        38400: 4,
        57600: 5,
        115200: 6,
        230400: 7,
        460800: 8,
        921600: 9,
    }
)


def byte_timeout_seconds(code: int) -> float:
    """Decode a 0x14/0x15 byte-timeout code: 0…150 ms, then 150 ms steps, then 15 s steps."""
    if not 0 <= code <= 255:
        raise ValueError(f"byte-timeout code {code} is not 0..255")
    if code <= 150:
        return code / 1000
    if code <= 249:
        return (code - 149) * 0.15
    return (code - 248) * 15.0


def byte_timeout_code(seconds: float) -> int:
    """Encode ``seconds`` as the nearest byte-timeout code not shorter than asked."""
    millis = round(seconds * 1000)
    if millis <= 150:
        return max(0, millis)
    if millis <= 15_000:
        return 149 + -(-millis // 150)
    return min(255, 248 + -(-millis // 15_000))
