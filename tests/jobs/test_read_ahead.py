"""The status read of a fiscal command overlaps its admission's journal write (DeviceLink)."""

from __future__ import annotations

from typing import Any

import pytest

from openkkm.jobs import link as link_module
from openkkm.jobs.journal import Journal

from .conftest import Harness
from .fakes import sell


def _calls_before_register(calls: list[str]) -> list[str]:
    return calls[:calls.index("register")]


async def test_the_status_is_read_while_the_admission_is_journalled_and_only_once(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    service = await harness.start()
    assert harness.driver is not None
    journalling = False
    real_claim = Journal.claim

    async def claim(self: Journal, *args: Any, **kwargs: Any) -> Any:
        nonlocal journalling
        journalling = True
        try:
            return await real_claim(self, *args, **kwargs)
        finally:
            journalling = False

    monkeypatch.setattr(Journal, "claim", claim)
    seen: list[bool] = []
    real_status = harness.driver.status

    async def status() -> Any:
        seen.append(journalling)
        return await real_status()

    monkeypatch.setattr(harness.driver, "status", status)
    harness.driver.calls.clear()
    answer = await sell(service, "inv-1")
    assert answer.response is not None and answer.response["Status"] == 0
    assert seen == [True]
    assert _calls_before_register(harness.driver.calls) == ["status"]


async def test_a_status_read_ahead_that_is_too_old_is_read_again(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(link_module, "AHEAD_SECONDS", -1.0)
    service = await harness.start()
    assert harness.driver is not None
    harness.driver.calls.clear()
    answer = await sell(service, "inv-1")
    assert answer.response is not None and answer.response["Status"] == 0
    assert _calls_before_register(harness.driver.calls) == ["status", "status"]


async def test_a_failed_read_ahead_too_old_is_not_the_command_s_failure(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(link_module, "AHEAD_SECONDS", -1.0)
    service = await harness.start()
    assert harness.driver is not None
    harness.driver.fail("status", "before", RuntimeError("driver bug"))
    answer = await sell(service, "inv-1")
    assert answer.response is not None and answer.response["Status"] == 0
