"""Receipt, shift and cash commands of the emulated ATOL register over the simulated ФН.

The register checks its own state first (mode, receipt open, paper), then hands the work to the
ФН, whose refusals map onto ATOL codes (:data:`REFUSAL_CODES`). Items wait in ``pending`` until
the next item, payment or close, so that item props (0xE8 with ``PropsFlags.ITEM``) can still
complete them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from openkkm.emulators.fn.errors import Refusal
from openkkm.emulators.fn.receipt import ReceiptDetails
from openkkm.emulators.fn.tags import Tag
from openkkm.fiscal import tlv
from openkkm.fiscal.types import (
    Cashier,
    Item,
    Measure,
    PaymentMethod,
    PaymentObject,
    Payments,
    ReceiptKind,
    TaxSystem,
    VatRate,
)
from openkkm.protocol.atol.cmd_receipt import QUANTITY_SCALE, RegisterItem
from openkkm.protocol.atol.codes import PaymentType, ReceiptType, TaxType
from openkkm.protocol.atol.errors import ErrorCode

#: 0x92 receipt type -> tag 1054
RECEIPT_KINDS: Final = {ReceiptType.SALE: ReceiptKind.SALE,
                        ReceiptType.SALE_RETURN: ReceiptKind.SALE_RETURN,
                        ReceiptType.PURCHASE: ReceiptKind.PURCHASE,
                        ReceiptType.PURCHASE_RETURN: ReceiptKind.PURCHASE_RETURN}
#: E6 tax byte -> tag 1199
TAX_RATES: Final = {TaxType.VAT18: VatRate.VAT20, TaxType.VAT20: VatRate.VAT20,
                    TaxType.VAT10: VatRate.VAT10, TaxType.VAT118: VatRate.VAT20_120,
                    TaxType.VAT120: VatRate.VAT20_120, TaxType.VAT110: VatRate.VAT10_110,
                    TaxType.VAT0: VatRate.VAT0, TaxType.NONE: VatRate.NONE,
                    TaxType.VAT5: VatRate.VAT5, TaxType.VAT7: VatRate.VAT7,
                    TaxType.VAT105: VatRate.VAT5_105, TaxType.VAT107: VatRate.VAT7_107,
                    TaxType.VAT22: VatRate.VAT22, TaxType.VAT122: VatRate.VAT22_122}
#: why the ФН refused -> the ATOL code the register answers
REFUSAL_CODES: Final = {
    Refusal.FN_CLOSED: ErrorCode.WRONG_FN_STATE, Refusal.SHIFT_CLOSED: ErrorCode.WRONG_FN_STATE,
    Refusal.SHIFT_ALREADY_OPEN: ErrorCode.SHIFT_OPEN,
    Refusal.SHIFT_EXPIRED: ErrorCode.SHIFT_OVER_24H, Refusal.RECEIPT_OPEN: ErrorCode.RECEIPT_OPEN,
    Refusal.NO_RECEIPT_OPEN: ErrorCode.RECEIPT_CLOSED,
    Refusal.CLOCK_BACKWARDS: ErrorCode.FN_WRONG_DATETIME, Refusal.KEY_EXPIRED: ErrorCode.FN_EXPIRED,
    Refusal.ARCHIVE_FULL: ErrorCode.FN_ARCHIVE_FULL,
    Refusal.OFD_BLOCKED: ErrorCode.FN_OFD_STORAGE_EXHAUSTED, Refusal.NO_DOCUMENT: ErrorCode.FN_NO_DATA,
    Refusal.PAYMENTS_SHORT: ErrorCode.PAYMENTS_SHORT,
    Refusal.NON_CASH_EXCEEDS_TOTAL: ErrorCode.NON_CASH_EXCEEDS_TOTAL,
    Refusal.ITEM_TOO_LARGE: ErrorCode.FN_TLV_TOO_LARGE,
    Refusal.RECEIPT_TOO_LARGE: ErrorCode.FN_TLV_TOO_LARGE,
    Refusal.EXCISE_NOT_REGISTERED: ErrorCode.EXCISE_GOODS,
    Refusal.CORRECTION_KIND: ErrorCode.WRONG_RECEIPT_TYPE,
    Refusal.OFD_QUEUE_NOT_EMPTY: ErrorCode.FN_UNSENT_DOCUMENTS,
    Refusal.BAD_QUANTITY: ErrorCode.WRONG_QUANTITY,
    Refusal.FFD_CHANGE_SEQUENCE: ErrorCode.WRONG_FN_STATE,
}
PAYMENT_FIELDS: Final = {PaymentType.CASH: "cash", PaymentType.ELECTRONIC: "electronic",
                         PaymentType.PREPAYMENT: "prepayment", PaymentType.CREDIT: "credit",
                         PaymentType.OTHER: "provision"}
_STRINGS: Final[dict[int, str]] = {Tag.CASHIER: "cashier", Tag.CASHIER_INN: "cashier_inn",
                   Tag.CUSTOMER_CONTACT: "customer_contact", Tag.CUSTOMER_NAME: "customer_name",
                   Tag.CUSTOMER_INN: "customer_inn", Tag.SETTLEMENT_ADDRESS: "settlement_address",
                   Tag.SETTLEMENT_PLACE: "settlement_place", Tag.SENDER_EMAIL: "sender_email",
                   Tag.RECEIPT_ATTRIBUTE: "attribute"}


class DeviceError(Exception):
    """The register refuses a command with an ATOL error code."""

    def __init__(self, code: int) -> None:
        super().__init__(f"device error {code}")
        self.code = code


def refusal_code(refusal: Refusal) -> int:
    """The ATOL code for a ФН refusal (231, "wrong ФН parameters", by default)."""
    return int(REFUSAL_CODES.get(refusal, ErrorCode.FN_BAD_PARAMETERS))


@dataclass(slots=True)
class Props:
    """Document-level props written with 0xE8 since the last fiscal document."""

    values: dict[str, str] = field(default_factory=dict)
    tax_system: TaxSystem | None = None

    def write(self, data: bytes) -> None:
        """Store document props; ``TlvError`` on a malformed run."""
        for tag, value in tlv.iter_tlv(data):
            if tag in _STRINGS:
                self.values[_STRINGS[tag]] = tlv.read_string(value).strip()
            elif tag == Tag.TAX_SYSTEM:
                self.tax_system = TaxSystem(tlv.read_vln(value).bit_length() - 1)

    def cashier(self) -> Cashier | None:
        """The cashier (1021, 1203) if written."""
        name = self.values.get("cashier")
        return Cashier(name, self.values.get("cashier_inn")) if name else None

    def details(self) -> ReceiptDetails:
        """Receipt-level details for the ФН close."""
        values = self.values
        return ReceiptDetails(
            tax_system=self.tax_system, cashier=self.cashier(),
            customer_contact=values.get("customer_contact"),
            customer_name=values.get("customer_name"), customer_inn=values.get("customer_inn"),
            settlement_address=values.get("settlement_address"),
            settlement_place=values.get("settlement_place"),
            sender_email=values.get("sender_email"), attribute=values.get("attribute"))


def item_of(request: RegisterItem) -> Item:
    """Build the ФН item of an E6 command; the device computes the amount (half up)."""
    quantity = Decimal(request.quantity) / QUANTITY_SCALE
    gross = int((Decimal(request.price) * quantity).to_integral_value(ROUND_HALF_UP))
    amount = gross + request.discount if request.surcharge else gross - request.discount
    if request.quantity <= 0:
        raise DeviceError(ErrorCode.WRONG_QUANTITY)
    if amount < 0:
        raise DeviceError(ErrorCode.FN_BAD_PARAMETERS)
    return Item(name=request.name, price=request.price, quantity=quantity, amount=amount,
                vat=TAX_RATES[request.tax], department=request.section)


def with_item_props(item: Item, data: bytes) -> Item:
    """Apply item props (1212, 1214, 2108, 1191) to ``item``."""
    for tag, value in tlv.iter_tlv(data):
        if tag == Tag.PAYMENT_SUBJECT:
            item = replace(item, subject=PaymentObject(tlv.read_vln(value)))
        elif tag == Tag.PAYMENT_METHOD:
            item = replace(item, method=PaymentMethod(tlv.read_vln(value)))
        elif tag == Tag.MEASURE:
            item = replace(item, measure=Measure(tlv.read_vln(value)))
        elif tag == Tag.ITEM_ATTRIBUTE:
            item = replace(item, attribute=tlv.read_string(value))
    return item


@dataclass(slots=True)
class ReceiptSession:
    """The receipt the register is building."""

    receipt_type: ReceiptType
    pending: Item | None = None
    items: int = 0
    paid: dict[str, int] = field(default_factory=dict)

    def pay(self, payment_type: PaymentType, amount: int) -> None:
        """Add a payment."""
        name = PAYMENT_FIELDS[payment_type]
        self.paid[name] = self.paid.get(name, 0) + amount

    def tendered(self) -> Payments:
        """The payments as given (cash may exceed what is due)."""
        return Payments(**self.paid)
