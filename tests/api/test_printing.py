"""Printing end to end through the HTTP app: PrintDocument on a screen and an ESC/POS printer,
previews of slips and of the specification's sample receipt, read back with zxing-cpp."""

from __future__ import annotations

import asyncio
import copy
import socket
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
    arrived,
    decoded,
    decoded_texts,
    start_server,
    stop_server,
)
from api.test_end_to_end import SAMPLE

Start = Callable[..., Awaitable[PrintingServer]]

CODES: list[tuple[str, str]] = [
    ("EAN13", "4006381333931"),
    ("EAN8", "96385074"),
    ("CODE39", "ORDER 154"),
    ("CODE128", "Order-154/a"),
    ("PDF417", "Proba pera 1234567890"),
    ("QR", "order:154 Пицца"),
]


@pytest.fixture
async def start(tmp_path: Path) -> AsyncIterator[Start]:
    """Start the printing server; ``sink`` and config keys may be given."""
    started: list[tuple[PrintingServer, Any]] = []

    async def make(**options: Any) -> PrintingServer:
        sink = options.pop("sink", None) or PrinterSink()
        server, listener = await start_server(tmp_path, sink=sink, **options)
        started.append((server, listener))
        return server

    yield make
    for server, listener in started:
        await stop_server(server, listener)


def document(num: int, *strings: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A PrintDocument request with a fresh IdCommand."""
    return {"Command": "PrintDocument", "NumDevice": num, "IdCommand": str(uuid.uuid4()),
            "CheckStrings": list(strings), **fields}


def barcode_strings() -> list[dict[str, Any]]:
    """A heading and one entry per barcode type."""
    strings: list[dict[str, Any]] = [{"PrintText": {"Text": ">#0#<ЗАКАЗ № 154", "Font": 1}}]
    strings += [{"BarCode": {"BarcodeType": kind, "Barcode": value}} for kind, value in CODES]
    return [*strings, {"EndPage": True}]


@pytest.mark.parametrize("num", [SCREEN, ESCPOS])
async def test_every_barcode_type_prints_and_its_preview_decodes(start: Start, num: int) -> None:
    server = await start()
    request = document(num, *barcode_strings())
    answer = await server.run(request)
    assert answer["Status"] == 0, answer
    assert answer["Error"] == "" and answer["NumDevice"] == num
    png = await server.preview(request["IdCommand"])
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    texts = decoded_texts(png.content)
    for _, value in CODES:
        assert value.strip() in texts, (value, texts)
    html = await server.preview(request["IdCommand"], "html")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "ЗАКАЗ № 154" in html.text
    if num == ESCPOS:
        assert await arrived(server.sink, "ЗАКАЗ № 154".encode("cp866"))


async def test_sample_receipt_preview_holds_its_codes_and_the_receipt_qr(start: Start) -> None:
    server = await start()
    request = copy.deepcopy(SAMPLE)
    answer = await server.run(request)
    assert answer["Status"] == 0, answer
    assert answer["NumDevice"] == REGISTER
    png = await server.preview(request["IdCommand"])
    assert png.status_code == 200
    codes = decoded(png.content)
    assert codes["PDF417"] == "12345DFG Proba pera, Print barcode 1234567890"
    assert codes["EAN13"] == "1254789547853"
    assert codes["QRCode"] == answer["QRCode"]
    html = await server.preview(request["IdCommand"], "html")
    assert "Рога и копыта" in html.text and "ИТОГ" in html.text


@pytest.mark.parametrize(("string", "error"), [
    ({"BarCode": {"BarcodeType": "EAN13", "Barcode": "4006381333932"}},
     ("Поле CheckStrings[1].BarCode.Barcode: неверная контрольная цифра EAN-13 в "
      "'4006381333932': должна быть 1")),
    ({"PrintText": {"Text": "крупно", "Font": 7}},
     "Поле CheckStrings[1].PrintText.Font: недопустимое значение 7; допустимо 0–4"),
])
async def test_a_bad_document_is_refused_before_printing_and_kept_for_get_rezult(
        start: Start, string: dict[str, Any], error: str) -> None:
    server = await start()
    request = document(ESCPOS, {"PrintText": {"Text": "Заказ 10"}}, string)
    answer = await server.run(request)
    assert answer["Status"] == 2 and answer["Error"] == error
    rezult = await server.run({"Command": "GetRezult", "IdCommand": request["IdCommand"]})
    assert rezult["Rezult"]["Error"] == error
    fixed = {**request, "CheckStrings": request["CheckStrings"][:1]}
    assert (await server.run(fixed))["Status"] == 0
    assert await arrived(server.sink, "Заказ 10".encode("cp866"))


async def test_a_reprinted_copy_is_previewed(start: Start) -> None:
    server = await start()
    sale = await server.run(copy.deepcopy(SAMPLE))
    request = {"Command": "GetDataCheck", "NumDevice": REGISTER, "IdCommand": str(uuid.uuid4()),
               "FiscalNumber": sale["CheckNumber"], "NumberCopies": 1}
    assert (await server.run(request))["Status"] == 0
    html = await server.preview(str(request["IdCommand"]), "html")
    assert html.status_code == 200
    assert "Сапоги женские DF-3099" in html.text
    read_only = {**request, "IdCommand": str(uuid.uuid4()), "NumberCopies": 0}
    assert (await server.run(read_only))["Status"] == 0
    assert (await server.preview(str(read_only["IdCommand"]))).status_code == 404


async def test_not_print_is_previewed_but_not_sent(start: Start) -> None:
    server = await start()
    request = document(ESCPOS, {"PrintText": {"Text": "только образ"}},
                       {"BarCode": {"BarcodeType": "QR", "Barcode": "preview-only"}}, NotPrint=True)
    answer = await server.run(request)
    assert answer["Status"] == 0, answer
    png = await server.preview(request["IdCommand"])
    assert decoded_texts(png.content) == {"preview-only"}
    assert (await server.run(document(ESCPOS, {"PrintText": {"Text": "на бумаге"}})))["Status"] == 0
    assert await arrived(server.sink, "на бумаге".encode("cp866"))
    assert "только образ".encode("cp866") not in bytes(server.sink.received)


async def test_slip_on_a_register_is_previewed_at_its_width(start: Start) -> None:
    server = await start()
    request: dict[str, Any] = {
        "Command": "RegisterCheck", "NumDevice": REGISTER, "IsFiscalCheck": False,
        "IdCommand": str(uuid.uuid4()),
        "CheckStrings": [{"PrintText": {"Text": "Слип<#0#>на ККТ"}},
                         {"BarCode": {"BarcodeType": "CODE128", "Barcode": "SLIP-1"}}]}
    answer = await server.run(request)
    assert answer["Status"] == 0, answer
    html = await server.preview(request["IdCommand"], "html")
    assert html.status_code == 200
    assert "Слип" + " " * (48 - len("Слипна ККТ")) + "на ККТ" in html.text
    assert decoded_texts((await server.preview(request["IdCommand"])).content) == {"SLIP-1"}


async def test_code_page_replacements_reach_the_warning(start: Start) -> None:
    server = await start()
    answer = await server.run(document(ESCPOS, {"PrintText": {"Text": "Цена 5 €"}}))
    assert answer["Status"] == 0, answer
    assert "€" in answer["Warning"]
    assert "€" not in (await server.run(document(SCREEN, {"PrintText": {"Text": "5 €"}})))["Warning"]


async def test_out_of_paper_fails_and_a_resend_prints_once_paper_is_back(start: Start) -> None:
    sink = PrinterSink(paper_status=0x12 | 0x60)
    server = await start(sink=sink)
    request = document(ESCPOS, {"PrintText": {"Text": "Заказ 7"}})
    answer = await server.run(request)
    assert answer["Status"] == 2
    assert answer["Error"] == "В принтере Кухня закончилась бумага"
    assert sink.documents() == []
    missing = await server.preview(request["IdCommand"])
    assert missing.status_code == 404

    sink.paper_status = 0x12
    again = await server.run(request)
    assert again["Status"] == 0, again
    assert "Повтор" not in again["Warning"]
    assert await arrived(sink, "Заказ 7".encode("cp866"))
    assert bytes(sink.received).count("Заказ 7".encode("cp866")) == 1
    assert (await server.preview(request["IdCommand"])).status_code == 200


async def test_a_printer_with_its_cover_open_fails_the_job(start: Start) -> None:
    sink = PrinterSink(printer_status=0x12 | 0x08)
    server = await start(sink=sink)
    answer = await server.run(document(ESCPOS, {"PrintText": {"Text": "Заказ 8"}}))
    assert answer["Status"] == 2
    assert answer["Error"] == "Принтер Кухня не готов: открыта крышка или ошибка"


async def test_an_unreachable_printer_fails_clearly_and_a_resend_prints_once_it_is_back(start: Start) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    server = await start(escpos_port=closed_port)
    units = (await server.run({"Command": "List", "NumDevice": ESCPOS}))["ListUnit"]
    assert units[0]["Active"] is False
    request = document(ESCPOS, {"PrintText": {"Text": "Заказ 9"}})
    answer = await server.run(request)
    assert answer["Status"] == 2 and answer["NumDevice"] == ESCPOS
    assert str(closed_port) in answer["Error"], answer["Error"]
    screen = await server.run(document(SCREEN, {"PrintText": {"Text": "Заказ 9"}}))
    assert screen["Status"] == 0

    back = PrinterSink()
    listener = await asyncio.start_server(back.handle, "127.0.0.1", closed_port)
    try:
        again = await server.run(request)
        assert again["Status"] == 0, again
        assert await arrived(back, "Заказ 9".encode("cp866"))
        units = (await server.run({"Command": "List", "NumDevice": ESCPOS}))["ListUnit"]
        assert units[0]["Active"] is True
    finally:
        listener.close()
        await listener.wait_closed()


async def test_printer_drawer_and_line_length(start: Start) -> None:
    server = await start()
    drawer = await server.run({"Command": "PrintOpenCashDrawer", "NumDevice": ESCPOS})
    assert drawer["Status"] == 0, drawer
    assert await arrived(server.sink, b"\x1bp\x00")
    opened = await server.run({"Command": "OpenCashDrawer", "NumDevice": ESCPOS})
    assert opened["Status"] == 0, opened
    refused = await server.run({"Command": "OpenCashDrawer", "NumDevice": SCREEN})
    assert refused["Status"] == 2 and "денежный ящик" in refused["Error"]
    width = await server.run({"Command": "PrintLineLength", "NumDevice": SCREEN})
    assert width["Status"] == 0 and width["LineLength"] == 42
    assert (await server.run({"Command": "GetLineLength", "NumDevice": SCREEN}))["LineLength"] == 42
