"""The ATOL driver against the ATOL emulator over a loop pair: shift, sales, returns, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from atol_bench import Bench, sale

from openkkm.errors import DeviceRejected, FiscalStateError
from openkkm.fiscal.types import (
    Cashier,
    DocumentType,
    ReceiptKind,
    ShiftState,
    VatRate,
)


async def test_shift_sale_return_and_close(bench: Bench) -> None:
    driver, fn = bench.driver, bench.emulator.fn
    status = await driver.status()
    assert status.shift is ShiftState.CLOSED and status.last_document == 1
    opened = await driver.open_shift(Cashier("Иванова"))
    assert opened.type is DocumentType.SHIFT_OPEN and opened.number == 2
    assert opened.shift_number == 1 and opened.fiscal_sign == fn.document(2).fiscal_sign
    receipt = sale(("Хлеб", 5000, "2", VatRate.VAT22), ("Молоко", 8990, "1.5", VatRate.VAT10),
                   ("Книга", 30000, "1", VatRate.NONE), cash=45485, electronic=8000,
                   change=4515)
    document = await driver.register(receipt)
    archived = fn.document(3)
    assert document.number == 3 and document.total == 53485 == archived.total
    assert document.kind is ReceiptKind.SALE and archived.change == 4515
    assert document.fiscal_sign == archived.fiscal_sign
    assert (document.shift_number, document.receipt_number) == (1, 1) == (
        archived.shift_number, archived.receipt_number)
    assert bench.emulator.cash == 45485
    back = await driver.register(sale(("Хлеб", 5000, "1", VatRate.VAT22), cash=5000,
                                      kind=ReceiptKind.SALE_RETURN))
    assert back.kind is ReceiptKind.SALE_RETURN and back.total == 5000
    status = await driver.status()
    assert status.shift is ShiftState.OPEN and status.last_document == 4
    assert not status.receipt_open
    closed = await driver.close_shift(None)
    assert closed.type is DocumentType.SHIFT_CLOSE and closed.number == 5
    assert (await driver.status()).shift is ShiftState.CLOSED


async def test_read_document_round_trip(bench: Bench) -> None:
    driver, fn = bench.driver, bench.emulator.fn
    await driver.open_shift(None)
    await driver.register(sale(("Чай", 12345, "1", VatRate.VAT22_122), cash=12345))
    for number in (1, 2, 3):
        read = await driver.read_document(number)
        expected = fn.document(number).to_fiscal_document(fn.fn_number)
        assert read is not None
        assert (read.number, read.type, read.fiscal_sign, read.kind, read.total) == (
            expected.number, expected.type, expected.fiscal_sign, expected.kind, expected.total)
        assert read.moment == expected.moment.replace(second=0)
    assert await driver.read_document(4) is None


async def test_device_errors_are_mapped_and_leave_no_receipt_open(bench: Bench) -> None:
    driver = bench.driver
    with pytest.raises(FiscalStateError) as closed:
        await driver.register(sale(("Хлеб", 5000, "1", VatRate.VAT22), cash=5000))
    assert closed.value.vendor_code == 212
    await driver.open_shift(None)
    with pytest.raises(FiscalStateError) as twice:
        await driver.open_shift(None)
    assert twice.value.vendor_code == 156
    with pytest.raises(DeviceRejected) as short:
        await driver.register(sale(("Хлеб", 5000, "1", VatRate.VAT22), cash=4000))
    assert short.value.vendor_code == 114 and "меньше суммы чека" in short.value.ru
    status = await driver.status()
    assert not status.receipt_open and status.last_document == 2
    bench.clock.now = bench.clock.now.replace(day=26)
    with pytest.raises(FiscalStateError) as expired:
        await driver.register(sale(("Хлеб", 5000, "1", VatRate.VAT22), cash=5000))
    assert expired.value.vendor_code == 136 and "смена" in expired.value.ru
    assert (await driver.status()).shift is ShiftState.EXPIRED
    assert (await driver.close_shift(None)).type is DocumentType.SHIFT_CLOSE


async def test_cancel_receipt_left_open(bench: Bench) -> None:
    driver, emulator = bench.driver, bench.emulator
    await driver.open_shift(None)
    emulator.fn.begin_receipt(ReceiptKind.SALE)
    emulator.receipt = None
    assert (await driver.status()).receipt_open
    await driver.cancel_receipt()
    await driver.cancel_receipt()
    assert not (await driver.status()).receipt_open


async def test_cash_x_report_and_slip(bench: Bench) -> None:
    from openkkm.fiscal.types import PageEnd, PrintText, Slip
    driver, emulator = bench.driver, bench.emulator
    with pytest.raises(FiscalStateError) as closed:
        await driver.cash_in(10000, None)
    assert closed.value.vendor_code == 212
    await driver.open_shift(None)
    assert await driver.cash_in(10000, Cashier("Петров")) == 10000
    assert await driver.cash_out(2500, None) == 7500 == emulator.cash
    with pytest.raises(DeviceRejected) as no_cash:
        await driver.cash_out(100000, None)
    assert no_cash.value.vendor_code == 152
    assert await driver.cash_balance() == 7500
    await driver.open_drawer()
    assert emulator.drawer_openings == 1
    await driver.x_report(None)
    assert emulator.journal[-1].startswith("X-ОТЧЕТ")
    await driver.print_slip(Slip(elements=(PrintText("Спасибо за покупку! №1 $"), PageEnd())))
    assert "Спасибо за покупку! №1 $" in emulator.journal
    assert emulator.journal[-1].endswith("cut")
    info = await driver.info()
    assert info.registration.fn_number == emulator.fn.fn_number
    assert info.status.last_document == 2


async def test_start_fails_cleanly_without_a_device(tmp_path: Path) -> None:
    from openkkm.config import DeviceConfig
    from openkkm.drivers.atol import AtolDriver
    from openkkm.errors import ConfigError
    from openkkm.transport import LoopHub
    driver = AtolDriver(DeviceConfig(num=2, kind="atol", url="loop://none"),
                        data_dir=str(tmp_path), hub=LoopHub())
    with pytest.raises(ConfigError):
        await driver.start()


async def test_lower_layer_v2_is_detected_and_driven(tmp_path: Path) -> None:
    from atol_bench import Bench as V2Bench

    from openkkm.protocol.atol.detect import LowerLayer
    bench = V2Bench(tmp_path, layer="v2")
    await bench.driver.start()
    try:
        assert bench.driver.link.layer is LowerLayer.V2
        await bench.driver.open_shift(None)
        document = await bench.driver.register(
            sale(("Хлеб", 5000, "1", VatRate.VAT22), ("Сыр", 40000, "0.25", VatRate.VAT10),
                 cash=15000))
        assert document.total == 15000 == bench.emulator.fn.document(3).total
        bench.emulator.set_faults("lose_reply@4a*1")
        from openkkm.errors import DeviceTimeout
        session = bench.driver.link.session
        assert session is not None
        session.timeouts = lambda _code: 0.1
        with pytest.raises(DeviceTimeout):
            await bench.driver.register(sale(("Хлеб", 5000, "1", VatRate.VAT22), cash=5000))
        assert bench.emulator.fn.last_number == 4  # formed: the worker finds it by reconciling
        found = await bench.driver.read_document(4)
        assert found is not None and found.total == 5000
    finally:
        await bench.close()


async def test_a_value_the_device_cannot_take_fails_before_anything_is_sent(bench: Bench) -> None:
    from openkkm.errors import ValidationError
    await bench.driver.open_shift(None)
    sent = bench.emulator.received
    with pytest.raises(ValidationError) as bad:
        await bench.driver.register(sale(("Кофе ☕", 5000, "1", VatRate.VAT22), cash=5000))
    assert bad.value.loc == ("items", 0, "name")
    with pytest.raises(ValidationError) as fine:
        await bench.driver.register(sale(("Сыр", 5000, "0.0005", VatRate.VAT22), cash=3))
    assert fine.value.loc == ("items", 0, "quantity")
    assert bench.emulator.received == sent and not bench.emulator.fn.receipt_open


async def test_receipt_texts_print_in_order(bench: Bench) -> None:
    from dataclasses import replace

    from openkkm.fiscal.types import Barcode, PageEnd, PrintText
    await bench.driver.open_shift(None)
    receipt = replace(
        sale(("Хлеб", 5000, "1", VatRate.VAT22), ("Чай", 7000, "1", VatRate.VAT10), cash=12000),
        header=(PrintText("Добро пожаловать"), PageEnd()),
        elements=(PrintText("перед чаем"), Barcode("EAN13", "4600000000008"), PrintText("конец")),
        element_positions=(1, 1, 5), footer=(PrintText("Спасибо"), PageEnd()))
    journal = bench.emulator.journal
    start = len(journal)
    document = await bench.driver.register(receipt)
    printed = journal[start:]
    # the EAN-13 prints as a picture, its digits centred under it
    assert [line.strip() for line in printed[:4]] == [
        "Добро пожаловать", "перед чаем", "4600000000008", "конец"]
    assert len(bench.emulator.printouts) == 1
    assert printed[4].startswith(f"ЧЕК 1 ФД {document.number}")
    assert printed[5:] == ["Спасибо", "-------- cut"]
    start = len(journal)
    await bench.driver.register(replace(receipt, print_paper=False))
    assert all(not line.startswith(("Добро", "Спасибо")) for line in journal[start:])


async def test_slow_close_is_polled_and_paper_out_is_reported(bench: Bench) -> None:
    driver, emulator = bench.driver, bench.emulator
    await driver.open_shift(None)
    assert driver.link.session is not None
    driver.link.session.exchange.poll_interval = 0.01  # type: ignore[union-attr]
    emulator.set_faults("delay@4a=0.1*1")
    document = await driver.register(sale(("Хлеб", 5000, "1", VatRate.VAT22), cash=5000))
    assert document.number == emulator.fn.last_number == 3
    emulator.set_faults("paper_out")
    assert (await driver.status()).paper_out
    with pytest.raises(DeviceRejected) as no_paper:
        await driver.register(sale(("Хлеб", 5000, "1", VatRate.VAT22), cash=5000))
    assert no_paper.value.vendor_code == 103 and "бумаги" in no_paper.value.ru
    assert emulator.fn.last_number == 3 and not emulator.fn.receipt_open


async def test_garbled_answer_to_a_fiscal_step_means_reconcile(bench: Bench) -> None:
    from openkkm.errors import DeviceTimeout
    driver, emulator = bench.driver, bench.emulator
    real = emulator.execute

    def garbled_close(message: bytes) -> bytes:
        answer = real(message)
        return b"\x55" if message[2:3] in (b"\x4a", b"\x9a") else answer

    emulator.execute = garbled_close  # type: ignore[method-assign]
    with pytest.raises(DeviceTimeout):
        await driver.open_shift(None)
    with pytest.raises(DeviceTimeout):
        await driver.register(sale(("Хлеб", 5000, "1", VatRate.VAT22), cash=5000))
    assert emulator.fn.last_number == 3  # both happened: the worker finds them by number
    assert (await driver.read_document(3)) is not None
