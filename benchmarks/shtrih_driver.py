"""Bytes and time of one receipt: our Shtrih driver against pyshtrih, on the emulator at 115200 baud.

Both clients register the same four-line cash receipt on the same emulated register over a pty;
pyshtrih with its own commands (0x10 wait, 0x8D, 0x80 per line, 0x85), our driver with its FFD
1.05+ flow (0x8D, FF46 per line, FF45, then FF0A for the receipt's minute). The emulator paces
the bytes of both directions on one line clock at the baud rate (waits end at the computed
moment, not after a timer), so the wire time is spent exactly once. It works out each answer
while the request is still crossing the line, so, like the wire-time limit, it answers as soon
as the request has arrived; what remains above the wire is the driver's own work and the rig's
turnaround (the pty hand-over, the event loop both sides share).
Goals: our bytes and time ≤ 1.0× pyshtrih's; our time ≤ 1.1× the wire time of our own bytes.

pyshtrih needs a serial port, so the comparison with it runs over a pty. The wire figure is
printed over the pty and over the in-memory link that ``openkkm serve`` uses for its built-in
register (the ATOL benchmark's rig): the pty adds the kernel's tty hand-over to every transfer
both ways, which no driver code can remove and a real serial port replaces with its own.
Run: ``.venv/bin/python benchmarks/shtrih_driver.py [receipts]``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal

import pyshtrih

from openkkm.config import DeviceConfig
from openkkm.drivers.shtrih import ShtrihDriver
from openkkm.emulators.shtrih import ShtrihEmulator
from openkkm.emulators.shtrih.server import serve_connection
from openkkm.fiscal.types import (
    Item,
    Payments,
    Receipt,
    ReceiptKind,
    ShiftState,
    VatRate,
)
from openkkm.transport import LoopHub, Transport, open_pty_pair

BAUD = 115200
BIT_TIMES = 10  #: start + 8 data + stop bits per byte
LINES = (("Молоко", 1, 12200, VatRate.VAT22, 1), ("Хлеб", 2, 2500, VatRate.VAT10, 2),
         ("Сыр", 1, 45000, VatRate.VAT22, 1), ("Пакет", 1, 500, VatRate.VAT22, 1))
TOTAL = sum(qty * price for _, qty, price, _, _ in LINES)


class Meter(Transport):
    """The device end, counting bytes and transfers both ways (the emulator paces the line)."""

    def __init__(self, inner: Transport) -> None:
        super().__init__(inner.url)
        self.inner = inner
        self.received = self.sent = self.transfers = 0

    async def read(self, n: int, timeout: float | None) -> bytes:
        """Read and count."""
        data = await self.inner.read(n, timeout)
        self.received += len(data)
        self.transfers += 1
        return data

    async def write(self, data: bytes) -> None:
        """Write and count."""
        self.sent += len(data)
        self.transfers += 1
        await self.inner.write(data)

    async def close(self) -> None:
        """Close the pty end."""
        await self.inner.close()

    def reset(self) -> None:
        """Start counting afresh."""
        self.received = self.sent = self.transfers = 0

    @property
    def total(self) -> int:
        """Bytes both ways."""
        return self.received + self.sent


def receipt() -> Receipt:
    """The benchmark receipt for our driver."""
    items = tuple(Item(name=name, price=price, quantity=Decimal(qty), amount=qty * price, vat=vat)
                  for name, qty, price, vat, _ in LINES)
    return Receipt(kind=ReceiptKind.SALE, items=items, payments=Payments(cash=TOTAL))


async def serve(emu: ShtrihEmulator) -> tuple[Meter, str, asyncio.Task[None]]:
    """Serve ``emu`` on a fresh pty through a meter."""
    device_end, path = open_pty_pair()
    meter = Meter(device_end)
    return meter, path, asyncio.create_task(serve_connection(emu, meter, close=False))


def serve_in_memory(
    emu: ShtrihEmulator, hub: LoopHub
) -> tuple[list[Meter], list[asyncio.Task[None]]]:
    """Serve ``emu`` as ``loop://shtrih`` on ``hub``; each connection gets its own meter."""
    meters: list[Meter] = []
    tasks: list[asyncio.Task[None]] = []

    def accept(device_end: Transport) -> None:
        meters.append(Meter(device_end))
        tasks.append(asyncio.get_running_loop().create_task(serve_connection(emu, meters[-1])))

    hub.listen("shtrih", accept)
    return meters, tasks


async def stop(meter: Meter, task: asyncio.Task[None]) -> None:
    """Stop serving one pty."""
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await meter.close()


Figures = tuple[list[int], list[float], list[int]]  #: bytes, seconds, transfers per receipt


async def ours(emu: ShtrihEmulator, count: int, protocol: int = 1, *,
               in_memory: bool = False) -> Figures:
    """Bytes and seconds per receipt through ShtrihDriver on lower level ``protocol``.

    Over a pty, or over the in-memory link when ``in_memory``.
    """
    hub = LoopHub()
    if in_memory:
        meters, tasks = serve_in_memory(emu, hub)
        url = "loop://shtrih"
    else:
        meter, path, task = await serve(emu)
        meters, tasks, url = [meter], [task], f"pty://{path}"
    driver = ShtrihDriver(DeviceConfig(num=1, kind="shtrih", url=url, protocol=protocol),
                          data_dir=".", hub=hub)
    sizes, times, transfers = [], [], []
    try:
        await driver.start()
        if (await driver.status()).shift is not ShiftState.OPEN:
            await driver.open_shift(None)
        for _ in range(count):
            meter = meters[-1]
            meter.reset()
            began = time.perf_counter()
            await driver.register(receipt())
            times.append(time.perf_counter() - began)
            sizes.append(meter.total)
            transfers.append(meter.transfers)
    finally:
        await driver.stop()
        for meter, task in zip(meters, tasks, strict=True):
            await stop(meter, task)
    return sizes, times, transfers


def pyshtrih_receipt(device: pyshtrih.ShtrihAllCommands) -> None:
    """The same receipt with pyshtrih's own commands."""
    device.open_check(0)
    for name, qty, price, _, group in LINES:
        device.sale((name, qty * 1000, price), tax1=group)
    device.close_check(cash=TOTAL)


async def theirs(emu: ShtrihEmulator, count: int) -> Figures:
    """Bytes and seconds per receipt through pyshtrih (in a thread, as it blocks)."""
    meter, path, task = await serve(emu)
    device = pyshtrih.ShtrihAllCommands(port=path, baudrate=BAUD, timeout=2)
    sizes, times, transfers = [], [], []

    def timed(action: Callable[[], None]) -> float:
        began = time.perf_counter()
        action()
        return time.perf_counter() - began

    try:
        await asyncio.to_thread(device.connect)
        for _ in range(count):
            meter.reset()
            times.append(await asyncio.to_thread(timed, lambda: pyshtrih_receipt(device)))
            sizes.append(meter.total)
            transfers.append(meter.transfers)
    finally:
        await asyncio.to_thread(device.disconnect)
        await stop(meter, task)
    return sizes, times, transfers


async def main(count: int) -> None:
    """Run both clients and print the figures."""
    emu = ShtrihEmulator(DeviceConfig(num=1), clock=lambda: dt.datetime(2026, 11, 24, 10, 0),
                         baud=BAUD)
    our_sizes, our_times, our_transfers = await ours(emu, count)
    their_sizes, their_times, their_transfers = await theirs(emu, count)
    our_bytes, their_bytes = statistics.median(our_sizes), statistics.median(their_sizes)
    our_time, their_time = statistics.median(our_times), statistics.median(their_times)
    wire = our_bytes * BIT_TIMES / BAUD
    print(f"receipt of {len(LINES)} lines, {count} runs each, {BAUD} baud, medians:")
    our_chunks, their_chunks = statistics.median(our_transfers), statistics.median(their_transfers)
    print(f"  openkkm  {our_bytes:6.0f} bytes  {our_time * 1000:7.1f} ms  {our_chunks:4.0f} transfers")
    print(f"  pyshtrih {their_bytes:6.0f} bytes  {their_time * 1000:7.1f} ms  "
          f"{their_chunks:4.0f} transfers")
    print(f"  bytes ours/pyshtrih  {our_bytes / their_bytes:5.2f}  (goal <= 1.00)")
    print(f"  time  ours/pyshtrih  {our_time / their_time:5.2f}  (goal <= 1.00)")
    print(f"  time  ours/wire limit of our bytes ({wire * 1000:.1f} ms) "
          f"{our_time / wire:5.2f}  (goal <= 1.10)")
    their_wire = their_bytes * BIT_TIMES / BAUD
    print(f"  rig:  pyshtrih/wire limit of its bytes {their_time / their_wire:5.2f}")
    print("openkkm ÷ the wire limit of its bytes (goal <= 1.10), pty and in-memory link:")
    for protocol, name in ((1, "protocol 1 (ENQ/ACK)      "), (2, "protocol 2 (numbered frames)")):
        row = []
        for in_memory in (False, True):
            sizes, times, chunks = await ours(emu, count, protocol, in_memory=in_memory)
            size, took = statistics.median(sizes), statistics.median(times)
            row.append(f"{size:.0f} bytes {took * 1000:5.1f} ms {statistics.median(chunks):.0f} "
                       f"transfers {took / (size * BIT_TIMES / BAUD):5.2f}")
        print(f"  {name}  pty: {row[0]}   in memory: {row[1]}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10))
