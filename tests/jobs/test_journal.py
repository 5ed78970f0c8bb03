"""The journal: state transitions, what survives reopening, WAL mode, retention."""

from __future__ import annotations

import functools
import sqlite3
import time
from datetime import datetime
from pathlib import Path

import pytest

from openkkm.errors import ConfigError
from openkkm.fiscal.types import DocumentType, FiscalDocument, ReceiptKind
from openkkm.jobs.journal import Journal, document_from_json, document_to_json
from openkkm.jobs.model import State, Step, StoredCommand

from .fakes import FN_NUMBER, FakeDrive


def command(id_command: str) -> StoredCommand:
    """A stored RegisterCheck on device 1."""
    return StoredCommand(id_command, "RegisterCheck", {"Cash": 100, "Имя": "Чек"},
                         ("CheckStrings[0].Register.Tax: 18 → 20 %",), 1, "Касса 1",
                         datetime(2026, 1, 15, 15, 47).astimezone())


def shift_doc() -> FiscalDocument:
    """A shift-open report."""
    return FakeDrive().form(DocumentType.SHIFT_OPEN)


async def test_transitions_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "j" / "journal.sqlite3"
    journal = Journal(path)
    await journal.open()
    await journal.put(command("a"), body_hash="h-a", kind="receipt", state=State.QUEUED)
    step = Step(DocumentType.RECEIPT, FN_NUMBER, 7, ReceiptKind.SALE_RETURN, 100)
    await journal.mark_sent("a", step, shift_doc())
    await journal.put(command("b"), body_hash="h-b", kind="receipt", state=State.QUEUED)
    await journal.mark_sent("b", step)
    await journal.mark_unknown("b")
    await journal.finish("a", State.DONE, {"Status": 0, "CheckNumber": 7})
    await journal.close()

    journal = Journal(path)
    await journal.open()
    a = await journal.get("a")
    b = await journal.get("b")
    unknown = await journal.rows([State.UNKNOWN])
    await journal.close()
    assert a is not None and b is not None
    assert a.state is State.DONE and a.result == {"Status": 0, "CheckNumber": 7}
    assert a.step == step and a.shift_doc == shift_doc()
    assert a.request == {"Cash": 100, "Имя": "Чек"}
    assert a.warnings == ("CheckStrings[0].Register.Tax: 18 → 20 %",)
    assert a.stored("Касса 1") == command("a")
    assert b.state is State.UNKNOWN and b.step == step and b.shift_doc is None
    assert [row.id_command for row in unknown] == ["b"]


async def test_wal_mode_and_full_sync(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = Journal(path)
    await journal.open()
    await journal.put(command("a"), body_hash="h", kind="receipt", state=State.QUEUED)
    reader = sqlite3.connect(path)
    try:
        assert reader.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert reader.execute("SELECT state FROM commands").fetchall() == [("queued",)]
    finally:
        reader.close()
    await journal.close()


async def test_only_the_sent_write_is_committed_with_a_full_sync(tmp_path: Path) -> None:
    """``sent`` is the one write exactly-once depends on: it goes through the connection with
    ``synchronous=FULL``; the queued insert and the final state through the NORMAL one."""
    journal = Journal(tmp_path / "journal.sqlite3")
    await journal.open()
    seen: dict[str, list[str]] = {"FULL": [], "NORMAL": []}

    def note(name: str, sql: str) -> None:
        if sql.split()[0] in ("INSERT", "UPDATE"):
            seen[name].append(sql.split()[0])

    def trace() -> None:
        for durable, name in ((True, "FULL"), (False, "NORMAL")):
            db = journal._writer(durable)
            level = db.execute("PRAGMA synchronous").fetchone()[0]
            assert level == {"FULL": 2, "NORMAL": 1}[name]
            db.set_trace_callback(functools.partial(note, name))
    try:
        await journal._run(trace)
        assert await journal.claim(command("a"), body_hash="h", kind="receipt") is None
        await journal.mark_sent("a", Step(DocumentType.RECEIPT, FN_NUMBER, 3))
        await journal.finish("a", State.DONE, {"Status": 0})
    finally:
        await journal.close()
    assert seen == {"FULL": ["UPDATE"], "NORMAL": ["INSERT", "UPDATE"]}


async def test_rerun_of_a_failed_command_replaces_the_row(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    await journal.open()
    await journal.put(command("a"), body_hash="old", kind="receipt", state=State.QUEUED)
    await journal.mark_sent("a", Step(DocumentType.RECEIPT, FN_NUMBER, 3))
    await journal.finish("a", State.FAILED, {"Status": 2})
    await journal.put(command("a"), body_hash="new", kind="receipt", state=State.QUEUED)
    row = await journal.get("a")
    await journal.close()
    assert row is not None and row.state is State.QUEUED and row.body_hash == "new"
    assert row.step is None and row.result is None


async def test_purge_removes_only_old_finished_rows(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    await journal.open()
    for id_command, state in (("done", State.DONE), ("failed", State.FAILED),
                              ("unknown", State.UNKNOWN)):
        await journal.put(command(id_command), body_hash="h", kind="receipt", state=state)
    assert await journal.purge(time.time() - 3600) == 0
    assert await journal.purge(time.time() + 1) == 2
    left = await journal.rows(list(State))
    await journal.close()
    assert [row.id_command for row in left] == ["unknown"]


def test_document_json_round_trip() -> None:
    document = FakeDrive().form(DocumentType.RECEIPT, ReceiptKind.PURCHASE, 12_345)
    assert document_from_json(document_to_json(document)) == document


async def test_unusable_journal_file_is_a_clear_config_error(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    journal = Journal(path)
    with pytest.raises(ConfigError) as caught:
        await journal.open()
    assert "Журнал команд" in caught.value.ru and str(path) in caught.value.ru
    await journal.close()


async def test_the_sent_write_starts_before_the_loop_turns(tmp_path: Path) -> None:
    """The driver's first step runs as soon as the worker yields; the durable ``sent`` write
    must already be on the journal's thread then, so its fsync overlaps that step."""
    path = tmp_path / "journal.sqlite3"
    journal = Journal(path)
    await journal.open()
    try:
        await journal.put(command("a"), body_hash="h-a", kind="receipt", state=State.QUEUED)
        sent = journal.mark_sent("a", Step(DocumentType.RECEIPT, FN_NUMBER, 3))
        deadline = time.monotonic() + 10
        state = None
        with sqlite3.connect(path) as db:  # the event loop is blocked meanwhile
            while state != State.SENT.value and time.monotonic() < deadline:
                state = db.execute("SELECT state FROM commands WHERE id_command = 'a'"
                                   ).fetchone()[0]
                time.sleep(0.005)  # noqa: ASYNC251 -- the loop must not turn
        assert state == State.SENT.value
        await sent
    finally:
        await journal.close()
