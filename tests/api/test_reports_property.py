"""Property, end to end: after random receipts sent as RegisterCheck, GetCounters shows their
sums to the kopeck — totals, payment kinds and VAT per rate (22, 10, 5, 7, 0 %, none)."""

from __future__ import annotations

import asyncio
import tempfile
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import openkkm.drivers.virtual  # noqa: F401 -- registers the "virtual" kind
from openkkm.api.app import create_app
from openkkm.api.kkmserver.render import make_renderer
from openkkm.config import Config
from openkkm.jobs.service import JobService

TAXES = (22, 10, 5, 7, 0, -1)
TAX_FIELD = {22: "Tax22", 10: "Tax10", 5: "Tax5", 7: "Tax7", 0: "Tax0", -1: "TaxNo"}
RECEIPT_TYPE = {0: "Shell", 1: "ShellReturn", 10: "Buy", 11: "BuyReturn"}

lines = st.lists(st.tuples(st.sampled_from(TAXES), st.integers(1, 1_000_000)),
                 min_size=1, max_size=4)
receipts = st.lists(st.tuples(st.sampled_from(list(RECEIPT_TYPE)), lines, st.booleans()),
                    min_size=1, max_size=5)


def tax(kopecks: int, percent: int) -> int:
    """VAT inside ``kopecks`` at ``percent``, half up."""
    return int((Decimal(kopecks) * percent / (100 + percent)).quantize(Decimal(1), ROUND_HALF_UP))


def rubles(kopecks: int) -> Decimal:
    """Kopecks as a ruble decimal."""
    return Decimal(kopecks) / 100


async def scenario(batch: list[tuple[int, list[tuple[int, int]], bool]], data_dir: Path) -> None:
    """Register ``batch`` through the HTTP app and compare GetCounters with the sums."""
    config = Config.model_validate({"server": {"data_dir": str(data_dir)},
                                    "devices": [{"num": 1, "kind": "virtual"}]})
    jobs = JobService(config, render=make_renderer(config))
    await jobs.start()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(config, jobs)),
                               base_url="http://testserver")
    expected: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    try:
        for number, (type_check, sold, by_cash) in enumerate(batch):
            total = sum(amount for _tax, amount in sold)
            strings = [{"Register": {"Name": f"Товар {n}", "Quantity": 1,
                                     "Price": str(rubles(amount)), "Amount": str(rubles(amount)),
                                     "Tax": rate}} for n, (rate, amount) in enumerate(sold)]
            body: dict[str, Any] = {
                "Command": "RegisterCheck", "IdCommand": f"p-{number}", "IsFiscalCheck": True,
                "TypeCheck": type_check,
                "CashierName": "Иванова А.А.", "CheckStrings": strings,
                "Cash" if by_cash else "ElectronicPayment": str(rubles(total))}
            answer = (await client.post("/Execute/sync", json=body)).json()
            assert answer["Status"] == 0 and answer["CheckNumber"] > 0, answer
            sums = expected[RECEIPT_TYPE[type_check]]
            sums["Count"] += 1
            sums["Sum"] += total
            sums["Cash" if by_cash else "ElectronicPayment"] += total
            per_rate: dict[int, int] = defaultdict(int)
            for rate, amount in sold:
                per_rate[rate] += amount
            for rate, amount in per_rate.items():
                sums[TAX_FIELD[rate]] += amount if rate <= 0 else tax(amount, rate)
        counters = (await client.post("/Execute/sync", json={"Command": "GetCounters"})).json()
        for entry in counters["Counters"]:
            sums = expected[entry["ReceiptType"]]
            for field in ("Count", "Sum", "Cash", "ElectronicPayment", *TAX_FIELD.values()):
                want = sums[field] if field == "Count" else rubles(sums[field])
                assert Decimal(str(entry[field])) == want, (field, entry, sums)
    finally:
        await client.aclose()
        await jobs.stop()


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(receipts)
def test_get_counters_equals_the_registered_receipts(
        batch: list[tuple[int, list[tuple[int, int]], bool]]) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        asyncio.run(scenario(batch, Path(data_dir)))
