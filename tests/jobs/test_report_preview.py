"""``preview_text`` for reports and cash moves: the width used and the shift report printed first."""

from __future__ import annotations

import datetime as dt

from openkkm.fiscal.types import (
    Cashier,
    DocumentType,
    FfdVersion,
    FiscalDocument,
    Registration,
    TaxSystem,
)
from openkkm.jobs.operations import CashDone, MoveCash, OpenDrawer, XReport
from openkkm.jobs.preview import preview_text
from openkkm.layout.document import Cut, TextLine
from openkkm.layout.store import load_document

REG = Registration(inn="7700000009", organization='ООО "Ромашка"', tax_systems=(TaxSystem.OSN,),
                   reg_number="0000000001012345", kkt_number="00000000012345",
                   fn_number="7380440700012345", ffd=FfdVersion.V1_2)
OPENED = FiscalDocument(number=12, fiscal_sign=4012345678, moment=dt.datetime(2026, 11, 24, 9, 0),
                        type=DocumentType.SHIFT_OPEN, fn_number="7380440700012345",
                        shift_number=5)


def texts(stored: str | None) -> list[str]:
    """The stored document's text lines with their padding removed."""
    assert stored is not None
    document = load_document(stored)
    return [" ".join(b.text.split()) for b in document.blocks if isinstance(b, TextLine)]


def test_x_report_is_laid_out_at_the_given_width() -> None:
    stored = preview_text(XReport(Cashier("Петров П.П.")), None, REG, 32)
    assert stored is not None
    document = load_document(stored)
    assert document.line_length == 32
    assert "X-ОТЧЕТ" in texts(stored) and "КАССИР Петров П.П." in texts(stored)


def test_cash_move_follows_the_shift_report_opened_for_it() -> None:
    stored = preview_text(MoveCash(-700, None), CashDone(300, OPENED), REG)
    lines = texts(stored)
    assert lines.index("ОТЧЕТ ОБ ОТКРЫТИИ СМЕНЫ") < lines.index("ВЫПЛАТА")
    assert "ФД 12 ФП 4012345678" in lines and "СУММА =7.00" in lines
    assert stored is not None
    assert sum(isinstance(b, Cut) for b in load_document(stored).blocks) == 2


def test_a_cash_move_without_a_new_shift_is_alone() -> None:
    lines = texts(preview_text(MoveCash(700, None), CashDone(1000, None), REG))
    assert lines[1] == "ВНЕСЕНИЕ" and not any("СМЕНЫ" in line for line in lines)


def test_opening_the_drawer_prints_nothing() -> None:
    assert preview_text(OpenDrawer(), None, REG) is None
