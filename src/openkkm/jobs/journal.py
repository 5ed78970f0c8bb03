"""The durable command journal: one SQLite file in WAL mode, written by one thread.

Why one thread: sqlite3 connections belong to the thread that made them, and a single writer
gives a total order of state changes without locks. Async callers await the thread, except for
lookups by IdCommand: those read a second, read-only connection on the event loop (WAL readers
never wait for the writer), and a new command's ``queued`` insert is queued without waiting.

Previews: the printed document's preview is laid out when the server is idle (no command has
finished for ``IDLE_SECONDS``, or ``MAX_DEFERRED`` wait), on a thread of its own, and stored by
a later write: a layout holds the GIL for about half a millisecond, which the next command
would otherwise wait for. Asking for a preview not yet laid out lays it out at once. A crash
loses the previews not yet laid out, never a command or its result.

Durability: a row goes ``sent`` with ``synchronous=FULL`` (the WAL is fsynced) *before* the
device is told anything; that is the one write exactly-once depends on. The final ``done`` /
``failed`` and the ``queued`` insert are not fsynced (they still survive a killed process, only
a power cut can lose them): a lost final state leaves the row ``sent``, and start-up
reconciliation rebuilds the same outcome from the fiscal drive; a lost ``queued`` or unsent row
means nothing reached a device, and start-up marks it failed so a resend runs.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from openkkm.errors import ConfigError
from openkkm.fiscal.types import DocumentType, FiscalDocument, ReceiptKind
from openkkm.jobs.model import State, Step, StoredCommand

T = TypeVar("T")
log = logging.getLogger(__name__)

IDLE_SECONDS = 0.05  #: previews are laid out once no command has finished for this long
MAX_DEFERRED = 64  #: ... or once this many wait

_SCHEMA = """
CREATE TABLE IF NOT EXISTS commands (
    id_command    TEXT PRIMARY KEY,
    command       TEXT NOT NULL,
    num_device    INTEGER NOT NULL,
    body_hash     TEXT NOT NULL,
    request       TEXT NOT NULL,
    warnings      TEXT NOT NULL,
    kind          TEXT NOT NULL,
    state         TEXT NOT NULL,
    doc_type      INTEGER,
    receipt_kind  INTEGER,
    receipt_total INTEGER,
    fn_number     TEXT,
    expected_fd   INTEGER,
    shift_doc     TEXT,
    result        TEXT,
    preview       TEXT,
    created_at    REAL NOT NULL,
    updated_at    REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS commands_state_updated ON commands (state, updated_at);
"""

#: Every column but ``preview``, which only ``Journal.preview`` reads.
_COLUMNS = ("id_command, command, num_device, body_hash, request, warnings, kind, state, doc_type, "
            "receipt_kind, receipt_total, fn_number, expected_fd, shift_doc, result, created_at, "
            "updated_at")

_UPSERT = """
INSERT INTO commands (id_command, command, num_device, body_hash, request, warnings, kind, state,
                      result, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id_command) DO UPDATE SET
    command = excluded.command, num_device = excluded.num_device,
    body_hash = excluded.body_hash, request = excluded.request, warnings = excluded.warnings,
    kind = excluded.kind, state = excluded.state, doc_type = NULL, receipt_kind = NULL,
    receipt_total = NULL, fn_number = NULL, expected_fd = NULL, shift_doc = NULL,
    result = excluded.result, preview = NULL, created_at = excluded.created_at, updated_at = excluded.updated_at
"""

_MARK_SENT = ("UPDATE commands SET state = ?, doc_type = ?, receipt_kind = ?, receipt_total = ?, "
              "fn_number = ?, expected_fd = ?, shift_doc = ?, updated_at = ? WHERE id_command = ?")


@dataclass(frozen=True, slots=True)
class JournalRow:
    """One command as stored."""

    id_command: str
    command: str
    num_device: int
    body_hash: str
    request: dict[str, Any]
    warnings: tuple[str, ...]
    kind: str
    state: State
    step: Step | None
    shift_doc: FiscalDocument | None
    result: dict[str, Any] | None
    created_at: float
    updated_at: float

    def stored(self, unit_name: str) -> StoredCommand:
        """Return the command as the renderer sees it."""
        return StoredCommand(self.id_command, self.command, self.request, self.warnings,
                             self.num_device, unit_name, local_time(self.created_at))


def local_time(timestamp: float) -> datetime:
    """Convert a Unix time to an aware datetime in the server's local zone."""
    return datetime.fromtimestamp(timestamp, tz=UTC).astimezone()


def document_to_json(document: FiscalDocument) -> str:
    """Serialise a fiscal document for the journal."""
    return json.dumps({
        "number": document.number, "fiscal_sign": document.fiscal_sign,
        "moment": document.moment.isoformat(), "type": int(document.type),
        "fn_number": document.fn_number, "shift_number": document.shift_number,
        "receipt_number": document.receipt_number,
        "kind": None if document.kind is None else int(document.kind), "total": document.total,
    })


def document_from_json(text: str) -> FiscalDocument:
    """Read back a fiscal document written by ``document_to_json``."""
    data = json.loads(text)
    kind = data["kind"]
    return FiscalDocument(
        number=data["number"], fiscal_sign=data["fiscal_sign"],
        moment=datetime.fromisoformat(data["moment"]), type=DocumentType(data["type"]),
        fn_number=data["fn_number"], shift_number=data["shift_number"],
        receipt_number=data["receipt_number"],
        kind=None if kind is None else ReceiptKind(kind), total=data["total"])


def _upsert_params(stored: StoredCommand, body_hash: str, kind: str, state: State,
                   result: dict[str, Any] | None) -> tuple[Any, ...]:
    return (stored.id_command, stored.command, stored.num_device, body_hash,
            json.dumps(stored.request, ensure_ascii=False),
            json.dumps(list(stored.warnings), ensure_ascii=False), kind, state.value,
            None if result is None else json.dumps(result, ensure_ascii=False),
            stored.created_at.timestamp(), time.time())


def _row(record: sqlite3.Row) -> JournalRow:
    step = None
    if record["doc_type"] is not None:
        kind = record["receipt_kind"]
        step = Step(DocumentType(record["doc_type"]), record["fn_number"] or "",
                    record["expected_fd"], None if kind is None else ReceiptKind(kind),
                    record["receipt_total"])
    shift_doc = record["shift_doc"]
    result = record["result"]
    return JournalRow(
        id_command=record["id_command"], command=record["command"],
        num_device=record["num_device"], body_hash=record["body_hash"],
        request=json.loads(record["request"]), warnings=tuple(json.loads(record["warnings"])),
        kind=record["kind"], state=State(record["state"]), step=step,
        shift_doc=None if shift_doc is None else document_from_json(shift_doc),
        result=None if result is None else json.loads(result),
        created_at=record["created_at"], updated_at=record["updated_at"])


class Journal:
    """The command journal: writes on its own thread, IdCommand lookups on the event loop."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openkkm-journal")
        self._layouts = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openkkm-preview")
        self._laying_out: dict[str, Future[None]] = {}
        self._deferred: dict[str, Callable[[], str | None]] = {}
        self._idle: asyncio.TimerHandle | None = None
        self._db: sqlite3.Connection | None = None
        #: the same file with ``synchronous=NORMAL``, for the writes not fsynced; on the
        #: journal's thread too, so its commits and ``_db``'s never overlap
        self._unsynced: sqlite3.Connection | None = None
        #: lookups by IdCommand, on the event loop: WAL readers never wait for the writer
        self._reader: sqlite3.Connection | None = None

    async def _run(self, func: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, func, *args)

    async def open(self) -> None:
        """Create or open the file and its schema; ``ConfigError`` if it cannot be used."""
        try:
            await self._run(self._open)
            self._reader = sqlite3.connect(self.path, isolation_level=None,
                                           check_same_thread=False)
            self._reader.row_factory = sqlite3.Row
            self._reader.execute("PRAGMA query_only=ON")
        except (sqlite3.Error, OSError) as exc:
            raise ConfigError(
                f"Журнал команд {self.path} не открывается: {exc}. Проверьте права на каталог "
                "данных (--data-dir) и свободное место; поврежденный файл переименуйте.",
                f"The command journal {self.path} cannot be opened: {exc}. Check the data "
                "directory's permissions (--data-dir) and free space; rename a damaged file.",
            ) from exc

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(_SCHEMA)
        columns = {row["name"] for row in db.execute("PRAGMA table_info(commands)")}
        if "preview" not in columns:  # a journal from before previews
            db.execute("ALTER TABLE commands ADD COLUMN preview TEXT")
        unsynced = sqlite3.connect(self.path, isolation_level=None)
        unsynced.execute("PRAGMA synchronous=NORMAL")
        self._db, self._unsynced = db, unsynced

    async def close(self) -> None:
        """Store the previews still to come, checkpoint the WAL and close; the threads end."""
        self._lay_out_deferred()
        await asyncio.get_running_loop().run_in_executor(None, self._layouts.shutdown, True)
        await self._run(self._close)
        self._executor.shutdown(wait=True)
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def _close(self) -> None:
        if self._unsynced is not None:
            self._unsynced.close()
            self._unsynced = None
        if self._db is not None:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()
            self._db = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("journal is not open")
        return self._db

    def _write(self, sql: str, params: tuple[Any, ...], *, durable: bool = True) -> int:
        """Run one statement in its own transaction; return how many rows it changed.

        Durable: committed with the WAL fsynced. Otherwise on the second connection, whose
        commits are not fsynced: no ``PRAGMA synchronous`` switching, which would cost two
        more statements (and two more waits for the GIL) per write.
        """
        return self._writer(durable).execute(sql, params).rowcount

    def _writer(self, durable: bool) -> sqlite3.Connection:
        db = self._conn() if durable else self._unsynced
        if db is None:
            raise RuntimeError("journal is not open")
        return db

    async def get(self, id_command: str) -> JournalRow | None:
        """Return the row of ``id_command`` as last committed, or None."""
        return self._get(id_command)

    def _get(self, id_command: str) -> JournalRow | None:
        """One primary-key read on the calling thread (the event loop): no thread hop."""
        if self._reader is None:
            raise RuntimeError("journal is not open")
        record = self._reader.execute(
            f"SELECT {_COLUMNS} FROM commands WHERE id_command = ?", (id_command,)).fetchone()
        return None if record is None else _row(record)

    async def put(self, stored: StoredCommand, *, body_hash: str, kind: str, state: State,
                  result: dict[str, Any] | None = None) -> None:
        """Insert a command (or replace a failed one being run again); ``queued`` is not fsynced."""
        params = _upsert_params(stored, body_hash, kind, state, result)
        await self._run(lambda: self._write(_UPSERT, params, durable=state is not State.QUEUED))

    async def claim(self, stored: StoredCommand, *, body_hash: str, kind: str,
                    replacing: bool = False) -> JournalRow | None:
        """Insert ``stored`` as ``queued`` unless its id holds a command that did not fail.

        ``replacing``: the caller knows the id's command failed (its final write may still be
        on its way), so the row is replaced without reading it.

        Returns that command's row (and writes nothing), or None with the new row queued for
        the journal's thread (replacing a failed one), ahead of any later write of the command.
        The insert is not waited for: it is not fsynced anyway, and a lost one only means the
        command's ``sent`` write finds no row and refuses the step (``mark_sent``). The caller
        keeps the command in memory meanwhile, so no second claim of its id reads the journal.
        Never suspends: ``JobService`` relies on that to admit a command atomically.
        """
        existing = None if replacing else self._get(stored.id_command)
        if existing is not None and existing.state is not State.FAILED:
            return existing
        params = _upsert_params(stored, body_hash, kind, State.QUEUED, None)
        inserting = self._executor.submit(self._write, _UPSERT, params, durable=False)
        inserting.add_done_callback(functools.partial(_log_failure, stored.id_command, "queued"))
        self._deferred.pop(stored.id_command, None)  # a failed run's preview is not the new one's
        return None

    def mark_sent(self, id_command: str, step: Step,
                  shift_doc: FiscalDocument | None = None) -> asyncio.Future[None]:
        """Durably record the fiscal step about to be sent (before the device hears of it).

        The write is on the journal's thread when this returns; the future tells its end. Not
        a coroutine: one would start the write only at the loop's next turn, after the driver
        has taken the GIL for its first step, and the fsync would start that much later.
        """
        params = (State.SENT.value, int(step.doc_type),
                  None if step.kind is None else int(step.kind), step.total, step.fn_number,
                  step.expected_fd, None if shift_doc is None else document_to_json(shift_doc),
                  time.time(), id_command)

        def write() -> None:
            if self._write(_MARK_SENT, params) != 1:
                raise sqlite3.OperationalError(f"no journal row for {id_command}: its insert "
                                               "was lost, so the step is not sent")
        return asyncio.wrap_future(self._executor.submit(write))

    async def mark_forwarded(self, id_command: str) -> None:
        """Durably record a command about to be passed to a remote server (no fiscal step here)."""
        await self._run(lambda: self._write(
            "UPDATE commands SET state = ?, updated_at = ? WHERE id_command = ?",
            (State.SENT.value, time.time(), id_command)))

    async def mark_unknown(self, id_command: str) -> None:
        """Durably record that a sent step's outcome is unknown until reconciled."""
        await self._run(lambda: self._write(
            "UPDATE commands SET state = ?, updated_at = ? WHERE id_command = ?",
            (State.UNKNOWN.value, time.time(), id_command)))

    def defer_preview(self, id_command: str, preview: Callable[[], str | None]) -> None:
        """Lay out ``id_command``'s preview later (see the module docstring) and store it.

        Called on the event loop before the command's answer is given, so no later
        ``preview`` read can miss it.
        """
        self._deferred[id_command] = preview
        if self._idle is not None:
            self._idle.cancel()
        if len(self._deferred) >= MAX_DEFERRED:
            self._lay_out_deferred()
        else:
            self._idle = asyncio.get_running_loop().call_later(IDLE_SECONDS,
                                                               self._lay_out_deferred)

    async def finish(self, id_command: str, state: State, result: dict[str, Any]) -> None:
        """Record the final state and the rendered answer. Not fsynced: see the module docstring."""
        text = json.dumps(result, ensure_ascii=False)
        await self._run(lambda: self._write(
            "UPDATE commands SET state = ?, result = ?, updated_at = ? WHERE id_command = ?",
            (state.value, text, time.time(), id_command), durable=False))

    def _lay_out_deferred(self) -> None:
        """Start laying out every deferred preview on the preview thread, as one batch."""
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        deferred, self._deferred = self._deferred, {}
        if deferred:
            self._lay_out(deferred)

    def _lay_out(self, previews: dict[str, Callable[[], str | None]]) -> None:
        laying_out = self._layouts.submit(self._store_previews, previews)
        for id_command in previews:
            self._laying_out[id_command] = laying_out

        def forget(_: Future[None]) -> None:
            for id_command in previews:
                if self._laying_out.get(id_command) is laying_out:
                    del self._laying_out[id_command]
        laying_out.add_done_callback(forget)

    def _store_previews(self, previews: dict[str, Callable[[], str | None]]) -> None:
        """On the preview thread: lay out, then store the batch in one journal transaction.

        One write for the batch: 64 writes in a row would hold the journal's thread while a
        command's ``sent`` write waits behind them.
        """
        rows = [(text, id_command) for id_command, preview in previews.items()
                if (text := preview()) is not None]
        if rows:
            self._executor.submit(self._write_many,
                                  "UPDATE commands SET preview = ? WHERE id_command = ?",
                                  rows).result()

    def _write_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """``sql`` for each of ``rows`` in one transaction, not fsynced."""
        db = self._writer(durable=False)
        db.execute("BEGIN")
        try:
            db.executemany(sql, rows)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    async def preview(self, id_command: str) -> str | None:
        """The stored preview of ``id_command``'s printed document, or None."""
        deferred = self._deferred.pop(id_command, None)
        if deferred is not None:
            self._lay_out({id_command: deferred})
        laying_out = self._laying_out.get(id_command)
        if laying_out is not None:
            await asyncio.wrap_future(laying_out)

        def read() -> str | None:
            record = self._conn().execute(
                "SELECT preview FROM commands WHERE id_command = ?", (id_command,)).fetchone()
            return None if record is None else record["preview"]
        return await self._run(read)

    async def rows(self, states: Iterable[State]) -> list[JournalRow]:
        """All rows in any of ``states``, oldest first."""
        wanted = [state.value for state in states]
        marks = ", ".join("?" for _ in wanted)
        sql = f"SELECT {_COLUMNS} FROM commands WHERE state IN ({marks}) ORDER BY created_at"
        return await self._run(
            lambda: [_row(record) for record in self._conn().execute(sql, wanted)])

    async def purge(self, before: float) -> int:
        """Delete finished rows last changed before ``before`` (Unix time); return how many."""
        def purge() -> int:
            cursor = self._conn().execute(
                "DELETE FROM commands WHERE state IN (?, ?) AND updated_at < ?",
                (State.DONE.value, State.FAILED.value, before))
            return cursor.rowcount
        return await self._run(purge)


def _log_failure(id_command: str, state: str, write: Future[Any]) -> None:
    """Log a journal write nobody waited for that failed."""
    if not write.cancelled() and write.exception() is not None:
        log.error("journal write of %s (%s) failed: %s", id_command, state, write.exception())
