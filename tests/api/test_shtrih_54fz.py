"""The 54-ФЗ flows through the HTTP app, the real JobService and a Shtrih register (emulated).

Device 1 is ``kind = "shtrih"`` at ``emulator://shtrih``: the Shtrih emulator in process over a
loop link, driven by ``ShtrihDriver`` over the Shtrih-M protocol.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from openkkm.emulators.fn.counters import readout
from openkkm.emulators.fn.identity import make_reg_number
from openkkm.emulators.shtrih import ShtrihEmulator
from openkkm.fiscal import tlv
from openkkm.fiscal.types import DocumentType

from .emulated_server import EmulatedServer, emulated_server, shelf
from .virtual_server import check, line


@pytest.fixture
async def shtrih(tmp_path: Path) -> AsyncIterator[EmulatedServer]:
    """A server whose device 1 is the emulated Штрих register."""
    async with emulated_server(tmp_path, "shtrih", "Штрих") as server:
        yield server


async def test_a_shift_of_54fz_operations_on_a_shtrih_register(shtrih: EmulatedServer) -> None:
    emu = shtrih.emulator
    opened = await shtrih.ok("OpenShift", CashierName="Иванова А.А.")
    assert opened["SessionNumber"] == emu.fn.shift_number
    assert emu.fn.document(opened["CheckNumber"]).type is DocumentType.SHIFT_OPEN

    deposit = await shtrih.ok("DepositingCash", Amount=5000, CashierName="Иванова А.А.")
    assert deposit["BalanceCash"] == 5000 == emu.fn.cash / 100
    sale = await shtrih.ok("RegisterCheck", **check([line("Хлеб", "60", tax=10)], cash="100"))
    card = await shtrih.ok("RegisterCheck", **check([line("Сыр", "300")], electronic="300"))
    refund = await shtrih.ok("RegisterCheck",
                             **check([line("Хлеб", "60", tax=10)], type_check=1, cash="60"))
    purchase = await shtrih.ok("RegisterCheck",
                               **check([line("Тара", "15", tax=-1)], type_check=10, cash="15"))
    for answer, total in ((sale, 6000), (card, 30000), (refund, 6000), (purchase, 1500)):
        document = emu.fn.document(answer["CheckNumber"])
        assert document.type is DocumentType.RECEIPT and document.total == total
        assert answer["SessionNumber"] == emu.fn.shift_number
    assert [sale["SessionCheckNumber"], card["SessionCheckNumber"]] == [1, 2]

    paid = await shtrih.ok("PaymentCash", Amount=1000, CashierName="Иванова А.А.")
    assert paid["BalanceCash"] == 5000 + 60 - 60 - 15 - 1000 == emu.fn.cash / 100
    assert (await shtrih.ok("RequestCash"))["BalanceCash"] == paid["BalanceCash"]

    last = (await shtrih.ok("GetDataKKT"))["CheckNumber"]
    assert last == emu.fn.last_number
    await shtrih.ok("XReport", CashierName="Иванова А.А.")
    assert (await shtrih.ok("GetDataKKT"))["CheckNumber"] == last  # no fiscal document

    report = await shtrih.ok("OfdReport", CashierName="Иванова А.А.")
    assert report["CheckNumber"] == last + 1
    assert emu.fn.document(last + 1).type is DocumentType.STATUS_REPORT
    read = await shtrih.ok("GetDataCheck", FiscalNumber=report["CheckNumber"])
    assert read["RegisterCheck"]["CheckType"] == "Текущее состояние расчетов"
    receipt = await shtrih.ok("GetDataCheck", FiscalNumber=card["CheckNumber"])
    assert receipt["RegisterCheck"]["CheckType"] == "Приход"

    counters = await shtrih.ok("GetCounters")
    sales = shelf(counters, "Shift", "Shell")
    own = readout(emu.fn.shift_totals())[0]
    assert sales["Count"] == own.count == 2 and sales["Sum"] == own.total / 100 == 360
    assert shelf(counters, "Shift", "ShellReturn")["Count"] == 1
    assert shelf(counters, "Total", "Buy")["Sum"] == 15

    info = (await shtrih.ok("GetDataKKT"))["Info"]
    assert info["SessionState"] == 2 and info["BalanceCash"] == paid["BalanceCash"]
    closed = await shtrih.ok("CloseShift", CashierName="Иванова А.А.")
    assert emu.fn.document(closed["CheckNumber"]).type is DocumentType.SHIFT_CLOSE
    assert (await shtrih.ok("GetDataKKT"))["Info"]["SessionState"] == 1


async def test_not_printed_receipt_prints_no_text_lines(shtrih: EmulatedServer) -> None:
    emu = shtrih.emulator
    await shtrih.ok("OpenShift", CashierName="Иванова А.А.")
    fields = check([{"PrintText": {"Text": "Спасибо за покупку"}}, line("Хлеб", "60")],
                   cash="60", NotPrint=True, ClientAddress="client@example.ru")
    answer = await shtrih.ok("RegisterCheck", **fields)
    assert not any("Спасибо" in printed for printed in emu.state.journal)
    form = next(tlv.iter_tlv(emu.fn.document(answer["CheckNumber"]).tlv))[1]
    assert tlv.read_string(dict(tlv.iter_tlv(form))[1008]) == "client@example.ru"
    await shtrih.ok("RegisterCheck", **{**fields, "NotPrint": False})
    assert any("Спасибо" in printed for printed in emu.state.journal)



def reg(command: str, **fields: Any) -> dict[str, Any]:
    """A ``KkmRegOfd`` body for ``RegKkmOfd.Command`` = ``command``."""
    return {"CashierName": "Администратор", "RegKkmOfd": {"Command": command, **fields}}


def reasons(emu: ShtrihEmulator, number: int) -> int:
    """The 1205 bits of re-registration report ``number`` in the emulated ФН."""
    form = next(tlv.iter_tlv(emu.fn.document(number).tlv))[1]
    return int.from_bytes(dict(tlv.iter_tlv(form))[1205], "little")


async def test_re_registration_and_closing_the_fn_on_a_shtrih_register(
    shtrih: EmulatedServer,
) -> None:
    emu = shtrih.emulator
    ofd = await shtrih.ok("KkmRegOfd", admin=True, **reg(
        "ChangeOFD", UrlServerOfd="ofd.example.ru", PortServerOfd="7777", InnOfd="7700000016",
        NameOFD="ОФД Пример"))
    assert emu.fn.document(ofd["CheckNumber"]).type is DocumentType.REREGISTRATION
    assert ofd["Info"]["InnOfd"] == "7700000016" and ofd["Info"]["NameOFD"] == "ОФД Пример"
    assert reasons(emu, ofd["CheckNumber"]) == 0b10  # the OFD changed
    assert emu.fn.registration.ofd_inn == "7700000016"

    org = await shtrih.ok("KkmRegOfd", admin=True, **reg(
        "ChangeOrganization", NameOrganization='ООО "Василек"',
        AddressSettle="г. Тула, ул. Мира, 2", TaxVariant="0,1"))
    assert org["Info"]["NameOrganization"] == 'ООО "Василек"'
    assert reasons(emu, org["CheckNumber"]) == 0b1100  # name and address
    assert emu.fn.registration.address == "г. Тула, ул. Мира, 2"
    await shtrih.ok("RegisterCheck", **check([line("Хлеб", "60")], cash="60"))
    await shtrih.ok("CloseShift", CashierName="Иванова А.А.")

    last = emu.fn.last_number
    refused = await shtrih.run("KkmRegOfd", admin=True, **reg("ChangeFN"))
    assert refused["Status"] == 2 and emu.fn.last_number == last  # the ФН is not closed
    emu.fn.confirm_ofd()  # the ФН closes only with the OFD queue empty
    closed = await shtrih.ok("KkmRegOfd", admin=True, **reg("Close"))
    assert emu.fn.document(closed["CheckNumber"]).type is DocumentType.FN_CLOSE
    assert emu.fn.closed
    old = emu.fn.fn_number

    changed = await shtrih.ok("KkmRegOfd", admin=True, **reg("ChangeFN"))
    assert changed["CheckNumber"] == 1 and emu.fn.fn_number != old
    assert emu.fn.document(1).type is DocumentType.REREGISTRATION
    assert reasons(emu, 1) == 1  # bit 0: the ФН was replaced
    assert changed["Info"]["FnNumber"] == emu.fn.fn_number
    assert changed["Info"]["FN_IsFiscal"] is True
    assert emu.fn.registration.organization == 'ООО "Василек"'  # the registration carried over
    sale = await shtrih.ok("RegisterCheck", **check([line("Хлеб", "60")], cash="60"))
    assert f"fn={emu.fn.fn_number}" in sale["QRCode"]
    assert emu.fn.document(sale["CheckNumber"]).type is DocumentType.RECEIPT


async def test_an_unregistered_shtrih_register_is_registered_by_open(tmp_path: Path) -> None:
    async with emulated_server(tmp_path, "shtrih", "Штрих", registered=False) as shtrih:
        emu = shtrih.emulator
        assert not emu.fn.fiscalised
        info = (await shtrih.ok("GetDataKKT"))["Info"]
        assert info["FN_IsFiscal"] is False
        refused = await shtrih.run("RegisterCheck", **check([line("Хлеб", "60")], cash="60"))
        assert refused["Status"] == 2 and "не зарегистрирована" in refused["Error"], refused
        inn = "7707083893"
        number = make_reg_number(1, inn, emu.fn.registration.kkt_number)
        opened = await shtrih.ok("KkmRegOfd", admin=True, **reg(
            "Open", InnOrganization=inn, RegNumber=number, NameOrganization='ООО "Лютик"',
            AddressSettle="г. Тула, ул. Мира, 2", TaxVariant="1", InnOfd="7700000016",
            UrlServerOfd="ofd.example.ru", NameOFD="ОФД Пример", SetFfdVersion=4))
        assert opened["CheckNumber"] == 1 and emu.fn.fiscalised
        assert emu.fn.document(1).type is DocumentType.REGISTRATION
        registration = emu.fn.registration
        assert (registration.inn, registration.reg_number) == (inn, number)
        assert registration.organization == 'ООО "Лютик"' and registration.tax_systems == (1,)
        assert opened["Info"]["InnOrganization"] == inn and opened["Info"]["RegNumber"] == number
        assert opened["Info"]["FN_IsFiscal"] is True
        sale = await shtrih.ok("RegisterCheck", **check([line("Хлеб", "60")], cash="60",
                                                        TaxVariant="1"))
        assert emu.fn.document(sale["CheckNumber"]).type is DocumentType.RECEIPT
        again = await shtrih.run("KkmRegOfd", admin=True, **reg(
            "Open", InnOrganization=inn, RegNumber=number, TaxVariant="1", InnOfd="7700000016",
            UrlServerOfd="ofd.example.ru"))
        assert again["Status"] == 2 and emu.fn.last_number == sale["CheckNumber"]


async def test_a_register_set_to_protocol_2_through_the_api(tmp_path: Path) -> None:
    async with emulated_server(tmp_path, "shtrih", "Штрих", protocol=2) as shtrih:
        emu = shtrih.emulator
        sale = await shtrih.ok("RegisterCheck", **check([line("Хлеб", "60")], cash="60"))
        assert emu.fn.document(sale["CheckNumber"]).total == 6000
        assert emu.link_v2.last_number > 0  # the server spoke numbered frames
        closed = await shtrih.ok("CloseShift", CashierName="Иванова А.А.")
        assert emu.fn.document(closed["CheckNumber"]).type is DocumentType.SHIFT_CLOSE
