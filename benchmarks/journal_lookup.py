"""Journal lookups by IdCommand at 10³…10⁶ stored commands: the time must stay flat (goal).

The journal is the product's own ``Journal`` class and file; the rows are written in bulk with
the journal's schema (putting a million rows one by one, each fsynced, would take hours), with
request and result texts of a typical receipt. ``Journal.get`` is timed for random ids,
including the hop to the journal's thread that every lookup pays.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from openkkm.jobs.journal import Journal

SIZES = (1_000, 10_000, 100_000, 1_000_000)
LOOKUPS = 3_000
REQUEST = json.dumps({
    "Command": "RegisterCheck", "NumDevice": 1, "IsFiscalCheck": True, "TypeCheck": 0,
    "CashierName": "Иванова А.А.", "Cash": "55.50",
    "CheckStrings": [{"Register": {"Name": "Хлеб", "Quantity": 1, "Price": "55.50",
                                   "Amount": "55.50", "Tax": 22}}]}, ensure_ascii=False)
RESULT = json.dumps({
    "CheckNumber": 57, "SessionNumber": 4, "SessionCheckNumber": 12, "Status": 0, "Error": "",
    "URL": "t=20260302T101512&s=55.50&fn=7380440700012345&i=57&fp=3528941127&n=1",
    "Command": "RegisterCheck"}, ensure_ascii=False)


def fill(path: Path, start: int, stop: int) -> None:
    """Append rows ``start``…``stop - 1`` as finished receipts, in one transaction."""
    now = time.time()
    rows = ((f"id-{n:08d}", "RegisterCheck", 1, f"{n:064x}", REQUEST, "[]", "receipt", "done",
             RESULT, now, now) for n in range(start, stop))
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO commands (id_command, command, num_device, body_hash, request, warnings, "
            "kind, state, result, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows)


async def timed_lookups(path: Path, size: int) -> list[float]:
    """Seconds per ``Journal.get`` for random stored ids (and a few unknown ones)."""
    journal = Journal(path)
    await journal.open()
    try:
        ids = [f"id-{random.randrange(size):08d}" for _ in range(LOOKUPS)]
        ids[::10] = [f"absent-{n}" for n in range(len(ids[::10]))]
        times = []
        for id_command in ids:
            began = time.perf_counter()
            row = await journal.get(id_command)
            times.append(time.perf_counter() - began)
            assert (row is None) == id_command.startswith("absent-")
        return times
    finally:
        await journal.close()


async def main() -> None:
    """Grow one journal through the sizes and print the lookup times at each."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "journal.sqlite3"
        journal = Journal(path)
        await journal.open()  # the schema, exactly as the server makes it
        await journal.close()
        stored = 0
        print(f"{'stored commands':>16} {'p50 µs':>8} {'p99 µs':>8} {'mean µs':>8} {'file MB':>8}")
        for size in SIZES:
            fill(path, stored, size)
            stored = size
            times = sorted(await timed_lookups(path, size))
            p50 = statistics.median(times) * 1e6
            p99 = times[int(len(times) * 0.99)] * 1e6
            mean = statistics.fmean(times) * 1e6
            megabytes = path.stat().st_size / 1e6
            print(f"{size:>16,} {p50:>8.0f} {p99:>8.0f} {mean:>8.0f} {megabytes:>8.0f}", flush=True)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
