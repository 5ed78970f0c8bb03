"""List, GetDataKKT, GetLineLength and the shift commands (API.md §6.2, §6.4, §6.6, §6.7)."""

from __future__ import annotations

import json

from api.conftest import Edge, MakeEdge
from api.fakes import FN, MOMENT, device_info, handle, registration
from openkkm.errors import DeviceRejected, FiscalStateError
from openkkm.fiscal.types import DocumentType, FiscalDocument, ReceiptKind, ShiftState
from openkkm.jobs.devices import DeviceHandle
from openkkm.jobs.operations import CloseShift, OpenShift, ReadInfo, ReceiptDone

LIST_UNIT_KEYS = [
    "NumDevice", "IdDevice", "OnOff", "Active", "TypeDevice", "IdTypeDevice", "Firmware_Version",
    "IP", "Port", "NameDevice", "UnitName", "KktNumber", "INN", "RegNumber", "FnNumber", "InnOfd",
    "NameOrganization", "AddressSettle", "TaxVariant", "AddDate", "BSOMode", "ServiceMode",
    "OFD_Error", "OFD_NumErrorDoc", "OFD_DateErrorDoc", "FN_DateEnd", "FN_MemOverflowl",
    "FN_IsFiscal", "PaperOver", "FFDVersion", "FFDVersionFN", "FFDVersionKKT", "IsRegisterCheck"]


def two_devices() -> list[DeviceHandle]:
    """An online emulated register and an offline Shtrih over TCP with another INN."""
    second = handle(2, online=False, kind="shtrih", url="tcp://10.0.0.5:7778", name="Склад")
    second.registration = registration(inn="7811111111")
    second.info = None
    return [handle(1, name="Касса 1"), second]


async def test_list_every_field_in_order(make_edge: MakeEdge) -> None:
    edge = make_edge(devices=two_devices())
    response = await edge.execute({"Command": "List"})
    body = response.json()
    assert list(body) == ["ListUnit", "Command", "Error", "Warning", "Message", "Status",
                          "IdCommand"]
    assert body["IdCommand"] == "" and body["Status"] == 0
    first, second = body["ListUnit"]
    assert list(first) == LIST_UNIT_KEYS
    assert first["TypeDevice"] == "Фискальный регистратор"
    assert first["IdTypeDevice"] == "KktEmulator"
    assert first["IP"] == first["Port"] == "<Не определено>"
    assert first["UnitName"] == "Касса 1" and first["INN"] == "7700000009"
    assert first["TaxVariant"] == "0,1" and first["FFDVersion"] == "1.2"
    assert first["FN_DateEnd"] == "2027-03-01T00:00:00"
    assert first["OFD_NumErrorDoc"] == 3 and first["OFD_DateErrorDoc"] == "2026-01-14T10:00:00"
    assert first["AddDate"] == "0001-01-01T00:00:00"
    assert first["OnOff"] is True and first["Active"] is True and first["IsRegisterCheck"] is True
    assert second["IdTypeDevice"] == "shtrih" and second["IP"] == "10.0.0.5"
    assert second["Port"] == "7778" and second["Active"] is False
    assert second["UnitName"] == "Склад" and second["OFD_DateErrorDoc"] == "0001-01-01T00:00:00"


async def test_list_filters(make_edge: MakeEdge) -> None:
    edge = make_edge(devices=two_devices())

    async def nums(**filters: object) -> list[int]:
        body = (await edge.execute({"Command": "List", **filters})).json()
        assert body["Status"] == 0, body
        return [unit["NumDevice"] for unit in body["ListUnit"]]

    assert await nums(NumDevice=0) == [1, 2]
    assert await nums(NumDevice="2") == [2]
    assert await nums(InnKkm="7811111111") == [2]
    assert await nums(Active="true") == [1]
    assert await nums(Active=False) == [2]
    assert await nums(OnOff=None, Active=None) == [1, 2]
    assert await nums(FN_DateEnd="2027-06-01T00:00:00") == [1, 2]
    assert await nums(FN_DateEnd="2027-01-01T00:00:00") == []
    assert await nums(OFD_DateErrorDoc="2026-01-15T00:00:00") == [1]
    assert await nums(FN_IsFiscal=1) == [1, 2]


async def test_list_bad_filter_names_the_field(edge: Edge) -> None:
    body = (await edge.execute({"Command": "List", "active": "maybe"})).json()
    assert body["Status"] == 2 and body["Error"].startswith("Поле Active: ")


async def test_get_line_length(make_edge: MakeEdge) -> None:
    edge = make_edge(devices=[handle(1, line_length=42)])
    edge.jobs.handles[0].info = None
    body = (await edge.execute({"Command": "GetLineLength"})).json()
    assert body["LineLength"] == 42 and body["NumDevice"] == 1 and body["Status"] == 0


async def test_device_not_found_is_status_3(edge: Edge) -> None:
    body = (await edge.execute({"Command": "GetDataKKT", "NumDevice": 7, "IdCommand": "n"})).json()
    assert body["Status"] == 3
    assert body["Error"] == ("Устройство (с параметрами NumDevice=7, InnKkm=, KktNumber=) не "
                             "найдено: не настроено или отключено.")
    assert edge.jobs.submitted == []


async def test_get_data_kkt(edge: Edge) -> None:
    response = await edge.execute({"Command": "GetDataKKT", "NumDevice": 1, "IdCommand": "d"})
    body = response.json()
    assert list(body)[:5] == ["CheckNumber", "SessionNumber", "LineLength", "URL", "Info"]
    assert body["CheckNumber"] == 118 and body["SessionNumber"] == 23
    assert body["LineLength"] == 48 and body["URL"] == ""
    info = body["Info"]
    assert info["InnOrganization"] == "7700000009"
    assert info["NameOrganization"] == 'ООО "Ромашка"'
    assert info["SessionState"] == 2
    assert info["DateTimeKKT"] == "2026-01-15T15:50:11"
    assert info["FN_DateStart"] == "2026-01-01T09:30:00"
    assert info["BalanceCash"] == 800 and '"BalanceCash":800,' in response.text
    assert info["LessType1"] == "Безналичными"
    assert info["FFDVersion"] == info["FFDVersionFN"] == "1.2"
    assert body["NumDevice"] == 1 and body["UnitName"] == "Касса 1"
    assert isinstance(edge.jobs.submitted[0]["operation"], ReadInfo)


async def test_session_state_expired_and_no_dates(edge: Edge) -> None:
    edge.jobs.outcome = device_info(ShiftState.EXPIRED, ofd_oldest_unsent=None, cash_balance=1)
    body = (await edge.execute({"Command": "GetDataKKT"})).json()
    assert body["Info"]["SessionState"] == 3
    assert body["Info"]["OFD_DateErrorDoc"] == "0001-01-01T00:00:00"
    assert body["Info"]["BalanceCash"] == 0.01


async def test_open_shift(edge: Edge) -> None:
    response = await edge.execute({"Command": "OpenShift", "CashierName": "Иванова А.А.",
                                   "CashierVATIN": "123", "IdCommand": "s1"})
    body = response.json()
    assert list(body)[:5] == ["CheckNumber", "SessionNumber", "QRCode", "URL", "Info"]
    assert body["CheckNumber"] == 119 and body["SessionNumber"] == 24
    assert body["QRCode"] == "" and body["URL"] == "" and body["Info"]["SessionState"] == 2
    assert body["Status"] == 0 and body["Error"] == "" and body["IdCommand"] == "s1"
    assert "CashierVATIN" in body["Warning"]
    operation = edge.jobs.submitted[0]["operation"]
    assert isinstance(operation, OpenShift)
    assert operation.cashier is not None and operation.cashier.name == "Иванова А.А."
    assert operation.cashier.inn is None


async def test_close_shift_and_zreport_alias(edge: Edge) -> None:
    for name in ("CloseShift", "ZReport"):
        body = (await edge.execute({"Command": name})).json()
        assert body["Command"] == name and body["Status"] == 0
    assert all(isinstance(call["operation"], CloseShift) for call in edge.jobs.submitted)
    assert edge.jobs.submitted[0]["id_command"] != edge.jobs.submitted[1]["id_command"]


async def test_shift_state_error_is_status_2_with_vendor_code(edge: Edge) -> None:
    edge.jobs.outcome = FiscalStateError("Смена уже открыта: сначала закройте смену", vendor_code=2)
    body = (await edge.execute({"Command": "OpenShift"})).json()
    assert body["Status"] == 2
    assert body["Error"] == "Ошибка регистрации ( 2 : ККТ: Смена уже открыта: сначала закройте смену )"


async def test_open_close_no_error_turns_shift_refusals_into_warnings(make_edge: MakeEdge) -> None:
    edge = make_edge({"shift": {"open_close_no_error": True}})
    edge.jobs.outcome = FiscalStateError("Смена не открыта: откройте смену", vendor_code=2)
    body = (await edge.execute({"Command": "CloseShift"})).json()
    assert body["Status"] == 0 and body["Error"] == ""
    assert "Смена не открыта" in body["Warning"]
    edge.jobs.outcome = FiscalStateError("ФН не зарегистрирован", vendor_code=2)
    assert (await edge.execute({"Command": "CloseShift"})).json()["Status"] == 2


async def test_device_rejection_without_code_and_in_english(make_edge: MakeEdge) -> None:
    edge = make_edge({"server": {"language": "en"}})
    edge.jobs.outcome = DeviceRejected(0, "Нет бумаги", "Out of paper")
    body = (await edge.execute({"Command": "GetDataKKT"})).json()
    assert body["Error"] == "Out of paper"
    edge.jobs.outcome = DeviceRejected(115, "Нет бумаги", "Out of paper")
    body = (await edge.execute({"Command": "GetDataKKT"})).json()
    assert body["Error"] == "Registration error ( 115 : KKT: Out of paper )"


async def test_requests_handed_to_the_journal_are_plain_json(edge: Edge) -> None:
    await edge.execute(b'{"Command":"OpenShift","Amount":10.50,"Timeout":5}')
    request = edge.jobs.submitted[0]["request"]
    assert json.loads(json.dumps(request)) == request
    assert request["amount"] == "10.50"


RECEIPT = {"Command": "RegisterCheck", "IsFiscalCheck": True, "CashierName": "Иванова А.А.",
           "Cash": 10, "IdCommand": "rc-1",
           "CheckStrings": [{"Register": {"Name": "Хлеб", "Quantity": 1, "Price": 10,
                                          "Amount": 10, "Tax": 22, "SignMethodCalculation": 4,
                                          "SignCalculationObject": 1}}]}


async def test_register_check_on_a_missing_device_is_status_3(edge: Edge) -> None:
    body = (await edge.execute({**RECEIPT, "NumDevice": 5})).json()
    assert body["Status"] == 3 and "NumDevice=5" in body["Error"]
    assert edge.jobs.submitted == [] and edge.jobs.failures == []


async def test_register_check_on_a_device_never_read_is_refused(edge: Edge) -> None:
    device = edge.jobs.handles[0]
    device.registration, device.last_error = None, "ККТ не отвечает"
    body = (await edge.execute(RECEIPT)).json()
    assert body["Status"] == 2
    assert body["Error"] == "ККТ 1 (Касса 1) не готова к работе: ККТ не отвечает"
    assert edge.jobs.submitted == []


async def test_register_check_validation_error_is_recorded(edge: Edge) -> None:
    body = (await edge.execute({**RECEIPT, "CashierName": ""})).json()
    assert body["Status"] == 2 and "CashierName" in body["Error"]
    assert edge.jobs.submitted == []
    (failure,) = edge.jobs.failures
    assert failure["id_command"] == "rc-1" and failure["response"] == body


async def test_register_check_hash_ignores_timeout_and_key_spelling(edge: Edge) -> None:
    await edge.execute({**RECEIPT, "Timeout": 5})
    await edge.execute({**{key.lower(): value for key, value in RECEIPT.items()}, "Cash": "10.00"})
    first, second = edge.jobs.submitted
    assert first["body_hash"] == second["body_hash"]
    assert first["wait"] == 4.0


async def test_register_check_answer_has_the_ofd_link(edge: Edge) -> None:
    document = FiscalDocument(number=120, fiscal_sign=549164494, moment=MOMENT,
                              type=DocumentType.RECEIPT, fn_number=FN, shift_number=23,
                              receipt_number=2, kind=ReceiptKind.SALE, total=1000)
    edge.jobs.outcome = ReceiptDone(document, None, 48)
    response = await edge.execute(RECEIPT)
    body = response.json()
    assert body["Status"] == 0 and body["CheckNumber"] == 120
    assert body["URL"] == body["QRCode"] == (
        f"t=20260115T154700&s=10.00&fn={FN}&i=120&fp=549164494&n=1")
    assert body["OfdUrl"] == "https://receipt.taxcom.ru/v01/show?fp=549164494&s=10.00"
    assert '"Cash":10,' in response.text
