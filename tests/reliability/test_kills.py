"""SIGKILL of the server process at every journal step of a receipt, then restart and reconcile.

Each kill catches, at once: a receipt held on the ФН just before (or just after) its commit,
whose row is ``sent``; another queued behind it (``queued``); and one finished on a second
register (``done``). The restarted server reconciles with the ФН, the client asks
``GetRezult`` and resends what was proven not done, and at the end each ФН holds exactly one
receipt per command.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from e2e_server import ServerProcess
from reliability_rig import Client, Tally, duplicates_and_lost, sale, scale

from openkkm.emulators.fn.setup import state_path

pytestmark = pytest.mark.process

HELD = {"delay_before_commit": "before the ФН commit",
        "delay_after_commit": "after the ФН commit"}


def config(faults: str) -> str:
    return ('[[devices]]\nnum = 1\nkind = "virtual"\nname = "Касса 1"\n'
            f'faults = "{faults}"\n'
            '[[devices]]\nnum = 2\nkind = "virtual"\nname = "Касса 2"\n')


def journal_state(data: Path, id_command: str) -> str | None:
    with sqlite3.connect(data / "journal.sqlite3") as db:
        row = db.execute("SELECT state FROM commands WHERE id_command = ?",
                         (id_command,)).fetchone()
    return row[0] if row else None


def last_fd(data: Path, num: int) -> int:
    """The ФН's last document number, from its atomically replaced state file."""
    path = state_path(data, num)
    return json.loads(path.read_text(encoding="utf-8"))["last_number"] if path.exists() else 0


def wait_for(what: str, predicate: object, timeout: float = 20) -> None:
    end = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < end, f"not reached: {what}"
        time.sleep(0.02)


AFTER = {0: "found done after the restart", 2: "found failed (proven not done) and resent"}


def kill_at(data: Path, fault: str, serial: int, states: Counter[str]) -> list[tuple[str, int, int]]:
    """Hold a receipt with ``fault``, queue one behind it, finish one elsewhere; SIGKILL."""
    server = ServerProcess(data, config=config(f"{fault}=120*1")).start()
    done, held, queued = batch = [(f"done-{serial}", 2, 30_000 + serial),
                                  (f"held-{serial}", 1, 40_000 + serial),
                                  (f"queued-{serial}", 1, 50_000 + serial)]
    before = last_fd(data, 1)
    assert server.execute(sale(done[0], done[2], 2)).json()["Status"] == 0
    server.execute(sale(held[0], held[2], 1) | {"Timeout": 1})
    wait_for("held receipt sent", lambda: journal_state(data, held[0]) == "sent")
    if fault == "delay_after_commit":  # the receipt (and, the first time, the shift) is in
        wait_for("receipt committed", lambda: last_fd(data, 1) > before + (before == 0))
    server.execute(sale(queued[0], queued[2], 1) | {"Timeout": 1})
    wait_for("queued", lambda: journal_state(data, queued[0]) == "queued")
    states[f"sent, {HELD[fault]}"] += journal_state(data, held[0]) == "sent"
    for name in (done[0], queued[0]):
        states[str(journal_state(data, name))] += 1
    server.kill()
    return batch


async def settle(data: Path, batch: list[tuple[str, int, int]], tally: Tally) -> dict[str, int]:
    """Restart, read each command's fate, resend the failed ones; IdCommand → CheckNumber."""
    server = ServerProcess(data, config=config("")).start()
    found: dict[str, int] = {}
    try:
        async with httpx.AsyncClient() as http:
            client = Client(http, lambda: server.url)
            for id_command, num, total in batch:
                fate = (await client.result(id_command))["Rezult"]["Status"]
                tally.add(AFTER.get(fate, f"found with Rezult.Status {fate}"))
                result, resends = await client.until_done(sale(id_command, total, num))
                assert result is not None
                found[id_command] = result["CheckNumber"]
                tally.add("failed again after a resend", resends)
    finally:
        server.stop()
    return found


async def test_sigkill_at_every_journal_step(tmp_path: Path) -> None:
    rounds = scale(1, 25)
    data = tmp_path / "data"
    tally = Tally(f"server SIGKILL at every journal step ({rounds} round(s) × {len(HELD)} kills)")
    found: dict[str, int] = {}
    states: Counter[str] = Counter()
    batches: list[tuple[str, int, int]] = []
    for serial, fault in enumerate(list(HELD) * rounds):
        batch = kill_at(data, fault, serial, states)
        tally.add("kills")
        found |= await settle(data, batch, tally)
        batches += batch
    final = ServerProcess(data, config=config("")).start()
    try:
        async with httpx.AsyncClient() as http:
            client = Client(http, lambda: final.url)
            for id_command, _, _ in batches:
                answer = await client.result(id_command)
                tally.add("retrievable by GetRezult",
                          answer["Status"] == 0 and answer["Rezult"]["Status"] == 0
                          and answer["Rezult"]["CheckNumber"] == found[id_command])
    finally:
        final.stop()
    for state, count in states.items():
        tally.add(f"killed in state {state}", count)
    expected = {num: {total for _, n, total in batches if n == num} for num in (1, 2)}
    duplicated, lost = duplicates_and_lost(expected, data)
    tally.add("duplicated", duplicated)
    tally.add("lost", lost)
    tally.report()
    assert (duplicated, lost) == (0, 0)
    assert tally.counts["retrievable by GetRezult"] == len(batches) == 3 * len(HELD) * rounds
    assert all(states[f"sent, {where}"] == rounds for where in HELD.values())
    assert states["queued"] == states["done"] == len(HELD) * rounds
