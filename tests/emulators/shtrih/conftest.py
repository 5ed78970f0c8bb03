"""Leak check for the Shtrih emulator tests: no asyncio task may outlive its test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest


@pytest.fixture(autouse=True)
async def no_leaked_tasks() -> AsyncIterator[None]:
    """Fail a test that leaves tasks running on its event loop."""
    before = asyncio.all_tasks()
    yield
    await asyncio.sleep(0)
    current = asyncio.current_task()
    leaked = [
        t for t in asyncio.all_tasks() - before if t is not current and not t.done()
    ]
    assert not leaked, f"leaked tasks: {leaked}"
