"""A printer with ``emulate_fiscal = true`` takes a register's commands and prints imitations
(``API.md`` §5): counted like a register's documents, plainly marked as not fiscal."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.printing import PAPER_OUT, PrinterSink, arrived, decoded_texts
from api.virtual_server import check, line
from openkkm.api.app import create_app
from openkkm.api.kkmserver.render import make_renderer
from openkkm.config import Config
from openkkm.jobs.service import JobService

PRINTER, SCREEN, PLAIN = 1, 2, 3
NOT_FISCAL = "НЕФИСКАЛЬНЫЙ ДОКУМЕНТ"


class Server:
    """The app over a real JobService with an imitating ESC/POS printer on a sink."""

    def __init__(self, jobs: JobService, client: httpx.AsyncClient, sink: Any) -> None:
        self.jobs, self.client, self.sink = jobs, client, sink

    async def run(self, command: str, num: int = PRINTER, **fields: Any) -> dict[str, Any]:
        """POST a command with a fresh IdCommand; the parsed answer."""
        body = {"Command": command, "NumDevice": num, "IdCommand": str(uuid.uuid4()), **fields}
        response = await self.client.post("/Execute/sync", json=body)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        answer["IdCommand"] = body["IdCommand"]
        return answer

    async def stop(self) -> None:
        """Stop the client and the service."""
        await self.client.aclose()
        await self.jobs.stop()


Start = Callable[[], Awaitable[Server]]


@pytest.fixture
async def start(tmp_path: Path) -> AsyncIterator[Start]:
    """Start (and restart, on the same data) a server: 1 an imitating ESC/POS printer on a
    sink, 2 an imitating screen, 3 a plain screen."""
    sink = PrinterSink()
    listener = await asyncio.start_server(sink.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    servers: list[Server] = []

    async def make() -> Server:
        if servers:
            await servers[-1].stop()
        config = Config.model_validate({"server": {"data_dir": str(tmp_path)}, "devices": [
            {"num": PRINTER, "kind": "escpos", "name": "Принтер", "emulate_fiscal": True,
             "url": f"tcp://127.0.0.1:{port}"},
            {"num": SCREEN, "kind": "screen", "name": "Экран", "emulate_fiscal": True},
            {"num": PLAIN, "kind": "screen", "name": "Просто экран"}]})
        jobs = JobService(config, render=make_renderer(config))
        await jobs.start()
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(config, jobs)),
                                   base_url="http://testserver")
        servers.append(Server(jobs, client, sink))
        return servers[-1]

    yield make
    await servers[-1].stop()
    listener.close()
    await listener.wait_closed()


async def test_a_receipt_is_printed_as_an_imitation_and_counted(start: Start) -> None:
    server = await start()
    sale = await server.run("RegisterCheck", **check([line("Кофе", "150")], cash="200"))
    assert sale["Status"] == 0, sale
    assert sale["SessionNumber"] == 1 and sale["SessionCheckNumber"] == 1
    assert sale["CheckNumber"] == 2  # the shift-open imitation it needed came first
    assert sale["QRCode"] == "" and sale["URL"] == "" and sale["OfdUrl"] == ""
    assert "не фискальный" in sale["Warning"]
    assert await arrived(server.sink, "Кофе".encode("cp866"))
    printed = bytes(server.sink.received)
    assert printed.count(NOT_FISCAL.encode("cp866")) >= 2  # the report and the receipt
    assert "ФП".encode("cp866") not in printed and "ФН".encode("cp866") not in printed
    preview = await server.client.get(f"/preview/{sale['IdCommand']}.html")
    assert preview.status_code == 200 and NOT_FISCAL in preview.text
    assert "САЙТ ФНС" not in preview.text
    png = await server.client.get(f"/preview/{sale['IdCommand']}.png")
    assert decoded_texts(png.content) == set()  # no receipt QR

    second = await server.run("RegisterCheck", **check([line("Чай", "90")], electronic="90"))
    assert (second["CheckNumber"], second["SessionCheckNumber"]) == (3, 2)
    info = (await server.run("GetDataKKT"))["Info"]
    assert info["FN_IsFiscal"] is False and info["SessionState"] == 2
    assert info["BalanceCash"] == 150


async def test_shift_cash_and_counters_survive_a_restart(start: Start) -> None:
    server = await start()
    opened = await server.run("OpenShift", CashierName="Иванова А.А.")
    assert opened["Status"] == 0 and opened["SessionNumber"] == 1, opened
    again = await server.run("OpenShift", CashierName="Иванова А.А.")
    assert again["Status"] == 2 and "Смена уже открыта" in again["Error"]
    deposit = await server.run("DepositingCash", Amount=1000, CashierName="Иванова А.А.")
    assert deposit["Status"] == 0 and deposit["BalanceCash"] == 1000, deposit
    too_much = await server.run("PaymentCash", Amount=5000, CashierName="Иванова А.А.")
    assert too_much["Status"] == 2 and "наличности" in too_much["Error"]
    await server.run("RegisterCheck", **check([line("Кофе", "150")], cash="150"))
    x_report = await server.run("XReport", CashierName="Иванова А.А.")
    assert x_report["Status"] == 0, x_report
    assert await arrived(server.sink, "X-ОТЧЕТ".encode("cp866"))
    assert (await server.run("RequestCash"))["BalanceCash"] == 1150
    unit = (await server.run("List"))["ListUnit"][PRINTER - 1]
    assert unit["IsRegisterCheck"] is True

    server = await start()  # the same data directory
    closed = await server.run("CloseShift", CashierName="Иванова А.А.")
    assert closed["Status"] == 0, closed
    assert closed["CheckNumber"] == 3 and closed["SessionNumber"] == 1
    info = (await server.run("GetDataKKT"))["Info"]
    assert info["BalanceCash"] == 1150 and info["SessionState"] == 1
    sale = await server.run("RegisterCheck", **check([line("Кофе", "150")], cash="150"))
    assert (sale["SessionNumber"], sale["SessionCheckNumber"], sale["CheckNumber"]) == (2, 1, 5)


async def test_an_imitation_on_a_printer_out_of_paper_is_not_counted(start: Start) -> None:
    server = await start()
    await server.run("OpenShift", CashierName="Иванова А.А.")
    server.sink.paper_status = PAPER_OUT
    failed = await server.run("RegisterCheck", **check([line("Кофе", "150")], cash="150"))
    assert failed["Status"] == 2 and "бумага" in failed["Error"], failed
    server.sink.paper_status = 0x12
    sale = await server.run("RegisterCheck", **check([line("Кофе", "150")], cash="150"))
    assert sale["Status"] == 0 and sale["CheckNumber"] == 2, sale  # the failed one not counted


async def test_a_screen_imitates_and_a_plain_printer_still_refuses(start: Start) -> None:
    server = await start()
    screen = await server.run("RegisterCheck", SCREEN, **check([line("Кофе", "150")], cash="150"))
    assert screen["Status"] == 0 and screen["QRCode"] == "", screen
    plain = await server.run("RegisterCheck", PLAIN, **check([line("Кофе", "150")], cash="150"))
    assert plain["Status"] == 3 and "Просто экран" not in plain.get("Warning", ""), plain
    shift = await server.run("OpenShift", PLAIN)
    assert shift["Status"] == 3, shift
