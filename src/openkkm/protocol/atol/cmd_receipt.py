"""Shift, receipt and cash commands: 0x9A, 0x92, 0xE6, 0xE8, 0x99, 0x4A, 0x59, 0x49/0x4F, 0x67, 0x5A.

Money is BCD kopecks, quantities BCD thousandths (PROTOCOLS.md §2.3). The 0xE6 layout is the one
atol4j builds (L); 0xE8 is openkkm's own layout for "write a TLV prop" (*unconfirmed*): see
``README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar, Final, Self, TypeVar

from ...errors import ProtocolError
from .codes import Command, PaymentType, PropsFlags, ReceiptType, ReportType, TaxType
from .messages import Answer, Request, need
from .values import bcd, decode_text, encode_text, from_bcd

ITEM_NAME_SIZE: Final = 64
ITEM_PARAMS_SIZE: Final = 103  #: 0xE6 parameters after the code (104 bytes with it)
QUANTITY_SCALE: Final = 1000
E = TypeVar("E", bound=IntEnum)


def _enum(kind: type[E], value: int, what: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise ProtocolError(f"Недопустимое значение {what}: {value}",
                            f"Invalid {what}: {value}") from None


@dataclass(frozen=True, slots=True)
class OpenShift(Request):
    """0x9A open the shift (mode 1); ``flags`` bit0 = test."""

    code: ClassVar[Command] = Command.OPEN_SHIFT
    flags: int = 0

    def params(self) -> bytes:
        """``flags``."""
        return bytes((self.flags,))

    @classmethod
    def from_params(cls, params: bytes) -> Self:
        """``flags`` (optional text after it is ignored)."""
        return cls(flags=params[0] if params else 0)


@dataclass(frozen=True, slots=True)
class OpenReceipt(Request):
    """0x92 open a receipt (mode 1); flags bit0 test, bit1 do not print."""

    code: ClassVar[Command] = Command.OPEN_RECEIPT
    receipt_type: ReceiptType = ReceiptType.SALE
    flags: int = 0

    def params(self) -> bytes:
        """``flags type``."""
        return bytes((self.flags, self.receipt_type))

    @classmethod
    def from_params(cls, params: bytes) -> Self:
        """``flags type``."""
        need(params, 2, "0x92")
        return cls(flags=params[0], receipt_type=_enum(ReceiptType, params[1], "receipt type"))


@dataclass(frozen=True, slots=True)
class RegisterItem(Request):
    """0xE6 register an item: name, price, quantity ×1000, discount, tax type, section."""

    code: ClassVar[Command] = Command.REGISTER_ITEM
    name: str = ""
    price: int = 0
    quantity: int = QUANTITY_SCALE
    discount: int = 0
    surcharge: bool = False
    tax: TaxType = TaxType.NONE
    section: int = 0
    flags: int = 0

    def params(self) -> bytes:
        """103 bytes: flags, name[64], price 6 BCD, qty 5 BCD, 1, sign, discount 6 BCD, tax,
        section, 17 reserved zeros."""
        name = encode_text(self.name, "name")
        if len(name) > ITEM_NAME_SIZE:
            name = name[:ITEM_NAME_SIZE]
        return (bytes((self.flags,)) + name.ljust(ITEM_NAME_SIZE, b"\0")
                + bcd(self.price, 6, "price") + bcd(self.quantity, 5, "quantity")
                + bytes((1, int(self.surcharge))) + bcd(self.discount, 6, "discount")
                + bytes((self.tax, self.section)) + bytes(17))

    @classmethod
    def from_params(cls, params: bytes) -> Self:
        """Parse the 103 bytes."""
        if len(params) != ITEM_PARAMS_SIZE:
            raise ProtocolError("Неверная длина команды 0xE6", "Wrong 0xE6 length")
        return cls(flags=params[0], name=decode_text(params[1:65]),
                   price=from_bcd(params[65:71], "price"),
                   quantity=from_bcd(params[71:76], "quantity"),
                   surcharge=bool(params[77]), discount=from_bcd(params[78:84], "discount"),
                   tax=_enum(TaxType, params[84], "tax type"), section=params[85])


@dataclass(frozen=True, slots=True)
class WriteProps(Request):
    """0xE8 write TLV props to the open document, or to its last item (``PropsFlags.ITEM``)."""

    code: ClassVar[Command] = Command.WRITE_PROPS
    tlv: bytes = b""
    flags: PropsFlags = PropsFlags.NONE

    def params(self) -> bytes:
        """``flags tlv``."""
        return bytes((self.flags,)) + self.tlv

    @classmethod
    def from_params(cls, params: bytes) -> Self:
        """``flags tlv``."""
        need(params, 1, "0xE8")
        return cls(flags=PropsFlags(params[0]), tlv=bytes(params[1:]))


@dataclass(frozen=True, slots=True)
class _Sum(Request):
    """A command with ``flags type sum(5 BCD)``."""

    payment_type: PaymentType = PaymentType.CASH
    amount: int = 0
    flags: int = 0

    def params(self) -> bytes:
        """``flags type sum``."""
        return bytes((self.flags, self.payment_type)) + bcd(self.amount, 5, "amount")

    @classmethod
    def from_params(cls, params: bytes) -> Self:
        """``flags type sum``."""
        if len(params) != 7:
            raise ProtocolError("Неверная длина команды оплаты", "Wrong payment command length")
        return cls(flags=params[0], payment_type=_enum(PaymentType, params[1], "payment type"),
                   amount=from_bcd(params[2:7], "amount"))


@dataclass(frozen=True, slots=True)
class Payment(_Sum):
    """0x99 one payment of the open receipt."""

    code: ClassVar[Command] = Command.PAYMENT


@dataclass(frozen=True, slots=True)
class CloseReceipt(_Sum):
    """0x4A close the receipt; ``amount`` 0 = the payments given are exact."""

    code: ClassVar[Command] = Command.CLOSE_RECEIPT


@dataclass(frozen=True, slots=True)
class CancelReceipt(Request):
    """0x59 cancel the open receipt."""

    code: ClassVar[Command] = Command.CANCEL_RECEIPT


@dataclass(frozen=True, slots=True)
class _Cash(Request):
    """``flags sum(5 BCD)``."""

    amount: int = 0
    flags: int = 0

    def params(self) -> bytes:
        """``flags sum``."""
        return bytes((self.flags,)) + bcd(self.amount, 5, "amount")

    @classmethod
    def from_params(cls, params: bytes) -> Self:
        """``flags sum``."""
        if len(params) != 6:
            raise ProtocolError("Неверная длина команды внесения/выплаты",
                                "Wrong cash command length")
        return cls(flags=params[0], amount=from_bcd(params[1:6], "amount"))


@dataclass(frozen=True, slots=True)
class CashBalanceAnswer(Answer):
    """0x4D answer: kopecks in the drawer, 7 BCD."""

    amount: int = 0

    def data(self) -> bytes:
        """``sum(7 BCD)``."""
        return bcd(self.amount, 7, "amount")

    @classmethod
    def from_data(cls, data: bytes) -> Self:
        """``sum(7 BCD)``."""
        need(data, 7, "0x4D")
        return cls(amount=from_bcd(data[:7], "amount"))


@dataclass(frozen=True, slots=True)
class CashBalance(Request):
    """0x4D cash in the drawer."""

    code: ClassVar[Command] = Command.CASH_BALANCE
    answer: ClassVar[type[Answer]] = CashBalanceAnswer


@dataclass(frozen=True, slots=True)
class CashIn(_Cash):
    """0x49 cash in (внесение), mode 1."""

    code: ClassVar[Command] = Command.CASH_IN


@dataclass(frozen=True, slots=True)
class CashOut(_Cash):
    """0x4F cash out (выплата), mode 1."""

    code: ClassVar[Command] = Command.CASH_OUT


@dataclass(frozen=True, slots=True)
class Report(Request):
    """0x67 a report without closing the shift (mode 2); type 1 is the X report."""

    code: ClassVar[Command] = Command.REPORT
    report_type: ReportType = ReportType.X

    def params(self) -> bytes:
        """``type``."""
        return bytes((self.report_type,))

    @classmethod
    def from_params(cls, params: bytes) -> Self:
        """``type``."""
        need(params, 1, "0x67")
        return cls(report_type=_enum(ReportType, params[0], "report type"))


@dataclass(frozen=True, slots=True)
class ZReport(Request):
    """0x5A close the shift with the Z report (mode 3)."""

    code: ClassVar[Command] = Command.Z_REPORT
