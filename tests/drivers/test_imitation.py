"""The book of a printer imitating a register (``emulate_fiscal``): shifts with the 24-hour
rule, numbering, cash, and the documents kept for settling a lost answer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from openkkm.config import DeviceConfig
from openkkm.drivers.imitation import ImitationBook
from openkkm.drivers.screen import ScreenDriver
from openkkm.errors import FiscalStateError
from openkkm.fiscal.types import (
    DocumentType,
    Item,
    Payments,
    Receipt,
    ReceiptKind,
    ShiftState,
    VatRate,
)

MORNING = dt.datetime(2026, 11, 24, 9, 0)


def test_shifts_follow_the_24_hour_rule_and_numbers_carry_on(tmp_path: Path) -> None:
    book = ImitationBook(tmp_path / "book.json")
    with pytest.raises(FiscalStateError) as refused:
        book.next_document(DocumentType.RECEIPT, MORNING, receipt=ReceiptKind.SALE)
    assert refused.value.ru == "Смена не открыта: откройте смену"
    book.count(book.next_document(DocumentType.SHIFT_OPEN, MORNING))
    receipt = book.next_document(DocumentType.RECEIPT, MORNING, receipt=ReceiptKind.SALE,
                                 total=500)
    assert (receipt.number, receipt.shift_number, receipt.receipt_number) == (2, 1, 1)
    assert not receipt.fiscal and receipt.fiscal_sign == 0
    book.count(receipt, cash=500)
    late = MORNING + dt.timedelta(hours=25)
    assert book.status(late).shift is ShiftState.EXPIRED
    with pytest.raises(FiscalStateError) as refused:
        book.next_document(DocumentType.RECEIPT, late, receipt=ReceiptKind.SALE)
    assert "24 часа" in refused.value.ru
    book.count(book.next_document(DocumentType.SHIFT_CLOSE, late))  # closing is allowed
    reopened = ImitationBook(tmp_path / "book.json")
    assert reopened.status(late).shift is ShiftState.CLOSED and reopened.cash == 500
    opened = reopened.next_document(DocumentType.SHIFT_OPEN, late)
    assert (opened.number, opened.shift_number) == (4, 2)
    assert reopened.find(2) == receipt and reopened.find(4) is None  # not counted yet


def test_cash_out_cannot_exceed_the_drawer(tmp_path: Path) -> None:
    book = ImitationBook(tmp_path / "book.json")
    book.count(book.next_document(DocumentType.SHIFT_OPEN, MORNING))
    book.count(None, cash=1000)
    book.check_cash(-1000, MORNING)
    with pytest.raises(FiscalStateError) as refused:
        book.check_cash(-1001, MORNING)
    assert refused.value.ru == "Не хватает наличности в кассе (10.00)"


async def test_a_printed_receipt_is_found_by_its_number_after_a_restart(tmp_path: Path) -> None:
    config = DeviceConfig(num=7, kind="screen", emulate_fiscal=True)
    driver = ScreenDriver(config, data_dir=str(tmp_path))
    await driver.open_shift(None)
    item = Item(name="Кофе", price=15000, quantity=Decimal(1), amount=15000, vat=VatRate.VAT22)
    document = await driver.register(Receipt(ReceiptKind.SALE, (item,), Payments(cash=15000)))
    assert driver.printed[-1].document is not None
    again = ScreenDriver(config, data_dir=str(tmp_path))  # what reconciliation reads
    assert await again.read_document(document.number) == document
    status = await again.status()
    assert (status.last_document, status.shift_number) == (document.number, 1)
    assert (await again.info()).cash_balance == 15000
