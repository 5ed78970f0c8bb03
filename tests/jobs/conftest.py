"""Fixtures for the jobs tests: a started JobService over a fake driver in a temporary dir."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from openkkm.jobs.service import JobService

from .fakes import FakeDrive, FakeDriver, Rendered, make_config


class Harness:
    """A JobService with its fake driver, drive and renderer; restartable on the same dir."""

    def __init__(self, data_dir: Path, **device: object) -> None:
        self.data_dir = data_dir
        self.device = device
        self.drive = FakeDrive()
        self.render = Rendered()
        self.expiry = 30.0
        self.start_failures = 0
        self.options: dict[str, float] = {}  # extra JobService keyword options
        self.driver: FakeDriver | None = None
        self.service: JobService | None = None

    async def start(self) -> JobService:
        """Start a new service (a new driver over the same drive)."""
        config = make_config(self.data_dir, expiry=self.expiry, **self.device)
        self.driver = FakeDriver(config.devices[0], self.drive)
        self.driver.start_failures = self.start_failures
        self.service = JobService(config, render=self.render, drivers={1: self.driver},
                                  backoff=0.01, probe_interval=0.02, **self.options)
        await self.service.start()
        return self.service

    async def stop(self) -> None:
        """Stop the running service, if any."""
        if self.service is not None:
            await self.service.stop()
            self.service = None


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    """Yield a harness, stopped after the test."""
    item = Harness(tmp_path)
    yield item
    await item.stop()
