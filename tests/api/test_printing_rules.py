"""Which device runs what (API.md §5), printers in List and GetDataKKT, and /preview's access rules."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from api.printing import (
    ESCPOS,
    REGISTER,
    SCREEN,
    PrinterSink,
    PrintingServer,
    start_server,
    stop_server,
)

Start = Callable[..., Awaitable[PrintingServer]]
USERS = {"users": [{"name": "Cashier", "password": "pa:ss", "admin": False}]}
ORIGIN = "https://shop.example"


def basic(name: str, password: str) -> dict[str, str]:
    """An Authorization header."""
    token = base64.b64encode(f"{name}:{password}".encode()).decode()
    return {"authorization": f"Basic {token}"}


@pytest.fixture
async def start(tmp_path: Path) -> AsyncIterator[Start]:
    """Start the printing server; config keys may be given."""
    started: list[tuple[PrintingServer, Any]] = []

    async def make(**extra: Any) -> PrintingServer:
        server, listener = await start_server(tmp_path, sink=PrinterSink(), extra=extra)
        started.append((server, listener))
        return server

    yield make
    for server, listener in started:
        await stop_server(server, listener)


def slip(num: int, **fields: Any) -> dict[str, Any]:
    """A one-line PrintDocument with a fresh IdCommand."""
    return {"Command": "PrintDocument", "NumDevice": num, "IdCommand": str(uuid.uuid4()),
            "CheckStrings": [{"PrintText": {"Text": "Заказ"}}], **fields}


async def test_list_shows_printers_online_without_fiscal_data(start: Start) -> None:
    server = await start()
    units = {unit["NumDevice"]: unit for unit in (await server.run({"Command": "List"}))["ListUnit"]}
    assert units[REGISTER]["TypeDevice"] == "Фискальный регистратор"
    assert units[REGISTER]["IsRegisterCheck"] is True and units[REGISTER]["INN"] == "7700000009"
    for num in (SCREEN, ESCPOS):
        unit = units[num]
        assert unit["TypeDevice"] == "Принтер чеков"
        assert unit["Active"] is True, unit
        assert unit["IsRegisterCheck"] is False and unit["FN_IsFiscal"] is False
        assert unit["INN"] == "" and unit["FnNumber"] == "" and unit["KktNumber"] == ""
    assert server.jobs.devices()[ESCPOS - 1].last_error == ""


async def test_fiscal_commands_never_reach_a_printer(start: Start) -> None:
    server = await start()
    receipt = {"Command": "RegisterCheck", "NumDevice": SCREEN, "IsFiscalCheck": True,
               "CashierName": "Иванова А.А.",
               "CheckStrings": [{"Register": {"Name": "Товар", "Quantity": 1, "Price": 10,
                                              "Amount": 10, "Tax": -1}}], "Cash": 10}
    refused = await server.run(receipt)
    assert refused["Status"] == 3
    assert refused["Error"].startswith("Устройство 2 «Экран» — принтер чеков без фискального "
                                       "накопителя: команда RegisterCheck на нем невозможна.")
    shift = await server.run({"Command": "OpenShift", "NumDevice": ESCPOS})
    assert shift["Status"] == 3 and "принтер чеков" in shift["Error"]
    anywhere = await server.run({**receipt, "NumDevice": 0})
    assert anywhere["Status"] == 0, anywhere
    assert anywhere["NumDevice"] == REGISTER


async def test_printer_commands_pick_printers(start: Start) -> None:
    server = await start()
    refused = await server.run(slip(REGISTER))
    assert refused["Status"] == 3
    assert "Устройство 1 «Касса 1» — ККТ, а команда PrintDocument выполняется принтером" \
        in refused["Error"]
    assert (await server.run(slip(0)))["NumDevice"] in (SCREEN, ESCPOS)
    width = await server.run({"Command": "PrintLineLength"})
    assert width["NumDevice"] in (SCREEN, ESCPOS)


async def test_slips_and_shared_commands_run_on_either(start: Start) -> None:
    server = await start()
    body = {"Command": "RegisterCheck", "IsFiscalCheck": False, "NumDevice": SCREEN,
            "CheckStrings": [{"PrintText": {"Text": "Слип"}}]}
    assert (await server.run(body))["Status"] == 0
    on_register = await server.run({**body, "NumDevice": 0})
    assert on_register["Status"] == 0 and on_register["NumDevice"] == REGISTER
    assert (await server.run({"Command": "GetLineLength"}))["NumDevice"] == REGISTER


async def test_get_data_kkt_on_a_printer_is_synthetic(start: Start) -> None:
    server = await start()
    answer = await server.run({"Command": "GetDataKKT", "NumDevice": SCREEN})
    assert answer["Status"] == 0, answer
    assert answer["LineLength"] == 42 and answer["NumDevice"] == SCREEN
    info = answer["Info"]
    assert info["RegNumber"] == "000000000"
    assert info["FN_DateEnd"] == "2099-01-01T00:00:00"
    assert info["TaxVariant"] == "0,1,2,3,4,5"
    assert info["SessionState"] == 2
    assert info["FFDVersion"] == "4" and info["FFDVersionKKT"] == "4"
    register = await server.run({"Command": "GetDataKKT", "NumDevice": REGISTER})
    assert register["Info"]["FFDVersion"] == "1.2" and register["Info"]["RegNumber"] != "000000000"


async def test_preview_needs_the_api_credentials_and_carries_cors(start: Start) -> None:
    server = await start(**USERS)
    request = slip(SCREEN)
    assert (await server.run(request, headers=basic("cashier", "pa:ss")))["Status"] == 0
    for fmt in ("png", "html"):
        denied = await server.preview(request["IdCommand"], fmt,
                                      headers={**basic("cashier", "wrong"), "origin": ORIGIN})
        assert denied.status_code == 401 and denied.content == b""
        assert denied.headers["www-authenticate"] == 'Basic realm="openkkm"'
        assert denied.headers["access-control-allow-origin"] == ORIGIN
        allowed = await server.preview(request["IdCommand"], fmt,
                                       headers={**basic("cashier", "pa:ss"), "origin": ORIGIN})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == ORIGIN


async def test_preview_is_404_without_a_printed_document(start: Start) -> None:
    server = await start()
    unknown = await server.preview("no-such-command")
    assert unknown.status_code == 404
    assert unknown.json()["Status"] == 3 and "no-such-command" in unknown.json()["Error"]
    read: dict[str, Any] = {"Command": "GetDataKKT", "NumDevice": REGISTER,
                            "IdCommand": str(uuid.uuid4())}
    assert (await server.run(read))["Status"] == 0
    assert (await server.preview(read["IdCommand"], "html")).status_code == 404
    request = slip(SCREEN)
    await server.run(request)
    assert (await server.client.get(f"/preview/{request['IdCommand']}.gif")).status_code == 404


async def test_previews_outlive_a_restart(start: Start, tmp_path: Path) -> None:
    server = await start()
    request = slip(SCREEN)
    assert (await server.run(request))["Status"] == 0
    await server.shutdown()
    again, listener = await start_server(tmp_path, sink=PrinterSink())
    try:
        html = await again.preview(request["IdCommand"], "html")
        assert html.status_code == 200 and "Заказ" in html.text
    finally:
        await stop_server(again, listener)
