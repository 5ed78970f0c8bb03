"""The 54-ФЗ flows through the HTTP app, the real JobService and an ATOL register (emulated).

Device 1 is ``kind = "atol"`` at ``emulator://atol``: the ATOL emulator in process over a loop
link, driven by ``AtolDriver`` over protocol 3.1 (lower layer v3).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from openkkm.emulators.atol import AtolEmulator
from openkkm.emulators.fn.counters import readout
from openkkm.emulators.fn.identity import make_reg_number
from openkkm.fiscal import tlv
from openkkm.fiscal.types import DocumentType, ReceiptKind

from .emulated_server import EmulatedServer, emulated_server, shelf
from .virtual_server import check, line

CORRECTION = {"CorrectionType": 1, "CorrectionBaseDate": "2026-01-10T00:00:00",
              "CorrectionBaseNumber": "ПР-5"}


@pytest.fixture
async def atol(tmp_path: Path) -> AsyncIterator[EmulatedServer]:
    """A server whose device 1 is the emulated АТОЛ register."""
    async with emulated_server(tmp_path, "atol", "АТОЛ") as server:
        yield server


def form_tags(emu: AtolEmulator, number: int) -> dict[int, bytes]:
    """The top-level tags of FD ``number`` in the emulated ФН."""
    form = next(tlv.iter_tlv(emu.fn.document(number).tlv))[1]
    return dict(tlv.iter_tlv(form))


async def test_a_shift_of_54fz_operations_on_an_atol_register(atol: EmulatedServer) -> None:
    emu = atol.emulator
    opened = await atol.ok("OpenShift", CashierName="Иванова А.А.")
    assert opened["SessionNumber"] == emu.fn.shift_number
    assert emu.fn.document(opened["CheckNumber"]).type is DocumentType.SHIFT_OPEN

    deposit = await atol.ok("DepositingCash", Amount=5000, CashierName="Иванова А.А.")
    assert deposit["BalanceCash"] == 5000 == emu.cash / 100
    sale = await atol.ok("RegisterCheck", **check([line("Хлеб", "60", tax=10)], cash="100"))
    card = await atol.ok("RegisterCheck", **check([line("Сыр", "300")], electronic="300"))
    refund = await atol.ok("RegisterCheck",
                           **check([line("Хлеб", "60", tax=10)], type_check=1, cash="60"))
    for answer, total in ((sale, 6000), (card, 30000), (refund, 6000)):
        document = emu.fn.document(answer["CheckNumber"])
        assert document.type is DocumentType.RECEIPT and document.total == total
        assert answer["SessionNumber"] == emu.fn.shift_number
    assert [sale["SessionCheckNumber"], card["SessionCheckNumber"]] == [1, 2]

    correction = await atol.ok("RegisterCheck", **check(
        [line("Недобитая выручка", "500")], type_check=2, cash="500", **CORRECTION))
    corrected = emu.fn.document(correction["CheckNumber"])
    assert corrected.type is DocumentType.CORRECTION and corrected.kind is ReceiptKind.SALE
    tags = form_tags(emu, correction["CheckNumber"])
    assert tags[1173] == tlv.byte(1)
    assert tlv.read_string(dict(tlv.iter_tlv(tags[1174]))[1179]) == "ПР-5"

    paid = await atol.ok("PaymentCash", Amount=1000, CashierName="Иванова А.А.")
    assert paid["BalanceCash"] == 5000 + 60 - 60 + 500 - 1000 == emu.cash / 100
    assert (await atol.ok("RequestCash"))["BalanceCash"] == paid["BalanceCash"]

    last = (await atol.ok("GetDataKKT"))["CheckNumber"]
    assert last == emu.fn.last_number
    await atol.ok("XReport", CashierName="Иванова А.А.")
    assert (await atol.ok("GetDataKKT"))["CheckNumber"] == last  # no fiscal document

    report = await atol.ok("OfdReport", CashierName="Иванова А.А.")
    assert report["CheckNumber"] == last + 1
    assert emu.fn.document(last + 1).type is DocumentType.STATUS_REPORT
    read = await atol.ok("GetDataCheck", FiscalNumber=report["CheckNumber"])
    assert read["RegisterCheck"]["CheckType"] == "Текущее состояние расчетов"
    receipt = await atol.ok("GetDataCheck", FiscalNumber=card["CheckNumber"])
    assert receipt["RegisterCheck"]["CheckType"] == "Приход"

    counters = await atol.ok("GetCounters")
    sales = shelf(counters, "Shift", "Shell")
    own = readout(emu.fn.shift_totals())[0]
    assert sales["Count"] == own.count == 3 and sales["Sum"] == own.total / 100 == 860
    assert sales["CorrectionsCount"] == 1 and sales["CorrectionsSum"] == 500
    assert shelf(counters, "Shift", "ShellReturn")["Count"] == 1

    info = (await atol.ok("GetDataKKT"))["Info"]
    assert info["SessionState"] == 2 and info["BalanceCash"] == paid["BalanceCash"]
    closed = await atol.ok("CloseShift", CashierName="Иванова А.А.")
    assert emu.fn.document(closed["CheckNumber"]).type is DocumentType.SHIFT_CLOSE
    assert (await atol.ok("GetDataKKT"))["Info"]["SessionState"] == 1


async def test_return_correction_and_a_refused_quantity(atol: EmulatedServer) -> None:
    emu = atol.emulator
    await atol.ok("OpenShift", CashierName="Иванова А.А.")
    answer = await atol.ok("RegisterCheck", **check(
        [line("Возврат без чека", "120")], type_check=3, cash="120", **CORRECTION))
    document = emu.fn.document(answer["CheckNumber"])
    assert document.type is DocumentType.CORRECTION
    assert document.kind is ReceiptKind.SALE_RETURN
    refused = await atol.run("RegisterCheck", **check(
        [line("Провод", "10", quantity="1.0005", Amount="10.01")], cash="10.01"))
    assert refused["Status"] == 2, refused
    assert "Quantity" in refused["Error"] and "3 знаков" in refused["Error"]
    assert emu.fn.last_number == answer["CheckNumber"]  # nothing formed


async def test_marking_codes_on_an_atol_register(atol: EmulatedServer) -> None:
    emu = atol.emulator
    gs = "\x1d"
    shoes = f"0104601234567890215Abc1234567{gs}91EE10{gs}92dGVzdA=="
    answer = await atol.ok("ValidationMarkingCode", TypeCheck=0, GoodCodeDatas=[
        {"Name": "Кроссовки", "BarCode": shoes}])
    assert answer["MarkingCodeValidation"][0]["ValidationKKT"]["ValidationResult"] == 3
    await atol.ok("OpenShift", CashierName="Иванова А.А.")
    sold = await atol.ok("RegisterCheck", **check(
        [line("Кроссовки", "3000", GoodCodeData={"BarCode": shoes}, SignMethodCalculation=4,
              SignCalculationObject=33, MeasureOfQuantity=0)], cash="3000"))
    form = form_tags(emu, sold["CheckNumber"])
    item = dict(tlv.iter_tlv(form[1059]))
    assert 1163 in item and item[2106][0] & 0b11 == 0b11
    emu.fn.rejected_codes.add(shoes)
    bad = await atol.ok("ValidationMarkingCode", GoodCodeDatas=[{"BarCode": shoes}])
    assert bad["MarkingCodeValidation"][0]["ValidationKKT"]["ValidationResult"] == 1


async def test_re_registration_and_closing_the_fn_on_an_atol_register(atol: EmulatedServer) -> None:
    emu = atol.emulator
    body = {"CashierName": "Администратор", "RegKkmOfd": {
        "Command": "ChangeOFD", "UrlServerOfd": "ofd.example.ru", "PortServerOfd": "7777",
        "InnOfd": "7700000016", "NameOFD": "ОФД Пример"}}
    ofd = await atol.ok("KkmRegOfd", admin=True, **body)
    assert emu.fn.document(ofd["CheckNumber"]).type is DocumentType.REREGISTRATION
    assert int.from_bytes(form_tags(emu, ofd["CheckNumber"])[1205], "little") == 0b10
    assert emu.fn.registration.ofd_inn == "7700000016"
    assert ofd["Info"]["InnOfd"] == "7700000016" and ofd["Info"]["NameOFD"] == "ОФД Пример"

    emu.fn.confirm_ofd()  # the ФН closes only with the OFD queue empty
    closed = await atol.ok("KkmRegOfd", admin=True,
                           CashierName="Администратор", RegKkmOfd={"Command": "Close"})
    assert emu.fn.document(closed["CheckNumber"]).type is DocumentType.FN_CLOSE
    assert emu.fn.closed
    old = emu.fn.fn_number
    changed = await atol.ok("KkmRegOfd", admin=True,
                            CashierName="Администратор", RegKkmOfd={"Command": "ChangeFN"})
    assert changed["CheckNumber"] == 1 and emu.fn.fn_number != old
    assert emu.fn.document(1).type is DocumentType.REREGISTRATION
    assert int.from_bytes(form_tags(emu, 1)[1205], "little") == 1  # the ФН was replaced
    assert changed["Info"]["FnNumber"] == emu.fn.fn_number
    assert changed["Info"]["FN_IsFiscal"] is True
    sale = await atol.ok("RegisterCheck", **check([line("Хлеб", "60")], cash="60"))
    assert f"fn={emu.fn.fn_number}" in sale["QRCode"]


async def test_an_unregistered_atol_register_is_registered_by_open(tmp_path: Path) -> None:
    async with emulated_server(tmp_path, "atol", "АТОЛ", registered=False) as atol:
        emu = atol.emulator
        assert (await atol.ok("GetDataKKT"))["Info"]["FN_IsFiscal"] is False
        refused = await atol.run("RegisterCheck", **check([line("Хлеб", "60")], cash="60"))
        assert refused["Status"] == 2 and "не зарегистрирована" in refused["Error"], refused
        inn = "7707083893"
        number = make_reg_number(1, inn, emu.fn.registration.kkt_number)
        opened = await atol.ok("KkmRegOfd", admin=True, CashierName="Администратор", RegKkmOfd={
            "Command": "Open", "InnOrganization": inn, "RegNumber": number,
            "NameOrganization": 'ООО "Лютик"', "AddressSettle": "г. Тула, ул. Мира, 2",
            "TaxVariant": "1", "InnOfd": "7700000016", "UrlServerOfd": "ofd.example.ru"})
        assert opened["CheckNumber"] == 1 and emu.fn.fiscalised
        assert emu.fn.document(1).type is DocumentType.REGISTRATION
        assert form_tags(emu, 1)[1037].decode("cp866").strip() == number
        assert opened["Info"]["InnOrganization"] == inn and opened["Info"]["FN_IsFiscal"] is True
        sale = await atol.ok("RegisterCheck", **check([line("Хлеб", "60")], cash="60",
                                                      TaxVariant="1"))
        assert emu.fn.document(sale["CheckNumber"]).type is DocumentType.RECEIPT
