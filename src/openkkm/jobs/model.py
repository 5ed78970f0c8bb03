"""The records the journal, the workers and the service share: commands, states, steps, jobs."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from openkkm.errors import OpenKKMError
from openkkm.fiscal.types import DocumentType, FiscalDocument, ReceiptKind
from openkkm.jobs.operations import (
    InternalFailure,
    Operation,
    Outcome,
    ReceiptDone,
    ShiftDone,
)

log = logging.getLogger(__name__)


class State(StrEnum):
    """A command's state; all but ``RUNNING`` are journal states (``RUNNING`` is memory only)."""

    QUEUED = "queued"
    RUNNING = "running"
    SENT = "sent"
    UNKNOWN = "unknown"
    DONE = "done"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        """True once the outcome is final and stored."""
        return self in (State.DONE, State.FAILED)


@dataclass(frozen=True, slots=True)
class StoredCommand:
    """What the renderer needs to build a wire answer for a command."""

    id_command: str
    command: str
    request: dict[str, Any]
    warnings: tuple[str, ...]
    num_device: int
    unit_name: str
    created_at: datetime
    #: the API's parsed form of ``request``, kept while the command runs so that its answer is
    #: built without parsing again; never journalled (a recovered command parses ``request``)
    parsed: Any = field(default=None, compare=False, repr=False)


Renderer = Callable[[StoredCommand, Outcome | OpenKKMError], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Step:
    """A fiscal step about to be sent: which document it should leave, and where.

    ``expected_fd`` is the drive's last document number + 1 read just before sending; after a
    lost answer the documents from there on are searched for one of ``doc_type`` (receipts:
    also the same ``kind`` and ``total``).
    """

    doc_type: DocumentType
    fn_number: str
    expected_fd: int
    kind: ReceiptKind | None = None
    total: int | None = None

    def matches(self, document: FiscalDocument) -> bool:
        """Tell whether ``document`` is the one this step would have formed."""
        if document.type != self.doc_type:
            return False
        if self.kind is not None and document.kind != self.kind:
            return False
        return self.total is None or document.total == self.total


@dataclass(eq=False)
class Job:
    """One command in memory while it is not finished (and briefly after)."""

    stored: StoredCommand
    body_hash: str
    kind: str
    operation: Operation | None  # None for a command recovered from the journal
    state: State = State.QUEUED
    step: Step | None = None
    shift_doc: FiscalDocument | None = None
    response: dict[str, Any] | None = None
    settled: asyncio.Event = field(default_factory=asyncio.Event)
    expiry: asyncio.TimerHandle | None = None
    cancelled: bool = False  # expired or dropped while queued; finishing as failed
    time_limit: float = 0.0  # the client's Timeout: a device call may take this long, if longer
    cancel_requested: bool = False  # CancelCommand: stop at the next point where nothing was sent

    @property
    def id_command(self) -> str:
        """The command's IdCommand."""
        return self.stored.id_command


def safe_render(render: Renderer, stored: StoredCommand,
                outcome: Outcome | OpenKKMError) -> dict[str, Any]:
    """Render an answer; a renderer bug yields a minimal answer instead of losing the result.

    Why: the fiscal outcome is already fixed on the drive; a failing renderer must not turn a
    registered receipt into an error or leave the command unfinished.
    """
    try:
        return render(stored, outcome)
    except Exception:  # the renderer is another layer's code
        incident = uuid.uuid4().hex[:8].upper()
        log.exception("incident %s: rendering the answer of %s failed", incident,
                      stored.id_command)
    answer: dict[str, Any] = {"Command": stored.command, "Error": "", "Warning": "",
                              "Message": "", "Status": 0, "IdCommand": stored.id_command,
                              "NumDevice": stored.num_device, "UnitName": stored.unit_name}
    if isinstance(outcome, ReceiptDone | ShiftDone):
        answer["CheckNumber"] = outcome.document.number
        answer["SessionNumber"] = outcome.document.shift_number
        answer["Warning"] = InternalFailure(incident).ru
    elif isinstance(outcome, OpenKKMError):
        answer["Error"] = outcome.ru
        answer["Status"] = 2
    else:
        answer["Warning"] = InternalFailure(incident).ru
    return answer
