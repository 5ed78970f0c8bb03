"""ShtrihDriver end to end against ShtrihEmulator over loop, TCP and a pty."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from decimal import Decimal

import pytest
from shtrih_e2e_helpers import (
    ManualClock,
    RestartsAfterExecuting,
    device_config,
    emulator,
    loop_driver,
    mixed_sale,
    small_sale,
)

from openkkm.drivers.shtrih import ShtrihDriver
from openkkm.emulators.shtrih import ShtrihEmulator
from openkkm.emulators.shtrih.server import serve_connection, serve_tcp_emulator
from openkkm.errors import DeviceRejected, FiscalStateError
from openkkm.fiscal import tlv
from openkkm.fiscal.types import (
    Cashier,
    Correction,
    CorrectionType,
    DocumentType,
    Item,
    PaymentObject,
    Payments,
    Receipt,
    ReceiptKind,
    ShiftState,
    TaxSystem,
    VatRate,
)
from openkkm.protocol.shtrih.cmd_receipt import OpenReceipt, OperationV2
from openkkm.protocol.shtrih.cmd_status import ShortStatus, ShortStatusAnswer
from openkkm.protocol.shtrih.messages import EmptyAnswer, OperatorAnswer
from openkkm.transport import Transport, open_pty_pair, serve_tcp


async def test_shift_sale_with_change_return_and_archive_round_trip() -> None:
    clock = ManualClock()
    emu = emulator(clock)
    driver = await loop_driver(emu)
    info = await driver.info()
    assert info.registration.fn_number == emu.fn.fn_number
    assert info.registration.inn == emu.fn.registration.inn
    assert info.registration.reg_number == emu.fn.registration.reg_number
    assert info.registration.tax_systems == (TaxSystem.OSN, TaxSystem.USN_INCOME)
    registered = emu.fn.registration  # read back from the registration report's own tags
    assert (info.registration.kkt_number, info.registration.organization) == (
        registered.kkt_number,
        registered.organization,
    )
    assert (info.registration.address, info.registration.ffd) == (
        registered.address,
        registered.ffd,
    )
    assert info.registration.fn_valid_to == dt.datetime.combine(emu.fn.valid_to.date(), dt.time())
    assert info.status.shift is ShiftState.CLOSED

    opened = await driver.open_shift(Cashier("Иванова"))
    assert opened.type is DocumentType.SHIFT_OPEN
    assert opened == emu.fn.document(opened.number).to_fiscal_document(emu.fn.fn_number)

    clock.now += dt.timedelta(minutes=3, seconds=17)
    sale = await driver.register(mixed_sale(tendered=40000))
    archived = emu.fn.document(sale.number)
    assert (archived.kind, archived.total, archived.change) == (ReceiptKind.SALE, 33200, 6800)
    receipt_tags = dict(tlv.iter_tlv(archived.tlv[4:]))
    assert tlv.read_string(receipt_tags[1021]) == "Иванова"  # the cashier, written with FF0C
    assert receipt_tags[1055] == bytes((1,))  # tax system bit of ОСН, the first registered
    expected = archived.to_fiscal_document(emu.fn.fn_number)
    assert sale == replace(expected, moment=expected.moment.replace(second=0))  # FF0A: minutes
    assert await driver.read_document(sale.number) == expected  # TLV 1012: seconds

    refund = await driver.register(small_sale(1500, ReceiptKind.SALE_RETURN))
    archived = emu.fn.document(refund.number)
    assert archived.kind is ReceiptKind.SALE_RETURN and archived.receipt_number == 2
    expected = archived.to_fiscal_document(emu.fn.fn_number)
    assert refund == replace(expected, moment=expected.moment.replace(second=0))

    status = await driver.status()
    assert status.last_document == refund.number and status.shift is ShiftState.OPEN
    for number in range(1, status.last_document + 1):
        expected = emu.fn.document(number).to_fiscal_document(emu.fn.fn_number)
        assert await driver.read_document(number) == expected
    assert await driver.read_document(status.last_document + 1) is None

    closed = await driver.close_shift(None)
    assert closed == emu.fn.document(closed.number).to_fiscal_document(emu.fn.fn_number)
    assert (await driver.status()).shift is ShiftState.CLOSED
    await driver.stop()


async def test_expired_shift_refused_with_the_shtrih_code() -> None:
    clock = ManualClock()
    emu = emulator(clock)
    driver = await loop_driver(emu)
    await driver.open_shift(None)
    clock.now += dt.timedelta(hours=25)
    assert (await driver.status()).shift is ShiftState.EXPIRED
    last = emu.fn.last_number
    with pytest.raises(FiscalStateError) as refused:
        await driver.register(small_sale(1000))
    assert refused.value.vendor_code in (0x4E, 0x16) and "смена" in refused.value.ru
    status = await driver.status()
    assert not status.receipt_open and emu.fn.last_number == last
    await driver.stop()


async def test_device_refusal_cancels_and_keeps_the_code() -> None:
    emu = emulator(ManualClock())
    driver = await loop_driver(emu)
    await driver.open_shift(None)
    with pytest.raises(DeviceRejected) as refused:  # a refund with no cash in the drawer
        await driver.register(replace(mixed_sale(), kind=ReceiptKind.SALE_RETURN))
    assert refused.value.vendor_code == 0x46
    assert "Не хватает наличности" in refused.value.ru
    assert not (await driver.status()).receipt_open
    await driver.stop()


async def test_cancel_of_an_open_receipt() -> None:
    emu = emulator(ManualClock())
    driver = await loop_driver(emu)
    await driver.open_shift(None)
    last = emu.fn.last_number
    await driver.link.execute(OpenReceipt(receipt_type=0), OperatorAnswer)
    await driver.link.execute(OperationV2(quantity=1_000_000, price=100, name="x"), EmptyAnswer)
    assert (await driver.status()).receipt_open
    await driver.cancel_receipt()
    assert not (await driver.status()).receipt_open
    assert emu.fn.last_number == last
    await driver.cancel_receipt()  # nothing open: a no-op
    await driver.stop()


@asynccontextmanager
async def over_tcp() -> AsyncIterator[tuple[ShtrihEmulator, ShtrihDriver]]:
    """An emulator on 127.0.0.1 and a started driver with the shift open; both stop after."""
    emu = emulator(ManualClock())
    listener = await serve_tcp_emulator(emu, "127.0.0.1", 0)
    driver = ShtrihDriver(device_config(f"tcp://127.0.0.1:{listener.port}"), data_dir=".")
    try:
        await driver.start()
        await driver.open_shift(None)
        yield emu, driver
    finally:
        await driver.stop()
        await listener.close()


async def test_receipt_over_tcp() -> None:
    async with over_tcp() as (emu, driver):
        document = await driver.register(mixed_sale())
        assert emu.fn.document(document.number).total == document.total
        await driver.stop()
        await driver.start()  # a new connection reads the same register
        assert (await driver.status()).last_document == document.number


@pytest.mark.skipif(os.name == "nt", reason="pty is POSIX only")
async def test_receipt_over_a_pty() -> None:
    emu = emulator(ManualClock())
    device_end, path = open_pty_pair()
    serving = asyncio.create_task(serve_connection(emu, device_end))
    driver = ShtrihDriver(device_config(f"pty://{path}"), data_dir=".")
    try:
        await driver.start()
        await driver.open_shift(None)
        document = await driver.register(small_sale(4200))
        assert emu.fn.document(document.number).total == 4200
    finally:
        await driver.stop()
        serving.cancel()  # the emulator's pty read does not wake on close
        await asyncio.gather(serving, return_exceptions=True)
        await device_end.close()


async def test_x_report_drawer_and_document_tlv() -> None:
    emu = emulator(ManualClock())
    driver = await loop_driver(emu)
    await driver.open_shift(None)
    sale = await driver.register(small_sale(2200))
    await driver.x_report(None)
    await driver.open_drawer()
    found = await driver.read_document_tlv(sale.number)
    assert found is not None
    document, stlv = found
    assert stlv == emu.fn.document(sale.number).tlv
    assert document == emu.fn.document(sale.number).to_fiscal_document(emu.fn.fn_number)
    assert await driver.read_document_tlv(sale.number + 1) is None
    await driver.stop()


async def test_cash_moves_end_done_with_the_drawer_balance() -> None:
    emu = emulator(ManualClock())
    driver = await loop_driver(emu)
    await driver.open_shift(None)
    before = await driver.cash_balance()
    assert before == emu.fn.cash
    assert await driver.cash_in(5000, None) == before + 5000
    assert await driver.cash_out(1500, None) == before + 3500
    assert await driver.cash_balance() == emu.fn.cash == before + 3500
    with pytest.raises(DeviceRejected) as short:  # more than the drawer holds
        await driver.cash_out(before + 10_000, None)
    assert short.value.vendor_code == 0x46
    assert emu.fn.cash == before + 3500
    await driver.stop()


async def test_correction_receipt_carries_its_basis() -> None:
    emu = emulator(ManualClock())
    driver = await loop_driver(emu)
    await driver.open_shift(None)
    basis = Correction(CorrectionType.BY_ORDER, dt.date(2026, 11, 20), "ПР-17")
    document = await driver.register(replace(small_sale(3000), correction=basis))
    assert document.type is DocumentType.CORRECTION
    archived = emu.fn.document(document.number)
    assert archived.type is DocumentType.CORRECTION and archived.total == 3000
    tags = dict(tlv.iter_tlv(archived.tlv[4:]))
    assert tags[1173] == bytes((CorrectionType.BY_ORDER,))
    inner = dict(tlv.iter_tlv(tags[1174]))
    assert tlv.read_string(inner[1179]) == "ПР-17"
    assert await driver.read_document(document.number) == archived.to_fiscal_document(
        emu.fn.fn_number
    )
    await driver.stop()


@pytest.mark.parametrize(("code", "why"), [(b"\xff\x46", "subtotal"), (b"\xff\x0c", "twice")])
async def test_a_step_executed_twice_after_a_restart_sends_the_receipt_afresh(
        code: bytes, why: str, caplog: pytest.LogCaptureFixture) -> None:
    emu = emulator(ManualClock())
    armed = [True]
    driver = await loop_driver(emu, lambda end: RestartsAfterExecuting(end, code, armed))
    await driver.open_shift(None)
    last = emu.fn.last_number
    document = await driver.register(mixed_sale())
    assert not armed  # the restart happened
    [restart] = [r.message for r in caplog.records if "sent again" in r.message]
    assert why in restart
    assert document.number == last + 1 == emu.fn.last_number  # one document, not two
    assert emu.fn.document(document.number).total == mixed_sale().total
    assert not emu.fn.receipt_open
    await driver.stop()


async def test_tcp_link_dropped_while_idle_is_reopened_before_the_next_command() -> None:
    emu = emulator(ManualClock())
    ends: list[Transport] = []

    async def serve(end: Transport) -> None:
        ends.append(end)
        await emu.serve(end)

    listener = await serve_tcp(serve, "127.0.0.1", 0)
    driver = ShtrihDriver(device_config(f"tcp://127.0.0.1:{listener.port}"), data_dir=".")
    try:
        await driver.start()
        await driver.open_shift(None)
        await ends[0].close()  # the register drops the idle connection
        await asyncio.sleep(0.05)
        driver.link.idle_probe = 0.0
        document = await driver.register(small_sale(700))  # no error: reconnected first
        assert len(ends) == 2 and emu.fn.document(document.number).total == 700
    finally:
        await driver.stop()
        await listener.close()


async def test_an_early_enq_left_unused_is_taken_quietly_by_the_idle_probe(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with over_tcp() as (emu, driver):
        await driver.link.execute(ShortStatus(), ShortStatusAnswer, then=True)  # no command came
        await asyncio.sleep(0.05)  # its NAK has arrived
        driver.link.idle_probe = 0.0
        document = await driver.register(small_sale(700))
        assert emu.fn.document(document.number).total == 700
    assert "stray" not in caplog.text  # the NAK was the early ENQ's, not noise


MARKED = "0104600439931256215Vbx,GkQ5cKqX\x1d91EE06\x1d92" + "B" * 88


def marked_sale(accept_on_bad: bool = True) -> Receipt:
    """One marked line of 50.00 paid by card."""
    item = Item(
        name="Туфли",
        price=5000,
        quantity=Decimal(1),
        amount=5000,
        vat=VatRate.VAT22,
        subject=PaymentObject.MARKED_WITH_CODE,
        marking_code=MARKED,
        marking_accept_on_bad=accept_on_bad,
    )
    return Receipt(kind=ReceiptKind.SALE, items=(item,), payments=Payments(electronic=5000))


async def test_marked_line_is_checked_accepted_and_bound() -> None:
    emu = emulator(ManualClock())
    driver = await loop_driver(emu)
    await driver.open_shift(None)
    check = await driver.check_marking(MARKED, 1)
    assert check.checked and check.good
    document = await driver.register(marked_sale())
    archived = emu.fn.document(document.number)
    [(_, item)] = [(t, v) for t, v in tlv.iter_tlv(archived.tlv[4:]) if t == 1059]
    item_tags = dict(tlv.iter_tlv(item))
    assert 1163 in item_tags and item_tags[2106][0] & 0b11 == 0b11  # checked by the ФН: good
    await driver.stop()


async def test_bad_marking_code_refuses_unless_accepted_on_bad() -> None:
    emu = emulator(ManualClock())
    driver = await loop_driver(emu)
    await driver.open_shift(None)
    emu.fn.rejected_codes.add(MARKED)
    last = emu.fn.last_number
    with pytest.raises(DeviceRejected) as refused:
        await driver.register(marked_sale(accept_on_bad=False))
    assert "не прошел проверку" in refused.value.ru
    assert emu.fn.last_number == last and not (await driver.status()).receipt_open
    document = await driver.register(marked_sale(accept_on_bad=True))
    assert emu.fn.document(document.number).total == 5000
    await driver.stop()
