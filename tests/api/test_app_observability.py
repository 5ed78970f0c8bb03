"""The served app exposes /health and /metrics, fed by real commands and reconciliations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.emulated_server import served_app
from openkkm.config import Config


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    config = Config.model_validate({"server": {"data_dir": str(tmp_path)}, "devices": [
        {"num": 1, "kind": "virtual", "name": "Касса 1", "faults": "lose_reply_after_commit*1"}]})
    async with served_app(config) as (http, _devices):
        yield http


def sale(id_command: str) -> dict[str, object]:
    return {"Command": "RegisterCheck", "NumDevice": 1, "IsFiscalCheck": True, "IdCommand": id_command,
            "CashierName": "Иванова", "Cash": 10,
            "CheckStrings": [{"Register": {"Name": "Хлеб", "Quantity": 1, "Price": 10, "Amount": 10, "Tax": 22,
                                           "SignMethodCalculation": 4, "SignCalculationObject": 1}}]}


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one Prometheus sample (labels in any order)."""
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} {labels} not in the scrape")


async def test_metrics_count_commands_and_the_reconciliation_of_a_lost_answer(
        client: httpx.AsyncClient) -> None:
    first = (await client.post("/Execute/sync", json=sale("m-1"))).json()
    assert first["Status"] == 0, "the lost answer was reconciled into the real receipt"
    assert (await client.post("/Execute/sync", json={"Command": "MakeCoffee"})).status_code == 501
    scrape = (await client.get("/metrics")).text
    assert sample(scrape, "openkkm_commands_total", command="RegisterCheck", status="0", device="1") == 1
    assert sample(scrape, "openkkm_commands_total", command="unknown", status="2") == 1
    assert sample(scrape, "openkkm_reconciliations_total", device="1", outcome="done") == 1
    assert sample(scrape, "openkkm_command_seconds_count", device="1") == 1


async def test_health_reports_each_device(client: httpx.AsyncClient) -> None:
    answer = await client.get("/health")
    assert answer.status_code == 200
    [device] = answer.json()["devices"]
    assert device["online"] is True and len(device["fn_number"]) == 16
