"""Service lifecycle: journal-before-device ordering, time limits, bounded stop, retention."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable

from openkkm.fiscal.types import DocumentType, Receipt
from openkkm.jobs.journal import Journal
from openkkm.jobs.model import State
from openkkm.jobs.service import AnswerKind, JobService

from .conftest import Harness
from .fakes import FakeDriver, sell, settled


def journal_state(harness: Harness, id_command: str) -> str:
    """The state of a row as another process reading the file would see it."""
    reader = sqlite3.connect(harness.data_dir / "journal.sqlite3")
    try:
        row = reader.execute("SELECT state FROM commands WHERE id_command = ?",
                             (id_command,)).fetchone()
    finally:
        reader.close()
    return str(row[0])


async def test_sent_is_on_disk_before_the_device_commits(harness: Harness) -> None:
    service = await harness.start()
    driver = harness.driver
    assert driver is not None
    seen: list[str] = []
    original = FakeDriver.register

    async def register(receipt: Receipt, journaled: Awaitable[None] | None = None) -> object:
        assert journaled is not None

        async def observed() -> None:  # what the driver waits for before its commit
            await journaled
            seen.append(journal_state(harness, "inv-1"))

        return await original(driver, receipt, observed())

    driver.register = register  # type: ignore[method-assign,assignment]
    answer = await sell(service, "inv-1")
    assert seen == ["sent"]
    assert answer.response is not None and answer.response["Status"] == 0
    # The final state is journaled right after the answer, which does not wait for it.
    for _ in range(500):
        if journal_state(harness, "inv-1") == "done":
            break
        await asyncio.sleep(0.01)
    assert journal_state(harness, "inv-1") == "done"


async def start_with_held_register(harness: Harness) -> tuple[JobService, FakeDriver]:
    """The service with a 0.05 s limit per device call, its register held before committing
    until the test sets ``driver.gate``."""
    harness.options = {"call_timeout": 0.05}
    service = await harness.start()
    assert harness.driver is not None
    harness.driver.gate = asyncio.Event()
    harness.driver.gate_only = "register"
    return service, harness.driver


async def test_driver_call_over_time_limit_is_reconciled(harness: Harness) -> None:
    service, driver = await start_with_held_register(harness)
    answer = await sell(service, "inv-1")
    assert answer.response is not None and answer.response["Status"] == 2
    assert "Чек не был зарегистрирован" in answer.response["Error"]
    assert harness.drive.of_type(DocumentType.RECEIPT) == []
    driver.gate.set()
    again = await sell(service, "inv-1")
    assert again.response is not None and again.response["Status"] == 0


async def test_a_longer_client_timeout_lets_a_slow_call_finish(harness: Harness) -> None:
    """API.md §4.3: a running command has max(the server's limit, the request's Timeout)."""
    service, driver = await start_with_held_register(harness)
    selling = asyncio.create_task(sell(service, "slow", time_limit=5))
    while "register" not in driver.calls:
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.2)  # four times the server's own limit
    driver.gate.set()
    answer = await selling
    assert answer.response is not None and answer.response["Status"] == 0
    assert len(harness.drive.of_type(DocumentType.RECEIPT)) == 1
    driver.gate = asyncio.Event()  # the next command has the server's limit again
    answer = await sell(service, "quick", 20_000)
    assert answer.response is not None and answer.response["Status"] == 2
    driver.gate.set()


async def test_stop_is_bounded_and_leaves_the_journal_consistent(harness: Harness) -> None:
    harness.options = {"stop_timeout": 0.05}
    service = await harness.start()
    assert harness.driver is not None
    harness.driver.gate = asyncio.Event()
    harness.driver.gate_only = "register"
    await sell(service, "a", wait=0)
    queued = asyncio.create_task(sell(service, "b", 200))
    while "register" not in harness.driver.calls:
        await asyncio.sleep(0.005)
    await harness.stop()
    answer = await queued
    assert answer.kind is AnswerKind.DONE and answer.response is not None
    assert "останавливается" in answer.response["Error"]
    assert journal_state(harness, "a") == "sent"
    assert journal_state(harness, "b") == "failed"
    service = await harness.start()
    recovered = await settled(service, "a")
    assert recovered.response is not None and recovered.response["Status"] == 2
    assert (await sell(service, "b", 200)).kind is AnswerKind.DONE
    assert len(harness.drive.of_type(DocumentType.RECEIPT)) == 1


async def test_commands_past_retention_are_forgotten(harness: Harness) -> None:
    service = await harness.start()
    await sell(service, "old")
    await sell(service, "new", 200)
    await harness.stop()
    db = sqlite3.connect(harness.data_dir / "journal.sqlite3")
    db.execute("UPDATE commands SET updated_at = ? WHERE id_command = 'old'",
               (time.time() - 91 * 86400,))
    db.commit()
    db.close()
    service = await harness.start()
    assert await service.result("old") is None
    assert await service.result("new") is not None
    journal = Journal(harness.data_dir / "journal.sqlite3")
    await journal.open()
    assert [row.id_command for row in await journal.rows([State.DONE])] == ["new"]
    await journal.close()
