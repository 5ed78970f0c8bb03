"""Failure injection at every step of a receipt: exactly one fiscal document per IdCommand."""

from __future__ import annotations

import asyncio

from openkkm.errors import DeviceRejected, LinkLost
from openkkm.fiscal.types import DocumentType, ShiftState
from openkkm.jobs.operations import CloseShift, ReceiptDone, ShiftDone
from openkkm.jobs.service import AnswerKind, Selection

from .conftest import Harness
from .fakes import sell, settled


def receipts(harness: Harness) -> list[int]:
    """FD numbers of the receipts on the drive."""
    return [doc.number for doc in harness.drive.of_type(DocumentType.RECEIPT)]


async def test_link_lost_before_commit_is_a_proven_failure(harness: Harness) -> None:
    service = await harness.start()
    assert harness.driver is not None
    harness.driver.fail("register", "before")
    answer = await sell(service, "inv-1")
    assert answer.response is not None and answer.response["Status"] == 2
    assert "Чек не был зарегистрирован" in answer.response["Error"]
    assert receipts(harness) == []
    assert harness.drive.receipt_open is False and harness.drive.cancelled == 1
    again = await sell(service, "inv-1")
    assert again.kind is AnswerKind.DONE and again.response is not None
    assert again.response["Status"] == 0
    assert receipts(harness) == [again.response["CheckNumber"]]
    replay = await sell(service, "inv-1")
    assert replay.kind is AnswerKind.REPLAY and replay.response == again.response


async def test_link_lost_after_commit_answers_the_real_document(harness: Harness) -> None:
    service = await harness.start()
    assert harness.driver is not None
    harness.driver.fail("register", "after")
    answer = await sell(service, "inv-1")
    assert answer.kind is AnswerKind.DONE and answer.response is not None
    assert answer.response["Status"] == 0
    (number,) = receipts(harness)
    assert answer.response["CheckNumber"] == number
    assert answer.response["FiscalSign"] == harness.drive.archive[number - 1].fiscal_sign
    replay = await sell(service, "inv-1")
    assert replay.kind is AnswerKind.REPLAY and replay.response == answer.response
    assert receipts(harness) == [number]


async def test_unexpected_exception_after_commit_is_reconciled(harness: Harness) -> None:
    service = await harness.start()
    assert harness.driver is not None
    harness.driver.fail("register", "after", RuntimeError("driver bug"))
    answer = await sell(service, "inv-1")
    assert answer.response is not None and answer.response["Status"] == 0
    assert receipts(harness) == [answer.response["CheckNumber"]]


async def test_unexpected_exception_before_commit_is_a_proven_failure(harness: Harness) -> None:
    service = await harness.start()
    assert harness.driver is not None
    harness.driver.fail("register", "before", RuntimeError("driver bug"))
    answer = await sell(service, "inv-1")
    assert answer.response is not None and answer.response["Status"] == 2
    assert "отправьте команду повторно" in answer.response["Error"]
    assert receipts(harness) == []


async def test_unexpected_exception_before_sending_is_an_incident(harness: Harness) -> None:
    service = await harness.start()
    assert harness.driver is not None
    harness.driver.fail("status", "before", RuntimeError("driver bug"))
    answer = await sell(service, "inv-1")
    assert answer.response is not None and answer.response["Status"] == 2
    assert answer.response["Error"].startswith("Внутренняя ошибка openkkm (код инцидента ")
    assert "register" not in harness.driver.calls
    again = await sell(service, "inv-1")
    assert again.response is not None and again.response["Status"] == 0


async def test_device_refusal_is_a_proven_failure(harness: Harness) -> None:
    service = await harness.start()
    assert harness.driver is not None
    harness.driver.fail("register", "before", DeviceRejected(69, "Ошибка регистрации ( 69 )"))
    answer = await sell(service, "inv-1")
    assert answer.response is not None and answer.response["Status"] == 2
    assert "read_document" not in " ".join(harness.driver.calls)
    again = await sell(service, "inv-1")
    assert again.response is not None and again.response["Status"] == 0
    assert len(receipts(harness)) == 1


async def test_unreachable_device_keeps_command_running_until_reconciled(
        harness: Harness) -> None:
    service = await harness.start()
    driver = harness.driver
    assert driver is not None
    driver.fail("register", "after", LinkLost("cable pulled"))
    original_register = driver.register

    async def register_then_unplug(receipt: object, journaled: object = None) -> object:
        try:
            return await original_register(receipt, journaled)  # type: ignore[arg-type]
        finally:
            driver.reachable = False

    driver.register = register_then_unplug  # type: ignore[method-assign]
    first = await sell(service, "inv-1", wait=0)
    assert first.kind in (AnswerKind.QUEUED, AnswerKind.RUNNING)
    while driver.calls.count("start") < 3:  # reconnect attempts while unplugged
        await asyncio.sleep(0.005)
    running = await service.result("inv-1")
    assert running is not None and running.kind is AnswerKind.RUNNING and running.checking
    resent = await sell(service, "inv-1", wait=0)
    assert resent.kind is AnswerKind.ALREADY_RUNNING and resent.checking
    assert not service.devices()[0].online
    driver.reachable = True
    done = await settled(service, "inv-1")
    assert done.response is not None and done.response["CheckNumber"] == receipts(harness)[0]
    assert len(receipts(harness)) == 1
    assert service.devices()[0].online


async def test_link_lost_after_auto_open_continues_with_the_receipt(harness: Harness) -> None:
    harness.drive.shift = ShiftState.CLOSED
    service = await harness.start()
    assert harness.driver is not None
    harness.driver.fail("open_shift", "after")
    answer = await sell(service, "inv-1")
    assert answer.response is not None and answer.response["Status"] == 0
    types = [doc.type for doc in harness.drive.archive]
    assert types == [DocumentType.SHIFT_OPEN, DocumentType.RECEIPT]
    (outcome,) = harness.render.outcomes["inv-1"]
    assert isinstance(outcome, ReceiptDone) and outcome.shift_opened == harness.drive.archive[0]


async def test_link_lost_before_auto_open_is_a_proven_failure(harness: Harness) -> None:
    harness.drive.shift = ShiftState.CLOSED
    service = await harness.start()
    assert harness.driver is not None
    harness.driver.fail("open_shift", "before")
    answer = await sell(service, "inv-1")
    assert answer.response is not None and answer.response["Status"] == 2
    assert harness.drive.archive == []
    again = await sell(service, "inv-1")
    assert again.response is not None and again.response["Status"] == 0
    assert [doc.type for doc in harness.drive.archive] == [DocumentType.SHIFT_OPEN,
                                                          DocumentType.RECEIPT]


async def test_link_lost_after_shift_close_answers_the_report(harness: Harness) -> None:
    service = await harness.start()
    assert harness.driver is not None
    harness.driver.fail("close_shift", "after")
    answer = await service.submit(id_command="z-1", command="CloseShift", request={},
                                  body_hash="z", device=service.select(Selection()),
                                  operation=CloseShift(None), wait=None)
    assert answer.response is not None and answer.response["Status"] == 0
    (report,) = harness.drive.of_type(DocumentType.SHIFT_CLOSE)
    assert answer.response["CheckNumber"] == report.number
    (outcome,) = harness.render.outcomes["z-1"]
    assert isinstance(outcome, ShiftDone) and outcome.info is not None


async def test_renderer_failure_keeps_the_fiscal_result(harness: Harness) -> None:
    service = await harness.start()
    harness.render.broken = True
    answer = await sell(service, "inv-1")
    assert answer.response is not None and answer.response["Status"] == 0
    assert answer.response["CheckNumber"] == receipts(harness)[0]
    assert "Внутренняя ошибка openkkm" in answer.response["Warning"]
