"""A server with a register, a screen and an ESC/POS printer on a local TCP sink, for printing tests."""

from __future__ import annotations

import asyncio
import importlib.util
import io
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import zxingcpp
from PIL import Image as PilImage

import openkkm.drivers  # noqa: F401 -- registers every device kind
from openkkm.api.app import create_app
from openkkm.api.kkmserver.render import make_renderer
from openkkm.config import Config
from openkkm.jobs.service import JobService

REGISTER, SCREEN, ESCPOS = 1, 2, 3


def _sink_module() -> ModuleType:
    """``tests/drivers/escpos_sink.py``: that directory is no package, so load it by path."""
    name = "escpos_sink"
    if name in sys.modules:
        return sys.modules[name]
    path = Path(__file__).resolve().parent.parent / "drivers" / "escpos_sink.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


sink_module = _sink_module()
PrinterSink = sink_module.PrinterSink
PAPER_OUT = 0x12 | 0x60  #: ``DLE EOT 4`` answer: paper end
PAPER_OK = 0x12


class PrintingServer:
    """The HTTP app over a real JobService, the printer sink, and helpers."""

    def __init__(self, client: httpx.AsyncClient, jobs: JobService, sink: Any) -> None:
        self.client = client
        self.jobs = jobs
        self.sink = sink
        self.running = True

    async def shutdown(self) -> None:
        """Close the client and stop the service (once)."""
        if self.running:
            self.running = False
            await self.client.aclose()
            await self.jobs.stop()

    async def run(self, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """POST a command and return the parsed answer (HTTP 200 required)."""
        response = await self.client.post("/Execute/sync", json=body, **kwargs)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    async def preview(self, id_command: str, fmt: str = "png", **kwargs: Any) -> httpx.Response:
        """GET the preview of a command."""
        return await self.client.get(f"/preview/{id_command}.{fmt}", **kwargs)


async def start_server(data_dir: Path, *, sink: Any, extra: dict[str, Any] | None = None,
                       escpos_query: str = "",
                       escpos_port: int | None = None) -> tuple[PrintingServer, asyncio.Server]:
    """Start the sink on 127.0.0.1 and a server with devices 1 (virtual), 2 (screen), 3 (escpos).

    ``escpos_port`` points the printer elsewhere than the sink (e.g. at a closed port).
    """
    listener = await asyncio.start_server(sink.handle, "127.0.0.1", 0)
    port = escpos_port or listener.sockets[0].getsockname()[1]
    config = Config.model_validate({
        "server": {"data_dir": str(data_dir)},
        "devices": [
            {"num": REGISTER, "kind": "virtual", "name": "Касса 1"},
            {"num": SCREEN, "kind": "screen", "name": "Экран", "line_length": 42},
            {"num": ESCPOS, "kind": "escpos", "name": "Кухня",
             "url": f"tcp://127.0.0.1:{port}{escpos_query}"},
        ],
        **(extra or {})})
    jobs = JobService(config, render=make_renderer(config))
    await jobs.start()
    transport = httpx.ASGITransport(app=create_app(config, jobs))
    client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    return PrintingServer(client, jobs, sink), listener


async def stop_server(server: PrintingServer, listener: asyncio.Server) -> None:
    """Stop the client, the service and the sink."""
    await server.shutdown()
    listener.close()
    await listener.wait_closed()


async def arrived(sink: Any, data: bytes, *, within: float = 10.0) -> bool:
    """Wait until the sink has received ``data`` (the answer may come before the bytes land)."""
    async with asyncio.timeout(within):
        while data not in bytes(sink.received):
            await asyncio.sleep(0.01)
    return True


def decoded(png: bytes) -> dict[str, str]:
    """Every code zxing-cpp finds in a PNG: its text by format name (e.g. ``"QRCode"``)."""
    image = PilImage.open(io.BytesIO(png))
    image.load()
    found: dict[str, str] = {}
    for result in zxingcpp.read_barcodes(image.convert("L")):
        found.setdefault(result.format.name, result.text)
    return found


def decoded_texts(png: bytes) -> set[str]:
    """The texts of every code zxing-cpp finds in a PNG."""
    image = PilImage.open(io.BytesIO(png)).convert("L")
    return {result.text for result in zxingcpp.read_barcodes(image)}
