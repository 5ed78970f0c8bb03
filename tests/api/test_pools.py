"""Pools through the HTTP API: answers name the member, List shows the pool and its health."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.virtual_server import ADMIN, USER, Server, check, line
from openkkm.api.app import create_app
from openkkm.api.kkmserver.render import make_renderer
from openkkm.config import Config
from openkkm.fiscal.types import DocumentType
from openkkm.jobs.service import JobService

POOL = 10
MakePool = Callable[..., Any]


@pytest.fixture
async def make_pool(tmp_path: Path) -> AsyncIterator[MakePool]:
    """Start a server with virtual registers 1-3 in pool 10; ``faults``/``inns`` by member."""
    started: list[tuple[httpx.AsyncClient, JobService]] = []

    async def make(faults: dict[int, str] | None = None,
                   inns: dict[int, str] | None = None) -> Server:
        devices = [{"num": num, "kind": "virtual", "name": f"Касса {num}",
                    "faults": (faults or {}).get(num, ""),
                    "inn": (inns or {}).get(num, "7700000009")} for num in (1, 2, 3)]
        config = Config.model_validate({
            "server": {"data_dir": str(tmp_path)},
            "users": [{"name": USER[0], "password": USER[1]},
                      {"name": ADMIN[0], "password": ADMIN[1], "admin": True}],
            "devices": devices,
            "pools": [{"num": POOL, "members": [1, 2, 3], "name": "Торговый зал"}]})
        jobs = JobService(config, render=make_renderer(config), backoff=0.01,
                          probe_interval=3600)
        await jobs.start()
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(config, jobs)),
                                   base_url="http://testserver")
        started.append((client, jobs))
        return Server(client, jobs, None)

    yield make
    for client, jobs in started:
        await client.aclose()
        await jobs.stop()


SALE = check([line("Хлеб", "60")], electronic="60")


async def receipts(server: Server, num: int) -> int:
    """How many receipts the ФН of member ``num`` holds."""
    driver = server.driver(num)
    last = (await driver.status()).last_document
    documents = [await driver.read_document(n) for n in range(1, last + 1)]
    return sum(1 for doc in documents if doc and doc.type is DocumentType.RECEIPT)


async def test_receipts_to_the_pool_cycle_its_members(make_pool: MakePool) -> None:
    server = await make_pool()
    answers = [await server.run("RegisterCheck", NumDevice=POOL, **SALE) for _ in range(4)]
    assert [a["Status"] for a in answers] == [0] * 4, answers
    assert [(a["NumDevice"], a["UnitName"]) for a in answers] == [
        (1, "Касса 1"), (2, "Касса 2"), (3, "Касса 3"), (1, "Касса 1")]
    assert [await receipts(server, num) for num in (1, 2, 3)] == [2, 1, 1]


async def test_lost_answer_on_a_member_is_reconciled_there(make_pool: MakePool) -> None:
    server = await make_pool(faults={2: "lose_reply_after_commit*1"})
    first = await server.run("RegisterCheck", NumDevice=POOL, **SALE)
    lost = await server.run("RegisterCheck", NumDevice=POOL, IdCommand="pool-lost", **SALE)
    assert (first["NumDevice"], lost["NumDevice"], lost["Status"]) == (1, 2, 0), lost
    again = await server.run("RegisterCheck", NumDevice=POOL, IdCommand="pool-lost", **SALE)
    assert again["NumDevice"] == 2 and again["CheckNumber"] == lost["CheckNumber"]
    assert [await receipts(server, num) for num in (1, 2, 3)] == [1, 1, 0]


async def test_failed_member_is_blocked_and_listed(make_pool: MakePool) -> None:
    server = await make_pool(faults={3: "fail_before_commit*1"})
    nums = [(await server.run("RegisterCheck", NumDevice=POOL, **SALE))["NumDevice"]
            for _ in range(3)]
    assert nums == [1, 2, 3]
    assert [(await server.run("RegisterCheck", NumDevice=POOL, **SALE))["NumDevice"]
            for _ in range(3)] == [1, 2, 1]
    units = (await server.run("List", NumDevice=0))["ListUnit"]
    assert [unit["NumDevice"] for unit in units] == [1, 2, 3, POOL]
    pool = units[-1]
    assert (pool["UnitName"], pool["TypeDevice"], pool["Active"]) == ("Торговый зал", "Пул ККТ",
                                                                       True)
    health = {m["NumDevice"]: (m["Healthy"], m["State"]) for m in pool["PoolMembers"]}
    assert health[1] == (True, "исправна") and health[2] == (True, "исправна")
    assert health[3][0] is False and health[3][1] in ("нет связи", "заблокирована до проверки")
    only = (await server.run("List", NumDevice=POOL))["ListUnit"]
    assert [unit["NumDevice"] for unit in only] == [POOL]
    assert [u["NumDevice"] for u in (await server.run("List", NumDevice=0, InnKkm="7700000009"))[
        "ListUnit"]] == [1, 2, 3]


async def test_device_zero_and_inn_select_among_all_registers(make_pool: MakePool) -> None:
    server = await make_pool(inns={2: "7707083893"})
    by_inn = await server.run("RegisterCheck", NumDevice=0, InnKkm="7707083893", **SALE)
    assert by_inn["Status"] == 0 and by_inn["NumDevice"] == 2, by_inn
    in_pool = await server.run("RegisterCheck", NumDevice=POOL, InnKkm="7707083893", **SALE)
    assert in_pool["NumDevice"] == 2
    refused = await server.run("RegisterCheck", NumDevice=POOL, InnKkm="500100732259", **SALE)
    assert refused["Status"] == 3 and "В пуле 10" in refused["Error"], refused
