"""Fixtures for the HTTP edge: the app over a fake JobService, driven through httpx in process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from api.fakes import FakeJobs, handle
from openkkm.api.app import create_app
from openkkm.api.kkmserver.render import make_renderer
from openkkm.config import Config


@dataclass
class Edge:
    """A client bound to the app, and the fake service behind it."""

    client: httpx.AsyncClient
    jobs: FakeJobs
    app: Starlette

    async def execute(self, body: dict[str, Any] | str | bytes, path: str = "/Execute/sync",
                      **kwargs: Any) -> httpx.Response:
        """POST a command (a dict is sent as JSON)."""
        if isinstance(body, dict):
            return await self.client.post(path, json=body, **kwargs)
        return await self.client.post(path, content=body, **kwargs)


MakeEdge = Callable[..., Any]


@pytest.fixture
async def make_edge() -> AsyncIterator[MakeEdge]:
    """Build an app from config keys; ``client_host`` sets the peer address."""
    clients: list[httpx.AsyncClient] = []

    def make(config: dict[str, Any] | None = None, devices: list[Any] | None = None,
             client_host: str = "127.0.0.1") -> Edge:
        cfg = Config.model_validate(config or {})
        jobs = FakeJobs(devices if devices is not None else [handle(1, name="Касса 1")],
                        make_renderer(cfg), cfg)
        app = create_app(cfg, jobs)
        transport = httpx.ASGITransport(app=app, client=(client_host, 40000))
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(client)
        return Edge(client, jobs, app)

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
def edge(make_edge: MakeEdge) -> Edge:
    """The app with default settings and one virtual register."""
    return make_edge()
