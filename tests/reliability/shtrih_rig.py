"""The Shtrih emulator behind the server, with a device-side link cutter and a babbling mode."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from reliability_rig import Bench

import openkkm.drivers.shtrih  # noqa: F401 -- registers the "shtrih" kind
from openkkm.config import Config
from openkkm.drivers.base import Driver
from openkkm.drivers.shtrih import ShtrihDriver
from openkkm.emulators.shtrih import ShtrihEmulator
from openkkm.errors import LinkLost
from openkkm.transport import LoopHub, Transport

TASKS: set[asyncio.Task[None]] = set()  #: the emulator's connections, kept alive


class Cutter:
    """A budget of bytes (both ways) the device's end passes once armed; then the link closes."""

    def __init__(self) -> None:
        self.budget: int | None = None
        self.spent = 0
        self.cuts = 0

    def arm(self, budget: int | None) -> None:
        """Cut after ``budget`` more bytes; None counts without cutting."""
        self.budget = budget
        self.spent = 0

    def spend(self, count: int) -> bool:
        """Count ``count`` bytes; True when the link must close now (and disarm)."""
        self.spent += count
        if self.budget is None or self.spent < self.budget:
            return False
        self.budget = None
        self.cuts += 1
        return True


class CutEnd(Transport):
    """The device's end of the link, cut by a shared ``Cutter``."""

    def __init__(self, inner: Transport, cutter: Cutter) -> None:
        super().__init__(inner.url)
        self.inner = inner
        self.cutter = cutter

    async def read(self, n: int, timeout: float | None) -> bytes:
        """Read from the host; past the budget, the link is gone."""
        data = await self.inner.read(n, timeout)
        await self._spend(len(data))
        return data

    async def write(self, data: bytes) -> None:
        """Answer the host, unless the budget ran out."""
        await self._spend(len(data))
        await self.inner.write(data)

    async def close(self) -> None:
        """Close the link."""
        self.closed = True
        await self.inner.close()

    async def _spend(self, count: int) -> None:
        if self.cutter.spend(count):
            await self.close()
            raise LinkLost("cut", "cut")


class Clock:
    """The emulator's time: the real one, kept within one day so the shift never expires."""

    def __init__(self) -> None:
        self.start = dt.datetime.now()

    def __call__(self) -> dt.datetime:
        return self.start


class Babbler:
    """While ``garbage`` is set, the device answers every write of the host with those bytes."""

    def __init__(self) -> None:
        self.garbage: bytes | None = None
        self.ends: set[Transport] = set()

    async def set(self, garbage: bytes | None) -> None:
        """Switch the mode; open links close, so the driver reconnects into it."""
        self.garbage = garbage
        for end in list(self.ends):
            await end.close()

    async def serve(self, end: Transport, garbage: bytes) -> None:
        """Answer each chunk the host writes with ``garbage`` until the link closes."""
        try:
            while True:
                await end.read(256, None)
                await end.write(garbage)
        except LinkLost:
            return


def shtrih_bench(tmp_path: Path, babbler: Babbler | None = None,
                 ) -> tuple[Bench, ShtrihEmulator, Cutter]:
    """A server over Shtrih register 1, emulated in this process behind a cutter."""
    config = Config.model_validate({
        "server": {"data_dir": str(tmp_path)},
        "devices": [{"num": 1, "kind": "shtrih", "url": "loop://kkt", "name": "Касса 1"}]})
    emulator = ShtrihEmulator(config.devices[0], clock=Clock())
    cutter = Cutter()
    hub = LoopHub()

    def accept(end: Transport) -> None:
        if babbler is not None:
            babbler.ends.add(end)
        if babbler is not None and babbler.garbage is not None:
            serving = babbler.serve(end, babbler.garbage)
        else:
            serving = emulator.serve(CutEnd(end, cutter))
        task = asyncio.get_running_loop().create_task(serving)
        TASKS.add(task)
        task.add_done_callback(TASKS.discard)
        if babbler is not None:
            task.add_done_callback(lambda _: babbler.ends.discard(end))

    hub.listen("kkt", accept)

    def drivers() -> dict[int, Driver]:
        driver = ShtrihDriver(config.devices[0], data_dir=str(tmp_path), hub=hub)
        driver.link.control_timeout = 0.05
        driver.link.timeouts = lambda code: 0.5  # a lost answer is noticed quickly
        return {1: driver}

    return Bench(config, drivers), emulator, cutter


