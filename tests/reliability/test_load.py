"""Load: many async receipts from 200 concurrent clients over 4 registers, the server killed midway.

Pools do not exist yet, so the clients spread the receipts over ``NumDevice`` 1–4 themselves
(two ``virtual`` registers held 0.1 s per receipt, as a register's own pace, and two Shtrih
emulators speaking the wire protocol in process).
Halfway through, the server process is killed with SIGKILL and started again on the same data;
every client follows the API's rules (resend on failure with the same IdCommand, poll
``GetRezult`` while running). Afterwards a fresh process answers ``GetRezult`` for every id and
the four ФН archives are read back: exactly one receipt per command.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_server import ServerProcess
from reliability_rig import Client, Tally, duplicates_and_lost, sale, scale

pytestmark = pytest.mark.process

DEVICES = 4
CLIENTS = 200
SLOW = 'faults = "delay_before_commit=0.1"'  #: a register's pace, so commands queue up
CONFIG = "".join(
    f'[[devices]]\nnum = {num}\nkind = "{kind}"\nname = "Касса {num}"\n{url}\n'
    for num, kind, url in ((1, "virtual", SLOW), (2, "virtual", SLOW),
                           (3, "shtrih", 'url = "emulator://shtrih"'),
                           (4, "shtrih", 'url = "emulator://shtrih"')))


class Fleet:
    """The running server and what the clients achieved."""

    def __init__(self, data: Path, total: int) -> None:
        self.server = ServerProcess(data, "--log-level", "warning", config=CONFIG).start()
        self.total = total
        self.pending = list(range(total))
        self.done: dict[int, dict[str, Any]] = {}
        self.failed: list[int] = []
        self.resends = 0
        self.restarted = asyncio.Event()

    def url(self) -> str:
        return self.server.url

    async def client(self, client: Client) -> None:
        """Take commands until none are left."""
        while self.pending:
            index = self.pending.pop()
            body = sale(f"load-{index}", 100 + index, index % DEVICES + 1)
            result, resends = await client.until_done(body, "/Execute/async")
            self.resends += resends
            if result is None:
                self.failed.append(index)
            else:
                self.done[index] = result

    async def restart_midway(self) -> None:
        """SIGKILL the server once a quarter of the commands are done, then start it again."""
        while len(self.done) < self.total // 4:
            await asyncio.sleep(0.05)
        await asyncio.to_thread(self.server.kill)
        self.server = await asyncio.to_thread(self.server.start)
        self.restarted.set()


async def read_back(client: Client, total: int) -> list[dict[str, Any]]:
    """``GetRezult`` of every command, from ``CLIENTS`` clients at a time."""
    found: list[dict[str, Any]] = [{} for _ in range(total)]
    indexes = list(range(total))

    async def reader() -> None:
        while indexes:
            index = indexes.pop()
            found[index] = await client.result(f"load-{index}")
    await asyncio.gather(*(reader() for _ in range(CLIENTS)))
    return found


async def test_async_receipts_from_200_clients_survive_a_server_kill(tmp_path: Path) -> None:
    total = scale(200, 10_000)
    data = tmp_path / "data"
    fleet = Fleet(data, total)
    tally = Tally(f"load ({total} async receipts, {CLIENTS} clients, {DEVICES} registers, "
                  "SIGKILL + restart at a quarter)")
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    try:
        async with httpx.AsyncClient(limits=limits) as http:
            client = Client(http, fleet.url, poll=0.25, pause=0.2)
            restart = asyncio.create_task(fleet.restart_midway())
            await asyncio.gather(*(fleet.client(client) for _ in range(CLIENTS)))
            await restart
            tally.add("requests that met no server", client.unreachable)
        fleet.server.stop()
        # All results retrievable afterwards: from a fresh process, i.e. from the journal.
        fleet.server.start()
        async with httpx.AsyncClient(limits=limits) as http:
            found = await read_back(Client(http, fleet.url), total)
    finally:
        if fleet.server.proc is not None and fleet.server.proc.poll() is None:
            fleet.server.stop()
    retrievable = [i for i, answer in enumerate(found)
                   if answer["Status"] == 0 and answer["Rezult"]["Status"] == 0
                   and answer["Rezult"]["CheckNumber"] == fleet.done[i]["CheckNumber"]]
    expected = {num: {100 + i for i in range(total) if i % DEVICES + 1 == num}
                for num in range(1, DEVICES + 1)}
    duplicated, lost = duplicates_and_lost(expected, data)
    numbers = {(i % DEVICES, fleet.done[i]["CheckNumber"]) for i in fleet.done}
    log = (data / "server.log").read_text(encoding="utf-8")
    tally.add("queued at the kill", log.count("was queued when the server stopped"))
    tally.add("sent at the kill, reconciled", log.count("before the server stopped: reconciling"))
    tally.add("commands", total)
    tally.add("done", len(fleet.done))
    tally.add("resent after a proven failure", fleet.resends)
    tally.add("retrievable by GetRezult", len(retrievable))
    tally.add("duplicated", duplicated)
    tally.add("lost", lost + len(fleet.failed))
    tally.report()
    assert fleet.failed == []
    assert len(fleet.done) == total and len(numbers) == total
    assert (duplicated, lost) == (0, 0)
    assert len(retrievable) == total
