"""Receipt, shift and cash commands of the emulated ATOL register over the simulated ФН.

The register checks its own state first (mode, receipt open, paper), then hands the work to the
ФН, whose refusals map onto ATOL codes (:data:`REFUSAL_CODES`). Items wait in ``pending`` until
the next item, payment or close, so that item props (0xE8 with ``PropsFlags.ITEM``) can still
complete them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from openkkm.emulators.fn.errors import Refusal
from openkkm.emulators.fn.receipt import ReceiptDetails
from openkkm.emulators.fn.tags import Tag
from openkkm.fiscal import tlv
from openkkm.fiscal.types import (
    AgentData,
    AgentRole,
    Cashier,
    Correction,
    CorrectionType,
    Item,
    Measure,
    PaymentMethod,
    PaymentObject,
    Payments,
    ReceiptKind,
    SupplierData,
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
#: 0x92 correction type -> tag 1054 of the correction receipt
CORRECTION_KINDS: Final = {ReceiptType.SALE_CORRECTION: ReceiptKind.SALE,
                           ReceiptType.SALE_RETURN_CORRECTION: ReceiptKind.SALE_RETURN,
                           ReceiptType.PURCHASE_CORRECTION: ReceiptKind.PURCHASE,
                           ReceiptType.PURCHASE_RETURN_CORRECTION: ReceiptKind.PURCHASE_RETURN}
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
    Refusal.NOT_FISCALISED: ErrorCode.NOT_FISCAL, Refusal.ALREADY_FISCALISED: ErrorCode.WRONG_FN_STATE,
    Refusal.FN_NOT_CLOSED: ErrorCode.WRONG_FN_STATE,
}
PAYMENT_FIELDS: Final = {PaymentType.CASH: "cash", PaymentType.ELECTRONIC: "electronic",
                         PaymentType.PREPAYMENT: "prepayment", PaymentType.CREDIT: "credit",
                         PaymentType.OTHER: "provision"}
_STRINGS: Final[dict[int, str]] = {Tag.CASHIER: "cashier", Tag.CASHIER_INN: "cashier_inn",
                   Tag.CUSTOMER_CONTACT: "customer_contact", Tag.CUSTOMER_NAME: "customer_name",
                   Tag.CUSTOMER_INN: "customer_inn", Tag.SETTLEMENT_ADDRESS: "settlement_address",
                   Tag.SETTLEMENT_PLACE: "settlement_place", Tag.SENDER_EMAIL: "sender_email",
                   Tag.RECEIPT_ATTRIBUTE: "attribute"}


MARKING_CODE: Final = 2000  #: «код маркировки» (FFD 1.2)


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
    correction_type: CorrectionType | None = None
    correction_basis: tuple[dt.date, str] | None = None
    internet: bool = False
    agent_role: AgentRole | None = None
    agent_data: AgentData | None = None
    supplier: SupplierData | None = None
    supplier_inn: str = ""
    user_attribute: tuple[str, str] | None = None

    def write(self, data: bytes) -> None:
        """Store document props; ``TlvError`` on a malformed run."""
        for tag, value in tlv.iter_tlv(data):
            if tag in _STRINGS:
                self.values[_STRINGS[tag]] = tlv.read_string(value).strip()
            elif tag == Tag.TAX_SYSTEM:
                self.tax_system = TaxSystem(tlv.read_vln(value).bit_length() - 1)
            elif tag == Tag.CORRECTION_TYPE:
                self.correction_type = CorrectionType(tlv.read_vln(value))
            elif tag == Tag.CORRECTION_BASIS:
                inner = _children(value, Tag.CORRECTED_DATE)
                self.correction_basis = (tlv.read_unixtime(inner[Tag.CORRECTED_DATE]).date(),
                                         tlv.read_string(inner.get(Tag.CORRECTION_ORDER, b"")))
            elif tag == Tag.INTERNET:
                self.internet = bool(tlv.read_vln(value))
            elif tag == Tag.AGENT_ROLE:
                self.agent_role = AgentRole(tlv.read_vln(value).bit_length() - 1)
            elif tag == Tag.AGENT_DATA:
                self.agent_data = agent_data_of(value)
            elif tag in (Tag.SUPPLIER_DATA, Tag.SUPPLIER_INN):
                self.supplier = supplier_of(self.supplier, tag, value)
            elif tag == Tag.USER_ATTRIBUTE:
                inner = _children(value, Tag.USER_ATTRIBUTE_NAME, Tag.USER_ATTRIBUTE_VALUE)
                self.user_attribute = (tlv.read_string(inner[Tag.USER_ATTRIBUTE_NAME]),
                                       tlv.read_string(inner[Tag.USER_ATTRIBUTE_VALUE]))

    def correction(self) -> Correction | None:
        """The correction data (1173 and 1174) if both were written."""
        if self.correction_type is None or self.correction_basis is None:
            return None
        return Correction(self.correction_type, *self.correction_basis)

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
            sender_email=values.get("sender_email"), attribute=values.get("attribute"),
            internet=self.internet, agent_role=self.agent_role, agent_data=self.agent_data,
            supplier=self.supplier, user_attribute=self.user_attribute)


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
    """Apply item props (1212, 1214, 2108, 1191, agent, supplier, origin, excise, 2000)."""
    for tag, value in tlv.iter_tlv(data):
        if tag == Tag.PAYMENT_SUBJECT:
            item = replace(item, subject=PaymentObject(tlv.read_vln(value)))
        elif tag == Tag.PAYMENT_METHOD:
            item = replace(item, method=PaymentMethod(tlv.read_vln(value)))
        elif tag == Tag.MEASURE:
            item = replace(item, measure=Measure(tlv.read_vln(value)))
        elif tag == Tag.ITEM_ATTRIBUTE:
            item = replace(item, attribute=tlv.read_string(value))
        elif tag == Tag.MEASURE_UNIT:
            item = replace(item, measure_unit=tlv.read_string(value))
        elif tag == Tag.COUNTRY_CODE:
            item = replace(item, country_code=tlv.read_string(value))
        elif tag == Tag.CUSTOMS_DECLARATION:
            item = replace(item, customs_declaration=tlv.read_string(value))
        elif tag == Tag.ITEM_AGENT_ROLE:
            item = replace(item, agent_role=AgentRole(tlv.read_vln(value).bit_length() - 1))
        elif tag == Tag.AGENT_DATA:
            item = replace(item, agent_data=agent_data_of(value))
        elif tag in (Tag.SUPPLIER_DATA, Tag.SUPPLIER_INN):
            item = replace(item, supplier=supplier_of(item.supplier, tag, value))
        elif tag == Tag.EXCISE:
            item = replace(item, excise=tlv.read_vln(value))
        elif tag == MARKING_CODE:
            item = replace(item, marking_code=value.decode("ascii"))
    return item


def _children(value: bytes, *required: Tag) -> dict[int, bytes]:
    """The TLVs inside an STLV by tag; ``TlvError`` when a required one is missing."""
    inner = dict(tlv.iter_tlv(value))
    for tag in required:
        if tag not in inner:
            raise tlv.TlvError(f"tag {int(tag)} missing")
    return inner


def agent_data_of(value: bytes) -> AgentData:
    """Parse STLV 1223."""
    strings: dict[int, str] = {}
    agent_phones: list[str] = []
    transfer_phones: list[str] = []
    for tag, inner in tlv.iter_tlv(value):
        if tag == Tag.AGENT_PHONE:
            agent_phones.append(tlv.read_string(inner))
        elif tag == Tag.TRANSFER_OPERATOR_PHONE:
            transfer_phones.append(tlv.read_string(inner))
        else:
            strings[tag] = tlv.read_string(inner)
    return AgentData(operation=strings.get(Tag.BANK_AGENT_OPERATION),
                     agent_phones=tuple(agent_phones),
                     operator_phone=strings.get(Tag.OPERATOR_PHONE),
                     transfer_operator_phones=tuple(transfer_phones),
                     transfer_operator_name=strings.get(Tag.TRANSFER_OPERATOR_NAME),
                     transfer_operator_address=strings.get(Tag.TRANSFER_OPERATOR_ADDRESS),
                     transfer_operator_inn=strings.get(Tag.TRANSFER_OPERATOR_INN))


def supplier_of(known: SupplierData | None, tag: int, value: bytes) -> SupplierData:
    """Merge STLV 1224 (phones, name) or 1226 (INN) into the supplier written so far."""
    supplier = known or SupplierData(name="", inn="")
    if tag == Tag.SUPPLIER_INN:
        return replace(supplier, inn=tlv.read_string(value))
    phones = [tlv.read_string(inner) for inner_tag, inner in tlv.iter_tlv(value)
              if inner_tag == Tag.SUPPLIER_PHONE]
    names = [tlv.read_string(inner) for inner_tag, inner in tlv.iter_tlv(value)
             if inner_tag == Tag.SUPPLIER_NAME]
    return replace(supplier, name=names[0] if names else supplier.name, phones=tuple(phones))


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
