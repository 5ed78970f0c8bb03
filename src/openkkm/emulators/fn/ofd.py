"""The ФН's queue of documents the OFD has not confirmed yet (``FISCAL.md`` §10.1).

The OFD confirms documents in order, so the queue is "every FD after the last confirmed one".
An autonomous ФН has no queue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from openkkm.emulators.fn.state import FnState

LATE_AFTER = dt.timedelta(days=2)  #: 1053 «ОФД не отвечает»
BLOCK_AFTER = dt.timedelta(days=30)  #: FN 0x15: no more documents until the OFD confirms


@dataclass(frozen=True, slots=True)
class QueueStatus:
    """What the ФН reports about its OFD queue."""

    unsent: int  # 1097
    first: int = 0  # 1116, 0 when the queue is empty
    oldest: dt.datetime | None = None  # time of the first unsent document
    late: bool = False  # 1053
    blocked: bool = False  # 30-day block


def status(state: FnState, now: dt.datetime) -> QueueStatus:
    """Report the queue of ``state`` as seen at ``now``."""
    if state.registration.autonomous or state.ofd_confirmed >= state.last_number:
        return QueueStatus(0)
    first = state.ofd_confirmed + 1
    oldest = state.archive[first - 1].moment
    waited = now - oldest
    return QueueStatus(unsent=state.last_number - state.ofd_confirmed, first=first,
                       oldest=oldest, late=waited > LATE_AFTER, blocked=waited >= BLOCK_AFTER)


def confirm(state: FnState, up_to: int) -> int:
    """Mark documents up to ``up_to`` confirmed; returns how many left the queue."""
    target = min(up_to, state.last_number)
    if target <= state.ofd_confirmed:
        return 0
    count = target - state.ofd_confirmed
    state.ofd_confirmed = target
    return count
