"""The virtual register keeps its fsyncing ФН off the event loop, and in order."""

from __future__ import annotations

import asyncio
import threading
from decimal import Decimal
from pathlib import Path

from openkkm.config import DeviceConfig
from openkkm.drivers.virtual import VirtualDriver
from openkkm.fiscal.types import Item, Payments, Receipt, ReceiptKind, VatRate


def sale() -> Receipt:
    item = Item(name="Хлеб", price=5550, quantity=Decimal(1), amount=5550, vat=VatRate.VAT22)
    return Receipt(kind=ReceiptKind.SALE, items=(item,), payments=Payments(cash=5550))


async def test_fn_calls_run_on_the_device_thread_not_the_event_loop(tmp_path: Path) -> None:
    driver = VirtualDriver(DeviceConfig(num=3), data_dir=str(tmp_path))
    await driver.start()
    seen: list[str] = []
    drive = driver.drive
    original = drive.close_receipt

    def close_receipt(*args: object) -> object:
        seen.append(threading.current_thread().name)
        return original(*args)

    drive.close_receipt = close_receipt  # type: ignore[method-assign]
    try:
        await driver.open_shift(None)
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        document = await driver.register(sale())
        task.cancel()
        assert document.total == 5550
        assert seen == ["openkkm-virtual-3_0"], seen
        assert threading.current_thread().name != seen[0]
        assert ticks > 0, "the event loop kept running while the ФН worked"
    finally:
        await driver.stop()


async def test_cancelled_register_leaves_no_receipt_open(tmp_path: Path) -> None:
    driver = VirtualDriver(DeviceConfig(num=4, faults="delay_before_commit=30"), data_dir=str(tmp_path))
    await driver.start()
    try:
        await driver.open_shift(None)
        call = asyncio.create_task(driver.register(sale()))
        while not driver.drive.receipt_open:
            await asyncio.sleep(0.01)
        call.cancel()
        await asyncio.gather(call, return_exceptions=True)
        status = await driver.status()
        assert not status.receipt_open
        assert (await driver.read_document(status.last_document)).type.name == "SHIFT_OPEN"
    finally:
        await driver.stop()


async def test_status_is_read_in_place_when_idle_and_after_a_running_call_otherwise(
        tmp_path: Path) -> None:
    driver = VirtualDriver(DeviceConfig(num=4), data_dir=str(tmp_path))
    await driver.start()
    try:
        await driver.open_shift(None)
        thread = driver._thread
        assert thread is not None
        submitted: list[object] = []
        real_submit = thread.submit

        def submit(func: object, *args: object) -> object:
            submitted.append(func)
            return real_submit(func, *args)  # type: ignore[arg-type]

        thread.submit = submit  # type: ignore[method-assign]
        idle = await driver.status()
        assert submitted == []  # idle: no hop to the device's thread
        # a ФН call under way on the device's thread: the status waits for it and sees its effect
        release = threading.Event()

        def slow_cash_in() -> int:
            release.wait(10)
            return driver.drive.cash_in(500)

        moving = asyncio.wrap_future(driver._submit(slow_cash_in))
        reading = asyncio.ensure_future(driver.status())
        await asyncio.sleep(0.05)
        assert not reading.done() and len(submitted) == 2
        release.set()
        await moving
        after = await reading
        assert after.last_document == idle.last_document and not after.receipt_open
        assert not driver._under_way
    finally:
        await driver.stop()
