"""The printed reports: fiscal shift and state reports, the X report and cash moves."""

from __future__ import annotations

import datetime as dt

import pytest

from openkkm.fiscal.types import (
    Cashier,
    DeviceInfo,
    DeviceStatus,
    DocumentType,
    FfdVersion,
    FiscalDocument,
    Registration,
    ShiftState,
    TaxSystem,
)
from openkkm.layout.document import BarcodeBlock, Cut, Document, TextLine
from openkkm.layout.reports import (
    REPORT_TITLE,
    layout_cash_move,
    layout_fiscal_report,
    layout_x_report,
)
from openkkm.layout.text import font_width

REG = Registration(inn="7700000009", organization='ООО "Ромашка"', tax_systems=(TaxSystem.OSN,),
                   reg_number="0000000001012345", kkt_number="00000000012345",
                   fn_number="7380440700012345", ffd=FfdVersion.V1_2, address="г. Москва",
                   place="Магазин")
CASHIER = Cashier("Иванова А.А.", "500100732259")


def report(kind: DocumentType, shift: int = 7) -> FiscalDocument:
    """A signed report of form ``kind``."""
    return FiscalDocument(number=483, fiscal_sign=71182645, moment=dt.datetime(2026, 11, 24, 21, 5),
                          type=kind, fn_number="7380440700012345", shift_number=shift)


def info(unsent: int, balance: int = 1500) -> DeviceInfo:
    """The register's state after a report: ``unsent`` documents since 20.11.2026."""
    status = DeviceStatus("7380440700012345", 483, ShiftState.CLOSED, 7)
    oldest = dt.datetime(2026, 11, 20, 9, 30) if unsent else None
    return DeviceInfo(REG, status, dt.datetime(2026, 11, 24, 21, 5), 48, cash_balance=balance,
                      ofd_unsent=unsent, ofd_oldest_unsent=oldest)


def lines(document: Document) -> list[str]:
    """The text lines with their padding removed."""
    return [" ".join(block.text.split()) for block in document.blocks if isinstance(block, TextLine)]


def fits(document: Document) -> bool:
    """No text line is wider than its font's width."""
    return all(len(block.text) <= font_width(document.line_length, block.font)
               for block in document.blocks if isinstance(block, TextLine))


def test_shift_close_prints_the_fiscal_requisites_and_the_unsent_state() -> None:
    document = layout_fiscal_report(report(DocumentType.SHIFT_CLOSE), 48, registration=REG,
                                    cashier=CASHIER, info=info(3))
    text = lines(document)
    assert text[:3] == ['ООО "Ромашка"', "г. Москва", "Магазин"]
    assert text[3] == "ОТЧЕТ О ЗАКРЫТИИ СМЕНЫ"
    for expected in ("КАССИР Иванова А.А.", "ИНН КАССИРА 500100732259", "СМЕНА 7",
                     "24.11.2026 21:05", "НЕПЕРЕДАННЫХ ФД 3", "ФД НЕ ПЕРЕДАНЫ С 20.11.2026",
                     "НАЛИЧНЫХ В КАССЕ =15.00", "ИНН 7700000009", "РН ККТ 0000000001012345",
                     "ФН 7380440700012345", "ФД 483 ФП 0071182645"):
        assert expected in text
    assert isinstance(document.blocks[-1], Cut)
    assert not any(isinstance(block, BarcodeBlock) for block in document.blocks)
    assert fits(document)


def test_shift_open_prints_no_ofd_state_even_when_read() -> None:
    text = lines(layout_fiscal_report(report(DocumentType.SHIFT_OPEN), 48, registration=REG,
                                      info=info(3)))
    assert "ОТЧЕТ ОБ ОТКРЫТИИ СМЕНЫ" in text and "ФД 483 ФП 0071182645" in text
    assert not any(line.startswith(("НЕПЕРЕДАННЫХ", "НАЛИЧНЫХ", "КАССИР")) for line in text)


def test_state_report_with_nothing_unsent_has_no_oldest_date() -> None:
    text = lines(layout_fiscal_report(report(DocumentType.STATUS_REPORT, shift=0), 48,
                                      info=info(0)))
    assert "НЕПЕРЕДАННЫХ ФД 0" in text
    assert not any(line.startswith(("ФД НЕ ПЕРЕДАНЫ", "СМЕНА", "НАЛИЧНЫХ")) for line in text)


@pytest.mark.parametrize("kind", list(REPORT_TITLE))
@pytest.mark.parametrize("width", [32, 48, 57])
def test_every_title_and_line_fits_the_width(kind: DocumentType, width: int) -> None:
    document = layout_fiscal_report(report(kind), width, registration=REG, cashier=CASHIER,
                                    info=info(1))
    assert fits(document)
    assert REPORT_TITLE[kind].replace(" ", "") in "".join(lines(document)).replace(" ", "")


def test_x_report_has_no_fiscal_document() -> None:
    text = lines(layout_x_report(32, registration=REG, cashier=CASHIER))
    assert "X-ОТЧЕТ" in text and "КАССИР Иванова А.А." in text and "ФН 7380440700012345" in text
    assert not any(line.startswith(("ФД", "ФП")) for line in text)


@pytest.mark.parametrize(("amount", "title", "shown"), [(5025, "ВНЕСЕНИЕ", "=50.25"),
                                                        (-2000, "ВЫПЛАТА", "=20.00")])
def test_cash_move_prints_the_amount_and_the_balance(amount: int, title: str, shown: str) -> None:
    document = layout_cash_move(amount, 12345, 48, registration=REG, cashier=CASHIER)
    text = lines(document)
    assert title in text and f"СУММА {shown}" in text and "НАЛИЧНЫХ В КАССЕ =123.45" in text
    assert fits(document)
