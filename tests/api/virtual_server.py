"""A server over the real JobService and virtual registers, driven through httpx in process."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

import openkkm.drivers.virtual  # noqa: F401 -- registers the "virtual" kind
from openkkm.api.app import create_app
from openkkm.api.kkmserver.render import make_renderer
from openkkm.config import Config
from openkkm.drivers.base import Driver
from openkkm.drivers.virtual import VirtualDriver
from openkkm.emulators.fn.drive import Clock
from openkkm.jobs.service import JobService

_IDS = itertools.count(1)
USER = ("kassir", "user-password")
ADMIN = ("admin", "admin-password")


class Server:
    """A client over the app, and the service behind it."""

    def __init__(self, client: httpx.AsyncClient, jobs: JobService, app: Any) -> None:
        self.client = client
        self.jobs = jobs
        self.app = app

    async def run(self, command: str, *, admin: bool = False, **fields: Any) -> dict[str, Any]:
        """POST a command with a fresh IdCommand as the user (or admin); the parsed answer."""
        body = {"Command": command, "NumDevice": 1, "IdCommand": f"t-{next(_IDS)}", **fields}
        auth = ADMIN if admin else USER
        response = await self.client.post("/Execute/sync", json=body, auth=auth)
        assert response.status_code == 200, response.text
        return response.json()

    def driver(self, num: int = 1) -> VirtualDriver:
        """The virtual driver of device ``num``."""
        driver = self.jobs._workers[num].driver
        assert isinstance(driver, VirtualDriver)
        return driver


def line(name: str, price: str, quantity: str = "1", tax: int = 22, **extra: Any) -> dict[str, Any]:
    """One ``Register`` check string with Amount = Price × Quantity."""
    amount = Decimal(price) * Decimal(quantity)
    return {"Register": {"Name": name, "Quantity": quantity, "Price": price, "Amount": str(amount),
                         "Tax": tax, **extra}}


def check(lines: list[dict[str, Any]], *, type_check: int = 0, cash: str = "0",
          electronic: str = "0", **extra: Any) -> dict[str, Any]:
    """RegisterCheck fields for the given lines and payments."""
    return {"IsFiscalCheck": True, "TypeCheck": type_check, "CashierName": "Иванова А.А.",
            "CheckStrings": lines, "Cash": cash, "ElectronicPayment": electronic, **extra}


Start = Callable[..., Any]


@pytest.fixture
async def start(tmp_path: Path) -> AsyncIterator[Start]:
    """Start a server with virtual register 1; ``device`` keys merge into its config."""
    started: list[tuple[httpx.AsyncClient, JobService]] = []

    async def make(clock: Clock | None = None, more: tuple[dict[str, Any], ...] = (),
                   **device: Any) -> Server:
        """``clock`` drives the simulated ФН's time (the system clock when None); ``more``
        configures further devices."""
        config = Config.model_validate({
            "server": {"data_dir": str(tmp_path / f"s{len(started)}")},
            "users": [{"name": USER[0], "password": USER[1]},
                      {"name": ADMIN[0], "password": ADMIN[1], "admin": True}],
            "devices": [{"num": 1, "kind": "virtual", "name": "Касса 1", **device}, *more]})
        drivers: dict[int, Driver] | None = None
        if clock is not None:
            drivers = {item.num: VirtualDriver(item, data_dir=str(config.data_path), clock=clock)
                       for item in config.devices}
        jobs = JobService(config, render=make_renderer(config), drivers=drivers)
        await jobs.start()
        app = create_app(config, jobs)
        transport = httpx.ASGITransport(app=app)
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        started.append((client, jobs))
        return Server(client, jobs, app)

    yield make
    for client, jobs in started:
        await client.aclose()
        await jobs.stop()
