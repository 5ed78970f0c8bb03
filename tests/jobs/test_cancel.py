"""CancelCommand (API.md §4.4): a running command stops only where nothing of it was sent."""

from __future__ import annotations

import asyncio

import pytest

from openkkm.errors import NotFoundError
from openkkm.fiscal.types import DocumentType

from .conftest import Harness
from .fakes import sell


async def until_called(calls: list[str], method: str, before: int) -> None:
    """Wait until the fake driver was called ``method`` more than ``before`` times."""
    while calls.count(method) <= before:
        await asyncio.sleep(0.005)


async def test_a_command_cancelled_before_its_step_sends_nothing(harness: Harness) -> None:
    service = await harness.start()
    driver = harness.driver
    assert driver is not None
    driver.gate, driver.gate_only = asyncio.Event(), "status"  # the worker's status read waits
    before = driver.calls.count("status")
    selling = asyncio.create_task(sell(service, "c-1"))
    await until_called(driver.calls, "status", before)
    assert service.cancel_running(1) is True
    driver.gate.set()
    answer = await selling
    assert answer.response is not None and answer.response["Status"] == 2
    assert "Команда отменена" in answer.response["Error"]
    assert harness.drive.of_type(DocumentType.RECEIPT) == []
    assert "register" not in driver.calls
    driver.gate = None
    again = await sell(service, "c-1")  # a cancelled command is a failed one: it runs again
    assert again.response is not None and again.response["Status"] == 0
    assert len(harness.drive.of_type(DocumentType.RECEIPT)) == 1


async def test_a_receipt_already_sent_is_completed_not_abandoned(harness: Harness) -> None:
    service = await harness.start()
    driver = harness.driver
    assert driver is not None
    driver.gate, driver.gate_only = asyncio.Event(), "register"
    selling = asyncio.create_task(sell(service, "c-2"))
    await until_called(driver.calls, "register", 0)
    assert service.cancel_running(0) is True  # every device's running command
    driver.gate.set()
    answer = await selling
    assert answer.response is not None and answer.response["Status"] == 0
    assert len(harness.drive.of_type(DocumentType.RECEIPT)) == 1


async def test_nothing_running_and_unknown_devices(harness: Harness) -> None:
    service = await harness.start()
    assert service.cancel_running(1) is False
    with pytest.raises(NotFoundError):
        service.cancel_running(9)
