"""Builders for driver-against-emulator tests: a manual clock, receipts, a link cutter."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from openkkm.config import DeviceConfig
from openkkm.drivers.shtrih import ShtrihDriver
from openkkm.emulators.shtrih import ShtrihEmulator
from openkkm.emulators.shtrih.server import serve_in_process
from openkkm.errors import LinkLost
from openkkm.fiscal.types import (
    Cashier,
    Item,
    Payments,
    Receipt,
    ReceiptKind,
    VatRate,
)
from openkkm.framing.shtrih import ENQ, NAK, STX
from openkkm.transport import LoopHub, Transport

START = dt.datetime(2026, 11, 24, 9, 0, 0)
TASKS: set[asyncio.Task[None]] = set()  #: device loops of wrapped connections (kept alive)


class ManualClock:
    """A virtual clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        """Read the clock."""
        return self.now


def device_config(url: str = "loop://kkt", protocol: int = 1) -> DeviceConfig:
    """Device 1 of kind shtrih at ``url``, speaking ``protocol`` (1 or 2)."""
    return DeviceConfig(num=1, kind="shtrih", url=url, tax_systems="0,1",
                        protocol=protocol)  # type: ignore[arg-type]


def emulator(clock: ManualClock, **options: object) -> ShtrihEmulator:
    """An in-memory emulated register on ``clock``."""
    return ShtrihEmulator(device_config(), clock=clock, **options)  # type: ignore[arg-type]


async def loop_driver(
    emu: ShtrihEmulator, wrap: Callable[[Transport], Transport] | None = None
) -> ShtrihDriver:
    """A started driver reaching ``emu`` through ``loop://kkt`` (device end wrapped by ``wrap``)."""
    hub = LoopHub()
    if wrap is None:
        await serve_in_process(emu, hub, "kkt")
    else:
        serving = wrap

        def accept(end: Transport) -> None:
            TASKS.add(asyncio.get_running_loop().create_task(emu.serve(serving(end))))

        hub.listen("kkt", accept)
    driver = ShtrihDriver(device_config(), data_dir=".", hub=hub)
    driver.link.control_timeout = 0.2
    await driver.start()
    return driver


def mixed_sale(total_extra: int = 0, *, tendered: int | None = None) -> Receipt:
    """A sale at 22 %, 10 %, 0 % and without VAT; pays cash, with change if ``tendered``."""
    items = (
        Item(
            name="Молоко",
            price=12200 + total_extra,
            quantity=Decimal(1),
            amount=12200 + total_extra,
            vat=VatRate.VAT22,
        ),
        Item(name="Хлеб", price=2500, quantity=Decimal(2), amount=5000, vat=VatRate.VAT10),
        Item(name="Книга", price=30000, quantity=Decimal("0.5"), amount=15000, vat=VatRate.VAT0),
        Item(name="Услуга", price=1000, quantity=Decimal(1), amount=1000, vat=VatRate.NONE),
    )
    total = sum(item.amount for item in items)
    change = 0 if tendered is None else tendered - total
    return Receipt(
        kind=ReceiptKind.SALE,
        items=items,
        payments=Payments(cash=total),
        cashier=Cashier("Иванова"),
        change=change,
    )


def small_sale(amount: int, kind: ReceiptKind = ReceiptKind.SALE) -> Receipt:
    """One line at 22 % of ``amount`` kopecks, paid electronically (no drawer cash needed)."""
    item = Item(name="Товар", price=amount, quantity=Decimal(1), amount=amount, vat=VatRate.VAT22)
    return Receipt(kind=kind, items=(item,), payments=Payments(electronic=amount))


class CuttingTransport(Transport):
    """Passes ``budget`` bytes (both directions counted), then closes the link mid-stream."""

    def __init__(self, inner: Transport, budget: int) -> None:
        super().__init__(inner.url)
        self.inner = inner
        self.budget = budget
        self.cut = False

    async def read(self, n: int, timeout: float | None) -> bytes:
        """Read, delivering only what is left of the budget."""
        self._check()
        data = await self.inner.read(n, timeout)
        return await self._spend(data)

    async def write(self, data: bytes) -> None:
        """Write only what is left of the budget."""
        self._check()
        part = data[: self.budget]
        if part:
            await self.inner.write(part)
        await self._spend(data)

    async def close(self) -> None:
        """Close the wrapped transport."""
        self.closed = True
        await self.inner.close()

    async def _spend(self, data: bytes) -> bytes:
        """Count ``data``; past the budget, cut the link after the bytes that fit."""
        part = data[: self.budget]
        self.budget -= len(part)
        if len(part) < len(data) or self.budget == 0:
            self.cut = self.closed = True  # like a transport that saw the peer close
            await self.inner.close()
            if len(part) < len(data):
                raise LinkLost("cut", "cut")
        return part

    def _check(self) -> None:
        if self.cut:
            raise LinkLost("cut", "cut")


class RestartsAfterExecuting(Transport):
    """A device end that executes the armed command, loses its ACK and answer and restarts.

    The host, which saw no ACK, asks with ENQ; the restarted device answers NAK (idle), so the
    host's exchange sends the frame again, and the device refuses the second copy.
    """

    def __init__(self, inner: Transport, code: bytes, armed: list[bool]) -> None:
        super().__init__(inner.url)
        self.inner = inner
        self.code = code
        self.armed = armed
        self.drop_writes = 0
        self.nak_next_enq = False

    async def read(self, n: int, timeout: float | None) -> bytes:
        """Read; answer the first ENQ after the restart with NAK ourselves."""
        while True:
            data = await self.inner.read(n, timeout)
            if self.nak_next_enq and data == bytes((ENQ,)):
                self.nak_next_enq = False
                await self.inner.write(bytes((NAK,)))
                continue
            if self.armed and data[:1] == bytes((STX,)) and data[2:4] == self.code:
                self.armed.clear()
                self.drop_writes = 2  # the ACK and the answer never leave
                self.nak_next_enq = True
            return data

    async def write(self, data: bytes) -> None:
        """Write, unless the restart swallows it."""
        if self.drop_writes:
            self.drop_writes -= 1
            return
        await self.inner.write(data)

    async def close(self) -> None:
        """Close the device end."""
        await self.inner.close()
