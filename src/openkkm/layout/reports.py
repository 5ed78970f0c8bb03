"""The printed form of reports: shift open and close, current state, registration, X, cash moves.

Fiscal reports carry the requisites of their printed form (``FISCAL.md`` §3.5): user, cashier,
shift, date and time, INN, РН ККТ, ФН, ФД and ФП; the close and state reports add the ФН's
unsent-document count and the date of the oldest one. A report has no QR code: the QR belongs
to receipts. The X report and cash moves form no fiscal document, so they print no ФД or ФП.
"""

from __future__ import annotations

from openkkm.fiscal.money import format_rubles
from openkkm.fiscal.types import (
    Cashier,
    DeviceInfo,
    DocumentType,
    FiscalDocument,
    Registration,
)
from openkkm.layout.document import Document, TextSheet
from openkkm.layout.receipt import NOT_FISCAL
from openkkm.layout.text import Font, font_width

REPORT_TITLE: dict[DocumentType, str] = {
    DocumentType.REGISTRATION: "ОТЧЕТ О РЕГИСТРАЦИИ",
    DocumentType.SHIFT_OPEN: "ОТЧЕТ ОБ ОТКРЫТИИ СМЕНЫ",
    DocumentType.SHIFT_CLOSE: "ОТЧЕТ О ЗАКРЫТИИ СМЕНЫ",
    DocumentType.FN_CLOSE: "ОТЧЕТ О ЗАКРЫТИИ ФИСКАЛЬНОГО НАКОПИТЕЛЯ",
    DocumentType.REREGISTRATION: "ОТЧЕТ ОБ ИЗМЕНЕНИИ ПАРАМЕТРОВ РЕГИСТРАЦИИ",
    DocumentType.STATUS_REPORT: "ОТЧЕТ О ТЕКУЩЕМ СОСТОЯНИИ РАСЧЕТОВ",
}
X_REPORT_TITLE = "X-ОТЧЕТ"
DEPOSIT_TITLE = "ВНЕСЕНИЕ"
PAYOUT_TITLE = "ВЫПЛАТА"

#: Reports that print the ФН's unsent-document state (forms 5 and 21).
_OFD_STATE = (DocumentType.SHIFT_CLOSE, DocumentType.STATUS_REPORT)


def _heading(sheet: TextSheet, title: str, registration: Registration | None) -> None:
    """User, address and place, then the title: wide when it fits on one line."""
    if registration is not None:
        for text in (registration.organization, registration.address, registration.place):
            if text:
                sheet.add(f">#0#<{text}")
    fits = len(title) <= font_width(sheet.line_length, Font.WIDE)
    sheet.add(f">#0#<{title}", Font.WIDE if fits else Font.DEFAULT)


def _cashier(sheet: TextSheet, cashier: Cashier | None) -> None:
    if cashier is not None:
        sheet.pair("КАССИР", cashier.name)
        if cashier.inn:
            sheet.pair("ИНН КАССИРА", cashier.inn)


def _register(sheet: TextSheet, registration: Registration | None) -> None:
    if registration is not None:
        for label, value in (("ИНН", registration.inn), ("РН ККТ", registration.reg_number),
                             ("ЗН ККТ", registration.kkt_number)):
            if value:  # a printer's imitation has no РН or serial
                sheet.pair(label, value)


def _ofd_state(sheet: TextSheet, info: DeviceInfo) -> None:
    sheet.pair("НЕПЕРЕДАННЫХ ФД", str(info.ofd_unsent))
    if info.ofd_unsent and info.ofd_oldest_unsent is not None:
        sheet.pair("ФД НЕ ПЕРЕДАНЫ С", f"{info.ofd_oldest_unsent:%d.%m.%Y}")
    if info.fn_memory_full:
        sheet.add("ПАМЯТЬ ФН ЗАПОЛНЕНА")


def layout_fiscal_report(document: FiscalDocument, line_length: int, *,
                         registration: Registration | None = None, cashier: Cashier | None = None,
                         info: DeviceInfo | None = None) -> Document:
    """A fiscal report (shift open or close, current state, registration) as it prints.

    ``info`` is the register's state read right after the report, when it could be read.
    """
    sheet = TextSheet(line_length)
    if not document.fiscal:
        sheet.add(f">#0#<{NOT_FISCAL}", Font.WIDE)
    _heading(sheet, REPORT_TITLE[document.type], registration)
    _cashier(sheet, cashier)
    if document.type is not DocumentType.STATUS_REPORT or document.shift_number:
        sheet.pair("СМЕНА", str(document.shift_number))
    sheet.add(f"{document.moment:%d.%m.%Y %H:%M}")
    if info is not None and document.type in _OFD_STATE:
        sheet.add("<<->>")
        _ofd_state(sheet, info)
    if info is not None and document.type is DocumentType.SHIFT_CLOSE and info.cash_balance >= 0:
        sheet.pair("НАЛИЧНЫХ В КАССЕ", "=" + format_rubles(info.cash_balance))
    sheet.add("<<->>")
    if not document.fiscal:
        sheet.pair("ДОКУМЕНТ", f"№ {document.number}")
        sheet.add(f">#0#<{NOT_FISCAL}")
        return sheet.document()
    _register(sheet, registration)
    sheet.pair("ФН", document.fn_number)
    sheet.pair(f"ФД {document.number}", f"ФП {document.fiscal_sign:010d}")
    return sheet.document()


def layout_x_report(line_length: int, *, registration: Registration | None = None,
                    cashier: Cashier | None = None) -> Document:
    """The X report's heading: the shift's report without closing it (no fiscal document)."""
    sheet = TextSheet(line_length)
    _heading(sheet, X_REPORT_TITLE, registration)
    _cashier(sheet, cashier)
    sheet.add("<<->>")
    _register(sheet, registration)
    if registration is not None:
        sheet.pair("ФН", registration.fn_number)
    return sheet.document()


def layout_cash_move(amount: int, balance: int, line_length: int, *,
                     registration: Registration | None = None,
                     cashier: Cashier | None = None) -> Document:
    """A deposit (``amount`` > 0) or payout (< 0) slip with the drawer's balance after it, kopecks."""
    sheet = TextSheet(line_length)
    _heading(sheet, DEPOSIT_TITLE if amount > 0 else PAYOUT_TITLE, registration)
    _cashier(sheet, cashier)
    sheet.add("<<->>")
    sheet.pair("СУММА", "=" + format_rubles(abs(amount)))
    sheet.pair("НАЛИЧНЫХ В КАССЕ", "=" + format_rubles(balance))
    sheet.add("<<->>")
    _register(sheet, registration)
    return sheet.document()
