"""The worker and recovery against the ``virtual`` driver (the simulated ФН, in process)."""

from __future__ import annotations

from pathlib import Path

from openkkm.drivers.virtual import VirtualDriver
from openkkm.fiscal.types import DocumentType, FiscalDocument
from openkkm.jobs.service import AnswerKind, JobService

from .fakes import Rendered, make_config, sell


async def started(data_dir: Path, faults: str = "", *,
                  stop_timeout: float = 10.0) -> tuple[JobService, VirtualDriver]:
    """A service over a virtual register whose ФН state lives in ``data_dir``."""
    config = make_config(data_dir, kind="virtual", faults=faults)
    driver = VirtualDriver(config.devices[0], data_dir=str(data_dir))
    service = JobService(config, render=Rendered(), drivers={1: driver}, backoff=0.01,
                         stop_timeout=stop_timeout)
    await service.start()
    return service, driver


async def receipts(driver: VirtualDriver) -> list[FiscalDocument]:
    """Every receipt in the ФН archive."""
    last = (await driver.status()).last_document
    documents = [await driver.read_document(number) for number in range(1, last + 1)]
    return [doc for doc in documents if doc is not None and doc.type is DocumentType.RECEIPT]


async def test_sale_registers_on_the_simulated_drive(tmp_path: Path) -> None:
    service, driver = await started(tmp_path)
    try:
        answer = await sell(service, "inv-1")
        assert answer.response is not None and answer.response["Status"] == 0, answer.response
        (document,) = await receipts(driver)
        assert answer.response["CheckNumber"] == document.number
        assert answer.response["FiscalSign"] == document.fiscal_sign
    finally:
        await service.stop()


async def test_lost_reply_after_commit_answers_the_real_document(tmp_path: Path) -> None:
    service, driver = await started(tmp_path, "lose_reply_after_commit*1")
    try:
        answer = await sell(service, "inv-1")
        assert answer.response is not None and answer.response["Status"] == 0
        (document,) = await receipts(driver)
        assert answer.response["CheckNumber"] == document.number
        replay = await sell(service, "inv-1")
        assert replay.kind is AnswerKind.REPLAY and replay.response == answer.response
        assert len(await receipts(driver)) == 1
    finally:
        await service.stop()


async def test_failures_before_commit_are_proven_and_resent_once(tmp_path: Path) -> None:
    service, driver = await started(tmp_path)
    try:
        for id_command, fault in (("inv-1", "fail_before_commit*1"),
                                  ("inv-2", "leave_receipt_open*1")):
            driver.set_faults(fault)
            failed = await sell(service, id_command)
            assert failed.response is not None and failed.response["Status"] == 2
            assert "отправьте команду повторно" in failed.response["Error"]
            assert not (await driver.status()).receipt_open
            again = await sell(service, id_command)
            assert again.response is not None and again.response["Status"] == 0
        assert len(await receipts(driver)) == 2
    finally:
        await service.stop()


async def test_killed_mid_step_after_commit_recovers_as_done(tmp_path: Path) -> None:
    service, driver = await started(tmp_path, "delay_after_commit=60", stop_timeout=0.05)
    running = await sell(service, "inv-1", wait=0.2)
    assert running.kind is AnswerKind.RUNNING
    await service.stop()  # the step is cancelled: the journal row stays "sent"
    service, driver = await started(tmp_path)
    try:
        (document,) = await receipts(driver)
        found = await service.result("inv-1")
        assert found is not None and found.response is not None
        assert found.response["Status"] == 0 and found.response["CheckNumber"] == document.number
        assert (await sell(service, "inv-1")).kind is AnswerKind.REPLAY
        assert len(await receipts(driver)) == 1
    finally:
        await service.stop()


async def test_killed_mid_step_before_commit_recovers_as_failed(tmp_path: Path) -> None:
    service, driver = await started(tmp_path, "delay_before_commit=60", stop_timeout=0.05)
    running = await sell(service, "inv-1", wait=0.2)
    assert running.kind is AnswerKind.RUNNING
    await service.stop()
    service, driver = await started(tmp_path)
    try:
        assert await receipts(driver) == []
        found = await service.result("inv-1")
        assert found is not None and found.response is not None
        assert found.response["Status"] == 2
        again = await sell(service, "inv-1")
        assert again.response is not None and again.response["Status"] == 0
        assert len(await receipts(driver)) == 1
    finally:
        await service.stop()
