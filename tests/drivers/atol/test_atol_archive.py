"""State report, documents read as TLV and the counters summed from the archive."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from atol_bench import Bench, sale

from openkkm.emulators.fn.counters import readout
from openkkm.fiscal import readback
from openkkm.fiscal.types import (
    Cashier,
    Correction,
    CorrectionType,
    DocumentType,
    ReceiptKind,
    VatRate,
)


async def test_state_report_forms_form_21_in_either_shift_state(bench: Bench) -> None:
    driver, emulator = bench.driver, bench.emulator
    closed = await driver.state_report(None)
    assert closed.type is DocumentType.STATUS_REPORT
    assert closed.number == emulator.fn.last_number
    await driver.open_shift(None)
    opened = await driver.state_report(Cashier("Иванова"))
    assert opened.type is DocumentType.STATUS_REPORT and opened.number == closed.number + 2
    assert (await driver.status()).last_document == opened.number


async def test_read_document_tlv_returns_the_archived_stlv_even_past_one_piece(
        bench: Bench) -> None:
    driver, emulator = bench.driver, bench.emulator
    await driver.open_shift(None)
    lines = [(f"Товар номер {n} с длинным названием", 1000 + n, "1", VatRate.VAT22)
             for n in range(30)]
    receipt = sale(*lines, cash=sum(price for _name, price, _qty, _vat in lines))
    document = await driver.register(receipt)
    found = await driver.read_document_tlv(document.number)
    assert found is not None
    head, data = found
    assert head == replace(document, receipt_number=0, shift_number=head.shift_number)
    assert len(data) > 1024  # read in more than one A4 46 piece
    assert data == emulator.fn.document(document.number).tlv
    content = readback.decode(data)
    assert content.kind is ReceiptKind.SALE and len(content.lines) == 30
    assert await driver.read_document_tlv(document.number + 1) is None


async def test_counters_match_the_fn_own_totals(bench: Bench) -> None:
    driver, emulator = bench.driver, bench.emulator
    await driver.open_shift(None)
    await driver.register(sale(("Хлеб", 5000, "2", VatRate.VAT22), cash=10000))
    await driver.register(sale(("Молоко", 8999, "1", VatRate.VAT10), electronic=8999))
    await driver.register(sale(("Хлеб", 5000, "1", VatRate.VAT22), cash=5000,
                               kind=ReceiptKind.SALE_RETURN))
    first = await driver.counters()
    assert first.total == readout(emulator.fn.fn_totals())
    assert first.shift == readout(emulator.fn.shift_totals())
    sales = first.total[0]
    assert (sales.count, sales.total, sales.payments.electronic) == (2, 18999, 8999)
    await driver.close_shift(None)
    await driver.open_shift(None)
    correction = replace(sale(("Хлеб", 5000, "1", VatRate.VAT22), cash=5000),
                         correction=Correction(CorrectionType.OWN, dt.date(2026, 11, 23), ""))
    await driver.register(correction)
    later = await driver.counters()
    assert later.total == readout(emulator.fn.fn_totals())
    assert later.shift == readout(emulator.fn.shift_totals())
    assert later.shift[0].count == 1 and later.shift[0].corrections_count == 1
    assert later.total[0].count == 3
