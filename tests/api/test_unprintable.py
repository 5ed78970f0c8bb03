"""A register that cannot print barcodes or pictures says so in the answer (API.md §7.3)."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from openkkm.api.app import create_app
from openkkm.api.kkmserver.render import make_renderer
from openkkm.config import Config
from openkkm.devices import Devices
from openkkm.jobs.service import JobService


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    config = Config.model_validate({"server": {"data_dir": str(tmp_path)}, "devices": [
        {"num": 1, "kind": "atol", "url": "emulator://atol", "name": "АТОЛ"},
        {"num": 2, "kind": "shtrih", "url": "emulator://shtrih", "name": "Штрих"}]})
    devices = Devices(config)
    jobs = JobService(config, render=make_renderer(config), drivers=await devices.start())
    await jobs.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(config, jobs)),
                                     base_url="http://testserver") as http:
            yield http
    finally:
        await jobs.stop()
        await devices.stop()


def png() -> str:
    out = io.BytesIO()
    Image.new("1", (16, 16)).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


def slip(num: int, id_command: str) -> dict[str, object]:
    return {"Command": "RegisterCheck", "NumDevice": num, "IsFiscalCheck": False, "IdCommand": id_command,
            "CheckStrings": [{"PrintText": {"Text": "Заказ 17"}},
                             {"BarCode": {"BarcodeType": "QR", "Barcode": "order:17"}},
                             {"PrintImage": {"Image": png()}}]}


async def test_atol_slip_names_the_barcode_printed_as_text_and_the_picture_left_out(
        client: httpx.AsyncClient) -> None:
    answer = (await client.post("/Execute/sync", json=slip(1, "s-1"))).json()
    assert answer["Status"] == 0, answer
    assert "АТОЛ: штрихкод QR напечатан текстом" in answer["Warning"]
    assert "АТОЛ: картинка не напечатана" in answer["Warning"]


async def test_shtrih_prints_them_as_graphics_without_a_warning(client: httpx.AsyncClient) -> None:
    answer = (await client.post("/Execute/sync", json=slip(2, "s-2"))).json()
    assert answer["Status"] == 0, answer
    assert answer["Warning"] == ""
