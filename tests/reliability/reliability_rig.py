"""Shared pieces of the reliability suite: the short/full switch, counts, receipts, ФН archives."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from openkkm.api.app import create_app
from openkkm.api.kkmserver.render import make_renderer
from openkkm.config import Config
from openkkm.drivers.base import Driver
from openkkm.emulators.fn.drive import FiscalDrive
from openkkm.emulators.fn.persist import StateFile
from openkkm.emulators.fn.setup import state_path
from openkkm.fiscal.types import DocumentType
from openkkm.jobs.service import JobService

ENV = "OPENKKM_RELIABILITY"
SUMMARY: list[str] = []  #: lines printed at the end of the run (see conftest.py)


def mode() -> str:
    """``full`` when the environment asks for the long form, else ``short`` (CI)."""
    return "full" if os.environ.get(ENV, "").strip().lower() == "full" else "short"


def scale(short: int, full: int) -> int:
    """Pick the short or the full figure."""
    return full if mode() == "full" else short


@dataclass
class Tally:
    """Counts of one reliability test; ``report`` prints them and keeps them for the summary."""

    name: str
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, key: str, n: int = 1) -> None:
        """Count ``n`` more of ``key``."""
        self.counts[key] += n

    def report(self) -> str:
        """Record and print the line (pytest shows prints with ``-s``, the summary always)."""
        items = ", ".join(f"{key} {value}" for key, value in sorted(self.counts.items()))
        line = f"{self.name}: {items}"
        SUMMARY.append(line)
        print(line)
        return line


def amount_text(kopecks: int) -> str:
    """Kopecks as the decimal rubles a KkmServer client sends."""
    return str(Decimal(kopecks) / 100)


def sale(id_command: str, kopecks: int, num_device: int = 1, **extra: Any) -> dict[str, Any]:
    """A one-line cash sale of ``kopecks``: the total tells its fiscal document apart."""
    amount = amount_text(kopecks)
    return {
        "Command": "RegisterCheck", "NumDevice": num_device, "IdCommand": id_command,
        "IsFiscalCheck": True, "TypeCheck": 0, "NotPrint": True, "ClientAddress": "client@example.ru",
        "CashierName": "Иванова А.А.",
        "CheckStrings": [{"Register": {"Name": "Хлеб", "Quantity": 1, "Price": amount,
                                       "Amount": amount, "Tax": 22, "SignMethodCalculation": 4,
                                       "SignCalculationObject": 1}}],
        "Cash": amount, **extra,
    }


def receipt_totals(data_dir: Path, num: int) -> Counter[int]:
    """How many receipts of each total (kopecks) device ``num``'s ФН holds (server stopped)."""
    path = state_path(data_dir, num)
    return totals_in(FiscalDrive.load(StateFile(path))) if path.exists() else Counter()


def duplicates_and_lost(expected: dict[int, set[int]], data_dir: Path) -> tuple[int, int]:
    """Receipts beyond one per sent total, and sent totals with no receipt, over all devices."""
    pairs = [against(receipt_totals(data_dir, num), totals) for num, totals in expected.items()]
    return sum(dup for dup, _ in pairs), sum(lost for _, lost in pairs)


def against(found: Counter[int], totals: set[int]) -> tuple[int, int]:
    """Receipts in ``found`` beyond one per total of ``totals``, and totals with none."""
    duplicated = sum(count - (total in totals) for total, count in found.items())
    return duplicated, sum(1 for total in totals if found[total] == 0)


class Client:
    """A KkmServer client as the API asks it to behave: resend on failure, poll while running.

    ``base`` is read before every request, so a restarted server on a new port is followed;
    a request that meets no server is retried after ``pause`` seconds (the same IdCommand makes
    that safe).
    """

    def __init__(self, http: httpx.AsyncClient, base: Callable[[], str], *, poll: float = 0.05,
                 pause: float = 0.05, max_resends: int = 10) -> None:
        self.http = http
        self.base = base
        self.poll = poll
        self.pause = pause
        self.max_resends = max_resends
        self.unreachable = 0  #: requests that met no server (counted across calls)

    async def post(self, body: dict[str, Any], path: str = "/Execute/sync") -> dict[str, Any]:
        """POST until some server answers; its parsed JSON."""
        while True:
            try:
                response = await self.http.post(self.base() + path, json=body, timeout=60)
            except httpx.TransportError:
                self.unreachable += 1
                await asyncio.sleep(self.pause)
                continue
            assert response.status_code != 500, response.text
            return response.json()

    async def result(self, id_command: str) -> dict[str, Any]:
        """``GetRezult``'s whole answer."""
        return await self.post({"Command": "GetRezult", "IdCommand": id_command})

    async def until_done(self, body: dict[str, Any], path: str = "/Execute/sync",
                         ) -> tuple[dict[str, Any] | None, int]:
        """Run ``body`` to a ``Status`` 0 result; that result (None past the resends) and resends."""
        for resends in range(self.max_resends + 1):
            answer = await self.post(body, path)
            if answer["Status"] in (1, 4, 5):
                answer = await self._settled(body["IdCommand"])
            if answer["Status"] == 0:
                return answer, resends
            await asyncio.sleep(self.pause)
        return None, self.max_resends

    async def _settled(self, id_command: str) -> dict[str, Any]:
        """Poll ``GetRezult`` while ``Rezult.Status`` is 1 or 4; the final ``Rezult``."""
        while True:
            found = await self.result(id_command)
            if found["Status"] != 0:
                return found  # not found: the queued command was lost with the process
            rezult = found["Rezult"]
            if rezult["Status"] not in (1, 4):
                return rezult
            await asyncio.sleep(self.poll)


def totals_in(drive: FiscalDrive) -> Counter[int]:
    """How many receipts of each total (kopecks) ``drive`` holds."""
    documents = (drive.document(n) for n in range(1, drive.last_number + 1))
    return Counter(doc.total for doc in documents if doc.type == DocumentType.RECEIPT)


class Bench:
    """The HTTP app over a real JobService in this process, restartable on the same data."""

    def __init__(self, config: Config, drivers: Callable[[], dict[int, Driver]]) -> None:
        self.config = config
        self._drivers = drivers
        self.jobs: JobService | None = None
        self.http: httpx.AsyncClient | None = None
        self.client: Client | None = None

    async def start(self) -> Client:
        """Start the service (recovery and reconciliation run here) and return a client."""
        self.jobs = JobService(self.config, render=make_renderer(self.config),
                               drivers=self._drivers(), backoff=0.01, probe_interval=0.05)
        await self.jobs.start()
        app = create_app(self.config, self.jobs)
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
        self.client = Client(self.http, lambda: "http://openkkm", poll=0.01, pause=0.01)
        return self.client

    async def stop(self) -> None:
        """Stop the service (the journal closes)."""
        if self.http is not None:
            await self.http.aclose()
            self.http = None
        if self.jobs is not None:
            await self.jobs.stop()
            self.jobs = None

    async def restart(self) -> Client:
        """Stop and start again: what a server restart does to the journal."""
        await self.stop()
        return await self.start()


async def retrievable(client: Client, ids: dict[str, int]) -> int:
    """How many of ``ids`` (IdCommand → CheckNumber) ``GetRezult`` answers done, same number."""
    count = 0
    for id_command, number in ids.items():
        found = await client.result(id_command)
        if found["Status"] == 0 and found["Rezult"]["Status"] == 0:
            count += found["Rezult"]["CheckNumber"] == number
    return count
