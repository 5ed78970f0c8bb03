"""The simulated ФН's limits seen through the HTTP edge: 24-hour shift, the OFD's 30 days, key
expiry; each refusal carries the text a register gives and leaves nothing on the device."""

from __future__ import annotations

import datetime as dt

from api import virtual_server
from api.virtual_server import Start, check, line

start = virtual_server.start


class Clock:
    """A settable clock for the simulated ФН."""

    def __init__(self) -> None:
        self.now = dt.datetime.now().replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        """Read the clock."""
        return self.now


SALE = check([line("Хлеб", "60", tax=10)], cash="60")


async def test_a_shift_older_than_24_hours_refuses_receipts(start: Start) -> None:
    clock = Clock()
    server = await start(clock=clock)
    assert (await server.run("RegisterCheck", **SALE))["Status"] == 0
    clock.now += dt.timedelta(hours=24, seconds=1)
    info = (await server.run("GetDataKKT"))["Info"]
    assert info["SessionState"] == 3
    refused = await server.run("RegisterCheck", **SALE)
    assert refused["Status"] == 2 and "смена" in refused["Error"]
    cash = await server.run("DepositingCash", Amount=10)
    assert cash["Status"] == 2 and "смена" in cash["Error"]
    closed = await server.run("CloseShift", CashierName="Иванова А.А.")
    assert closed["Status"] == 0, closed
    assert (await server.run("RegisterCheck", **SALE))["Status"] == 0


async def test_thirty_days_without_the_ofd_block_the_drive(start: Start) -> None:
    clock = Clock()
    server = await start(clock=clock)
    assert (await server.run("RegisterCheck", **SALE))["Status"] == 0
    assert (await server.run("CloseShift", CashierName="Иванова А.А."))["Status"] == 0
    clock.now += dt.timedelta(days=31)
    last = (await server.run("GetDataKKT"))["CheckNumber"]
    refused = await server.run("RegisterCheck", **SALE)
    assert refused["Status"] == 2
    assert "документы не переданы в ОФД более 30 дней" in refused["Error"]
    report = await server.run("OfdReport")
    assert report["Status"] == 2 and "ОФД" in report["Error"]
    assert (await server.run("GetDataKKT"))["CheckNumber"] == last
    server.driver().drive.confirm_ofd()
    assert (await server.run("RegisterCheck", **SALE))["Status"] == 0


async def test_expired_keys_refuse_every_document(start: Start) -> None:
    clock = Clock()
    server = await start(clock=clock)
    end = server.driver().drive.valid_to
    server.driver().drive.confirm_ofd()
    clock.now = end + dt.timedelta(minutes=1)
    refused = await server.run("RegisterCheck", **SALE)
    assert refused["Status"] == 2
    assert "Срок действия ключей ФН истек: замените ФН" in refused["Error"]
    assert (await server.run("OpenShift"))["Status"] == 2
