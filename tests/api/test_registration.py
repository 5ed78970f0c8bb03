"""``KkmRegOfd`` end to end on the virtual register (``API.md`` §6.11): admin only, re-registration
with derived reasons, closing the ФН, and refusals that name their field."""

from __future__ import annotations

from typing import Any

from api import virtual_server
from api.virtual_server import Server, Start, check, line
from openkkm.emulators.fn.identity import make_reg_number
from openkkm.fiscal import tlv

start = virtual_server.start
REREGISTRATION_REASONS = 1205


def reg(command: str, **fields: Any) -> dict[str, Any]:
    """A ``KkmRegOfd`` body for ``RegKkmOfd.Command`` = ``command``."""
    return {"CashierName": "Администратор", "RegKkmOfd": {"Command": command, **fields}}


async def reasons(server: Server, number: int) -> int:
    """The 1205 bits of the re-registration report ``number``, read back from the ФН."""
    found = await server.driver().read_document_tlv(number)
    assert found is not None
    [(_form, body)] = tlv.iter_tlv(found[1])
    return tlv.read_vln(dict(tlv.iter_tlv(body))[REREGISTRATION_REASONS])


async def test_a_user_is_refused(start: Start) -> None:
    server = await start()
    answer = await server.run("KkmRegOfd", **reg("ChangeOFD", InnOfd="7700000016",
                                                 UrlServerOfd="ofd.example.ru"))
    assert answer["Status"] == 2
    assert answer["Error"] == "Команда KkmRegOfd доступна только администратору"


async def test_change_ofd_forms_a_reregistration_report(start: Start) -> None:
    server = await start()
    last = (await server.run("GetDataKKT"))["CheckNumber"]
    answer = await server.run("KkmRegOfd", admin=True, **reg(
        "ChangeOFD", UrlServerOfd="ofd.example.ru", PortServerOfd="7777", InnOfd="7700000016",
        NameOFD="ОФД Пример"))
    assert answer["Status"] == 0, answer
    assert list(answer)[:3] == ["CheckNumber", "QRCode", "Info"]
    assert answer["CheckNumber"] == last + 1
    assert answer["Info"]["InnOfd"] == "7700000016" and answer["Info"]["NameOFD"] == "ОФД Пример"
    assert await reasons(server, answer["CheckNumber"]) == 0b10  # the OFD changed
    document = await server.run("GetDataCheck", FiscalNumber=answer["CheckNumber"])
    assert document["RegisterCheck"]["CheckType"] == "Отчет об изменении параметров регистрации"
    listed = (await server.run("List"))["ListUnit"][0]
    assert listed["InnOfd"] == "7700000016"


async def test_change_organization_derives_the_reasons(start: Start) -> None:
    server = await start()
    answer = await server.run("KkmRegOfd", admin=True, **reg(
        "ChangeOrganization", NameOrganization='ООО "Василек"', AddressSettle="г. Тула, ул. Мира, 2",
        TaxVariant="0,1"))
    assert answer["Status"] == 0, answer
    assert answer["Info"]["NameOrganization"] == 'ООО "Василек"'
    assert await reasons(server, answer["CheckNumber"]) == 0b1100  # name and address
    sale = await server.run("RegisterCheck", **check([line("Хлеб", "60")], cash="60"))
    assert sale["Status"] == 0, sale


async def test_a_tax_system_left_out_then_refuses_receipts(start: Start) -> None:
    server = await start()
    answer = await server.run("KkmRegOfd", admin=True, **reg(
        "ChangeOrganization", TaxVariant="1"))
    assert answer["Status"] == 0, answer
    assert await reasons(server, answer["CheckNumber"]) == 1 << 7
    last = (await server.run("GetDataKKT"))["CheckNumber"]
    refused = await server.run("RegisterCheck", **check([line("Хлеб", "60")], cash="60",
                                                        TaxVariant="0"))
    assert refused["Status"] == 3  # no register for ОСН is configured (API.md §5)
    assert (await server.run("GetDataKKT"))["CheckNumber"] == last


async def test_refusals_name_the_field(start: Start) -> None:
    server = await start()
    cases = [
        (reg("ChangeOFD", UrlServerOfd="ofd.example.ru"), "Поле RegKkmOfd.InnOfd: обязательно"),
        (reg("ChangeOFD", InnOfd="7700000017", UrlServerOfd="ofd.example.ru"),
         "Поле RegKkmOfd.InnOfd: неверный ИНН ОФД '7700000017'"),
        (reg("ChangeOFD", InnOfd="7700000016"), "Поле RegKkmOfd.UrlServerOfd: обязательно"),
        (reg("ChangeOrganization", NameOrganization="ООО"),
         "Поле RegKkmOfd.TaxVariant: обязательно"),
        (reg("Open", InnOrganization="1234567890", TaxVariant="0", InnOfd="7700000016",
             UrlServerOfd="ofd.example.ru"),
         "Поле RegKkmOfd.InnOrganization: неверный ИНН '1234567890'"),
        (reg("Reopen"), "Поле RegKkmOfd.Command: недопустимое значение 'Reopen'"),
        (reg("ChangeOrganization", TaxVariant="0,1"),
         "Поле RegKkmOfd: данные регистрации не изменились"),
        ({"RegKkmOfd": {"Command": "Close"}}, "Не указан кассир (поле CashierName)"),
    ]
    last = (await server.run("GetDataKKT"))["CheckNumber"]
    for body, error in cases:
        answer = await server.run("KkmRegOfd", admin=True, **body)
        assert answer["Status"] == 2, body
        assert answer["Error"].startswith(error), (answer["Error"], error)
    assert (await server.run("GetDataKKT"))["CheckNumber"] == last


async def test_open_on_a_registered_register_is_refused(start: Start) -> None:
    server = await start()
    answer = await server.run("KkmRegOfd", admin=True, **reg(
        "Open", TaxVariant="0", InnOfd="7700000016", UrlServerOfd="ofd.example.ru"))
    assert answer["Status"] == 2
    assert answer["Error"].startswith("ККТ уже зарегистрирована")


async def test_reregistration_needs_a_closed_shift(start: Start) -> None:
    server = await start()
    assert (await server.run("OpenShift", CashierName="Иванова А.А."))["Status"] == 0
    answer = await server.run("KkmRegOfd", admin=True, **reg(
        "ChangeOrganization", NameOrganization="ООО Другое", TaxVariant="0,1"))
    assert answer["Status"] == 2 and "Смена уже открыта" in answer["Error"]
    info = (await server.run("GetDataKKT"))["Info"]
    assert info["NameOrganization"] == 'ООО "Ромашка"'


async def test_close_fn_after_the_ofd_confirmed_everything(start: Start) -> None:
    server = await start()
    refused = await server.run("KkmRegOfd", admin=True, **reg("Close"))
    assert refused["Status"] == 2
    assert "не переданные в ОФД" in refused["Error"]
    server.driver().drive.confirm_ofd()
    closed = await server.run("KkmRegOfd", admin=True, **reg("Close"))
    assert closed["Status"] == 0, closed
    assert closed["Info"]["FN_IsFiscal"] is False
    document = await server.run("GetDataCheck", FiscalNumber=closed["CheckNumber"])
    assert document["RegisterCheck"]["CheckType"] == "Отчет о закрытии фискального накопителя"
    sale = await server.run("RegisterCheck", **check([line("Хлеб", "60")], cash="60"))
    assert sale["Status"] == 2 and "Фискальный режим ФН закрыт" in sale["Error"]


async def test_an_ffd_change_follows_a_clean_current_state_report(start: Start) -> None:
    server = await start()
    change = reg("ChangeKkm", SetFfdVersion=2)
    refused = await server.run("KkmRegOfd", admin=True, **change)
    assert refused["Status"] == 2
    assert "сразу после отчета о текущем состоянии расчетов" in refused["Error"]
    server.driver().drive.confirm_ofd()
    assert (await server.run("OfdReport"))["Status"] == 0
    changed = await server.run("KkmRegOfd", admin=True, **change)
    assert changed["Status"] == 0, changed
    assert changed["Info"]["FFDVersion"] == "1.05"
    bad = await server.run("KkmRegOfd", admin=True, **reg("ChangeKkm", SetFfdVersion=7))
    assert bad["Error"].startswith("Поле RegKkmOfd.SetFfdVersion: недопустимое значение 7")


async def test_a_closed_fn_is_replaced_by_a_new_one(start: Start) -> None:
    server = await start()
    early = await server.run("KkmRegOfd", admin=True, **reg("ChangeFN"))
    assert early["Status"] == 2 and "ФН не закрыт" in early["Error"]
    old = (await server.run("GetDataKKT"))["Info"]["FnNumber"]
    server.driver().drive.confirm_ofd()
    assert (await server.run("KkmRegOfd", admin=True, **reg("Close")))["Status"] == 0
    replaced = await server.run("KkmRegOfd", admin=True, **reg("ChangeFN"))
    assert replaced["Status"] == 0, replaced
    assert replaced["CheckNumber"] == 1
    info = replaced["Info"]
    assert info["FnNumber"] != old and len(info["FnNumber"]) == 16
    assert info["FN_IsFiscal"] is True
    assert await reasons(server, 1) == 1  # bit 0: ФН replaced
    sale = await server.run("RegisterCheck", **check([line("Хлеб", "60")], cash="60"))
    assert sale["Status"] == 0, sale
    assert f"fn={info['FnNumber']}" in sale["QRCode"]
    listed = (await server.run("List"))["ListUnit"][0]
    assert listed["FnNumber"] == info["FnNumber"]


async def test_an_unregistered_register_is_registered_by_open(start: Start) -> None:
    server = await start(registered=False)
    info = (await server.run("GetDataKKT"))["Info"]
    assert info["FN_IsFiscal"] is False
    sale = await server.run("RegisterCheck", **check([line("Хлеб", "60")], cash="60"))
    assert sale["Status"] == 2 and "ККТ не зарегистрирована" in sale["Error"], sale
    inn = "7707083893"
    number = make_reg_number(1, inn, info["KktNumber"])
    body = reg("Open", InnOrganization=inn, RegNumber=number, NameOrganization='ООО "Лютик"',
               AddressSettle="г. Тула, ул. Мира, 2", TaxVariant="1", InnOfd="7700000016",
               UrlServerOfd="ofd.example.ru", NameOFD="ОФД Пример", SetFfdVersion=4)
    assert (await server.run("KkmRegOfd", **body))["Status"] == 2  # a user may not
    wrong_rn = await server.run("KkmRegOfd", admin=True,
                                **{**body, "RegKkmOfd": {**body["RegKkmOfd"], "RegNumber": "1"}})
    assert wrong_rn["Status"] == 2 and "1037" in wrong_rn["Error"], wrong_rn
    opened = await server.run("KkmRegOfd", admin=True, **body)
    assert opened["Status"] == 0, opened
    assert opened["CheckNumber"] == 1
    assert opened["Info"]["FN_IsFiscal"] is True
    assert (opened["Info"]["InnOrganization"], opened["Info"]["RegNumber"]) == (inn, number)
    document = await server.run("GetDataCheck", FiscalNumber=1)
    assert document["RegisterCheck"]["CheckType"] == "Отчет о регистрации"
    sale = await server.run("RegisterCheck", **check([line("Хлеб", "60")], cash="60",
                                                     TaxVariant="1"))
    assert sale["Status"] == 0, sale
    again = await server.run("KkmRegOfd", admin=True, **body)
    assert again["Status"] == 2 and again["Error"].startswith("ККТ уже зарегистрирована")
