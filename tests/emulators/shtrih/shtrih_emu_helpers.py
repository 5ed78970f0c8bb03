"""Shared builders for the Shtrih emulator tests: a settable clock, an emulator, a command runner."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openkkm.config import DeviceConfig
from openkkm.emulators.shtrih import ShtrihEmulator
from openkkm.protocol.shtrih.messages import Request, decode_answer, split_answer

START = dt.datetime(2026, 11, 24, 9, 0, 0)


class ManualClock:
    """A virtual clock the test moves by hand."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        """Read the clock."""
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock by a ``timedelta`` given as keywords."""
        self.now += dt.timedelta(**delta)


def make(
    clock: ManualClock | None = None, state: Path | None = None, **kwargs: Any
) -> ShtrihEmulator:
    """Return an emulator of device 1 (in memory unless ``state`` is given)."""
    return ShtrihEmulator(
        DeviceConfig(num=1),
        clock=clock or ManualClock(),
        state_file=None if state is None else str(state),
        **kwargs,
    )


async def call(emulator: ShtrihEmulator, request: Request) -> Any:
    """Run ``request`` through ``handle``; return the decoded answer, or the error code."""
    payload = await emulator.handle(request.encode())
    code, error, _data = split_answer(payload)
    assert code == request.code
    if error:
        assert len(payload) == (
            3 if code > 0xFF else 2
        )  # an error answer carries no data
        return error
    return decode_answer(request, payload, request.answer)
