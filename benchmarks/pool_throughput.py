"""Receipts/s of a pool of N virtual registers (goal: ≥ 0.9·N × one register's).

Each virtual register is given a fixed device time per receipt through its fault plan
(``delay_before_commit``, like a real register's printing), so the registers, not the two shared
CPU cores, are the bottleneck and the figure shows how well the pool spreads the load. Clients
are raw keep-alive sockets sending RegisterCheck to the pool's number, 4·N or more in flight.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

from _process import cpu_seconds, openkkm, read_body

POOL = 10  #: the pool's device number
DEVICE_TIME = 0.05  #: seconds each register spends on a receipt (its fault plan's delay)
RECEIPTS_PER_REGISTER = 100  #: receipts driven per register in the pool
WARMUP_PER_REGISTER = 2  #: receipts per register before timing (opens each register's shift)
SIZES = (1, 2, 4)  #: pool sizes measured


def receipt(tag: str, num: int) -> dict[str, object]:
    """A one-line cash sale to device ``num`` with its own IdCommand."""
    return {
        "Command": "RegisterCheck", "NumDevice": num, "IsFiscalCheck": True, "TypeCheck": 0,
        "IdCommand": tag, "CashierName": "Иванова А.А.", "Timeout": 60,
        "CheckStrings": [
            {"Register": {"Name": "Хлеб", "Quantity": 1, "Price": 55.5, "Amount": 55.5, "Tax": 10,
                          "SignMethodCalculation": 4, "SignCalculationObject": 1}},
        ],
        "Cash": 100,
    }


def config(size: int) -> str:
    """A config with ``size`` slowed virtual registers 1..size in pool ``POOL``."""
    devices = "".join(
        f'[[devices]]\nnum = {num}\nkind = "virtual"\nfaults = "delay_before_commit={DEVICE_TIME:g}"\n\n'
        for num in range(1, size + 1))
    members = ", ".join(str(num) for num in range(1, size + 1))
    return devices + f'[[pools]]\nnum = {POOL}\nmembers = [{members}]\nname = "Bench"\n'


async def _client(host: str, port: int, num: int, tags: asyncio.Queue[str], used: set[int]) -> None:
    """Send receipts from ``tags`` to device ``num``, one at a time on one keep-alive connection,
    until it is empty."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while not tags.empty():
            tag = tags.get_nowait()
            body = json.dumps(receipt(tag, num), ensure_ascii=False).encode()
            writer.write((f"POST /Execute/sync HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                          f"Content-Length: {len(body)}\r\n\r\n").encode() + body)
            answer = json.loads(await read_body(reader))
            if answer["Status"] != 0:
                raise RuntimeError(f"{tag}: {answer.get('Error')}")
            used.add(answer["NumDevice"])
    finally:
        writer.close()
        await writer.wait_closed()


async def drive(host: str, port: int, prefix: str, count: int, clients: int,
                nums: list[int]) -> tuple[float, set[int]]:
    """Register ``count`` receipts from ``clients`` connections, client i sending to device
    ``nums[i % len(nums)]``; the elapsed seconds and the registers that answered."""
    tags: asyncio.Queue[str] = asyncio.Queue()
    for n in range(count):
        tags.put_nowait(f"{prefix}-{n}")
    used: set[int] = set()
    start = time.perf_counter()
    await asyncio.gather(*(_client(host, port, nums[i % len(nums)], tags, used)
                           for i in range(clients)))
    return time.perf_counter() - start, used


def measure(size: int, data_dir: Path, pooled: bool) -> tuple[float, int, int, float]:
    """Receipts/s of ``size`` registers, addressed as the pool or (not ``pooled``) each by its
    own number; the clients, the registers that answered and the server's CPU ms per receipt."""
    proc, url = openkkm(data_dir, config(size))
    host, port = url.removeprefix("http://").rsplit(":", 1)
    clients = 4 * size
    nums = [POOL] if pooled else list(range(1, size + 1))
    try:
        asyncio.run(drive(host, int(port), "warm", WARMUP_PER_REGISTER * size, clients, nums))
        count = RECEIPTS_PER_REGISTER * size
        cpu = cpu_seconds(proc.pid)
        elapsed, used = asyncio.run(drive(host, int(port), "bench", count, clients, nums))
        cpu = cpu_seconds(proc.pid) - cpu
    finally:
        proc.terminate()
        proc.wait(30)
    return count / elapsed, clients, len(used), cpu / count * 1000


def main() -> None:
    """Measure each size, pooled and addressed directly, and print receipts/s and the ratios."""
    print(f"each virtual register: fault plan delay_before_commit={DEVICE_TIME:g} "
          f"({DEVICE_TIME * 1000:.0f} ms device time per receipt, ceiling {1 / DEVICE_TIME:.0f} receipts/s)")
    rates: dict[tuple[bool, int], float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for pooled in (True, False):
            print(f"receipts to pool {POOL}:" if pooled
                  else "the same registers, each client sending to one register by its own number:")
            one = 0.0
            for size in SIZES:
                where = Path(tmp) / f"{'pool' if pooled else 'direct'}{size}"
                rate, clients, members, cpu_ms = measure(size, where, pooled)
                rates[pooled, size] = rate
                one = one or rate
                ratio = rate / (size * one)
                verdict = "OK" if ratio >= 0.9 else "MISSED"
                print(f"  N={size}: {RECEIPTS_PER_REGISTER * size} receipts, {clients} clients, "
                      f"{members} answering registers: {rate:.1f} receipts/s "
                      f"(server CPU {cpu_ms:.1f} ms/receipt), "
                      f"{ratio:.2f} × N × one register's (goal >= 0.9) -> {verdict}")
    print("pool ÷ the same registers addressed directly (what choosing the member costs): "
          + ", ".join(f"N={size}: {rates[True, size] / rates[False, size]:.2f}" for size in SIZES))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
