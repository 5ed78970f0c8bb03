"""Previews in the journal: stored with the command, migrated into old files, best effort."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from openkkm.fiscal.types import Barcode, PrintText, Slip
from openkkm.jobs import preview as preview_module
from openkkm.jobs.devices import Selection
from openkkm.jobs.journal import MAX_DEFERRED, Journal
from openkkm.jobs.model import State, StoredCommand
from openkkm.jobs.operations import PrintSlip, SlipPrinted
from openkkm.layout.document import BarcodeBlock, TextLine
from openkkm.layout.store import load_document

from .conftest import Harness
from .fakes import sell, settled

#: The journal's table as it was before previews.
OLD_SCHEMA = """
CREATE TABLE commands (
    id_command TEXT PRIMARY KEY, command TEXT NOT NULL, num_device INTEGER NOT NULL,
    body_hash TEXT NOT NULL, request TEXT NOT NULL, warnings TEXT NOT NULL, kind TEXT NOT NULL,
    state TEXT NOT NULL, doc_type INTEGER, receipt_kind INTEGER, receipt_total INTEGER,
    fn_number TEXT, expected_fd INTEGER, shift_doc TEXT, result TEXT,
    created_at REAL NOT NULL, updated_at REAL NOT NULL);
INSERT INTO commands VALUES ('old', 'RegisterCheck', 1, 'h', '{}', '[]', 'receipt', 'done',
    NULL, NULL, NULL, NULL, NULL, NULL, '{"Status": 0}', 1.0, 1.0);
"""


def command(id_command: str) -> StoredCommand:
    """A stored PrintDocument on device 1."""
    return StoredCommand(id_command, "PrintDocument", {}, (), 1, "Касса 1",
                         datetime(2026, 1, 15, 15, 47).astimezone())


async def finished(journal: Journal, id_command: str, preview: Callable[[], str | None],
                   state: State = State.DONE) -> None:
    """Journal ``id_command`` as queued, defer its preview and finish it in ``state``."""
    await journal.put(command(id_command), body_hash="h", kind="slip", state=State.QUEUED)
    journal.defer_preview(id_command, preview)
    await journal.finish(id_command, state, {"Status": 0 if state is State.DONE else 2})


async def test_an_old_journal_gains_the_preview_column(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)
    journal = Journal(path)
    await journal.open()
    old = await journal.get("old")
    assert old is not None and old.state is State.DONE and old.result == {"Status": 0}
    assert await journal.preview("old") is None
    await finished(journal, "new", lambda: '{"v":1}')
    await journal.close()

    journal = Journal(path)
    await journal.open()
    assert await journal.preview("new") == '{"v":1}'
    await journal.close()


async def test_a_failed_command_run_again_loses_its_old_preview(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    await journal.open()
    await finished(journal, "a", lambda: "stale", State.FAILED)
    assert await journal.claim(command("a"), body_hash="h", kind="slip") is None
    assert await journal.preview("a") is None
    await journal.close()


async def test_a_receipt_is_previewed_and_the_preview_survives_a_restart(
        harness: Harness) -> None:
    service = await harness.start()
    answer = await sell(service, "r-1", 12_300)
    assert answer.response is not None and answer.response["Status"] == 0
    stored = await service.preview("r-1")
    assert stored is not None
    document = load_document(stored)
    texts = [block.text for block in document.blocks if isinstance(block, TextLine)]
    assert any(text.startswith("ИТОГ") and text.endswith("123.00") for text in texts), texts
    assert any(isinstance(block, BarcodeBlock) and block.kind == "QR" for block in document.blocks)
    await settled(service, "r-1")
    await harness.stop()

    service = await harness.start()
    assert await service.preview("r-1") == stored
    assert await service.preview("unknown") is None


async def test_a_layout_failure_never_fails_a_registered_receipt(
        harness: Harness, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("layout bug")

    monkeypatch.setattr(preview_module, "layout_receipt", broken)
    service = await harness.start()
    with caplog.at_level(logging.ERROR, logger="openkkm.jobs.preview"):
        answer = await sell(service, "r-2")
    assert answer.response is not None and answer.response["Status"] == 0
    assert answer.response["CheckNumber"] == harness.drive.archive[-1].number
    assert await service.preview("r-2") is None
    assert "laying out the preview failed" in caplog.text


async def test_a_slip_on_a_register_is_laid_out_at_its_line_length(harness: Harness) -> None:
    harness.device = {"line_length": 32}
    service = await harness.start()
    slip = Slip((PrintText("Слип<#0#>1"), Barcode("CODE128", "S-1")), print_paper=False)
    answer = await service.submit(
        id_command="s-1", command="RegisterCheck", request={}, body_hash="s",
        device=service.select(Selection()), operation=PrintSlip(slip), wait=None)
    assert answer.response is not None and answer.response["Status"] == 0
    (outcome,) = harness.render.outcomes["s-1"]
    assert isinstance(outcome, SlipPrinted) and outcome.warnings == ()
    stored = await service.preview("s-1")
    assert stored is not None
    document = load_document(stored)
    assert document.line_length == 32
    assert document.blocks[0] == TextLine("Слип" + " " * 27 + "1")
    assert document.blocks[1] == BarcodeBlock("CODE128", "S-1")


async def test_a_preview_is_laid_out_when_idle_or_when_asked_never_before_the_answer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("openkkm.jobs.journal.IDLE_SECONDS", 0.2)
    journal = Journal(tmp_path / "journal.sqlite3")
    await journal.open()
    laid_out: list[str] = []

    def layout(name: str) -> Callable[[], str]:
        def run() -> str:
            laid_out.append(name)
            return f'{{"v":"{name}"}}'
        return run

    for name in ("a", "b", "c"):
        await finished(journal, name, layout(name))
    assert laid_out == []  # deferring and finishing lay nothing out
    assert await journal.preview("b") == '{"v":"b"}'  # asked for: laid out at once
    assert laid_out == ["b"]
    # a repeated IdCommand of a finished command keeps the preview still to come
    assert await journal.claim(command("a"), body_hash="h", kind="slip") is not None
    await asyncio.sleep(0.5)  # idle: the rest follow
    assert sorted(laid_out) == ["a", "b", "c"]
    assert await journal.preview("a") == '{"v":"a"}'
    await finished(journal, "d", layout("d"))
    await journal.close()  # stores what is still to come
    journal = Journal(tmp_path / "journal.sqlite3")
    await journal.open()
    assert await journal.preview("d") == '{"v":"d"}'
    await journal.close()


async def test_many_previews_waiting_are_laid_out_without_an_idle_pause(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("openkkm.jobs.journal.IDLE_SECONDS", 60.0)
    journal = Journal(tmp_path / "journal.sqlite3")
    await journal.open()
    laid_out: list[int] = []
    batches: list[int] = []
    write_many = journal._write_many

    def counted(sql: str, rows: list[tuple[object, ...]]) -> None:
        batches.append(len(rows))
        write_many(sql, rows)

    journal._write_many = counted  # type: ignore[method-assign]
    for number in range(MAX_DEFERRED):
        await finished(journal, f"p{number}", lambda number=number: laid_out.append(number) or "{}")
        if number == MAX_DEFERRED - 2:
            await asyncio.sleep(0.2)
            assert laid_out == []  # not idle for 60 s, and fewer than MAX_DEFERRED wait
    await asyncio.sleep(0.2)
    assert sorted(laid_out) == list(range(MAX_DEFERRED))
    assert batches == [MAX_DEFERRED]  # stored in one journal transaction
    assert await journal.preview("p7") == "{}"
    await journal.close()
