"""``GET /health`` and ``GET /metrics`` over a real JobService with virtual registers."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.routing import Mount

import openkkm.drivers.virtual  # noqa: F401 -- registers the "virtual" kind
from openkkm.api.app import create_app
from openkkm.api.kkmserver.render import make_renderer
from openkkm.api.observability import CommandMetrics, command_label, health_routes
from openkkm.config import Config
from openkkm.drivers.base import Driver
from openkkm.drivers.virtual import VirtualDriver
from openkkm.jobs.service import JobService

NOW = dt.datetime(2026, 11, 24, 12, 0, 0)


class Clock:
    """The simulated ФН's time and the health endpoint's, moved by hand."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Rig:
    client: httpx.AsyncClient
    jobs: JobService
    metrics: CommandMetrics
    clock: Clock

    def driver(self, num: int) -> VirtualDriver:
        driver = self.jobs._workers[num].driver
        assert isinstance(driver, VirtualDriver)
        return driver

    async def scrape(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        response = await self.client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        samples = {}
        for family in text_string_to_metric_families(response.text):
            for sample in family.samples:
                samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        return samples


SALE = {"Command": "RegisterCheck", "NumDevice": 1, "IsFiscalCheck": True, "TypeCheck": 0,
        "CashierName": "Иванова А.А.", "Cash": "10",
        "CheckStrings": [{"Register": {"Name": "Хлеб", "Quantity": 1, "Price": "10",
                                       "Amount": "10", "Tax": 22}}]}


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    """Virtual registers 1 and 2, and 3 configured but switched off."""
    config = Config.model_validate({
        "server": {"data_dir": str(tmp_path)},
        "devices": [{"num": 1, "kind": "virtual", "name": "Касса 1"},
                    {"num": 2, "kind": "virtual", "name": "Касса 2"},
                    {"num": 3, "kind": "virtual", "name": "Резерв", "enabled": False}]})
    clock = Clock()
    drivers: dict[int, Driver] = {
        item.num: VirtualDriver(item, data_dir=str(tmp_path), clock=clock)
        for item in config.devices if item.enabled}
    jobs = JobService(config, render=make_renderer(config), drivers=drivers, backoff=0.01)
    await jobs.start()
    metrics = CommandMetrics()
    app = Starlette(routes=[
        *health_routes(jobs, metrics=metrics, queue_depth=lambda num: (
            jobs._workers[num].depth if num in jobs._workers else None),
                       clock=clock),
        Mount("/", app=create_app(config, jobs))])
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
    yield Rig(client, jobs, metrics, clock)
    await client.aclose()
    await jobs.stop()


def label(num: int, name: str) -> tuple[tuple[str, str], ...]:
    return (("device", str(num)), ("unit_name", name))


async def test_health_reports_each_device_from_what_the_register_said(rig: Rig) -> None:
    answer = (await rig.client.post("/Execute/sync", json=SALE | {"IdCommand": "h-1"})).json()
    assert answer["Status"] == 0, answer
    rig.clock.now = NOW + dt.timedelta(hours=5)
    info = await rig.driver(1).info()
    assert info.ofd_unsent > 0 and info.ofd_oldest_unsent is not None
    await rig.client.post("/Execute/sync", json={"Command": "GetDataKKT", "NumDevice": 1,
                                                 "IdCommand": "h-2"})
    response = await rig.client.get("/health")
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok"
    first, second, spare = report["devices"]
    assert (first["num_device"], first["unit_name"], first["online"]) == (1, "Касса 1", True)
    assert first["shift"] == "open" and first["shift_number"] == 1
    assert first["fn_number"] == info.registration.fn_number
    assert first["fn_days_left"] == rig.driver(1).drive.key_days_left() > 0
    assert first["ofd_unsent"] == info.ofd_unsent
    assert first["ofd_oldest_unsent"] == info.ofd_oldest_unsent.isoformat()
    age = (rig.clock.now - info.ofd_oldest_unsent).total_seconds()
    assert first["ofd_oldest_unsent_age_seconds"] == age >= 5 * 3600
    assert first["queue_depth"] == 0 and first["last_error"] == ""
    assert second["shift"] == "closed" and second["online"]
    assert spare["enabled"] is False and spare["online"] is False and spare["shift"] is None


async def test_health_is_503_while_a_switched_on_device_is_offline(rig: Rig) -> None:
    driver = rig.driver(2)
    await driver.stop()  # the register is unplugged: the next command finds the link gone
    answer = (await rig.client.post("/Execute/sync", json=SALE | {"NumDevice": 2,
                                                                  "IdCommand": "h-3"})).json()
    assert answer["Status"] == 2
    response = await rig.client.get("/health")
    assert response.status_code == 503
    report = response.json()
    assert report["status"] == "degraded"
    second = report["devices"][1]
    assert second["online"] is False and second["last_error"]
    head = await rig.client.head("/health")
    assert head.status_code == 503 and head.content == b""


async def test_metrics_expose_devices_and_the_commands_counted(rig: Rig) -> None:
    answer = (await rig.client.post("/Execute/sync", json=SALE | {"IdCommand": "m-1"})).json()
    rig.metrics.observe("RegisterCheck", answer["Status"], 1, 0.2)
    rig.metrics.observe("RegisterCheck", 2, 1, 3.0)
    rig.metrics.observe("DropTable;--", 2, 0, 0.001)
    rig.metrics.reconciled(1, "done")
    samples = await rig.scrape()
    assert samples[("openkkm_commands_total", (("command", "RegisterCheck"), ("device", "1"),
                                               ("status", "0")))] == 1
    assert samples[("openkkm_commands_total", (("command", "RegisterCheck"), ("device", "1"),
                                               ("status", "2")))] == 1
    assert samples[("openkkm_commands_total", (("command", "unknown"), ("device", "0"),
                                               ("status", "2")))] == 1
    assert samples[("openkkm_command_seconds_count", (("device", "1"),))] == 2
    assert samples[("openkkm_command_seconds_bucket", (("device", "1"), ("le", "0.25")))] == 1
    assert samples[("openkkm_command_seconds_sum", (("device", "1"),))] == pytest.approx(3.2)
    assert samples[("openkkm_reconciliations_total", (("device", "1"), ("outcome", "done")))] == 1
    assert samples[("openkkm_device_online", label(1, "Касса 1"))] == 1
    assert samples[("openkkm_device_online", label(3, "Резерв"))] == 0
    assert samples[("openkkm_device_enabled", label(3, "Резерв"))] == 0
    assert samples[("openkkm_queue_depth", label(2, "Касса 2"))] == 0
    days = rig.driver(1).drive.key_days_left()
    assert samples[("openkkm_fn_days_left", label(1, "Касса 1"))] == days
    info = rig.jobs.devices()[0].info
    assert info is not None
    assert samples[("openkkm_ofd_unsent_documents", label(1, "Касса 1"))] == info.ofd_unsent
    assert samples[("openkkm_shift_state", label(2, "Касса 2"))] == 1
    assert samples[("process_resident_memory_bytes", ())] > 0


def test_command_labels_are_bounded_to_known_names() -> None:
    assert command_label("RegisterCheck") == "RegisterCheck"
    assert command_label("registercheck") == "unknown"
    assert command_label("x" * 500) == "unknown"
    assert command_label("") == "unknown"
