"""Fuzzing: random and mutated requests never crash the server; garbage from a device is an error.

The server is the real one (HTTP edge, dispatcher, journal, worker) over a virtual register
(or an emulated Shtrih one for the device's garbage), on one event loop kept across examples.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_rig import Bench, Client, Tally, sale, scale
from shtrih_rig import Babbler, shtrih_bench

import openkkm.drivers.virtual  # noqa: F401 -- registers the "virtual" kind
from openkkm.api.kkmserver.commands import COMMANDS
from openkkm.config import Config
from openkkm.drivers.base import Driver
from openkkm.drivers.virtual import VirtualDriver

EXAMPLES = scale(60, 2000)
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
#: Read-only and receipt commands: random bodies for these may run, harmlessly, on the register.
SAFE = sorted(name for name in COMMANDS if name not in (
    "KkmRegOfd", "CloseShift", "ZReport", "OnOffUnut", "SetSettingsServer", "SetDeviceSettings",
    "DoAdditionalAction"))
#: Typed fields of a sale line or the receipt, where a value of the wrong shape must be refused.
TYPED = ("Price", "Quantity", "Amount", "Tax", "SignMethodCalculation", "SignCalculationObject")
RECEIPT_TYPED = ("Cash", "ElectronicPayment", "TypeCheck", "IsFiscalCheck", "CheckStrings")

scalars = st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.text(max_size=20) | \
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                           max_leaves=12)
#: Values no lenient reading makes a number or a flag (a blank string is "absent", API.md §2.3).
wrong_shape = st.lists(scalars, min_size=1, max_size=3) | st.dictionaries(
    st.text(max_size=5), scalars, min_size=1, max_size=3) | st.text(
    alphabet="абвxyz!@# ", min_size=1, max_size=8).filter(str.strip)


class Live:
    """A started server and a client on one event loop, reused by every example."""

    def __init__(self, runner: asyncio.Runner, bench: Bench, client: Client) -> None:
        self.runner = runner
        self.bench = bench
        self.client = client
        self.tally = Tally(f"fuzzing ({EXAMPLES} examples per property)")

    def post(self, kind: str, body: object) -> dict[str, Any]:
        """POST any JSON body; the answer's JSON (the client asserts it is not a 500)."""
        answer = self.runner.run(self.client.post(body))  # type: ignore[arg-type]
        self.tally.add(f"{kind}: Status {answer['Status']}")
        return answer


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    data: Path = tmp_path_factory.mktemp("fuzz")
    config = Config.model_validate({"server": {"data_dir": str(data)},
                                    "devices": [{"num": 1, "kind": "virtual", "name": "Касса 1"}]})

    def drivers() -> dict[int, Driver]:
        return {1: VirtualDriver(config.devices[0], data_dir=str(data))}

    with asyncio.Runner() as runner:
        bench = Bench(config, drivers)
        client = runner.run(bench.start())
        item = Live(runner, bench, client)
        yield item
        runner.run(bench.stop())
    item.tally.add("HTTP 500", 0)
    item.tally.report()


@SETTINGS
@given(command=st.sampled_from(SAFE) | st.text(max_size=12),
       fields=st.dictionaries(st.text(max_size=16) | st.sampled_from(
           ["NumDevice", "IdCommand", "Timeout", "CheckStrings", "Cash", "TypeCheck", "InnKkm",
            "Amount", "CashierName", "IsFiscalCheck", "NotPrint"]), json_values, max_size=8))
def test_random_requests_never_fail_the_server(live: Live, command: str,
                                               fields: dict[str, Any]) -> None:
    answer = live.post("random request", {"Command": command, "Timeout": 1, **fields} | {"Command": command})
    assert isinstance(answer["Status"], int) and 0 <= answer["Status"] <= 5, answer
    assert "Внутренняя ошибка" not in answer.get("Error", ""), answer


@SETTINGS
@given(field=st.sampled_from(TYPED + RECEIPT_TYPED), value=wrong_shape)
def test_a_mutated_receipt_is_refused_naming_the_field(live: Live, field: str, value: Any) -> None:
    body = sale("fuzz", 100)
    body.pop("IdCommand")
    if field in TYPED:
        body["CheckStrings"][0]["Register"][field] = value
    else:
        body[field] = value
    answer = live.post("mutated receipt", body)
    if answer["Status"] == 0:  # KkmServer's lenient types accepted it: a real receipt
        return
    assert answer["Status"] == 2, answer
    assert field in answer["Error"], answer


class Babbling:
    """A server over an emulated Shtrih register that can be switched to answering garbage."""

    def __init__(self, runner: asyncio.Runner, bench: Bench, client: Client,
                 babbler: Babbler) -> None:
        self.runner = runner
        self.bench = bench
        self.client = client
        self.babbler = babbler
        self.serial = 0
        self.tally = Tally(f"garbage from a Shtrih register ({GARBAGE_EXAMPLES} examples)")


GARBAGE_EXAMPLES = scale(8, 300)


@pytest.fixture(scope="module")
def babbling(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Babbling]:
    babbler = Babbler()
    bench, _, _ = shtrih_bench(tmp_path_factory.mktemp("babble"), babbler)
    with asyncio.Runner() as runner:
        client = runner.run(bench.start())
        item = Babbling(runner, bench, client, babbler)
        yield item
        runner.run(bench.stop())
    item.tally.report()


@settings(max_examples=GARBAGE_EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(garbage=st.binary(min_size=1, max_size=48))
def test_garbage_from_the_device_is_an_error_and_the_worker_lives_on(
        babbling: Babbling, garbage: bytes) -> None:
    async def scenario() -> tuple[dict[str, Any], dict[str, Any] | None]:
        await babbling.babbler.set(garbage)
        refused = await babbling.client.post({"Command": "GetDataKKT", "NumDevice": 1})
        await babbling.babbler.set(None)
        babbling.serial += 1
        done, _ = await babbling.client.until_done(
            sale(f"after-garbage-{babbling.serial}", 100 + babbling.serial))
        return refused, done

    refused, done = babbling.runner.run(scenario())
    babbling.tally.add(f"while babbling: Status {refused['Status']}")
    assert refused["Status"] == 2 and refused["Error"], refused
    assert "Внутренняя ошибка" not in refused["Error"], refused
    assert done is not None and done["Status"] == 0
    babbling.tally.add("receipts done after it")
