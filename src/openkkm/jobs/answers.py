"""The service's answers, the IdCommand policy table (``API.md`` §9d) and per-id locks."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from openkkm.jobs.journal import JournalRow, local_time
from openkkm.jobs.model import Job, State


class AnswerKind(Enum):
    """What ``submit``/``result`` found."""

    DONE = "done"
    QUEUED = "queued"
    RUNNING = "running"
    ALREADY_RUNNING = "already_running"
    REPLAY = "replay"
    MISMATCH = "mismatch"


@dataclass(frozen=True, slots=True)
class Answer:
    """The service's answer; ``response`` is the complete wire answer when finished."""

    kind: AnswerKind
    id_command: str
    response: dict[str, Any] | None
    first_command: str = ""
    first_at: datetime | None = None
    num_device: int = 0
    unit_name: str = ""
    checking: bool = False  # a fiscal step's outcome is being read from the drive (§8.4)


@dataclass(frozen=True, slots=True)
class Record:
    """A command as the policy needs it, from memory or from the journal."""

    command: str
    body_hash: str
    state: State
    response: dict[str, Any] | None
    created_at: datetime
    num_device: int
    unit_name: str


def from_job(job: Job) -> Record:
    """Return the policy's view of a command in memory."""
    stored = job.stored
    return Record(stored.command, job.body_hash, job.state, job.response, stored.created_at,
                   stored.num_device, stored.unit_name)


def from_row(row: JournalRow, unit_name: str) -> Record:
    """Return the policy's view of a journal row."""
    return Record(row.command, row.body_hash, row.state, row.result, local_time(row.created_at),
                   row.num_device, unit_name)


def policy(id_command: str, record: Record, body_hash: str) -> Answer:
    """Answer per §9d for an id already used by a command that did not fail."""
    if record.body_hash != body_hash:
        kind = AnswerKind.MISMATCH
    elif record.state is State.DONE:
        kind = AnswerKind.REPLAY
    else:
        kind = AnswerKind.ALREADY_RUNNING
    return Answer(kind, id_command, record.response if kind is AnswerKind.REPLAY else None,
                  record.command, record.created_at, record.num_device, record.unit_name,
                  checking=record.state is State.UNKNOWN)


def current(job: Job) -> Answer:
    """Answer for a command in memory: DONE with its response, else QUEUED or RUNNING."""
    stored = job.stored
    if job.state.finished and job.response is not None:
        kind = AnswerKind.DONE
    elif job.state is State.QUEUED:
        kind = AnswerKind.QUEUED
    else:
        kind = AnswerKind.RUNNING
    return Answer(kind, job.id_command, job.response if kind is AnswerKind.DONE else None,
                  stored.command, stored.created_at, stored.num_device, stored.unit_name,
                  checking=job.state is State.UNKNOWN)


class IdLocks:
    """One lock per IdCommand in use, dropped when nobody holds or waits for it.

    Why: the policy decision and the reservation of an id span an await (the journal), so
    two requests with one id must be serialised, while different ids never wait on each other.
    """

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, list[int]]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, id_command: str) -> AsyncIterator[None]:
        """Hold the lock of ``id_command`` for the body of the ``async with``."""
        lock, users = self._locks.setdefault(id_command, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._locks[id_command]

    def __len__(self) -> int:
        return len(self._locks)
