"""Previews of reports and cash moves through the HTTP app on a virtual register."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from api import virtual_server
from api.virtual_server import USER, Server, Start, check, line

start = virtual_server.start

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


async def run(server: Server, command: str, **fields: Any) -> tuple[str, dict[str, Any]]:
    """Run ``command`` with a fresh IdCommand; the id and the successful answer."""
    id_command = str(uuid.uuid4())
    answer = await server.run(command, IdCommand=id_command, CashierName="Иванова А.А.", **fields)
    assert answer["Status"] == 0, answer
    return id_command, answer


async def preview(server: Server, id_command: str, fmt: str) -> httpx.Response:
    """GET the preview of ``id_command`` as ``fmt``; it must exist."""
    response = await server.client.get(f"/preview/{id_command}.{fmt}", auth=USER)
    assert response.status_code == 200, response.text
    return response


async def html_of(server: Server, id_command: str) -> str:
    """The HTML preview's text, after checking the PNG preview is a PNG."""
    png = await preview(server, id_command, "png")
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(PNG_MAGIC)
    return (await preview(server, id_command, "html")).text


async def test_shift_reports_are_previewed_with_their_fd_number(start: Start) -> None:
    server = await start()
    opened_id, opened = await run(server, "OpenShift")
    page = await html_of(server, opened_id)
    assert "ОТЧЕТ ОБ ОТКРЫТИИ СМЕНЫ" in page
    assert f"ФД {opened['CheckNumber']}" in page and "Иванова А.А." in page
    assert "7700000009" in page  # the organization's INN from the registration

    await server.run("RegisterCheck", **check([line("Хлеб", "60")], cash="60"))
    closed_id, closed = await run(server, "CloseShift")
    page = await html_of(server, closed_id)
    assert "ОТЧЕТ О ЗАКРЫТИИ СМЕНЫ" in page and "ОТКРЫТИИ" not in page
    assert f"ФД {closed['CheckNumber']}" in page
    assert closed["CheckNumber"] > opened["CheckNumber"]
    assert "НЕПЕРЕДАННЫХ ФД" in page


async def test_ofd_report_is_previewed(start: Start) -> None:
    server = await start()
    id_command, answer = await run(server, "OfdReport")
    page = await html_of(server, id_command)
    assert "ОТЧЕТ О ТЕКУЩЕМ СОСТОЯНИИ РАСЧЕТОВ" in page
    assert f"ФД {answer['CheckNumber']}" in page


async def test_x_report_is_previewed_without_a_fiscal_document(start: Start) -> None:
    server = await start()
    await run(server, "OpenShift")
    id_command, _ = await run(server, "XReport")
    page = await html_of(server, id_command)
    assert "X-ОТЧЕТ" in page and "Иванова А.А." in page
    assert "ФД " not in page and "ФП " not in page


async def test_deposit_is_previewed_after_the_shift_report_it_opened(start: Start) -> None:
    server = await start()
    id_command, answer = await run(server, "DepositingCash", Amount="150.25")
    assert answer["BalanceCash"] == 150.25
    page = await html_of(server, id_command)
    assert page.index("ОТЧЕТ ОБ ОТКРЫТИИ СМЕНЫ") < page.index("ВНЕСЕНИЕ")
    assert "=150.25" in page

    payout_id, payout = await run(server, "PaymentCash", Amount="50")
    assert payout["BalanceCash"] == 100.25
    page = await html_of(server, payout_id)
    assert "ВЫПЛАТА" in page and "ОТКРЫТИИ" not in page
    assert "=50.00" in page and "=100.25" in page
