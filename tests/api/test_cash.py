"""Cash in, cash out, the drawer and the cash balance end to end on the virtual register."""

from __future__ import annotations

from api import virtual_server
from api.virtual_server import USER, Start, check, line

start = virtual_server.start


async def test_deposit_opens_the_shift_and_counts_the_cash(start: Start) -> None:
    server = await start()
    before = await server.run("GetDataKKT")
    assert before["Info"]["SessionState"] == 1 and before["Info"]["BalanceCash"] == 0
    deposit = await server.run("DepositingCash", Amount=5000, CashierName="Иванова А.А.")
    assert deposit["Status"] == 0, deposit
    assert deposit["BalanceCash"] == 5000 and deposit["SessionNumber"] == 1
    assert list(deposit)[:2] == ["BalanceCash", "SessionNumber"]
    assert (await server.run("RequestCash"))["BalanceCash"] == 5000
    info = (await server.run("GetDataKKT"))["Info"]
    assert info["SessionState"] == 2 and info["BalanceCash"] == 5000


async def test_receipts_move_the_drawer_by_their_cash_part(start: Start) -> None:
    server = await start()
    assert (await server.run("DepositingCash", Amount="100.50"))["Status"] == 0
    sale = await server.run("RegisterCheck", **check([line("Хлеб", "60")], cash="100",
                                                     electronic="0"))
    assert sale["Status"] == 0, sale
    card = await server.run("RegisterCheck", **check([line("Сыр", "300")], electronic="300"))
    assert card["Status"] == 0, card
    refund = await server.run("RegisterCheck", **check([line("Хлеб", "60")], type_check=1,
                                                       cash="60"))
    assert refund["Status"] == 0, refund
    assert (await server.run("RequestCash"))["BalanceCash"] == 100.5  # 100.50 + 60 - 60


async def test_payout_beyond_the_balance_is_refused_and_changes_nothing(start: Start) -> None:
    server = await start()
    assert (await server.run("DepositingCash", Amount=1000))["Status"] == 0
    refused = await server.run("PaymentCash", Amount="1000.01", CashierName="Иванова А.А.")
    assert refused["Status"] == 2
    assert "Не хватает наличности в кассе" in refused["Error"]
    assert refused["Error"].startswith("Ошибка регистрации (")
    assert (await server.run("RequestCash"))["BalanceCash"] == 1000
    paid = await server.run("PaymentCash", Amount=999)
    assert paid["Status"] == 0 and paid["BalanceCash"] == 1


async def test_bad_amounts_name_the_field(start: Start) -> None:
    server = await start()
    for amount in (0, -5, "12.345", "abc"):
        answer = await server.run("DepositingCash", Amount=amount)
        assert answer["Status"] == 2, amount
        assert answer["Error"].startswith("Поле Amount: "), answer["Error"]
    missing = await server.run("PaymentCash")
    assert missing["Error"] == "Поле Amount: не указана сумма; допустимо число больше 0"
    assert (await server.run("RequestCash"))["BalanceCash"] == 0
    assert (await server.run("GetDataKKT"))["Info"]["SessionState"] == 1


async def test_cash_with_auto_open_off_needs_an_open_shift(start: Start) -> None:
    server = await start(auto_open_shift=False)
    refused = await server.run("DepositingCash", Amount=10)
    assert refused["Status"] == 2 and "Смена не открыта" in refused["Error"]
    assert (await server.run("OpenShift", CashierName="Иванова А.А."))["Status"] == 0
    assert (await server.run("DepositingCash", Amount=10))["BalanceCash"] == 10


async def test_open_cash_drawer_answers_the_common_fields(start: Start) -> None:
    server = await start()
    answer = await server.run("OpenCashDrawer")
    assert answer["Status"] == 0 and answer["Error"] == ""
    assert list(answer) == ["Command", "Error", "Warning", "Message", "Status", "IdCommand",
                            "NumDevice", "UnitName"]


async def test_resending_a_deposit_does_not_move_cash_twice(start: Start) -> None:
    server = await start()
    body = {"Command": "DepositingCash", "NumDevice": 1, "IdCommand": "cash-once", "Amount": 70}
    first = (await server.client.post("/Execute/sync", json=body, auth=USER)).json()
    again = (await server.client.post("/Execute/sync", json=body, auth=USER)).json()
    assert first["Status"] == 0 and again["Status"] == 0
    assert "новый документ не создан" in again["Warning"]
    assert (await server.run("RequestCash"))["BalanceCash"] == 70
