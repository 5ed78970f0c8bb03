"""Domain values to ATOL wire values: receipt types, tax types, payments, props."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from openkkm.errors import ValidationError
from openkkm.fiscal import tlv
from openkkm.fiscal.types import FfdVersion, Item, Receipt, ReceiptKind, VatRate
from openkkm.protocol.atol.cmd_receipt import (
    QUANTITY_SCALE,
    Payment,
    RegisterItem,
    WriteProps,
)
from openkkm.protocol.atol.codes import (
    PaymentType,
    PropsFlags,
    PropTag,
    ReceiptType,
    TaxType,
)
from openkkm.protocol.atol.values import encode_text

from . import marking, tags

RECEIPT_TYPES: Final = {ReceiptKind.SALE: ReceiptType.SALE,
                        ReceiptKind.SALE_RETURN: ReceiptType.SALE_RETURN,
                        ReceiptKind.PURCHASE: ReceiptType.PURCHASE,
                        ReceiptKind.PURCHASE_RETURN: ReceiptType.PURCHASE_RETURN}
CORRECTION_TYPES: Final = {ReceiptKind.SALE: ReceiptType.SALE_CORRECTION,
                           ReceiptKind.SALE_RETURN: ReceiptType.SALE_RETURN_CORRECTION,
                           ReceiptKind.PURCHASE: ReceiptType.PURCHASE_CORRECTION,
                           ReceiptKind.PURCHASE_RETURN: ReceiptType.PURCHASE_RETURN_CORRECTION}
#: tag 1199 -> E6 tax byte; 22 % and 22/122 are *unconfirmed* (README.md)
TAX_TYPES: Final = {VatRate.VAT20: TaxType.VAT20, VatRate.VAT10: TaxType.VAT10,
                    VatRate.VAT20_120: TaxType.VAT120, VatRate.VAT10_110: TaxType.VAT110,
                    VatRate.VAT0: TaxType.VAT0, VatRate.NONE: TaxType.NONE,
                    VatRate.VAT5: TaxType.VAT5, VatRate.VAT7: TaxType.VAT7,
                    VatRate.VAT5_105: TaxType.VAT105, VatRate.VAT7_107: TaxType.VAT107,
                    VatRate.VAT22: TaxType.VAT22, VatRate.VAT22_122: TaxType.VAT122}
NAME_MAX: Final = 64


def receipt_type(receipt: Receipt) -> ReceiptType:
    """The 0x92 type: a correction receipt (form 31) has its own type per tag 1054."""
    if receipt.correction is not None:
        return CORRECTION_TYPES[receipt.kind]
    return RECEIPT_TYPES[receipt.kind]


def correction_props(receipt: Receipt) -> list[WriteProps]:
    """1173 and 1174, written before 0x92 opens a correction receipt (openkkm's order)."""
    if receipt.correction is None:
        return []
    return [WriteProps(tlv=part) for part in tags.correction_tags(receipt.correction)]


def item_request(item: Item, index: int) -> RegisterItem:
    """The E6 command of ``item``: the amount is sent as a discount/surcharge on price × qty."""
    scaled = item.quantity * QUANTITY_SCALE
    if scaled != scaled.to_integral_value() or scaled <= 0:
        raise ValidationError(
            ("items", index, "quantity"),
            f"Количество {item.quantity} нельзя передать в ККТ АТОЛ (не более 3 знаков)",
            f"Quantity {item.quantity} cannot be sent to an ATOL register (at most 3 decimals)")
    try:
        encode_text(item.name[:NAME_MAX])
    except ValidationError as exc:
        raise ValidationError(("items", index, "name"), exc.ru, exc.en) from exc
    gross = int((Decimal(item.price) * item.quantity).to_integral_value(ROUND_HALF_UP))
    difference = gross - item.amount
    return RegisterItem(name=item.name[:NAME_MAX], price=item.price, quantity=int(scaled),
                        discount=abs(difference), surcharge=difference < 0,
                        tax=TAX_TYPES[item.vat], section=item.department)


def item_props(item: Item, ffd: FfdVersion, index: int = 0) -> list[WriteProps]:
    """1212, 1214 (and 2108 in FFD 1.2) of the item just registered, then its other tags
    and its marking code (2000)."""
    parts = [tlv.tlv(PropTag.PAYMENT_SUBJECT, tlv.byte(item.subject)),
             tlv.tlv(PropTag.PAYMENT_METHOD, tlv.byte(item.method))]
    if ffd >= FfdVersion.V1_2:
        parts.append(tlv.tlv(PropTag.MEASURE, tlv.byte(item.measure or 0)))
    return [WriteProps(tlv=b"".join(parts), flags=PropsFlags.ITEM),
            *(WriteProps(tlv=part, flags=PropsFlags.ITEM)
              for part in (*tags.item_tags(item, ffd, index), *marking.code_tag(item, index)))]


def receipt_props(receipt: Receipt) -> list[WriteProps]:
    """Receipt-level props: cashier, tax system, customer, place, agent and supplier data."""
    strings = [(PropTag.CASHIER, receipt.cashier.name if receipt.cashier else None, 64),
               (PropTag.CASHIER_INN, receipt.cashier.inn if receipt.cashier else None, 12),
               (PropTag.CUSTOMER_CONTACT, receipt.customer_contact, 64),
               (PropTag.CUSTOMER_NAME, receipt.customer_name, 256),
               (PropTag.CUSTOMER_INN, receipt.customer_inn, 12),
               (PropTag.SETTLEMENT_ADDRESS, receipt.settlement_address, 256),
               (PropTag.SETTLEMENT_PLACE, receipt.settlement_place, 256),
               (PropTag.SENDER_EMAIL, receipt.sender_email, 64),
               (PropTag.RECEIPT_ATTRIBUTE, receipt.attribute, 16)]
    parts = [tlv.tlv(tag, tlv.string(value, size)) for tag, value, size in strings if value]
    if receipt.tax_system is not None:
        parts.append(tlv.tlv(PropTag.TAX_SYSTEM, tlv.byte(1 << receipt.tax_system)))
    parts += tags.receipt_tags(receipt)
    return [WriteProps(tlv=part) for part in parts]


def payments(receipt: Receipt) -> list[Payment]:
    """0x99 commands: cash includes the change handed back."""
    paid = receipt.payments
    amounts = [(PaymentType.CASH, paid.cash + receipt.change),
               (PaymentType.ELECTRONIC, paid.electronic),
               (PaymentType.PREPAYMENT, paid.prepayment), (PaymentType.CREDIT, paid.credit),
               (PaymentType.OTHER, paid.provision)]
    return [Payment(payment_type=kind, amount=amount) for kind, amount in amounts if amount]
