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

import shtrih_driver

from openkkm.config import DeviceConfig
from openkkm.drivers.atol import AtolDriver
from openkkm.emulators.atol import AtolEmulator
from openkkm.emulators.shtrih import ShtrihEmulator
from openkkm.transport import LoopHub, Transport

BAUD = 115200
N = 100
GOAL = 1.1
RECEIPT = shtrih_driver.receipt()  #: the Shtrih benchmark's receipt, for a side-by-side figure
CLOCK = dt.datetime(2026, 11, 24, 9, 0)


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
    emulator = AtolEmulator(config, clock=lambda: CLOCK, baud=BAUD)
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
    lines = len(RECEIPT.items)
    print(f"ATOL driver, one {lines}-line receipt on the emulator at {BAUD} baud (v3, {N} runs):")
    print(f"  bytes per receipt: {to_device} host→device + {to_host} device→host "
          f"= {to_device + to_host}")
    print(f"  wire-time limit: {wire * 1000:.1f} ms; p50 {p50 * 1000:.1f} ms, "
          f"p90 {statistics.quantiles(times, n=10)[8] * 1000:.1f} ms")
    ratio = p50 / wire
    print(f"  p50 / wire time = {ratio:.3f} (goal ≤ {GOAL}) -> {'OK' if ratio <= GOAL else 'MISS'}")
    await side_by_side(to_device + to_host, p50)


async def side_by_side(atol_bytes: int, atol_p50: float) -> None:
    """Run the Shtrih driver on the same receipt at the same baud and print both rows."""
    shtrih = ShtrihEmulator(DeviceConfig(num=1), clock=lambda: CLOCK, baud=BAUD)
    sizes, times, _transfers = await shtrih_driver.ours(shtrih, N, in_memory=True)
    shtrih_bytes, shtrih_p50 = statistics.median(sizes), statistics.median(times)
    print(f"Side by side, same receipt, {BAUD} baud, in-memory link, p50 of {N} runs:")
    for name, size, p50 in (("ATOL  ", atol_bytes, atol_p50),
                            ("Shtrih", shtrih_bytes, shtrih_p50)):
        wire = size * 10 / BAUD
        print(f"  {name} {size:6.0f} bytes  {p50 * 1000:7.1f} ms  "
              f"{p50 / wire:5.2f}× its wire time")
    print(f"  ATOL/Shtrih: bytes {atol_bytes / shtrih_bytes:5.2f}, "
          f"time {atol_p50 / shtrih_p50:5.2f}")


if __name__ == "__main__":
    asyncio.run(main())
