"""Receipt commands: open, FFD 1.05+ line and close, TLVs, cancel, and the legacy path.

0x8D open, FF46 operation V2, FF0C/FF4D TLV, FF45 close extended, 0x88 cancel, legacy
0x80–0x84 lines and 0x85 close (PROTOCOLS.md §1.5–§1.8).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar, Final

from ...errors import ValidationError
from .codes import Command
from .fields import Blob, DateTimeField, Optional, SInt, Text, UInt, UIntArray, spec
from .messages import (
    U8,
    U32,
    U40,
    U48,
    Answer,
    EmptyAnswer,
    Request,
    admin_password,
    cashier_password,
)
from .values import (
    CLASSIC_TEXT_SIZE,
    FF45_TEXT_MAX,
    FF46_NAME_MAX,
    NOT_GIVEN_U40,
    PAYMENT_SLOTS,
    TAX_SLOTS,
    TLV_MAX,
    OperationType,
    ReceiptType,
    TaxSystemBits,
    VatCode,
)

QUANTITY_SCALE: Final = 1_000_000  #: FF46 quantity has 6 implied decimals
CLASSIC_QUANTITY_SCALE: Final = 1_000  #: 0x80…0x84 quantity has 3 implied decimals
OPTIONAL_U40: Final = UInt(5, none_value=NOT_GIVEN_U40)


@dataclass(frozen=True, kw_only=True)
class OpenReceipt(Request):
    """0x8D open a receipt of ``receipt_type``."""

    code: ClassVar[Command] = Command.OPEN_RECEIPT
    password: int = cashier_password()
    receipt_type: int = spec(U8, ReceiptType.SALE)


@dataclass(frozen=True, kw_only=True)
class OperationV2(Request):
    """FF46 receipt line: quantity ×10⁶, price and amount in kopecks; ``None`` = device computes.

    A ``name`` starting with ``//`` is sent to the OFD but not printed (PROTOCOLS.md §1.6).
    """

    code: ClassVar[Command] = Command.OPERATION_V2
    answer: ClassVar[type[Answer]] = EmptyAnswer
    password: int = cashier_password()
    operation: int = spec(U8, OperationType.INCOME)
    quantity: int = spec(U48)
    price: int = spec(U40)
    amount: int | None = spec(OPTIONAL_U40, None)
    tax_amount: int | None = spec(OPTIONAL_U40, None)
    vat: int = spec(U8, VatCode.NO_VAT)
    department: int = spec(U8, 1)
    payment_method: int = spec(U8, 4)
    payment_subject: int = spec(U8, 1)
    name: str = spec(Text(FF46_NAME_MAX), "")


@dataclass(frozen=True, kw_only=True)
class WriteTlv(Request):
    """FF0C write TLV (tag u16, len u16, value; strings CP866) to the current document."""

    code: ClassVar[Command] = Command.WRITE_TLV
    answer: ClassVar[type[Answer]] = EmptyAnswer
    password: int = admin_password()
    tlv: bytes = spec(Blob())

    def __post_init__(self) -> None:
        """Refuse more than the 250 bytes one call may carry."""
        if len(self.tlv) > TLV_MAX:
            raise ValidationError(
                ("tlv",),
                f"TLV длиной {len(self.tlv)} байт больше {TLV_MAX}",
                f"TLV of {len(self.tlv)} bytes exceeds {TLV_MAX}",
            )


@dataclass(frozen=True, kw_only=True)
class WriteOperationTlv(WriteTlv):
    """FF4D write TLV bound to the last operation (1162, 1191, 1197, 2108 …)."""

    code: ClassVar[Command] = Command.WRITE_OPERATION_TLV


@dataclass(frozen=True, kw_only=True)
class CloseReceiptExtAnswer(Answer):
    """FF45 answer: change, FD number, fiscal sign, and the date-time with extended answers."""

    change: int = spec(U40)
    fd_number: int = spec(U32)
    fiscal_sign: int = spec(U32)
    datetime: dt.datetime | None = spec(Optional(DateTimeField()), None)


@dataclass(frozen=True, kw_only=True)
class CloseReceiptExt(Request):
    """FF45 close receipt, extended variant 2: 16 payment sums, rounding, 6 tax sums, tax system.

    ``payments[0]`` is cash, ``[1]`` electronic, …, ``[13]`` prepayment, ``[14]`` credit,
    ``[15]`` counter-provision; a tax sum of 0 lets the device compute it.
    """

    code: ClassVar[Command] = Command.CLOSE_RECEIPT_EXT
    answer: ClassVar[type[Answer]] = CloseReceiptExtAnswer
    password: int = admin_password()
    payments: tuple[int, ...] = spec(UIntArray(PAYMENT_SLOTS, 5), (0,) * PAYMENT_SLOTS)
    rounding: int = spec(U8, 0)
    taxes: tuple[int, ...] = spec(UIntArray(TAX_SLOTS, 5), (0,) * TAX_SLOTS)
    tax_system: int = spec(U8, TaxSystemBits.OSN)
    text: str = spec(Text(FF45_TEXT_MAX), "")


@dataclass(frozen=True, kw_only=True)
class CancelReceipt(Request):
    """0x88 cancel (annul) the open receipt."""

    code: ClassVar[Command] = Command.CANCEL_RECEIPT
    password: int = cashier_password()


@dataclass(frozen=True, kw_only=True)
class Sale(Request):
    """0x80 legacy sale line: quantity ×1000, price, department, four tax groups, 40-byte text."""

    code: ClassVar[Command] = Command.SALE
    password: int = cashier_password()
    quantity: int = spec(U40)
    price: int = spec(U40)
    department: int = spec(U8, 0)
    tax_groups: tuple[int, ...] = spec(UIntArray(4, 1), (0, 0, 0, 0))
    text: str = spec(Text(CLASSIC_TEXT_SIZE, pad=True), "")


@dataclass(frozen=True, kw_only=True)
class Buy(Sale):
    """0x81 legacy buy line (same layout as 0x80)."""

    code: ClassVar[Command] = Command.BUY


@dataclass(frozen=True, kw_only=True)
class SaleReturn(Sale):
    """0x82 legacy sale-return line (same layout as 0x80)."""

    code: ClassVar[Command] = Command.SALE_RETURN


@dataclass(frozen=True, kw_only=True)
class BuyReturn(Sale):
    """0x83 legacy buy-return line (same layout as 0x80)."""

    code: ClassVar[Command] = Command.BUY_RETURN


@dataclass(frozen=True, kw_only=True)
class Storno(Sale):
    """0x84 legacy storno line (same layout as 0x80)."""

    code: ClassVar[Command] = Command.STORNO


@dataclass(frozen=True, kw_only=True)
class CloseReceiptAnswer(Answer):
    """0x85 answer: operator and change."""

    operator: int = spec(U8)
    change: int = spec(U40)


@dataclass(frozen=True, kw_only=True)
class CloseReceipt(Request):
    """0x85 legacy close: cash and payment types 2–4, discount ±0.01 % s16, tax groups, text."""

    code: ClassVar[Command] = Command.CLOSE_RECEIPT
    answer: ClassVar[type[Answer]] = CloseReceiptAnswer
    password: int = cashier_password()
    payments: tuple[int, ...] = spec(UIntArray(4, 5), (0, 0, 0, 0))
    discount: int = spec(SInt(2), 0)
    tax_groups: tuple[int, ...] = spec(UIntArray(4, 1), (0, 0, 0, 0))
    text: str = spec(Text(CLASSIC_TEXT_SIZE, pad=True), "")
