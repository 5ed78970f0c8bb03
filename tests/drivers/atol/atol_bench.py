"""Test bench: an ATOL emulator reachable as ``loop://atol`` and a driver connected to it."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from pathlib import Path

from openkkm.config import DeviceConfig
from openkkm.drivers.atol import AtolDriver
from openkkm.emulators.atol import AtolEmulator
from openkkm.fiscal.types import Item, Payments, Receipt, ReceiptKind, VatRate
from openkkm.transport import LoopHub, Transport

START = dt.datetime(2026, 11, 24, 9, 0, 0)


class Clock:
    """A virtual clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        """Read the clock."""
        return self.now


class Bench:
    """One emulated register on a loop hub, the tasks serving it, and a driver."""

    def __init__(self, tmp_path: Path, faults: str = "", layer: str = "v3") -> None:
        self.clock = Clock()
        self.config = DeviceConfig(num=1, kind="atol", url="loop://atol")
        self.emulator = AtolEmulator(self.config, clock=self.clock, faults=faults, layer=layer)
        self.hub = LoopHub()
        self.tasks: set[asyncio.Task[None]] = set()
        self.hub.listen("atol", self._accept)
        self.driver = AtolDriver(self.config, data_dir=str(tmp_path), hub=self.hub)

    def _accept(self, transport: Transport) -> None:
        self.tasks.add(asyncio.get_running_loop().create_task(self.emulator.serve(transport)))

    async def close(self) -> None:
        """Stop the driver and wait for every connection to end."""
        await self.driver.stop()
        await asyncio.gather(*self.tasks)


def sale(*lines: tuple[str, int, str, VatRate], cash: int = 0, electronic: int = 0,
         change: int = 0, kind: ReceiptKind = ReceiptKind.SALE) -> Receipt:
    """A receipt of ``(name, price, quantity, vat)`` lines; amount = price × quantity."""
    items = tuple(Item(name=name, price=price, quantity=Decimal(qty),
                       amount=int(price * Decimal(qty)), vat=vat)
                  for name, price, qty, vat in lines)
    return Receipt(kind=kind, items=items, payments=Payments(cash=cash, electronic=electronic),
                   change=change)
