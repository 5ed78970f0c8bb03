"""The time limit of a transport's reads, kept by one lazily re-armed timer.

A device exchange waits for bytes at every change of direction, each wait with a limit it
nearly never reaches. Arming and cancelling a timer for every wait cost about a tenth of the
host's CPU for a Shtrih receipt on the standard event loop (a handle, a heap push, a cancel).
Here a wait that ends early leaves the timer armed; when it fires it re-arms for the wait then
running if that one ends later, or does nothing if none is running.
"""

from __future__ import annotations

import asyncio

from .base import timeout_error


class ReadDeadline:
    """Fails the current read's waiter with ``DeviceTimeout`` once its limit has passed."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._timer: asyncio.TimerHandle | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._ends = 0.0  #: loop time when the current wait's limit passes
        self._seconds: float | None = None

    def watch(self, waiter: asyncio.Future[None], seconds: float | None) -> None:
        """Bound ``waiter`` (the read now waiting) by ``seconds``; ``None``: no limit."""
        self._waiter, self._seconds = waiter, seconds
        if seconds is None:
            return
        loop = waiter.get_loop()
        self._ends = loop.time() + seconds
        if self._timer is None or self._timer.when() > self._ends:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = loop.call_at(self._ends, self._fire)

    def cancel(self) -> None:
        """Drop the timer (the transport is closing)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._waiter = None

    def _fire(self) -> None:
        self._timer = None
        waiter = self._waiter
        if waiter is None or waiter.done() or self._seconds is None:
            return
        loop = waiter.get_loop()
        if loop.time() < self._ends:  # armed for an earlier wait that ended sooner
            self._timer = loop.call_at(self._ends, self._fire)
            return
        waiter.set_exception(timeout_error(self._url, self._seconds))
