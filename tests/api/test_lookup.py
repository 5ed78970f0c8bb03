"""Lookup commands end to end: GetDataCheck (§6.8), GetCounters (§6.9), GetDataKKT (§6.7)."""

from __future__ import annotations

from api import virtual_server
from api.virtual_server import Start, check, line

start = virtual_server.start


async def test_get_data_check_reads_a_receipt_back(start: Start) -> None:
    server = await start()
    sale = await server.run("RegisterCheck", **check(
        [line("Сапоги женские", "1500", "2", tax=22), line("Крем", "99.90", tax=-1)],
        cash="2000", electronic="1099.90", ClientAddress="client@example.ru"))
    assert sale["Status"] == 0, sale
    answer = await server.run("GetDataCheck", FiscalNumber=sale["CheckNumber"])
    assert answer["Status"] == 0, answer
    assert list(answer)[:6] == ["Slip", "URL", "QRCode", "OfdUrl", "LineLength", "RegisterCheck"]
    assert answer["URL"] == sale["URL"] and answer["QRCode"] == sale["QRCode"]
    data = answer["RegisterCheck"]
    assert data["FiscalNumber"] == str(sale["CheckNumber"])
    assert data["CheckType"] == "Приход" and data["CashierName"] == "Иванова А.А."
    assert data["ClientAddress"] == "client@example.ru" and data["TaxVariant"] == "0"
    assert data["Register"] == [
        {"Name": "Сапоги женские", "Quantity": 2, "Amount": 3000, "Tax": 22, "GoodCodeData": None},
        {"Name": "Крем", "Quantity": 1, "Amount": 99.9, "Tax": -1, "GoodCodeData": None}]
    assert data["Cash"] == 2000 and data["ElectronicPayment"] == 1099.9
    assert data["AllSumm"] == 3099.9
    assert answer["Slip"].split("\r\n")[:2] == ["КОПИЯ", "ПРИХОД"]
    assert f"ФД {sale['CheckNumber']} ФП " in answer["Slip"]


async def test_get_data_check_zero_is_the_last_document_and_reprints(start: Start) -> None:
    server = await start()
    refund = await server.run("RegisterCheck", **check([line("Хлеб", "60")], type_check=1,
                                                       electronic="60"))
    answer = await server.run("GetDataCheck", FiscalNumber=0, NumberCopies=2)
    assert answer["RegisterCheck"]["FiscalNumber"] == str(refund["CheckNumber"])
    assert answer["RegisterCheck"]["CheckType"] == "Возврат прихода"
    slips = list(server.driver().slips)[-2:]
    assert len(slips) == 2 and slips[0] == slips[1]
    assert [element.text for element in slips[0].elements][:2] == ["КОПИЯ", "ВОЗВРАТ ПРИХОДА"]


async def test_get_data_check_of_a_shift_report_and_a_missing_number(start: Start) -> None:
    server = await start()
    opened = await server.run("OpenShift", CashierName="Петров П.П.")
    report = await server.run("GetDataCheck", FiscalNumber=opened["CheckNumber"])
    assert report["RegisterCheck"]["CheckType"] == "Открытие смены"
    assert report["RegisterCheck"]["CashierName"] == "Петров П.П."
    assert report["URL"] == "" and report["RegisterCheck"]["Register"] == []
    missing = await server.run("GetDataCheck", FiscalNumber=999)
    assert missing["Status"] == 2
    assert missing["Error"] == "Документ с номером 999 в ФН не найден"
    bad = await server.run("GetDataCheck", FiscalNumber=-1)
    assert bad["Status"] == 2 and bad["Error"].startswith("Поле FiscalNumber: ")


async def test_correction_reads_back_as_a_correction(start: Start) -> None:
    server = await start()
    correction = await server.run("RegisterCheck", **check(
        [line("Недобитая выручка", "500")], type_check=2, cash="500", CorrectionType=0,
        CorrectionBaseDate="2026-01-10T00:00:00", CorrectionBaseNumber="б/н"))
    assert correction["Status"] == 0, correction
    answer = await server.run("GetDataCheck", FiscalNumber=correction["CheckNumber"])
    assert answer["RegisterCheck"]["CheckType"] == "Коррекция приход"
    counters = await server.run("GetCounters")
    sale = next(item for item in counters["Counters"]
                if item["CountersType"] == "Shift" and item["ReceiptType"] == "Shell")
    assert sale["CorrectionsCount"] == 1 and sale["CorrectionsSum"] == 500


async def test_get_counters_with_the_cyrillic_alias_and_field_order(start: Start) -> None:
    server = await start()
    await server.run("RegisterCheck", **check([line("Чай", "100", tax=22)], cash="70",
                                              electronic="30"))
    answer = await server.run("GetСounters")  # Cyrillic «С»
    assert answer["Status"] == 0 and answer["Command"] == "GetCounters", answer
    assert len(answer["Counters"]) == 8
    sale = answer["Counters"][0]
    assert list(sale) == [
        "CountersType", "ReceiptType", "Count", "Sum", "Cash", "ElectronicPayment",
        "AdvancePayment", "Credit", "CashProvision", "Tax22", "Tax10", "Tax0", "TaxNo",
        "Tax122", "Tax110", "Tax20", "Tax120", "Tax5", "Tax7", "Tax105", "Tax107",
        "CorrectionsCount", "CorrectionsSum"]
    assert (sale["CountersType"], sale["ReceiptType"], sale["Count"]) == ("Shift", "Shell", 1)
    assert (sale["Sum"], sale["Cash"], sale["ElectronicPayment"]) == (100, 70, 30)
    assert sale["Tax22"] == 18.03


async def test_get_counters_needs_ffd_12(start: Start) -> None:
    server = await start(ffd="1.05")
    answer = await server.run("GetCounters")
    assert answer["Status"] == 2
    assert answer["Error"] == ("Команда GetCounters доступна только для ККТ с ФФД 1.2 "
                               "(у ККТ 1 — ФФД 1.05)")


async def test_get_data_kkt_reports_fn_and_ofd_state(start: Start) -> None:
    server = await start()
    await server.run("RegisterCheck", **check([line("Хлеб", "60")], cash="60"))
    answer = await server.run("GetDataKKT")
    info = answer["Info"]
    assert info["FFDVersion"] == "1.2" and len(info["FnNumber"]) == 16
    assert info["OFD_NumErrorDoc"] == answer["CheckNumber"]  # nothing confirmed yet
    assert info["FN_DateEnd"] > info["FN_DateStart"] and info["BalanceCash"] == 60
