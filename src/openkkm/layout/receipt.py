"""The printed form of a registered fiscal receipt (form 3) or correction receipt (form 31).

Headers follow Table 4 of the FFD appendix (``FISCAL.md`` §3.5): «ИТОГ», «НАЛИЧНЫМИ»,
«БЕЗНАЛИЧНЫМИ», «КАССИР», «ФН», «ФД», «ФП»… Cash prints as handed over (the fiscal 1031 value
plus the change) with «СДАЧА» below it, as registers print it. The QR carries the fiscal data
(``FISCAL.md`` §9.2).
"""

from __future__ import annotations

from decimal import Decimal

from openkkm.fiscal.money import format_rubles
from openkkm.fiscal.qr import qr_payload
from openkkm.fiscal.taxes import VAT_LABEL, VAT_PERCENT
from openkkm.fiscal.types import (
    CorrectionType,
    FiscalDocument,
    Item,
    PaymentMethod,
    Receipt,
    ReceiptKind,
    Registration,
    TaxSystem,
    VatRate,
)
from openkkm.layout.barcodes import Symbology
from openkkm.layout.document import (
    BarcodeBlock,
    Document,
    TextSheet,
    layout_elements,
)
from openkkm.layout.text import Font

FNS_SITE = "www.nalog.gov.ru"
#: printed on a printer's imitation of a fiscal document (``emulate_fiscal``)
NOT_FISCAL = "НЕФИСКАЛЬНЫЙ ДОКУМЕНТ"

KIND_TITLE: dict[ReceiptKind, str] = {
    ReceiptKind.SALE: "ПРИХОД",
    ReceiptKind.SALE_RETURN: "ВОЗВРАТ ПРИХОДА",
    ReceiptKind.PURCHASE: "РАСХОД",
    ReceiptKind.PURCHASE_RETURN: "ВОЗВРАТ РАСХОДА",
}

METHOD_TITLE: dict[PaymentMethod, str] = {
    PaymentMethod.FULL_PREPAYMENT: "ПРЕДОПЛАТА 100%",
    PaymentMethod.PREPAYMENT: "ПРЕДОПЛАТА",
    PaymentMethod.ADVANCE: "АВАНС",
    PaymentMethod.FULL_PAYMENT: "ПОЛНЫЙ РАСЧЕТ",
    PaymentMethod.PARTIAL_PAYMENT_CREDIT: "ЧАСТИЧНЫЙ РАСЧЕТ И КРЕДИТ",
    PaymentMethod.CREDIT_TRANSFER: "ПЕРЕДАЧА В КРЕДИТ",
    PaymentMethod.CREDIT_PAYMENT: "ОПЛАТА КРЕДИТА",
}

TAX_SYSTEM_TITLE: dict[TaxSystem, str] = {
    TaxSystem.OSN: "ОСН",
    TaxSystem.USN_INCOME: "УСН доход",
    TaxSystem.USN_INCOME_EXPENSE: "УСН доход - расход",
    TaxSystem.ENVD: "ЕНВД",
    TaxSystem.ESHN: "ЕСХН",
    TaxSystem.PATENT: "ПСН",
}

CORRECTION_TITLE: dict[CorrectionType, str] = {
    CorrectionType.OWN: "САМОСТОЯТЕЛЬНО",
    CorrectionType.BY_ORDER: "ПО ПРЕДПИСАНИЮ",
}


def quantity_text(quantity: Decimal) -> str:
    """A quantity without trailing zeros: ``3``, ``0.75``."""
    text = f"{quantity:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _money(kopecks: int) -> str:
    return "=" + format_rubles(kopecks)


def _vat_title(rate: VatRate) -> str:
    return "БЕЗ НДС" if rate is VatRate.NONE else f"НДС {VAT_LABEL[rate].replace(' ', '')}"


def _item(lines: TextSheet, number: int, item: Item) -> None:
    lines.add(f"{number}. {item.name}")
    unit = f" {item.measure_unit}" if item.measure_unit else ""
    lines.pair(f"   {quantity_text(item.quantity)}{unit} x {format_rubles(item.price)}",
               _money(item.amount))
    lines.add(f"   {METHOD_TITLE[item.method]}")
    vat = _money(item.vat_amount) if VAT_PERCENT[item.vat] else ""
    lines.pair(f"   {_vat_title(item.vat)}", vat)


def _vat_totals(lines: TextSheet, receipt: Receipt) -> None:
    amounts: dict[VatRate, int] = {}
    taxes: dict[VatRate, int] = {}
    for item in receipt.items:
        amounts[item.vat] = amounts.get(item.vat, 0) + item.amount
        taxes[item.vat] = taxes.get(item.vat, 0) + item.vat_amount
    for rate in sorted(amounts):
        if rate is VatRate.NONE:
            lines.pair("СУММА БЕЗ НДС", _money(amounts[rate]))
        elif not VAT_PERCENT[rate]:
            lines.pair("СУММА С НДС 0%", _money(amounts[rate]))
        else:
            lines.pair(f"СУММА {_vat_title(rate)}", _money(taxes[rate]))


def _payments(lines: TextSheet, receipt: Receipt) -> None:
    payments = receipt.payments
    lines.pair("ИТОГ", _money(receipt.total), Font.WIDE)
    tendered = payments.cash + receipt.change
    for title, amount in (
        ("НАЛИЧНЫМИ", tendered),
        ("БЕЗНАЛИЧНЫМИ", payments.electronic),
        ("ПРЕДВАРИТЕЛЬНАЯ ОПЛАТА (АВАНС)", payments.prepayment),
        ("ПОСЛЕДУЮЩАЯ ОПЛАТА (КРЕДИТ)", payments.credit),
        ("ИНАЯ ФОРМА ОПЛАТЫ", payments.provision),
    ):
        if amount:
            lines.pair(title, _money(amount))
    if receipt.change:
        lines.pair("СДАЧА", _money(receipt.change))


def _heading(lines: TextSheet, receipt: Receipt, registration: Registration | None,
             fiscal: bool) -> None:
    if not fiscal:
        lines.add(f">#0#<{NOT_FISCAL}", Font.WIDE)
    if registration is not None:
        for text in (registration.organization, registration.address, registration.place):
            if text:
                lines.add(f">#0#<{text}")
    lines.add(">#0#<КАССОВЫЙ ЧЕК КОРРЕКЦИИ" if receipt.correction else ">#0#<КАССОВЫЙ ЧЕК")
    lines.add(f">#0#<{KIND_TITLE[receipt.kind]}", Font.WIDE)
    if receipt.correction is not None:
        correction = receipt.correction
        lines.pair("ТИП КОРРЕКЦИИ", CORRECTION_TITLE[correction.type])
        lines.pair("ОСНОВАНИЕ", f"№ {correction.base_number} от {correction.base_date:%d.%m.%Y}")


def _fiscal_data(lines: TextSheet, receipt: Receipt, document: FiscalDocument,
                 registration: Registration | None) -> None:
    if receipt.tax_system is not None:
        lines.pair("СНО", TAX_SYSTEM_TITLE[receipt.tax_system])
    elif registration is not None and registration.tax_systems:
        lines.pair("СНО", TAX_SYSTEM_TITLE[registration.tax_systems[0]])
    if receipt.cashier is not None:
        lines.pair("КАССИР", receipt.cashier.name)
        if receipt.cashier.inn:
            lines.pair("ИНН КАССИРА", receipt.cashier.inn)
    if receipt.customer_contact:
        lines.pair("ПОКУПАТЕЛЬ", receipt.customer_contact)
    if receipt.customer_name:
        lines.pair("ПОКУПАТЕЛЬ", receipt.customer_name)
    if receipt.customer_inn:
        lines.pair("ИНН ПОКУПАТЕЛЯ", receipt.customer_inn)
    title = "ЧЕК КОР." if receipt.correction else "ЧЕК"
    lines.pair(f"{title} {document.receipt_number}", f"СМЕНА {document.shift_number}")
    lines.add(f"{document.moment:%d.%m.%Y %H:%M}")
    if not document.fiscal:
        lines.pair("ДОКУМЕНТ", f"№ {document.number}")
        lines.add(f">#0#<{NOT_FISCAL}")
        return
    if registration is not None:
        lines.pair("ИНН", registration.inn)
        lines.pair("РН ККТ", registration.reg_number)
        lines.pair("ЗН ККТ", registration.kkt_number)
        if registration.sender_email:
            lines.pair("ЭЛ. АДР. ОТПРАВИТЕЛЯ", registration.sender_email)
    lines.pair("ФН", document.fn_number)
    lines.pair(f"ФД {document.number}", f"ФП {document.fiscal_sign:010d}")
    lines.pair("САЙТ ФНС", FNS_SITE)


def layout_receipt(receipt: Receipt, document: FiscalDocument, line_length: int, *,
                   registration: Registration | None = None) -> Document:
    """The receipt as it prints: heading, client header, items with the client's elements
    interleaved, totals, payments, fiscal data, QR, client footer, cut.

    A printer's imitation (a document no ФН signed) says so at the top and the bottom and
    prints no РН, ФН, ФД, ФП or QR code.
    """
    lines = TextSheet(line_length)
    _heading(lines, receipt, registration, document.fiscal)
    lines.blocks.extend(layout_elements(receipt.header, line_length))
    placed = list(zip(receipt.element_positions, receipt.elements, strict=True))
    for number, item in enumerate(receipt.items):
        lines.blocks.extend(layout_elements((e for at, e in placed if at == number), line_length))
        _item(lines, number + 1, item)
    lines.blocks.extend(
        layout_elements((e for at, e in placed if at >= len(receipt.items)), line_length))
    lines.add("<<->>")
    _payments(lines, receipt)
    _vat_totals(lines, receipt)
    lines.add("<<->>")
    _fiscal_data(lines, receipt, document, registration)
    if document.kind is not None and document.fiscal:
        lines.blocks.append(BarcodeBlock(Symbology.QR, qr_payload(document)))
    lines.blocks.extend(layout_elements(receipt.footer, line_length))
    return lines.document()
