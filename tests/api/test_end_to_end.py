"""The HTTP edge over the real JobService, journal and virtual register (API.md §9a, §9d, §4.2)."""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import openkkm.drivers.virtual  # noqa: F401 -- registers the "virtual" kind
from openkkm.api.app import create_app
from openkkm.api.kkmserver.render import make_renderer
from openkkm.config import Config
from openkkm.jobs.service import JobService

SAMPLE: dict[str, Any] = {
    "Command": "RegisterCheck",
    "NumDevice": 0, "InnKkm": "", "KktNumber": "", "Timeout": 30,
    "IdCommand": "6f1c2a3e-8d4b-4c2f-9a7e-1b2c3d4e5f60",
    "IsFiscalCheck": True, "TypeCheck": 0, "CancelOpenedCheck": True, "NotPrint": False,
    "CashierName": "Kазакова Н.А.", "ClientAddress": "client@server.ru", "TaxVariant": "",
    "CheckProps": [
        {"Print": True, "PrintInHeader": True, "Teg": 1005, "Prop": "Москва, ул. Трехгорка д.13"},
        {"Print": True, "PrintInHeader": True, "Teg": 1010, "Prop": "10.25"},
        {"Print": True, "PrintInHeader": True, "Teg": 1073, "Prop": "8(985)775-44-61"},
    ],
    "AdditionalProps": [
        {"Print": True, "PrintInHeader": False, "NameProp": "Дата транзакции",
         "Prop": "10.11.2024 10:30"},
    ],
    "ClientId": "23FG4GV4D2956",
    "KPP": "782543005",
    "CheckStrings": [
        {"BarCode": {"BarcodeType": "PDF417",
                     "Barcode": "12345DFG Proba pera, Print barcode 1234567890"}},
        {"PrintText": {"Text": '>#2#<ООО "Рога и копыта"', "Font": 1}},
        {"PrintText": {"Text": "Пример №1 печати поля:<#16#>154,41"}},
        {"PrintText": {"Text": "Шрифт № 1", "Font": 1, "Intensity": 15}},
        {
            "Register": {
                "Name": "Сапоги женские DF-3099",
                "Quantity": 3, "Price": 100, "Amount": "0.01", "Department": 0, "Tax": 18,
                "EAN13": "1254789547853",
                "EGAIS": {"Barcode": "22N0000154NUCPRZ3R8381461004001003499NKAQ0ZBUVDNV62JQAR69P"
                                     "EV878RO93V",
                          "Ean": "3423290167937", "Volume": "0.7500"},
            },
            "BarCode": {"BarcodeType": "EAN13", "Barcode": "1254789547853"},
        },
    ],
    "Cash": 800, "CashLessType1": "0.01", "CashLessType2": 0, "CashLessType3": 0,
}
QR = re.compile(r"t=\d{8}T\d{6}&s=0\.01&fn=\d{16}&i=\d+&fp=\d+&n=1")


class Server:
    """A client over the app, and the service behind it."""

    def __init__(self, client: httpx.AsyncClient, jobs: JobService) -> None:
        self.client = client
        self.jobs = jobs

    async def run(self, body: dict[str, Any], path: str = "/Execute/sync") -> dict[str, Any]:
        """POST a command and return the parsed answer (HTTP 200 required)."""
        response = await self.client.post(path, json=body)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
async def start(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    """Start a server with one virtual register; extra config keys merge in."""
    started: list[tuple[httpx.AsyncClient, JobService]] = []

    async def make(**extra: Any) -> Server:
        config = Config.model_validate({
            "server": {"data_dir": str(tmp_path)},
            "devices": [{"num": 1, "kind": "virtual", "name": "Касса 1"}], **extra})
        jobs = JobService(config, render=make_renderer(config))
        await jobs.start()
        transport = httpx.ASGITransport(app=create_app(config, jobs))
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        started.append((client, jobs))
        return Server(client, jobs)

    yield make
    for client, jobs in started:
        await client.aclose()
        await jobs.stop()


async def test_specification_sample_end_to_end(start: Callable[..., Any]) -> None:
    server = await start()
    response = await server.client.post("/Execute/sync", json=SAMPLE)
    assert response.status_code == 200
    body = response.json()
    assert body["Status"] == 0, body
    assert body["Error"] == ""
    assert body["CheckNumber"] > 0 and body["SessionNumber"] > 0
    assert body["SessionCheckNumber"] == 1
    assert QR.fullmatch(body["URL"]) and body["URL"] == body["QRCode"]
    assert "Tax: 18 → 20 %" in body["Warning"] and "EGAIS" in body["Warning"]
    assert '"Cash":800,' in response.text and '"ElectronicPayment":0.01,' in response.text
    assert body["IdCommand"] == SAMPLE["IdCommand"]
    assert body["NumDevice"] == 1 and body["UnitName"] == "Касса 1"
    assert list(body)[-8:] == ["Command", "Error", "Warning", "Message", "Status", "IdCommand",
                               "NumDevice", "UnitName"]

    again = await server.run(SAMPLE)
    assert again["Status"] == 0
    assert again["CheckNumber"] == body["CheckNumber"] and again["QRCode"] == body["QRCode"]
    assert again["Warning"].startswith(body["Warning"] + "; Повтор команды: возвращен "
                                       "сохраненный результат от ")
    assert again["Warning"].endswith(", новый документ не создан")

    rezult = await server.run({"Command": "GetRezult", "IdCommand": SAMPLE["IdCommand"]})
    assert rezult["Status"] == 0 and rezult["Command"] == "GetRezult"
    assert rezult["Rezult"] == body


async def test_same_id_other_body_is_refused(start: Callable[..., Any]) -> None:
    server = await start()
    assert (await server.run(SAMPLE))["Status"] == 0
    other = copy.deepcopy(SAMPLE)
    other["Cash"] = 900
    body = await server.run(other)
    assert body["Status"] == 2
    assert body["Error"].startswith(f"IdCommand '{SAMPLE['IdCommand']}' уже использован для "
                                    "другой команды (RegisterCheck от ")
    timeout_only = {**SAMPLE, "Timeout": 50}
    assert (await server.run(timeout_only))["Warning"].endswith("новый документ не создан")


async def test_validation_failure_is_journalled_and_a_fixed_resend_runs(
        start: Callable[..., Any]) -> None:
    server = await start()
    broken = copy.deepcopy(SAMPLE)
    broken["IdCommand"] = "fix-me"
    broken["CheckStrings"][4]["Register"]["Quantity"] = "abc"
    failed = await server.run(broken)
    assert failed["Status"] == 2
    assert failed["Error"].startswith("Поле CheckStrings[4].Register.Quantity")
    poll = {"Command": "GetRezult", "IdCommand": "fix-me"}
    for _ in range(2):  # the second, same bytes, is answered from the remembered poll
        rezult = await server.run(poll)
        assert rezult["Status"] == 0 and rezult["Rezult"]["Error"] == failed["Error"]
    fixed = {**SAMPLE, "IdCommand": "fix-me"}
    done = await server.run(fixed)
    assert done["Status"] == 0
    rezult = await server.run(poll)  # the same poll now sees the run that replaced the failure
    assert rezult["Rezult"]["Status"] == 0 and rezult["Rezult"]["Error"] == ""
    assert rezult["Rezult"]["CheckNumber"] == done["CheckNumber"]


async def test_fire_and_forget_then_poll(start: Callable[..., Any]) -> None:
    server = await start()
    body = await server.run({**SAMPLE, "IdCommand": "async-1"}, path="/Execute/async")
    assert body["Status"] in (0, 1, 4)
    for _ in range(200):
        rezult = await server.run({"Command": "GetRezult", "IdCommand": "async-1"})
        if rezult["Rezult"]["Status"] not in (1, 4):
            break
        await asyncio.sleep(0.01)
    assert rezult["Status"] == 0 and rezult["Rezult"]["Status"] == 0
    assert QR.fullmatch(rezult["Rezult"]["QRCode"])


async def test_get_rezult_unknown(start: Callable[..., Any]) -> None:
    server = await start()
    body = await server.run({"Command": "GetRezult", "IdCommand": "never"})
    assert body["Status"] == 3
    assert body["Rezult"] == {"IdCommand": "never", "Status": 3, "Command": "<Не определено>",
                              "Error": "<Не определено>"}


async def test_shift_cycle(start: Callable[..., Any]) -> None:
    server = await start()
    opened = await server.run({"Command": "OpenShift", "CashierName": "Иванова А.А."})
    assert opened["Status"] == 0, opened
    assert opened["Info"]["SessionState"] == 2 and opened["QRCode"] == ""
    again = await server.run({"Command": "OpenShift"})
    assert again["Status"] == 2 and "Смена" in again["Error"]
    assert again["Error"].startswith("Ошибка регистрации ( ")
    closed = await server.run({"Command": "ZReport"})
    assert closed["Status"] == 0 and closed["CheckNumber"] > opened["CheckNumber"]
    assert closed["Info"]["SessionState"] == 1
    twice = await server.run({"Command": "CloseShift"})
    assert twice["Status"] == 2 and "мена" in twice["Error"]


async def test_shift_cycle_without_errors(start: Callable[..., Any]) -> None:
    server = await start(shift={"open_close_no_error": True})
    assert (await server.run({"Command": "CloseShift"}))["Status"] == 0
    body = await server.run({"Command": "CloseShift"})
    assert body["Status"] == 0 and body["Error"] == "" and "мена" in body["Warning"]


async def test_list_and_get_data_kkt(start: Callable[..., Any]) -> None:
    server = await start()
    listed = await server.run({"Command": "List"})
    unit = listed["ListUnit"][0]
    assert unit["IdTypeDevice"] == "KktEmulator" and unit["Active"] is True
    assert unit["TypeDevice"] == "Фискальный регистратор" and len(unit["FnNumber"]) == 16
    data = await server.run({"Command": "GetDataKKT", "NumDevice": 1})
    assert data["Status"] == 0, data
    assert data["Info"]["FnNumber"] == unit["FnNumber"]
    assert data["Info"]["SessionState"] in (1, 2)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", data["Info"]["DateTimeKKT"])
    assert (await server.run({"Command": "GetLineLength"}))["LineLength"] == 48


async def test_resend_while_running_is_status_5(start: Callable[..., Any]) -> None:
    server = await start(devices=[{"num": 1, "kind": "virtual", "name": "Касса 1",
                                   "faults": "delay_before_commit=2*1"}])
    body = {**SAMPLE, "IdCommand": "slow-1"}
    first = await server.run(body, path="/Execute/async")
    assert first["Status"] in (1, 4) and first["Error"]
    second = await server.run(body)
    assert second["Status"] == 5
    assert second["Error"] == "Команда уже была выполнена или выполняется в текущий момент"
    for _ in range(500):
        rezult = await server.run({"Command": "GetRezult", "IdCommand": "slow-1"})
        if rezult["Rezult"]["Status"] not in (1, 4):
            break
        await asyncio.sleep(0.02)
    assert rezult["Rezult"]["Status"] == 0
    replay = await server.run(body)
    assert replay["CheckNumber"] == rezult["Rezult"]["CheckNumber"]
    assert "Повтор команды" in replay["Warning"]
