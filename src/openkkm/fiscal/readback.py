"""A fiscal document read back from a fiscal drive: its TLV decoded into what a reprint shows.

Any driver that can read a document's TLV from the ФН archive (the virtual ФН, Shtrih FF3A, ATOL
«read document») hands the form's STLV here; ``GetDataCheck`` and reprints use the result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum

from openkkm.fiscal import tlv
from openkkm.fiscal.types import DocumentType, Payments, ReceiptKind, TaxSystem, VatRate


class ReadTag(IntEnum):
    """The tags a read-back document is decoded from."""

    SETTLEMENT_ADDRESS = 1009
    CUSTOMER_CONTACT = 1008
    DATE_TIME = 1012
    TOTAL = 1020
    CASHIER = 1021
    QUANTITY = 1023
    ITEM_NAME = 1030
    CASH = 1031
    SHIFT_NUMBER = 1038
    ITEM_AMOUNT = 1043
    RECEIPT_KIND = 1054
    TAX_SYSTEM = 1055
    ITEM = 1059
    PRICE = 1079
    ELECTRONIC = 1081
    SENDER_EMAIL = 1117
    SETTLEMENT_PLACE = 1187
    VAT_RATE = 1199
    CASHIER_INN = 1203
    PREPAYMENT = 1215
    CREDIT = 1216
    PROVISION = 1217
    MARKING_RESULT = 2106


@dataclass(frozen=True, slots=True)
class ReadLine:
    """One item (1059) of a read-back receipt."""

    name: str
    quantity: Decimal
    price: int
    amount: int
    vat: VatRate | None
    marking_result: int | None = None  # 2106 of a marked line


@dataclass(frozen=True, slots=True)
class ReadDocumentContent:
    """What a read-back document says, decoded from its TLV."""

    form: DocumentType
    moment: dt.datetime | None = None
    kind: ReceiptKind | None = None
    tax_system: TaxSystem | None = None
    cashier: str = ""
    cashier_inn: str = ""
    address: str = ""
    place: str = ""
    customer_contact: str = ""
    sender_email: str = ""
    lines: tuple[ReadLine, ...] = ()
    payments: Payments = field(default_factory=Payments)
    total: int = 0


_STRINGS = {ReadTag.CASHIER: "cashier", ReadTag.CASHIER_INN: "cashier_inn",
            ReadTag.SETTLEMENT_ADDRESS: "address", ReadTag.SETTLEMENT_PLACE: "place",
            ReadTag.CUSTOMER_CONTACT: "customer_contact", ReadTag.SENDER_EMAIL: "sender_email"}
_PAYMENTS = {ReadTag.CASH: "cash", ReadTag.ELECTRONIC: "electronic",
             ReadTag.PREPAYMENT: "prepayment", ReadTag.CREDIT: "credit",
             ReadTag.PROVISION: "provision"}


def decode(data: bytes) -> ReadDocumentContent:
    """Decode one document (its form's STLV); ``TlvError`` when it is not one."""
    [(form, body)] = list(tlv.iter_tlv(data))
    values: dict[str, object] = {}
    payments: dict[str, int] = {}
    lines: list[ReadLine] = []
    for tag, value in tlv.iter_tlv(body):
        if tag in _STRINGS:
            values[_STRINGS[ReadTag(tag)]] = tlv.read_string(value)
        elif tag in _PAYMENTS:
            payments[_PAYMENTS[ReadTag(tag)]] = tlv.read_vln(value)
        elif tag == ReadTag.DATE_TIME:
            values["moment"] = tlv.read_unixtime(value)
        elif tag == ReadTag.RECEIPT_KIND:
            values["kind"] = ReceiptKind(value[0])
        elif tag == ReadTag.TAX_SYSTEM:
            values["tax_system"] = TaxSystem(tlv.read_vln(value).bit_length() - 1)
        elif tag == ReadTag.TOTAL:
            values["total"] = tlv.read_vln(value)
        elif tag == ReadTag.ITEM:
            lines.append(_line(value))
    return ReadDocumentContent(form=DocumentType(form), lines=tuple(lines),
                               payments=Payments(**payments), **values)  # type: ignore[arg-type]


def _line(body: bytes) -> ReadLine:
    fields = dict(tlv.iter_tlv(body))
    vat = fields.get(ReadTag.VAT_RATE)
    marking = fields.get(ReadTag.MARKING_RESULT)
    return ReadLine(
        name=tlv.read_string(fields.get(ReadTag.ITEM_NAME, b"")),
        quantity=tlv.read_fvln(fields[ReadTag.QUANTITY]) if ReadTag.QUANTITY in fields
        else Decimal(1),
        price=tlv.read_vln(fields.get(ReadTag.PRICE, b"")),
        amount=tlv.read_vln(fields.get(ReadTag.ITEM_AMOUNT, b"")),
        vat=None if vat is None else VatRate(vat[0]),
        marking_result=None if marking is None else marking[0])


#: «CheckType» texts of ``GetDataCheck`` (``API.md`` §6.8).
RECEIPT_KIND_TEXT: dict[ReceiptKind, str] = {
    ReceiptKind.SALE: "Приход", ReceiptKind.SALE_RETURN: "Возврат прихода",
    ReceiptKind.PURCHASE: "Расход", ReceiptKind.PURCHASE_RETURN: "Возврат расхода"}
FORM_TEXT: dict[DocumentType, str] = {
    DocumentType.REGISTRATION: "Отчет о регистрации",
    DocumentType.SHIFT_OPEN: "Открытие смены",
    DocumentType.SHIFT_CLOSE: "Закрытие смены",
    DocumentType.FN_CLOSE: "Отчет о закрытии фискального накопителя",
    DocumentType.REREGISTRATION: "Отчет об изменении параметров регистрации",
    DocumentType.STATUS_REPORT: "Текущее состояние расчетов",
}
_CORRECTION_FORMS = (DocumentType.CORRECTION, DocumentType.BSO_CORRECTION)


def type_text(content: ReadDocumentContent) -> str:
    """The document's «CheckType»: «Приход», «Коррекция приход», «Закрытие смены»..."""
    if content.kind is not None:
        text = RECEIPT_KIND_TEXT[content.kind]
        return f"Коррекция {text.lower()}" if content.form in _CORRECTION_FORMS else text
    return FORM_TEXT.get(content.form, f"Документ формы {int(content.form)}")


def slip_lines(content: ReadDocumentContent, number: int, fiscal_sign: int,
               fn_number: str) -> list[str]:
    """A plain-text copy of the document for a reprint or ``GetDataCheck.Slip``."""
    lines = ["КОПИЯ", type_text(content).upper()]
    if content.moment is not None:
        lines.append(content.moment.strftime("%d.%m.%Y %H:%M"))
    for line in content.lines:
        lines.append(line.name)
        lines.append(f"  {line.quantity.normalize():f} x {line.price / 100:.2f} = "
                     f"{line.amount / 100:.2f}")
    if content.lines:
        lines.append(f"ИТОГ {content.total / 100:.2f}")
        for name, text in (("cash", "НАЛИЧНЫМИ"), ("electronic", "БЕЗНАЛИЧНЫМИ"),
                           ("prepayment", "ПРЕДОПЛАТА"), ("credit", "ПОСТОПЛАТА"),
                           ("provision", "ВСТРЕЧНОЕ ПРЕДОСТАВЛЕНИЕ")):
            amount = getattr(content.payments, name)
            if amount:
                lines.append(f"{text} {amount / 100:.2f}")
    if content.cashier:
        lines.append(f"Кассир {content.cashier}")
    lines.append(f"ФН {fn_number} ФД {number} ФП {fiscal_sign}")
    return lines
