"""A server over the HTTP app, the real JobService and one register emulated in process.

Device 1 is ``kind = <family>`` at ``emulator://<family>``: that family's emulator in process
over a loop link, driven by its real driver over the wire protocol.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from openkkm.api.app import create_app
from openkkm.api.kkmserver.render import make_renderer
from openkkm.config import Config
from openkkm.devices import Devices
from openkkm.jobs.service import JobService

from .virtual_server import ADMIN, USER

_IDS = itertools.count(1)


class EmulatedServer:
    """A client over the app, and the emulated register behind it."""

    def __init__(self, client: httpx.AsyncClient, emulator: Any) -> None:
        self.client = client
        self.emulator = emulator

    async def run(self, command: str, *, admin: bool = False, **fields: Any) -> dict[str, Any]:
        """POST a command with a fresh IdCommand as the user (or admin); the parsed answer."""
        body = {"Command": command, "NumDevice": 1, "IdCommand": f"em-{next(_IDS)}", **fields}
        response = await self.client.post("/Execute/sync", json=body, auth=ADMIN if admin else USER)
        assert response.status_code == 200, response.text
        return response.json()

    async def ok(self, command: str, *, admin: bool = False, **fields: Any) -> dict[str, Any]:
        """Run a command that must succeed."""
        answer = await self.run(command, admin=admin, **fields)
        assert answer["Status"] == 0, answer
        return answer


@asynccontextmanager
async def emulated_server(tmp_path: Path, family: str, name: str,
                          **device: Any) -> AsyncIterator[EmulatedServer]:
    """A server whose device 1 is the emulated ``family`` register, with a user and an admin;
    ``device`` keys merge into its config."""
    config = Config.model_validate({
        "server": {"data_dir": str(tmp_path)},
        "users": [{"name": USER[0], "password": USER[1]},
                  {"name": ADMIN[0], "password": ADMIN[1], "admin": True}],
        "devices": [{"num": 1, "kind": family, "url": f"emulator://{family}", "name": name,
                     **device}]})
    async with served_app(config) as (client, devices):
        yield EmulatedServer(client, devices.emulators[1])


@asynccontextmanager
async def served_app(config: Config) -> AsyncIterator[tuple[httpx.AsyncClient, Devices]]:
    """The app over the real JobService and ``config``'s devices, and a client bound to it."""
    devices = Devices(config)
    jobs = JobService(config, render=make_renderer(config), drivers=await devices.start())
    await jobs.start()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(config, jobs)),
                               base_url="http://testserver")
    try:
        yield client, devices
    finally:
        await client.aclose()
        await jobs.stop()
        await devices.stop()


def shelf(answer: dict[str, Any], kind: str, receipt: str) -> dict[str, Any]:
    """One ``GetCounters`` entry."""
    return next(item for item in answer["Counters"]
                if item["CountersType"] == kind and item["ReceiptType"] == receipt)
