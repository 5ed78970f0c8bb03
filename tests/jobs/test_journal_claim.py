"""Admission without a thread hop: lookups on the event loop, the queued insert not waited for."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from openkkm.fiscal.types import DocumentType
from openkkm.jobs.journal import Journal
from openkkm.jobs.model import State, Step

from .conftest import Harness
from .fakes import FN_NUMBER, sell, settled
from .test_journal import command


async def test_a_new_command_is_claimed_and_a_row_read_while_the_journal_thread_is_busy(
        tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    await journal.open()
    await journal.put(command("old"), body_hash="h", kind="receipt", state=State.DONE)
    busy, release = threading.Event(), threading.Event()

    def hold() -> None:
        busy.set()
        release.wait(10)

    holding = asyncio.get_running_loop().run_in_executor(journal._executor, hold)
    await asyncio.to_thread(busy.wait, 10)
    # neither waits for the journal's thread, which is held
    assert await asyncio.wait_for(journal.claim(command("new"), body_hash="h", kind="receipt"),
                                  1) is None
    old = await asyncio.wait_for(journal.get("old"), 1)
    assert old is not None and old.state is State.DONE
    assert await journal.claim(command("old"), body_hash="h", kind="receipt") == old
    release.set()
    await holding
    await journal.mark_sent("new", Step(DocumentType.RECEIPT, FN_NUMBER, 5))  # after the insert
    new = await journal.get("new")
    assert new is not None and new.state is State.SENT
    assert new.step is not None and new.step.expected_fd == 5
    await journal.close()


async def test_a_lost_queued_insert_refuses_the_sent_step(tmp_path: Path,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    await journal.open()
    write = journal._write

    def full(sql: str, params: tuple[object, ...], *, durable: bool = True) -> None:
        if sql.lstrip().startswith("INSERT"):
            raise sqlite3.OperationalError("database or disk is full")
        write(sql, params, durable=durable)

    journal._write = full  # type: ignore[method-assign]
    assert await journal.claim(command("lost"), body_hash="h", kind="receipt") is None
    with pytest.raises(sqlite3.OperationalError, match="no journal row"):
        await journal.mark_sent("lost", Step(DocumentType.RECEIPT, FN_NUMBER, 5))
    assert await journal.get("lost") is None
    assert "journal write of lost (queued) failed" in caplog.text
    await journal.close()


async def test_a_caller_cancelled_during_admission_leaves_a_command_that_runs_or_nothing(
        harness: Harness) -> None:
    service = await harness.start()
    for turns in range(4):  # cancel after 0, 1, 2, 3 turns of the event loop
        id_command = f"cancel-{turns}"
        submitting = asyncio.ensure_future(sell(service, id_command, 1000 + turns))
        for _ in range(turns):
            await asyncio.sleep(0)
        submitting.cancel()
        await asyncio.gather(submitting, return_exceptions=True)
        answer = await service.result(id_command)
        if answer is None:  # never admitted: nothing journaled either
            assert await service._journal.get(id_command) is None
            continue
        done = await settled(service, id_command)  # admitted: it runs to its end
        assert done.response is not None and done.response["Status"] == 0
    for _ in range(100):  # the final writes are not waited for by the worker
        rows = [await service._journal.get(f"cancel-{turns}") for turns in range(4)]
        if all(row is None or row.state is State.DONE for row in rows):
            break
        await asyncio.sleep(0.01)
    assert all(row is None or row.state is State.DONE for row in rows)


async def test_the_next_command_runs_while_the_last_one_s_final_write_waits(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    service = await harness.start()
    held = asyncio.Event()
    real_finish = Journal.finish

    async def finish(self: Journal, id_command: str, *args: object, **kwargs: object) -> None:
        if id_command == "first":
            await held.wait()
        await real_finish(self, id_command, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Journal, "finish", finish)
    first = await sell(service, "first", 1000)
    second = await asyncio.wait_for(sell(service, "second", 2000), 5)
    assert first.response is not None and second.response is not None
    assert second.response["Status"] == 0
    row = await service._journal.get("first")
    assert row is not None and row.state is not State.DONE  # its final write still waits
    held.set()
    for _ in range(100):
        row = await service._journal.get("first")
        if row is not None and row.state is State.DONE:
            break
        await asyncio.sleep(0.01)
    assert row is not None and row.state is State.DONE
