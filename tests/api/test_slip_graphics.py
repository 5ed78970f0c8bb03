"""Both register families print a slip's barcode and picture through the API, with no Warning (API.md §7.3)."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from api.emulated_server import served_app
from openkkm.config import Config


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    config = Config.model_validate({"server": {"data_dir": str(tmp_path)}, "devices": [
        {"num": 1, "kind": "atol", "url": "emulator://atol", "name": "АТОЛ"},
        {"num": 2, "kind": "shtrih", "url": "emulator://shtrih", "name": "Штрих"}]})
    async with served_app(config) as (http, _devices):
        yield http


def png() -> str:
    out = io.BytesIO()
    Image.new("1", (16, 16)).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


def slip(num: int, id_command: str) -> dict[str, object]:
    return {"Command": "RegisterCheck", "NumDevice": num, "IsFiscalCheck": False, "IdCommand": id_command,
            "CheckStrings": [{"PrintText": {"Text": "Заказ 17"}},
                             {"BarCode": {"BarcodeType": "QR", "Barcode": "order:17"}},
                             {"PrintImage": {"Image": png()}}]}


@pytest.mark.parametrize("num", [1, 2])
async def test_atol_and_shtrih_print_them_as_graphics_without_a_warning(
        client: httpx.AsyncClient, num: int) -> None:
    answer = (await client.post("/Execute/sync", json=slip(num, f"s-{num}"))).json()
    assert answer["Status"] == 0, answer
    assert answer["Warning"] == ""
