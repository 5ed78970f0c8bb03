"""The worker: waiting, queue expiry, shift handling, open receipts, non-fiscal operations."""

from __future__ import annotations

import asyncio
from pathlib import Path

from openkkm.errors import LinkLost
from openkkm.fiscal.types import DeviceInfo, DocumentType, ShiftState, Slip
from openkkm.jobs.operations import (
    OpenShift,
    PrintSlip,
    ReadInfo,
    ReceiptDone,
    RegisterReceipt,
    ShiftDone,
)
from openkkm.jobs.service import AnswerKind, JobService, Selection

from .conftest import Harness
from .fakes import FakeDriver, Rendered, make_config, receipt, sell, settled


async def test_wait_zero_answers_at_once_and_result_follows(harness: Harness) -> None:
    service = await harness.start()
    assert harness.driver is not None
    harness.driver.gate = asyncio.Event()
    first = await sell(service, "a", wait=0)
    second = await sell(service, "b", 200, wait=0)
    assert first.kind in (AnswerKind.QUEUED, AnswerKind.RUNNING) and first.response is None
    while "register" not in harness.driver.calls:
        await asyncio.sleep(0.005)
    running = await service.result("a")
    queued = await service.result("b")
    assert running is not None and running.kind is AnswerKind.RUNNING and not running.checking
    assert queued is not None and queued.kind is AnswerKind.QUEUED and second.response is None
    harness.driver.gate.set()
    done_a = await settled(service, "a")
    done_b = await settled(service, "b")
    assert done_a.response is not None and done_b.response is not None
    assert done_a.response["CheckNumber"] < done_b.response["CheckNumber"]


async def test_wait_that_ends_first_reports_the_current_state(harness: Harness) -> None:
    service = await harness.start()
    assert harness.driver is not None
    harness.driver.gate = asyncio.Event()
    answer = await sell(service, "a", wait=0.01)
    assert answer.kind is AnswerKind.RUNNING
    harness.driver.gate.set()
    assert (await settled(service, "a")).response is not None


async def test_queue_expiry_cancels_a_command_never_started(harness: Harness) -> None:
    harness.expiry = 0.05
    service = await harness.start()
    assert harness.driver is not None
    harness.driver.gate = asyncio.Event()
    await sell(service, "a", wait=0)
    expired = await sell(service, "b", 200)
    assert expired.response is not None and expired.response["Status"] == 2
    assert expired.response["Error"] == "Истек срок ожидания команды в очереди. Команда отменена."
    harness.driver.gate.set()
    await settled(service, "a")
    assert [doc.total for doc in harness.drive.of_type(DocumentType.RECEIPT)] == [10_000]
    again = await sell(service, "b", 200)
    assert again.response is not None and again.response["Status"] == 0


async def test_expiry_never_applies_once_started(harness: Harness) -> None:
    harness.expiry = 0.01
    service = await harness.start()
    assert harness.driver is not None
    harness.driver.gate = asyncio.Event()
    await sell(service, "a", wait=0)
    while "register" not in harness.driver.calls:
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.05)
    harness.driver.gate.set()
    done = await settled(service, "a")
    assert done.response is not None and done.response["Status"] == 0


async def test_closed_shift_is_opened_before_the_receipt(harness: Harness) -> None:
    harness.drive.shift = ShiftState.CLOSED
    service = await harness.start()
    answer = await sell(service, "a")
    assert answer.response is not None and answer.response["Status"] == 0
    opened, sold = harness.drive.archive
    assert opened.type is DocumentType.SHIFT_OPEN and sold.type is DocumentType.RECEIPT
    (outcome,) = harness.render.outcomes["a"]
    assert isinstance(outcome, ReceiptDone) and outcome.shift_opened == opened
    assert outcome.document == sold and outcome.line_length == 48


async def test_closed_shift_without_auto_open_fails(tmp_path: Path) -> None:
    harness = Harness(tmp_path, auto_open_shift=False)
    harness.drive.shift = ShiftState.CLOSED
    try:
        service = await harness.start()
        answer = await sell(service, "a")
    finally:
        await harness.stop()
    assert answer.response is not None and answer.response["Status"] == 2
    assert "Смена не открыта" in answer.response["Error"]
    assert harness.drive.archive == []


async def test_expired_shift_is_refused_not_closed(harness: Harness) -> None:
    harness.drive.shift = ShiftState.EXPIRED
    service = await harness.start()
    answer = await sell(service, "a")
    assert answer.response is not None and answer.response["Status"] == 2
    assert "смена" in answer.response["Error"]
    assert answer.response["Error"] == "Открытая смена превысила 24 часа: закройте смену"
    assert harness.drive.archive == []
    assert harness.driver is not None and "close_shift" not in harness.driver.calls


async def test_expired_shift_closed_when_configured(tmp_path: Path) -> None:
    harness = Harness(tmp_path, auto_close_expired_shift=True)
    harness.drive.shift = ShiftState.EXPIRED
    try:
        service = await harness.start()
        answer = await sell(service, "a")
    finally:
        await harness.stop()
    assert answer.response is not None and answer.response["Status"] == 0
    assert [doc.type for doc in harness.drive.archive] == [
        DocumentType.SHIFT_CLOSE, DocumentType.SHIFT_OPEN, DocumentType.RECEIPT]


async def test_receipt_left_open_is_cancelled_first(harness: Harness) -> None:
    harness.drive.receipt_open = True
    service = await harness.start()
    answer = await sell(service, "a")
    assert answer.response is not None and answer.response["Status"] == 0
    assert harness.drive.cancelled == 1
    assert len(harness.drive.archive) == 1


async def test_open_shift_operation(harness: Harness) -> None:
    harness.drive.shift = ShiftState.CLOSED
    service = await harness.start()
    answer = await service.submit(id_command="o", command="OpenShift", request={},
                                  body_hash="o", device=service.select(Selection()),
                                  operation=OpenShift(None), wait=None)
    assert answer.response is not None and answer.response["Status"] == 0
    (outcome,) = harness.render.outcomes["o"]
    assert isinstance(outcome, ShiftDone) and outcome.document.type is DocumentType.SHIFT_OPEN
    assert outcome.info is not None and outcome.info.status.shift is ShiftState.OPEN
    repeat = await service.submit(id_command="o2", command="OpenShift", request={},
                                  body_hash="o", device=service.select(Selection()),
                                  operation=OpenShift(None), wait=None)
    assert repeat.response is not None and repeat.response["Status"] == 2
    assert "Смена" in repeat.response["Error"]


async def test_read_info_and_slip(harness: Harness) -> None:
    service = await harness.start()
    device = service.select(Selection())
    info = await service.submit(id_command="i", command="GetDataKKT", request={},
                                body_hash="i", device=device, operation=ReadInfo(), wait=None)
    assert info.response is not None and info.response["LineLength"] == 48
    (outcome,) = harness.render.outcomes["i"]
    assert isinstance(outcome, DeviceInfo)
    assert device.registration is not None and device.registration.inn == "7700000009"
    slip = Slip(elements=())
    printed = await service.submit(id_command="s", command="RegisterCheck", request={},
                                   body_hash="s", device=device, operation=PrintSlip(slip),
                                   wait=None)
    assert printed.response is not None and printed.response["Status"] == 0
    assert harness.driver is not None and harness.driver.slips == [slip]


async def test_slip_transport_error_simply_fails(harness: Harness) -> None:
    service = await harness.start()
    assert harness.driver is not None
    harness.driver.fail("print_slip", "before", LinkLost("Нет связи с устройством"))
    answer = await service.submit(id_command="s", command="RegisterCheck", request={},
                                  body_hash="s", device=service.select(Selection()),
                                  operation=PrintSlip(Slip(elements=())), wait=None)
    assert answer.response is not None and answer.response["Status"] == 2
    assert answer.response["Error"] == "Нет связи с устройством"
    assert not any(call.startswith("read_document") for call in harness.driver.calls)


async def test_device_offline_at_start_then_back(harness: Harness) -> None:
    harness.start_failures = 1
    service = await harness.start()
    (device,) = service.devices()
    assert not device.online and device.last_error == "cannot open the port"
    answer = await sell(service, "a")
    assert answer.response is not None and answer.response["Status"] == 0
    assert device.online and device.last_error == ""


async def test_idle_offline_device_is_probed_back_with_its_registration(
        harness: Harness) -> None:
    harness.start_failures = 3
    service = await harness.start()
    (device,) = service.devices()
    assert not device.online and device.registration is None
    while not device.online:
        await asyncio.sleep(0.01)
    assert device.registration is not None and device.registration.inn == "7700000009"
    assert harness.driver is not None and harness.driver.calls.count("start") == 4


async def test_devices_are_independent(tmp_path: Path) -> None:
    config = make_config(tmp_path, devices=[{"num": 1}, {"num": 2}])
    first, second = (FakeDriver(device) for device in config.devices)
    first.gate = asyncio.Event()  # device 1 hangs in its receipt
    service = JobService(config, render=Rendered(), drivers={1: first, 2: second},
                         backoff=0.01)
    await service.start()
    try:
        (one, two) = service.devices()
        stuck = await service.submit(
            id_command="a", command="RegisterCheck", request={}, body_hash="a", device=one,
            operation=RegisterReceipt(receipt()), wait=0)
        assert stuck.kind in (AnswerKind.QUEUED, AnswerKind.RUNNING)
        done = await service.submit(
            id_command="b", command="RegisterCheck", request={}, body_hash="b", device=two,
            operation=RegisterReceipt(receipt()), wait=None)
        assert done.response is not None and done.response["NumDevice"] == 2
        assert first.drive.archive == [] and len(second.drive.archive) == 1
        first.gate.set()
        finished = await settled(service, "a")
        assert finished.response is not None and finished.response["NumDevice"] == 1
    finally:
        await service.stop()
