"""Shift and report commands end to end on the virtual register (``API.md`` §6.4)."""

from __future__ import annotations

from api import virtual_server
from api.virtual_server import Start, check, line

start = virtual_server.start


async def test_x_report_is_no_fiscal_document(start: Start) -> None:
    server = await start()
    await server.run("RegisterCheck", **check([line("Хлеб", "60")], cash="60"))
    last = (await server.run("GetDataKKT"))["CheckNumber"]
    answer = await server.run("XReport", CashierName="Иванова А.А.")
    assert answer["Status"] == 0, answer
    assert next(iter(answer)) == "Command"  # common fields only
    assert (await server.run("GetDataKKT"))["CheckNumber"] == last
    printed = [element.text for element in server.driver().slips[-1].elements]
    assert printed[0] == "X-ОТЧЕТ, смена 1"
    assert "SALE: 1 на 60.00" in printed and printed[-1] == "Кассир Иванова А.А."
    sale = printed.index("SALE: 1 на 60.00")
    assert printed[sale + 1:sale + 3] == ["  наличными 60.00", "  НДС VAT22 10.82"]


async def test_ofd_report_forms_the_current_state_report(start: Start) -> None:
    server = await start()
    last = (await server.run("GetDataKKT"))["CheckNumber"]
    answer = await server.run("OfdReport", CashierName="Иванова А.А.")
    assert answer["Status"] == 0, answer
    assert list(answer)[:2] == ["CheckNumber", "Info"]
    assert answer["CheckNumber"] == last + 1
    assert answer["Info"]["OFD_NumErrorDoc"] == last + 1
    document = await server.run("GetDataCheck", FiscalNumber=answer["CheckNumber"])
    assert document["RegisterCheck"]["CheckType"] == "Текущее состояние расчетов"


async def test_z_report_with_no_open_shift_is_a_shift_error(start: Start) -> None:
    server = await start()
    answer = await server.run("CloseShift", CashierName="Иванова А.А.")
    assert answer["Status"] == 2
    assert "Смена не открыта" in answer["Error"]
    assert "Смена не открыта" in (await server.run("ZReport"))["Error"]


async def test_z_report_carries_info_and_resets_the_shift_counters(start: Start) -> None:
    server = await start()
    await server.run("RegisterCheck", **check([line("Хлеб", "60", tax=10)], cash="60"))
    shift = await server.run("GetCounters")
    sale = next(item for item in shift["Counters"]
                if item["CountersType"] == "Shift" and item["ReceiptType"] == "Shell")
    assert sale["Count"] == 1 and sale["Sum"] == 60 and sale["Tax10"] == 5.45
    closed = await server.run("CloseShift", CashierName="Иванова А.А.")
    assert closed["Status"] == 0 and closed["Info"]["SessionState"] == 1
    opened = await server.run("OpenShift", CashierName="Иванова А.А.")
    assert opened["SessionNumber"] == 2
    after = await server.run("GetCounters")
    new_shift = next(item for item in after["Counters"]
                     if item["CountersType"] == "Shift" and item["ReceiptType"] == "Shell")
    total = next(item for item in after["Counters"]
                 if item["CountersType"] == "Total" and item["ReceiptType"] == "Shell")
    assert new_shift["Count"] == 0 and new_shift["Sum"] == 0
    assert total["Count"] == 1 and total["Sum"] == 60
