"""Bytes and time per receipt of the ATOL driver on the emulator paced at 115200 baud (goal ≤ 1.1×).

The emulator spends the wire time of every byte it receives and sends (8N1: 10 bits a byte), as a
serial register would; the driver is not paced. The wire-time limit of a receipt is
(bytes host→device + bytes device→host) × 10 / baud: no driver can be faster on that line. The
figure is the p50 time of ``register`` divided by that limit.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import tempfile
import time
from decimal import Decimal

from openkkm.config import DeviceConfig
from openkkm.drivers.atol import AtolDriver
from openkkm.emulators.atol import AtolEmulator
from openkkm.fiscal.types import Item, Payments, Receipt, ReceiptKind, VatRate
from openkkm.transport import LoopHub, Transport

BAUD = 115200
N = 100
GOAL = 1.1
RECEIPT = Receipt(
    kind=ReceiptKind.SALE,
    items=(Item(name="Хлеб", price=5550, quantity=Decimal(2), amount=11100, vat=VatRate.VAT10),
           Item(name="Молоко 3,2%", price=9990, quantity=Decimal(1), amount=9990,
                vat=VatRate.VAT22)),
    payments=Payments(cash=11090, electronic=10000))


class Counting(Transport):
    """The device end of a link, counting the bytes each way."""

    def __init__(self, inner: Transport) -> None:
        super().__init__(inner.url)
        self.inner = inner
        self.received = 0
        self.sent = 0

    async def read(self, n: int, timeout: float | None) -> bytes:
        """Read and count."""
        data = await self.inner.read(n, timeout)
        self.received += len(data)
        return data

    async def write(self, data: bytes) -> None:
        """Write and count."""
        self.sent += len(data)
        await self.inner.write(data)

    async def close(self) -> None:
        """Close the wrapped transport."""
        await self.inner.close()


async def main() -> None:
    """Register N receipts and print bytes, times and the ratio to the wire-time limit."""
    config = DeviceConfig(num=1, kind="atol", url="loop://atol")
    emulator = AtolEmulator(config, clock=lambda: dt.datetime(2026, 11, 24, 9, 0), baud=BAUD)
    hub = LoopHub()
    links: list[Counting] = []
    tasks: list[asyncio.Task[None]] = []

    def accept(transport: Transport) -> None:
        links.append(Counting(transport))
        tasks.append(asyncio.get_running_loop().create_task(emulator.serve(links[-1])))

    hub.listen("atol", accept)
    with tempfile.TemporaryDirectory() as data_dir:
        driver = AtolDriver(config, data_dir=data_dir, hub=hub)
        await driver.start()
        await driver.open_shift(None)
        await driver.register(RECEIPT)  # warm-up: the mode is entered once
        times: list[float] = []
        sizes: list[tuple[int, int]] = []
        for _ in range(N):
            link = links[-1]
            before = (link.received, link.sent)
            start = time.perf_counter()
            await driver.register(RECEIPT)
            times.append(time.perf_counter() - start)
            sizes.append((link.received - before[0], link.sent - before[1]))
        await driver.stop()
        await asyncio.gather(*tasks)
    to_device, to_host = sizes[-1]
    wire = (to_device + to_host) * 10 / BAUD
    p50 = statistics.median(times)
    print(f"ATOL driver, one 2-line receipt on the emulator at {BAUD} baud (v3, {N} runs):")
    print(f"  bytes per receipt: {to_device} host→device + {to_host} device→host "
          f"= {to_device + to_host}")
    print(f"  wire-time limit: {wire * 1000:.1f} ms; p50 {p50 * 1000:.1f} ms, "
          f"p90 {statistics.quantiles(times, n=10)[8] * 1000:.1f} ms")
    ratio = p50 / wire
    print(f"  p50 / wire time = {ratio:.3f} (goal ≤ {GOAL}) -> {'OK' if ratio <= GOAL else 'MISS'}")


if __name__ == "__main__":
    asyncio.run(main())
