"""Fixtures of the ATOL driver tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from atol_bench import Bench


@pytest.fixture
async def bench(tmp_path: Path) -> AsyncIterator[Bench]:
    """A started driver on a fresh emulator."""
    bench = Bench(tmp_path)
    await bench.driver.start()
    yield bench
    await bench.close()
