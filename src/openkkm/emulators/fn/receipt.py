"""Receipt content as the ФН checks and encodes it: items (1059), payments, VAT, receipt tags.

Pure functions: the drive calls them before it changes any state, so a refusal here leaves the
ФН untouched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from openkkm.emulators.fn import documents
from openkkm.emulators.fn.errors import FnError, Refusal
from openkkm.emulators.fn.state import OpenReceipt, RegistrationData
from openkkm.emulators.fn.tags import Tag
from openkkm.fiscal import tlv
from openkkm.fiscal.marking import CodeType
from openkkm.fiscal.marking import parse as parse_code
from openkkm.fiscal.types import (
    AgentData,
    AgentRole,
    Cashier,
    FfdVersion,
    Item,
    PaymentObject,
    Payments,
    Receipt,
    SupplierData,
    TaxSystem,
    VatRate,
)

ITEM_MAX_BYTES = 1024  #: one 1059 (FISCAL.md §1, size limits)
RECEIPT_MAX_BYTES = 32768  #: receipts, БСО and their corrections

#: Percent of each VAT code that carries tax; 0 %, "без НДС" carry none (FISCAL.md §4).
VAT_PERCENT: dict[VatRate, int] = {
    VatRate.VAT20: 20, VatRate.VAT10: 10, VatRate.VAT20_120: 20, VatRate.VAT10_110: 10,
    VatRate.VAT5: 5, VatRate.VAT7: 7, VatRate.VAT5_105: 5, VatRate.VAT7_107: 7,
    VatRate.VAT22: 22, VatRate.VAT22_122: 22,
}

#: First day each VAT code may be used (FISCAL.md §5.3); codes not listed are always valid.
VAT_SINCE: dict[VatRate, dt.date] = {
    VatRate.VAT5: dt.date(2025, 1, 1), VatRate.VAT7: dt.date(2025, 1, 1),
    VatRate.VAT5_105: dt.date(2025, 1, 1), VatRate.VAT7_107: dt.date(2025, 1, 1),
    VatRate.VAT22: dt.date(2026, 1, 1), VatRate.VAT22_122: dt.date(2026, 1, 1),
}

#: Receipt-level VAT totals of the 2020 formats; the new rates have no known tag (§5.4).
VAT_TOTAL_TAG: dict[VatRate, Tag] = {
    VatRate.VAT20: Tag.VAT20_SUM, VatRate.VAT10: Tag.VAT10_SUM, VatRate.VAT0: Tag.VAT0_BASE,
    VatRate.NONE: Tag.NO_VAT_BASE, VatRate.VAT20_120: Tag.VAT20_120_SUM,
    VatRate.VAT10_110: Tag.VAT10_110_SUM,
}
_BASE_TOTALS = (VatRate.VAT0, VatRate.NONE)  # these totals carry the sum, not the tax
EXCISE_SUBJECTS = (PaymentObject.EXCISE_GOODS, PaymentObject.EXCISE_MARKED_NO_CODE,
                   PaymentObject.EXCISE_MARKED_WITH_CODE)
FNS_SITE = "www.nalog.gov.ru"
EAN13_TYPE = b"\x45\x0d"  #: 1162 type bytes of an EAN-13 (Table 26)
UNRECOGNISED_TYPE = b"\x00\x00"  #: 1162 type bytes of an unrecognised code


@dataclass(frozen=True, slots=True)
class ReceiptDetails:
    """Receipt-level data given at the close: everything but items and payments."""

    tax_system: TaxSystem | None = None
    cashier: Cashier | None = None
    customer_contact: str | None = None
    customer_name: str | None = None
    customer_inn: str | None = None
    settlement_address: str | None = None
    settlement_place: str | None = None
    agent_role: AgentRole | None = None
    agent_data: AgentData | None = None
    supplier: SupplierData | None = None
    sender_email: str | None = None
    internet: bool = False
    user_attribute: tuple[str, str] | None = None
    attribute: str | None = None

    @classmethod
    def of(cls, receipt: Receipt) -> ReceiptDetails:
        """Take the details of a domain ``Receipt``."""
        return cls(tax_system=receipt.tax_system, cashier=receipt.cashier,
                   customer_contact=receipt.customer_contact,
                   customer_name=receipt.customer_name, customer_inn=receipt.customer_inn,
                   settlement_address=receipt.settlement_address,
                   settlement_place=receipt.settlement_place, agent_role=receipt.agent_role,
                   agent_data=receipt.agent_data, supplier=receipt.supplier,
                   sender_email=receipt.sender_email, internet=receipt.internet,
                   user_attribute=receipt.user_attribute, attribute=receipt.attribute)


def vat_of(amount: int, rate: VatRate) -> int:
    """VAT inside ``amount`` kopecks: amount × r / (100 + r), rounded half away from zero."""
    percent = VAT_PERCENT.get(rate, 0)
    if not percent:
        return 0
    sign = -1 if amount < 0 else 1
    return sign * ((2 * abs(amount) * percent + 100 + percent) // (2 * (100 + percent)))


def check_vat_date(rate: VatRate, day: dt.date) -> None:
    """Refuse a VAT code that is not yet in force on ``day``."""
    since = VAT_SINCE.get(rate)
    if since is not None and day < since:
        raise FnError(Refusal.VAT_NOT_IN_FORCE, f"НДС {int(rate)} / 1199={int(rate)}")


def encode_item(item: Item, ffd: FfdVersion, marking_result: int | None = None) -> bytes:
    """Check one item and encode it as a 1059 STLV; ``FnError`` when the ФН would refuse it.

    ``marking_result`` is the ФН's check of the item's marking code (2106), when it has one.
    """
    if item.quantity <= 0:
        raise FnError(Refusal.BAD_QUANTITY, item.name)
    if item.price < 0 or item.amount < 0:
        raise FnError(Refusal.BAD_VALUE, item.name)
    if abs(Decimal(item.amount) - Decimal(item.price) * item.quantity) > 1:
        raise FnError(Refusal.LINE_AMOUNT_MISMATCH, item.name)
    try:
        parts = [
            tlv.tlv(Tag.ITEM_NAME, tlv.string(item.name, 128)),
            tlv.tlv(Tag.PRICE, tlv.vln(item.price)),
            tlv.tlv(Tag.QUANTITY, tlv.fvln(item.quantity)),
            tlv.tlv(Tag.ITEM_AMOUNT, tlv.vln(item.amount)),
            tlv.tlv(Tag.PAYMENT_METHOD, tlv.byte(item.method)),
            tlv.tlv(Tag.PAYMENT_SUBJECT, tlv.byte(item.subject)),
            tlv.tlv(Tag.VAT_RATE, tlv.byte(item.vat)),
            tlv.tlv(Tag.VAT_AMOUNT, tlv.vln(vat_of(item.amount, item.vat))),
        ]
        if ffd >= FfdVersion.V1_2:
            parts.append(tlv.tlv(Tag.MEASURE, tlv.byte(item.measure or 0)))
        elif item.measure_unit:
            parts.append(tlv.tlv(Tag.MEASURE_UNIT, tlv.string(item.measure_unit, 16)))
        if item.marking_code and ffd >= FfdVersion.V1_2:
            parts.append(marking_code(item.marking_code))
            parts.append(tlv.tlv(Tag.MARKING_RESULT, tlv.byte(marking_result or 0)))
        elif item.ean13:
            parts.append(product_code(item.ean13, ffd))
        if item.agent_role is not None:
            parts.append(tlv.tlv(Tag.ITEM_AGENT_ROLE, tlv.byte(1 << item.agent_role)))
        if item.agent_data is not None:
            parts.append(_agent_data(item.agent_data))
        if item.supplier is not None:
            parts.extend(_supplier(item.supplier))
        for tag, text, limit in ((Tag.ITEM_ATTRIBUTE, item.attribute, 64),
                                 (Tag.COUNTRY_CODE, item.country_code, 3),
                                 (Tag.CUSTOMS_DECLARATION, item.customs_declaration, 32)):
            if text:
                parts.append(tlv.tlv(tag, tlv.string(text, limit)))
        if item.excise is not None:
            parts.append(tlv.tlv(Tag.EXCISE, tlv.vln(item.excise)))
        encoded = tlv.stlv(Tag.ITEM, parts)
    except tlv.TlvError as exc:
        raise FnError(Refusal.BAD_VALUE, str(exc)) from exc
    if len(encoded) > ITEM_MAX_BYTES:
        raise FnError(Refusal.ITEM_TOO_LARGE, item.name)
    return encoded


def product_code(code: str, ffd: FfdVersion) -> bytes:
    """Encode a product code: 1162 before FFD 1.2, 1163 from it (2020 formats, Table 26 notes).

    An EAN-13 with a valid check digit becomes ``45 0D`` and the number in 6 bytes (1.05) or
    1302 (1.2); anything else is kept as unrecognised: ``00 00`` and its first 30 bytes, or 1300.
    """
    ean13 = len(code) == 13 and code.isdigit() and ean13_valid(code)
    if ffd >= FfdVersion.V1_2:
        inner = (tlv.tlv(Tag.CODE_EAN13, tlv.string(code, 13)) if ean13
                 else tlv.tlv(Tag.CODE_UNRECOGNISED, tlv.string(code, 32)))
        return tlv.stlv(Tag.PRODUCT_CODE_12, [inner])
    if ean13:
        return tlv.tlv(Tag.PRODUCT_CODE, EAN13_TYPE + int(code).to_bytes(6, "big"))
    return tlv.tlv(Tag.PRODUCT_CODE, UNRECOGNISED_TYPE + code.encode(tlv.ENCODING)[:30])


def marking_code(code: str) -> bytes:
    """Encode a marking code as 1163 {1305 КТ GS1.М}: GTIN and serial, no crypto tail.

    The exact content rule of 1305 is unconfirmed (``FISCAL.md`` §15 item 4); a code that is not
    GS1 is kept as unrecognised (1300).
    """
    parsed = parse_code(code)
    if parsed.type is CodeType.GS1:
        value = f"01{parsed.gtin}21{parsed.serial}"
        return tlv.stlv(Tag.PRODUCT_CODE_12, [tlv.tlv(Tag.CODE_GS1M, tlv.string(value, 38))])
    return tlv.stlv(Tag.PRODUCT_CODE_12,
                    [tlv.tlv(Tag.CODE_UNRECOGNISED, code.encode("latin-1", "replace")[:32])])


def ean13_valid(code: str) -> bool:
    """Tell whether 13 digits end with the right EAN-13 check digit."""
    weighted = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(code[:12]))
    return (10 - weighted % 10) % 10 == int(code[12])


def _agent_data(data: AgentData) -> bytes:
    parts = [tlv.tlv(Tag.AGENT_PHONE, tlv.string(phone, 19)) for phone in data.agent_phones]
    parts += [tlv.tlv(Tag.TRANSFER_OPERATOR_PHONE, tlv.string(phone, 19))
              for phone in data.transfer_operator_phones]
    for tag, text, limit in ((Tag.BANK_AGENT_OPERATION, data.operation, 24),
                             (Tag.OPERATOR_PHONE, data.operator_phone, 19),
                             (Tag.TRANSFER_OPERATOR_NAME, data.transfer_operator_name, 64),
                             (Tag.TRANSFER_OPERATOR_ADDRESS, data.transfer_operator_address, 256)):
        if text:
            parts.append(tlv.tlv(tag, tlv.string(text, limit)))
    if data.transfer_operator_inn:
        parts.append(tlv.tlv(Tag.TRANSFER_OPERATOR_INN,
                             tlv.fixed_string(data.transfer_operator_inn, 12)))
    return tlv.stlv(Tag.AGENT_DATA, parts)


def _supplier(supplier: SupplierData) -> list[bytes]:
    parts = [tlv.tlv(Tag.SUPPLIER_PHONE, tlv.string(phone, 19)) for phone in supplier.phones]
    parts.append(tlv.tlv(Tag.SUPPLIER_NAME, tlv.string(supplier.name, 256)))
    return [tlv.stlv(Tag.SUPPLIER_DATA, parts),
            tlv.tlv(Tag.SUPPLIER_INN, tlv.fixed_string(supplier.inn, 12))]


def settle(total: int, tendered: Payments) -> tuple[Payments, int]:
    """Check tendered payments against the total; return them net of change, and the change."""
    non_cash = tendered.total - tendered.cash
    if min(tendered.cash, tendered.electronic, tendered.prepayment, tendered.credit,
           tendered.provision) < 0:
        raise FnError(Refusal.BAD_VALUE, "payments")
    if tendered.total < total:
        raise FnError(Refusal.PAYMENTS_SHORT, f"{tendered.total} < {total}")
    if non_cash > total:
        raise FnError(Refusal.NON_CASH_EXCEEDS_TOTAL, f"{non_cash} > {total}")
    change = tendered.total - total
    net = Payments(cash=tendered.cash - change, electronic=tendered.electronic,
                   prepayment=tendered.prepayment, credit=tendered.credit,
                   provision=tendered.provision)
    return net, change


PAYMENT_TAGS: tuple[tuple[str, Tag], ...] = (
    ("cash", Tag.CASH), ("electronic", Tag.ELECTRONIC), ("prepayment", Tag.PREPAYMENT),
    ("credit", Tag.CREDIT), ("provision", Tag.PROVISION))


def receipt_tags(details: ReceiptDetails, payments: Payments, total: int,
                 vat_totals: dict[VatRate, int], ffd: FfdVersion) -> list[bytes]:
    """Encode the receipt-level TLVs that follow the items: totals, payments, VAT, buyer, extras."""
    parts = [tlv.tlv(Tag.TOTAL, tlv.vln(total))]
    parts += [tlv.tlv(tag, tlv.vln(getattr(payments, name))) for name, tag in PAYMENT_TAGS]
    for rate, amount in sorted(vat_totals.items()):
        tag = VAT_TOTAL_TAG.get(rate)
        if tag is not None:
            parts.append(tlv.tlv(tag, tlv.vln(amount)))
    if details.customer_contact:
        parts.append(tlv.tlv(Tag.CUSTOMER_CONTACT, tlv.string(details.customer_contact, 64)))
    buyer = []
    if details.customer_name:
        buyer.append(tlv.tlv(Tag.CUSTOMER_NAME, tlv.string(details.customer_name, 256)))
    if details.customer_inn:
        buyer.append(tlv.tlv(Tag.CUSTOMER_INN, tlv.fixed_string(details.customer_inn, 12)))
    if buyer:
        parts += [tlv.stlv(Tag.CUSTOMER, buyer)] if ffd >= FfdVersion.V1_2 else buyer
    if details.agent_role is not None:
        parts.append(tlv.tlv(Tag.AGENT_ROLE, tlv.byte(1 << details.agent_role)))
    if details.agent_data is not None:
        parts.append(_agent_data(details.agent_data))
    if details.supplier is not None:
        parts.extend(_supplier(details.supplier))
    if details.internet:
        parts.append(tlv.tlv(Tag.INTERNET, tlv.byte(1)))
    if details.user_attribute is not None:
        name, value = details.user_attribute
        parts.append(tlv.stlv(Tag.USER_ATTRIBUTE, [
            tlv.tlv(Tag.USER_ATTRIBUTE_NAME, tlv.string(name, 64)),
            tlv.tlv(Tag.USER_ATTRIBUTE_VALUE, tlv.string(value, 256))]))
    if details.attribute:
        parts.append(tlv.tlv(Tag.RECEIPT_ATTRIBUTE, tlv.string(details.attribute, 16)))
    parts.append(tlv.tlv(Tag.FNS_SITE, tlv.string(FNS_SITE, 256)))
    return parts


def vat_totals(lines: list[tuple[int, int]]) -> dict[VatRate, int]:
    """Per-rate receipt totals from (rate, amount) of each line: tax of the rate's sum, or the sum.

    Devices compute a rate's tax from the sum of its lines, not as the sum of line taxes
    (``FISCAL.md`` §4); 0 % and "без НДС" totals carry the sum itself.
    """
    sums: dict[VatRate, int] = {}
    for code, amount in lines:
        rate = VatRate(code)
        sums[rate] = sums.get(rate, 0) + amount
    return {rate: amount if rate in _BASE_TOTALS else vat_of(amount, rate)
            for rate, amount in sums.items()}


def closing_parts(registration: RegistrationData, receipt: OpenReceipt, details: ReceiptDetails,
                  payments: Payments, *, tax_system: int, receipt_number: int,
                  shift_number: int) -> list[bytes]:
    """Encode a receipt's TLVs at its close, without the tags every FD carries."""
    lines = [(item.vat, item.amount) for item in receipt.items]
    ffd = FfdVersion(registration.ffd)
    try:
        parts = [*documents.user_tags(registration),
                 *documents.place_tags(registration, details.settlement_address,
                                       details.settlement_place),
                 *documents.cashier_tags(details.cashier),
                 tlv.tlv(Tag.RECEIPT_NUMBER, tlv.u32(receipt_number)),
                 tlv.tlv(Tag.SHIFT_NUMBER, tlv.u32(shift_number)),
                 tlv.tlv(Tag.RECEIPT_KIND, tlv.byte(receipt.kind)),
                 tlv.tlv(Tag.TAX_SYSTEM, tlv.byte(1 << tax_system)),
                 *_correction_tags(receipt.correction),
                 *(item.tlv for item in receipt.items),
                 *receipt_tags(details, payments, receipt.total, vat_totals(lines), ffd)]
        if details.customer_contact:
            sender = details.sender_email or registration.sender_email
            parts.append(tlv.tlv(Tag.SENDER_EMAIL, tlv.string(sender, 64)))
    except tlv.TlvError as exc:
        raise FnError(Refusal.BAD_VALUE, str(exc)) from exc
    return parts


def _correction_tags(correction: dict[str, object] | None) -> list[bytes]:
    """1173 and 1174 {1178, 1179} of a correction receipt."""
    if correction is None:
        return []
    base = dt.datetime.fromisoformat(str(correction["base_date"]))
    return [tlv.tlv(Tag.CORRECTION_TYPE, tlv.byte(int(str(correction["type"])))),
            tlv.stlv(Tag.CORRECTION_BASIS, [
                tlv.tlv(Tag.CORRECTED_DATE, tlv.unixtime(base)),
                tlv.tlv(Tag.CORRECTION_ORDER, tlv.string(str(correction["base_number"]), 32))])]
