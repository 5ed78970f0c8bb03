"""Crash recovery from the on-disk journal alone, reconciled against the fiscal drive."""

from __future__ import annotations

import asyncio
import copy
import sqlite3
from datetime import datetime
from pathlib import Path

from openkkm.fiscal.types import DocumentType, ReceiptKind, ShiftState
from openkkm.jobs.journal import Journal
from openkkm.jobs.model import State, Step, StoredCommand
from openkkm.jobs.operations import ReceiptDone, RegisterReceipt
from openkkm.jobs.service import AnswerKind

from .conftest import Harness
from .fakes import FN_NUMBER, FakeDrive, receipt, sell, settled


def snapshot(source: Path, target: Path) -> None:
    """Copy the journal as a SIGKILL would leave it: every committed row, nothing more."""
    target.mkdir()
    src = sqlite3.connect(source / "journal.sqlite3")
    dst = sqlite3.connect(target / "journal.sqlite3")
    src.backup(dst)
    src.close()
    dst.close()


async def crash_during(harness: Harness, method: str, tmp_path: Path,
                       *ids: str) -> tuple[Path, FakeDrive]:
    """Run sales until ``method`` is entered, then snapshot the journal and the drive."""
    service = await harness.start()
    assert harness.driver is not None
    harness.driver.gate = asyncio.Event()
    harness.driver.gate_only = method
    for n, id_command in enumerate(ids):
        await sell(service, id_command, 10_000 + n, wait=0)
    while method not in harness.driver.calls:
        await asyncio.sleep(0.005)
    crashed = tmp_path / "crashed"
    snapshot(harness.data_dir, crashed)
    drive = copy.deepcopy(harness.drive)
    harness.driver.gate.set()
    await harness.stop()
    return crashed, drive


async def restart(data_dir: Path, drive: FakeDrive, **device: object) -> Harness:
    """A new service on the crashed journal and the drive as the crash left it."""
    harness = Harness(data_dir, **device)
    harness.drive = drive
    await harness.start()
    return harness


async def test_committed_receipt_is_recovered_as_done(harness: Harness, tmp_path: Path) -> None:
    crashed, drive = await crash_during(harness, "register", tmp_path, "inv-1")
    committed = drive.form(DocumentType.RECEIPT, ReceiptKind.SALE, 10_000)
    after = await restart(crashed, drive)
    try:
        assert after.service is not None
        found = await after.service.result("inv-1")
        assert found is not None and found.kind is AnswerKind.DONE and found.response is not None
        assert found.response["Status"] == 0
        assert found.response["CheckNumber"] == committed.number
        assert found.response["FiscalSign"] == committed.fiscal_sign
        replay = await sell(after.service, "inv-1", 10_000)
        assert replay.kind is AnswerKind.REPLAY and replay.response == found.response
        assert drive.of_type(DocumentType.RECEIPT) == [committed]
    finally:
        await after.stop()


async def test_uncommitted_receipt_is_a_proven_failure(harness: Harness, tmp_path: Path) -> None:
    crashed, drive = await crash_during(harness, "register", tmp_path, "inv-1")
    drive.receipt_open = True  # power lost mid-receipt
    after = await restart(crashed, drive)
    try:
        assert after.service is not None
        found = await after.service.result("inv-1")
        assert found is not None and found.response is not None
        assert found.response["Status"] == 2
        assert "Чек не был зарегистрирован" in found.response["Error"]
        assert drive.receipt_open is False and drive.cancelled == 1
        again = await sell(after.service, "inv-1", 10_000)
        assert again.kind is AnswerKind.DONE and again.response is not None
        assert [doc.number for doc in drive.of_type(DocumentType.RECEIPT)] == [
            again.response["CheckNumber"]]
    finally:
        await after.stop()


async def test_queued_command_fails_and_may_be_resent(harness: Harness, tmp_path: Path) -> None:
    crashed, drive = await crash_during(harness, "register", tmp_path, "inv-1", "inv-2")
    after = await restart(crashed, drive)
    try:
        assert after.service is not None
        queued = await after.service.result("inv-2")
        assert queued is not None and queued.response is not None
        assert queued.response["Status"] == 2
        assert "перезапущен" in queued.response["Error"]
        again = await sell(after.service, "inv-2", 10_001)
        assert again.response is not None and again.response["Status"] == 0
        assert len(drive.of_type(DocumentType.RECEIPT)) == 1
    finally:
        await after.stop()


async def test_crash_during_auto_open_fails_the_receipt(harness: Harness, tmp_path: Path) -> None:
    harness.drive.shift = ShiftState.CLOSED
    crashed, drive = await crash_during(harness, "open_shift", tmp_path, "inv-1")
    drive.shift = ShiftState.OPEN
    drive.form(DocumentType.SHIFT_OPEN)
    after = await restart(crashed, drive)
    try:
        assert after.service is not None
        found = await after.service.result("inv-1")
        assert found is not None and found.response is not None
        assert found.response["Status"] == 2
        again = await sell(after.service, "inv-1", 10_000)
        assert again.response is not None and again.response["Status"] == 0
        assert [doc.type for doc in drive.archive] == [DocumentType.SHIFT_OPEN,
                                                      DocumentType.RECEIPT]
    finally:
        await after.stop()


async def test_recovered_receipt_keeps_its_auto_opened_shift(harness: Harness,
                                                             tmp_path: Path) -> None:
    harness.drive.shift = ShiftState.CLOSED
    crashed, drive = await crash_during(harness, "register", tmp_path, "inv-1")
    opened = drive.archive[0]
    assert opened.type is DocumentType.SHIFT_OPEN
    drive.form(DocumentType.RECEIPT, ReceiptKind.SALE, 10_000)
    after = await restart(crashed, drive)
    try:
        assert after.service is not None
        done = await after.service.result("inv-1")
        assert done is not None and done.response is not None and done.response["Status"] == 0
        (outcome,) = after.render.outcomes["inv-1"]
        assert isinstance(outcome, ReceiptDone) and outcome.shift_opened == opened
    finally:
        await after.stop()


async def test_document_of_another_total_is_not_taken_for_ours(harness: Harness,
                                                               tmp_path: Path) -> None:
    crashed, drive = await crash_during(harness, "register", tmp_path, "inv-1")
    drive.form(DocumentType.RECEIPT, ReceiptKind.SALE, 555)  # someone else's receipt
    after = await restart(crashed, drive)
    try:
        assert after.service is not None
        found = await after.service.result("inv-1")
        assert found is not None and found.response is not None
        assert found.response["Status"] == 2
    finally:
        await after.stop()


async def test_offline_device_keeps_command_unknown_until_back(harness: Harness,
                                                               tmp_path: Path) -> None:
    crashed, drive = await crash_during(harness, "register", tmp_path, "inv-1")
    committed = drive.form(DocumentType.RECEIPT, ReceiptKind.SALE, 10_000)
    after = Harness(crashed)
    after.drive = drive
    after.start_failures = 10**9
    service = await after.start()
    try:
        assert after.driver is not None
        assert not service.devices()[0].online
        running = await service.result("inv-1")
        assert running is not None and running.kind is AnswerKind.RUNNING and running.checking
        resent = await sell(service, "inv-1", 10_000, wait=0)
        assert resent.kind is AnswerKind.ALREADY_RUNNING and resent.checking
        after.driver.start_failures = 0
        done = await settled(service, "inv-1")
        assert done.response is not None and done.response["CheckNumber"] == committed.number
        assert service.devices()[0].online
    finally:
        await after.stop()


async def test_row_of_an_unconfigured_device_stays_unknown(harness: Harness) -> None:
    journal = Journal(harness.data_dir / "journal.sqlite3")
    await journal.open()
    stored = StoredCommand("old-1", "RegisterCheck", {"Total": 1}, (), 7, "Касса 7",
                           datetime.now().astimezone())
    await journal.put(stored, body_hash="h", kind="receipt", state=State.QUEUED)
    await journal.mark_sent("old-1", Step(DocumentType.RECEIPT, FN_NUMBER, 1,
                                          ReceiptKind.SALE, 1))
    await journal.close()
    service = await harness.start()
    found = await service.result("old-1")
    assert found is not None and found.kind is AnswerKind.RUNNING
    resent = await service.submit(id_command="old-1", command="RegisterCheck", request={},
                                  body_hash="h", device=service.devices()[0],
                                  operation=RegisterReceipt(receipt(1)), wait=0)
    assert resent.kind is AnswerKind.ALREADY_RUNNING
    await harness.stop()
    journal = Journal(harness.data_dir / "journal.sqlite3")
    await journal.open()
    row = await journal.get("old-1")
    await journal.close()
    assert row is not None and row.state is State.UNKNOWN

