"""Pools in the job service: round robin, blocking and probing, selection, no move after sent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from openkkm.config import Config
from openkkm.drivers.virtual import VirtualDriver
from openkkm.errors import ConfigError, NotFoundError
from openkkm.fiscal.types import DocumentType
from openkkm.jobs.devices import Selection
from openkkm.jobs.operations import RegisterReceipt
from openkkm.jobs.service import JobService

from .fakes import FakeDriver, Rendered, receipt

POOL = 10
TO_POOL = Selection(num_device=POOL)


def pool_config(data_dir: Path, faults: dict[int, str] | None = None,
                inns: dict[int, str] | None = None) -> Config:
    """Three virtual registers 1-3 in pool 10."""
    devices = [{"num": num, "kind": "virtual", "name": f"Касса {num}",
                "faults": (faults or {}).get(num, ""),
                "inn": (inns or {}).get(num, "7700000009")} for num in (1, 2, 3)]
    return Config.model_validate({"server": {"data_dir": str(data_dir)}, "devices": devices,
                                  "pools": [{"num": POOL, "members": [1, 2, 3], "name": "Зал"}]})


class Rig:
    """A started service over the pool's three virtual registers."""

    def __init__(self, service: JobService, drivers: dict[int, VirtualDriver]) -> None:
        self.service = service
        self.drivers = drivers

    async def submit(self, id_command: str,
                     selection: Selection = TO_POOL) -> dict[str, object]:
        """Register a sale through ``selection``; the answer."""
        answer = await self.service.submit(
            id_command=id_command, command="RegisterCheck", request={"Total": 10_000},
            body_hash="sale", device=self.service.select(selection),
            operation=RegisterReceipt(receipt(10_000)), wait=None)
        assert answer.response is not None
        return answer.response

    async def sell(self, id_command: str,
                   selection: Selection = TO_POOL) -> int:
        """Register a sale through ``selection``; the member that ran it (Status 0 asserted)."""
        response = await self.submit(id_command, selection)
        assert response["Status"] == 0, response
        return int(response["NumDevice"])  # type: ignore[call-overload]

    async def receipts(self) -> dict[int, int]:
        """How many receipts each member's ФН holds."""
        counts = {}
        for num, driver in self.drivers.items():
            last = (await driver.status()).last_document
            documents = [await driver.read_document(n) for n in range(1, last + 1)]
            counts[num] = sum(1 for d in documents if d and d.type is DocumentType.RECEIPT)
        return counts


@pytest.fixture
async def make_rig(tmp_path: Path) -> AsyncIterator[object]:
    """Build and start a rig; stopped after the test."""
    rigs: list[Rig] = []

    async def make(probe_interval: float = 3600.0, **kwargs: object) -> Rig:
        config = pool_config(tmp_path, **kwargs)  # type: ignore[arg-type]
        drivers = {d.num: VirtualDriver(d, data_dir=str(tmp_path)) for d in config.devices}
        service = JobService(config, render=Rendered(), drivers=dict(drivers), backoff=0.01,
                             probe_interval=probe_interval)
        await service.start()
        rigs.append(Rig(service, drivers))
        return rigs[-1]

    yield make
    for rig in rigs:
        await rig.service.stop()


async def test_commands_to_a_pool_go_round_robin(make_rig) -> None:
    rig = await make_rig()
    members = [await rig.sell(f"rr-{n}") for n in range(6)]
    assert members == [1, 2, 3, 1, 2, 3]
    assert await rig.receipts() == {1: 2, 2: 2, 3: 2}


async def test_a_failing_member_is_passed_over(make_rig) -> None:
    rig = await make_rig(faults={2: "fail_before_commit*1"})
    assert await rig.sell("a") == 1
    failed = await rig.submit("b")  # member 2 loses its link before the ФН commit
    assert (failed["Status"], failed["NumDevice"]) == (2, 2)
    assert not rig.service.devices()[1].healthy
    assert [await rig.sell(f"c{n}") for n in range(4)] == [3, 1, 3, 1]
    assert await rig.receipts() == {1: 3, 2: 0, 3: 2}


async def test_the_probe_brings_a_failed_member_back(make_rig) -> None:
    rig = await make_rig(faults={2: "fail_before_commit*1"}, probe_interval=0.02)
    assert await rig.sell("a") == 1
    assert (await rig.submit("b"))["Status"] == 2
    handle = rig.service.devices()[1]
    while not handle.healthy:  # the idle probe reconnects it (the test timeout bounds this)
        await asyncio.sleep(0.01)
    assert [await rig.sell(f"d{n}") for n in range(3)] == [3, 1, 2]
    assert await rig.receipts() == {1: 2, 2: 1, 3: 1}


async def test_lost_answer_is_reconciled_on_the_same_member(make_rig) -> None:
    rig = await make_rig(faults={2: "lose_reply_after_commit*1"})
    assert await rig.sell("first") == 1
    assert await rig.sell("lost") == 2  # the answer was lost; the ФН of member 2 has it
    assert await rig.receipts() == {1: 1, 2: 1, 3: 0}
    answer = await rig.service.result("lost")
    assert answer is not None and answer.num_device == 2


async def test_blocked_member_is_skipped_until_it_answers(make_rig) -> None:
    rig = await make_rig(probe_interval=0.02)
    handle = rig.service.devices()[1]
    handle.blocked = True
    assert rig.service.select(Selection(num_device=POOL)).num == 1
    assert rig.service.select(Selection(num_device=POOL)).num == 3
    rig.service._workers[2]._wakeup.set()  # the idle worker notices the block and probes
    while handle.blocked:  # the status answers without paper out
        await asyncio.sleep(0.01)
    assert [await rig.sell(f"y{n}") for n in range(3)] == [1, 2, 3]


async def test_pool_selection_applies_inn_and_device_zero(make_rig) -> None:
    rig = await make_rig(inns={3: "7707083893"})
    assert await rig.sell("inn", Selection(num_device=POOL, inn="7707083893")) == 3
    assert await rig.sell("inn0", Selection(inn="7707083893")) == 3
    assert await rig.sell("any", Selection()) in (1, 2)
    with pytest.raises(NotFoundError) as caught:
        rig.service.select(Selection(num_device=POOL, inn="500100732259"))
    assert "В пуле 10 «Зал» нет включенной ККТ" in caught.value.ru


async def test_no_healthy_member_is_refused_naming_each(make_rig) -> None:
    rig = await make_rig()
    for handle in rig.service.devices():
        handle.online = False
    with pytest.raises(NotFoundError) as caught:
        rig.service.select(Selection(num_device=POOL))
    assert "1: нет связи" in caught.value.ru and "3: нет связи" in caught.value.ru


@pytest.mark.parametrize(("pools", "error"), [
    ([{"num": 1, "members": [2]}], "already a device number"),
    ([{"num": 10, "members": [1, 7]}], "members [7] are not configured"),
    ([{"num": 10, "members": [1]}, {"num": 11, "members": [10]}], "no nesting"),
    ([{"num": 10, "members": [1]}, {"num": 10, "members": [2]}], "repeated"),
    ([{"num": 10, "members": []}], "at least 1"),
])
def test_pool_config_is_validated(tmp_path: Path, pools: list[dict[str, object]],
                                  error: str) -> None:
    from openkkm.config import load
    text = "".join(f'[[devices]]\nnum = {n}\nkind = "virtual"\n' for n in (1, 2))
    for pool in pools:
        text += f"[[pools]]\nnum = {pool['num']}\nmembers = {pool['members']}\n"
    path = tmp_path / "openkkm.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=error.replace("[", r"\[").replace("]", r"\]")):
        load(path)


async def test_an_idle_member_whose_link_drops_is_passed_over(tmp_path: Path) -> None:
    config = Config.model_validate({
        "server": {"data_dir": str(tmp_path)},
        "devices": [{"num": 1, "name": "Касса 1"}, {"num": 2, "name": "Касса 2"}],
        "pools": [{"num": POOL, "members": [1, 2]}]})
    drivers = {d.num: FakeDriver(d) for d in config.devices}
    service = JobService(config, render=Rendered(), drivers=dict(drivers), backoff=0.01,
                         probe_interval=0.01)
    await service.start()
    try:
        first = service.devices()[0]
        drivers[1].reachable = False  # no command is sent to it: the idle probe finds out
        while first.online:
            await asyncio.sleep(0.01)
        assert [service.select(TO_POOL).num for _ in range(3)] == [2, 2, 2]
        drivers[1].reachable = True
        while not first.healthy:
            await asyncio.sleep(0.01)
        assert {service.select(TO_POOL).num for _ in range(2)} == {1, 2}
    finally:
        await service.stop()


async def test_a_busy_member_is_passed_over_for_a_free_one(make_rig) -> None:
    rig = await make_rig()
    assert rig.service.select(TO_POOL).num == 1
    rig.service.devices()[1].busy = True  # member 2 is running a command
    assert rig.service.select(TO_POOL).num == 3
    assert rig.service.select(TO_POOL).num == 1
    rig.service.devices()[1].busy = False
    assert rig.service.select(TO_POOL).num == 2
