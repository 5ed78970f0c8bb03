"""Receipts/s of a pool of N virtual registers (goal: ≥ 0.9·N × one register's).

Each virtual register is given a fixed device time per receipt through its fault plan
(``delay_before_commit``, like a real register's printing), so the registers, not the two shared
CPU cores, are the bottleneck and the figure shows how well the pool spreads the load. Clients
are raw keep-alive sockets sending RegisterCheck to the pool's number, 4·N or more in flight.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from _process import openkkm

POOL = 10  #: the pool's device number
DEVICE_TIME = 0.05  #: seconds each register spends on a receipt (its fault plan's delay)
RECEIPTS_PER_REGISTER = 60  #: receipts driven per register in the pool
WARMUP_PER_REGISTER = 2  #: receipts per register before timing (opens each register's shift)
SIZES = (1, 2, 4)  #: pool sizes measured


def receipt(tag: str) -> dict[str, object]:
    """A one-line cash sale with its own IdCommand."""
    return {
        "Command": "RegisterCheck", "NumDevice": POOL, "IsFiscalCheck": True, "TypeCheck": 0,
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


async def _read_body(reader: asyncio.StreamReader) -> bytes:
    """Read one HTTP/1.1 response with a Content-Length and return its body."""
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return await reader.readexactly(length)


async def _client(host: str, port: int, tags: asyncio.Queue[str], used: set[int]) -> None:
    """Send receipts from ``tags`` one at a time on one keep-alive connection until it is empty."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while not tags.empty():
            tag = tags.get_nowait()
            body = json.dumps(receipt(tag), ensure_ascii=False).encode()
            writer.write((f"POST /Execute/sync HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                          f"Content-Length: {len(body)}\r\n\r\n").encode() + body)
            answer = json.loads(await _read_body(reader))
            if answer["Status"] != 0:
                raise RuntimeError(f"{tag}: {answer.get('Error')}")
            used.add(answer["NumDevice"])
    finally:
        writer.close()
        await writer.wait_closed()


async def drive(host: str, port: int, prefix: str, count: int, clients: int) -> tuple[float, set[int]]:
    """Register ``count`` receipts from ``clients`` connections; the elapsed seconds and members used."""
    tags: asyncio.Queue[str] = asyncio.Queue()
    for n in range(count):
        tags.put_nowait(f"{prefix}-{n}")
    used: set[int] = set()
    start = time.perf_counter()
    await asyncio.gather(*(_client(host, port, tags, used) for _ in range(clients)))
    return time.perf_counter() - start, used


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by process ``pid`` (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(size: int, data_dir: Path) -> tuple[float, int, int, float]:
    """Receipts/s of a pool of ``size`` registers, the clients, the members that served and
    the server's CPU milliseconds per receipt."""
    proc, url = openkkm(data_dir, config(size))
    host, port = url.removeprefix("http://").rsplit(":", 1)
    clients = 4 * size
    try:
        asyncio.run(drive(host, int(port), f"warm{size}", WARMUP_PER_REGISTER * size, clients))
        count = RECEIPTS_PER_REGISTER * size
        cpu = cpu_seconds(proc.pid)
        elapsed, used = asyncio.run(drive(host, int(port), f"bench{size}", count, clients))
        cpu = cpu_seconds(proc.pid) - cpu
    finally:
        proc.terminate()
        proc.wait(30)
    return count / elapsed, clients, len(used), cpu / count * 1000


def main() -> None:
    """Measure each pool size and print receipts/s and the ratio to N × one register's."""
    print(f"each virtual register: fault plan delay_before_commit={DEVICE_TIME:g} "
          f"({DEVICE_TIME * 1000:.0f} ms device time per receipt, ceiling {1 / DEVICE_TIME:.0f} receipts/s)")
    results: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in SIZES:
            rate, clients, members, cpu_ms = measure(size, Path(tmp) / f"pool{size}")
            results[size] = rate
            ratio = rate / (size * results[SIZES[0]])
            verdict = "OK" if ratio >= 0.9 else "MISSED"
            print(f"N={size}: {RECEIPTS_PER_REGISTER * size} receipts, {clients} clients, "
                  f"{members} answering registers: {rate:.1f} receipts/s "
                  f"(server CPU {cpu_ms:.1f} ms/receipt), "
                  f"{ratio:.2f} × N × one register's (goal >= 0.9) -> {verdict}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
