"""Every ``TypeCheck``, tax system and receipt-level option registered on the virtual ФН and read
back from its archive; the refusals name the field and leave nothing on the device."""

from __future__ import annotations

from typing import Any

import pytest

from api import virtual_server
from api.virtual_server import Server, Start, check, line

start = virtual_server.start
BASE = {"CorrectionType": 0, "CorrectionBaseDate": "2026-01-10T00:00:00",
        "CorrectionBaseNumber": "б/н"}


@pytest.mark.parametrize(("type_check", "text"), [
    (0, "Приход"), (1, "Возврат прихода"), (2, "Коррекция приход"),
    (3, "Коррекция возврат прихода"), (10, "Расход"), (11, "Возврат расхода"),
    (12, "Коррекция расход"), (13, "Коррекция возврат расхода")])
async def test_every_type_check_is_registered(start: Start, type_check: int, text: str) -> None:
    server = await start()
    extra: dict[str, Any] = BASE if type_check in (2, 3, 12, 13) else {}
    answer = await server.run("RegisterCheck", **check(
        [line("Товар", "150.50")], type_check=type_check, electronic="150.50", **extra))
    assert answer["Status"] == 0, answer
    assert answer["QRCode"].endswith("&n=" + str({0: 1, 1: 2, 10: 3, 11: 4}.get(
        type_check, {2: 1, 3: 2, 12: 3, 13: 4}.get(type_check))))
    read = (await server.run("GetDataCheck", FiscalNumber=answer["CheckNumber"]))
    assert read["RegisterCheck"]["CheckType"] == text
    assert read["RegisterCheck"]["AllSumm"] == 150.5


@pytest.mark.parametrize("tax_variant", ["0", "1", "2", "4", "5"])
async def test_registered_tax_systems_are_written(start: Start, tax_variant: str) -> None:
    server = await start(tax_systems="0,1,2,4,5")
    answer = await server.run("RegisterCheck", **check([line("Товар", "10")], electronic="10",
                                                       TaxVariant=tax_variant))
    assert answer["Status"] == 0, answer
    read = await server.run("GetDataCheck", FiscalNumber=answer["CheckNumber"])
    assert read["RegisterCheck"]["TaxVariant"] == tax_variant


async def unchanged(server: Server, body: dict[str, Any]) -> str:
    """Send a receipt that must be refused; return its error after checking nothing changed."""
    before = (await server.run("GetDataKKT"))["CheckNumber"]
    answer = await server.run("RegisterCheck", **body)
    assert answer["Status"] == 2, answer
    assert (await server.run("GetDataKKT"))["CheckNumber"] == before
    assert not (await server.driver().status()).receipt_open
    return str(answer["Error"])


async def test_a_correction_without_its_base_names_the_field(start: Start) -> None:
    server = await start()
    error = await unchanged(server, check([line("Товар", "10")], type_check=2, cash="10",
                                          CorrectionType=0))
    assert error.startswith("Поле CorrectionBaseDate: обязательно для чека коррекции")
    error = await unchanged(server, check([line("Товар", "10")], type_check=2, cash="10",
                                          CorrectionType=0,
                                          CorrectionBaseDate="2026-01-10T00:00:00"))
    assert error.startswith("Поле CorrectionBaseNumber: обязательно для чека коррекции")


async def test_not_print_needs_a_buyer_contact(start: Start) -> None:
    server = await start()
    error = await unchanged(server, check([line("Товар", "10")], cash="10", NotPrint=True))
    assert "ClientAddress" in error
    answer = await server.run("RegisterCheck", **check([line("Товар", "10")], cash="10",
                                                       NotPrint=True,
                                                       ClientAddress="+79991234567"))
    assert answer["Status"] == 0, answer
    read = await server.run("GetDataCheck", FiscalNumber=answer["CheckNumber"])
    assert read["RegisterCheck"]["ClientAddress"] == "+79991234567"


async def test_agent_lines_need_a_registered_agent_role(start: Start) -> None:
    server = await start()
    agent = line("Билет", "300", AgentSign=5,
                 PurveyorData={"PurveyorName": "ООО Поставщик", "PurveyorVATIN": "7700000016"})
    assert (await server.run("OpenShift"))["Status"] == 0
    error = await unchanged(server, check([agent], electronic="300"))
    assert "Признак агента не указан при регистрации ККТ" in error


async def test_additional_props_are_accepted(start: Start) -> None:
    server = await start()
    answer = await server.run("RegisterCheck", **check(
        [line("Товар", "10")], cash="10", AdditionalAttribute="A-1",
        UserAttribute={"Name": "Номер заказа", "Value": "42"},
        AdditionalProps=[{"Print": True, "PrintInHeader": False, "NameProp": "Заказ",
                          "Prop": "42"}]))
    assert answer["Status"] == 0, answer
