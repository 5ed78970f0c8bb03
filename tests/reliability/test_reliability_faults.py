"""Injected faults through the whole server (HTTP, journal, worker, driver, device), counted.

Each fault is followed by what a client does (resend with the same IdCommand until done), and
every block ends with a server restart, after which every result is read back by ``GetRezult``.
A receipt's total tells its fiscal document apart: one receipt per command, no more, no less.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from reliability_rig import (
    Bench,
    Tally,
    against,
    receipt_totals,
    retrievable,
    sale,
    scale,
)

import openkkm.drivers.virtual  # noqa: F401 -- registers the "virtual" kind
from openkkm.config import Config
from openkkm.drivers.base import Driver
from openkkm.drivers.virtual import VirtualDriver

VIRTUAL_FAULTS = {
    "fail_before_commit": "link lost before the ФН commit",
    "leave_receipt_open": "power lost mid-receipt",
    "lose_reply_after_commit": "reply lost after the ФН commit",
}


def virtual_bench(data: Path) -> tuple[Bench, list[VirtualDriver]]:
    """A server over virtual register 1; the list holds the driver of the running service."""
    config = Config.model_validate({"server": {"data_dir": str(data)},
                                    "devices": [{"num": 1, "kind": "virtual", "name": "Касса 1"}]})
    current: list[VirtualDriver] = []

    def drivers() -> dict[int, Driver]:
        current[:] = [VirtualDriver(config.devices[0], data_dir=str(data))]
        return {1: current[0]}
    return Bench(config, drivers), current


async def test_virtual_register_faults(tmp_path: Path) -> None:
    rounds = scale(10, 150)
    bench, driver = virtual_bench(tmp_path)
    tally = Tally(f"virtual register faults ({rounds} of each: {', '.join(VIRTUAL_FAULTS.values())})")
    client = await bench.start()
    done: dict[str, int] = {}
    try:
        for serial, fault in enumerate(VIRTUAL_FAULTS):
            for n in range(rounds):
                id_command = f"{fault}-{n}"
                driver[0].set_faults(f"{fault}*1")
                result, resends = await client.until_done(sale(id_command, 1000 + serial * 10_000 + n))
                assert result is not None, id_command
                done[id_command] = result["CheckNumber"]
                tally.add("faults injected")
                tally.add("resent after a proven failure", resends)
            client = await bench.restart()  # then reconcile and read everything back
        tally.add("retrievable by GetRezult", await retrievable(client, done))
    finally:
        await bench.stop()
    totals = {1000 + serial * 10_000 + n for serial in range(3) for n in range(rounds)}
    duplicated, lost = against(receipt_totals(tmp_path, 1), totals)
    tally.add("duplicated", duplicated)
    tally.add("lost", lost)
    tally.report()
    assert (duplicated, lost) == (0, 0)
    assert tally.counts["retrievable by GetRezult"] == len(done) == 3 * rounds



#: The journal's writes for one receipt, by the start of their SQL.
JOURNAL_STEPS = {"queued": "INSERT", "sent": "UPDATE commands SET state = ?, doc_type",
                 "finished": "UPDATE commands SET state = ?, result"}


@pytest.mark.parametrize("step", list(JOURNAL_STEPS))
async def test_disk_full_at_each_journal_step(tmp_path: Path, step: str) -> None:
    """Every write of one journal step fails as on a full disk; the disk is freed, then restart."""
    rounds = scale(10, 100)
    bench, _ = virtual_bench(tmp_path)
    tally = Tally(f"journal disk full at the {step!r} write ({rounds} receipts)")
    client = await bench.start()
    done: dict[str, int] = {}
    try:
        assert bench.jobs is not None
        journal = bench.jobs._journal
        write = journal._write

        def full(sql: str, params: tuple[object, ...], *, durable: bool = True) -> None:
            if sql.lstrip().startswith(JOURNAL_STEPS[step]):
                tally.add("writes failed")
                raise sqlite3.OperationalError("database or disk is full")
            write(sql, params, durable=durable)

        journal._write = full  # type: ignore[method-assign]
        for n in range(rounds):
            answer = await client.post(sale(f"full-{n}", 5000 + n))
            tally.add(f"answered Status {answer['Status']} while full")
        client = await bench.restart()  # a new journal object: the disk is free again
        for n in range(rounds):
            result, resends = await client.until_done(sale(f"full-{n}", 5000 + n))
            assert result is not None
            done[f"full-{n}"] = result["CheckNumber"]
            tally.add("failed again after the restart", resends)
        client = await bench.restart()
        tally.add("retrievable by GetRezult", await retrievable(client, done))
    finally:
        await bench.stop()
    duplicated, lost = against(receipt_totals(tmp_path, 1), {5000 + n for n in range(rounds)})
    tally.add("duplicated", duplicated)
    tally.add("lost", lost)
    tally.report()
    assert (duplicated, lost) == (0, 0)
    assert tally.counts["writes failed"] >= rounds
    assert tally.counts["retrievable by GetRezult"] == rounds


@pytest.mark.parametrize("free_pages", [0, 2])
async def test_journal_file_cannot_grow(tmp_path: Path, free_pages: int) -> None:
    """The journal's file may not grow (SQLite's own "database or disk is full" path)."""
    rounds = scale(20, 120)
    bench, _ = virtual_bench(tmp_path)
    tally = Tally(f"journal disk full ({rounds} receipts, {free_pages} pages left)")
    client = await bench.start()
    done: dict[str, int] = {}
    refused = 0
    try:
        jobs = bench.jobs
        assert jobs is not None
        journal = jobs._journal  # the cap must be set on the journal's own connections

        def cap(pages: int | None) -> None:
            for durable in (True, False):
                db = journal._writer(durable)
                count = db.execute("PRAGMA page_count").fetchone()[0]
                db.execute(f"PRAGMA max_page_count = {count + pages if pages is not None else 1 << 30}")

        await journal._run(cap, free_pages)
        for n in range(rounds):
            answer = await client.post(sale(f"full-{n}", 5000 + n))
            if answer["Status"] != 0:
                refused += 1
        await journal._run(cap, None)  # the disk is freed
        client = await bench.restart()
        for n in range(rounds):
            result, resends = await client.until_done(sale(f"full-{n}", 5000 + n))
            assert result is not None
            done[f"full-{n}"] = result["CheckNumber"]
            tally.add("resent", resends)
        client = await bench.restart()
        tally.add("retrievable by GetRezult", await retrievable(client, done))
    finally:
        await bench.stop()
    duplicated, lost = against(receipt_totals(tmp_path, 1), {5000 + n for n in range(rounds)})
    tally.add("refused while full", refused)
    tally.add("duplicated", duplicated)
    tally.add("lost", lost)
    tally.report()
    assert (duplicated, lost) == (0, 0)
    assert refused > 0, "the disk was never full"
    assert tally.counts["retrievable by GetRezult"] == rounds
    with sqlite3.connect(tmp_path / "journal.sqlite3") as db:
        states = dict(db.execute("SELECT state, count(*) FROM commands GROUP BY state").fetchall())
    assert states == {"done": rounds}
