"""An independent check of the 54-ФЗ operations: pyshtrih reads what our server left in the ФН.

Our server drives the Shtrih emulator over TCP (``tcp://127.0.0.1:PORT``); after each operation
pyshtrih, a separate Shtrih-M client on its own connection, reads the ФН status (FF01), the
shift parameters (FF40), the drawer's money register (0x1A, register 241) and every document
(FF0A); its numbers and sums must be ours.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pyshtrih
import pytest
import serial

from api.emulated_server import served_app
from openkkm.config import Config, DeviceConfig
from openkkm.emulators.fn.identity import make_reg_number
from openkkm.emulators.shtrih import ShtrihEmulator, serve_tcp_emulator
from openkkm.fiscal.types import DocumentType, ReceiptKind

from .virtual_server import ADMIN, check, line

_IDS = itertools.count(1)
DRAWER = 241
#: pyshtrih's names of the FF01 life-phase bits
CONFIGURED, FISCAL_OPEN, FISCAL_CLOSED = (
    "Проведена настройка ФН", "Открыт фискальный режим", "Закрыт фискальный режим")
SHIFT_RECEIPT_TYPES = {ReceiptKind.SALE: "Shell", ReceiptKind.SALE_RETURN: "ShellReturn",
                       ReceiptKind.PURCHASE: "Buy", ReceiptKind.PURCHASE_RETURN: "BuyReturn"}


class Peer:
    """pyshtrih on its own TCP connection to the emulator, run in a thread."""

    def __init__(self, port: int) -> None:
        self.url = f"socket://127.0.0.1:{port}"

    def _read(self, documents: list[int]) -> dict[str, Any]:
        device = pyshtrih.ShtrihAllCommands(port="unused", timeout=2)
        device.protocol.serial = serial.serial_for_url(self.url, do_not_open=True, timeout=2)
        device.protocol.port = self.url  # pyshtrih reopens the port by this name on connect()
        device.connect()
        try:
            fs = device.fs_state()
            shift = device.fs_shift_params()
            cash = device.request_monetary_register(DRAWER)
            found = {number: device.fs_find_document_by_num(number) for number in documents}
        finally:
            device.disconnect()
        return {
            "last_fd": fs["Номер последнего ФД"],
            "fn_number": bytes(fs["Номер ФН"]).decode("ascii"),
            "phase": {name for name, raised in fs["Состояние фазы жизни"].items() if raised},
            "shift_open": shift["Состояние смены"],
            "shift": shift["Номер смены"],
            "receipt": shift["Номер чека"],
            "cash": cash["Содержимое регистра"],
            "documents": {number: _document(answer) for number, answer in found.items()},
        }

    async def read(self, documents: Sequence[int] = ()) -> dict[str, Any]:
        """FF01, FF40, 0x1A(241) and FF0A of ``documents``, as pyshtrih decodes them."""
        return await asyncio.to_thread(self._read, list(documents))


def _document(answer: dict[str, Any]) -> dict[str, int]:
    """Type, FD, FP and (receipts) operation and sum from pyshtrih's FF0A answer."""
    data = bytes(answer["Данные фискального документа"])
    document = {"type": int(answer["Тип фискального документа"]),
                "fd": int.from_bytes(data[5:9], "little"),
                "fp": int.from_bytes(data[9:13], "little")}
    if document["type"] in (DocumentType.RECEIPT, DocumentType.CORRECTION):
        document["operation"] = data[13]
        document["sum"] = int.from_bytes(data[14:19], "little")
    return document


class Ours:
    """Our server, its device 1 the emulator over TCP."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def ok(self, command: str, *, admin: bool = False, **fields: Any) -> dict[str, Any]:
        """POST a command that must succeed (as the admin when asked)."""
        body = {"Command": command, "NumDevice": 1, "IdCommand": f"agree-{next(_IDS)}", **fields}
        response = await self.client.post("/Execute/sync", json=body,
                                          auth=ADMIN if admin else None)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["Status"] == 0, answer
        return answer


@asynccontextmanager
async def serving(tmp_path: Path, protocol: int = 1,
                  **device: Any) -> AsyncIterator[tuple[Ours, Peer, ShtrihEmulator]]:
    """The emulator on 127.0.0.1 (``device`` keys in its config), our server on it with an admin
    login speaking ``protocol``, and pyshtrih beside (protocol 1, the only one it knows)."""
    emulator = ShtrihEmulator(DeviceConfig(num=1, kind="shtrih", **device),
                              data_dir=str(tmp_path / "emu"))
    listener = await serve_tcp_emulator(emulator, port=0)
    config = Config.model_validate({
        "server": {"data_dir": str(tmp_path / "server"), "anonymous_loopback": True},
        "users": [{"name": ADMIN[0], "password": ADMIN[1], "admin": True}],
        "devices": [{"num": 1, "kind": "shtrih", "url": f"tcp://127.0.0.1:{listener.port}",
                     "protocol": protocol}]})
    try:
        async with served_app(config) as (client, _devices):
            yield Ours(client), Peer(listener.port), emulator
    finally:
        await listener.close()


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[Ours, Peer, ShtrihEmulator]]:
    """A registered emulator, our server and pyshtrih."""
    async with serving(tmp_path) as parts:
        yield parts


async def test_pyshtrih_reads_what_our_server_did(
    served: tuple[Ours, Peer, ShtrihEmulator],
) -> None:
    ours, peer, emulator = served
    opened = await ours.ok("OpenShift", CashierName="Иванова А.А.")
    seen = await peer.read([opened["CheckNumber"]])
    assert seen["last_fd"] == opened["CheckNumber"]
    assert seen["shift_open"] == "смена открыта" and seen["shift"] == opened["SessionNumber"]
    assert seen["documents"][opened["CheckNumber"]]["type"] == DocumentType.SHIFT_OPEN

    deposit = await ours.ok("DepositingCash", Amount=3000, CashierName="Иванова А.А.")
    assert (await peer.read())["cash"] == deposit["BalanceCash"] * 100 == 300000

    receipts = []
    for fields, kind in (
        (check([line("Хлеб", "60", tax=10)], cash="100"), ReceiptKind.SALE),
        (check([line("Сыр", "300.50")], electronic="300.50"), ReceiptKind.SALE),
        (check([line("Хлеб", "60", tax=10)], type_check=1, cash="60"), ReceiptKind.SALE_RETURN),
        (check([line("Тара", "15", tax=-1)], type_check=10, cash="15"), ReceiptKind.PURCHASE),
    ):
        answer = await ours.ok("RegisterCheck", **fields)
        seen = await peer.read([answer["CheckNumber"]])
        assert seen["last_fd"] == answer["CheckNumber"]
        assert seen["receipt"] == answer["SessionCheckNumber"]
        assert seen["shift"] == answer["SessionNumber"] == opened["SessionNumber"]
        document = seen["documents"][answer["CheckNumber"]]
        assert document["type"] == DocumentType.RECEIPT and document["operation"] == kind
        receipts.append((answer["CheckNumber"], kind))

    paid = await ours.ok("PaymentCash", Amount=500, CashierName="Иванова А.А.")
    seen = await peer.read()
    assert seen["cash"] == round(paid["BalanceCash"] * 100) == 300000 + 6000 - 6000 - 1500 - 50000
    kkt = await ours.ok("GetDataKKT")
    assert kkt["Info"]["BalanceCash"] == paid["BalanceCash"]
    assert kkt["CheckNumber"] == seen["last_fd"]

    report = await ours.ok("OfdReport", CashierName="Иванова А.А.")
    seen = await peer.read([report["CheckNumber"]])
    assert seen["last_fd"] == report["CheckNumber"]
    assert seen["documents"][report["CheckNumber"]]["type"] == DocumentType.STATUS_REPORT

    counters = await ours.ok("GetCounters")
    seen = await peer.read([number for number, _kind in receipts])
    for kind, name in SHIFT_RECEIPT_TYPES.items():
        theirs = [doc for doc in seen["documents"].values() if doc["operation"] == kind]
        shelf = next(item for item in counters["Counters"]
                     if item["CountersType"] == "Shift" and item["ReceiptType"] == name)
        assert shelf["Count"] == len(theirs), name
        assert round(shelf["Sum"] * 100) == sum(doc["sum"] for doc in theirs), name

    for number, _kind in receipts:
        ours_read = await ours.ok("GetDataCheck", FiscalNumber=number)
        theirs = seen["documents"][number]
        assert round(ours_read["RegisterCheck"]["AllSumm"] * 100) == theirs["sum"]
        assert ours_read["RegisterCheck"]["FiscalSign"] == str(theirs["fp"])

    closed = await ours.ok("CloseShift", CashierName="Иванова А.А.")
    seen = await peer.read([closed["CheckNumber"]])
    assert seen["last_fd"] == closed["CheckNumber"] == emulator.fn.last_number
    assert seen["shift_open"] == "смена закрыта"
    assert seen["documents"][closed["CheckNumber"]]["type"] == DocumentType.SHIFT_CLOSE


async def test_pyshtrih_sees_the_registration_and_the_fn_change(tmp_path: Path) -> None:
    async with serving(tmp_path, registered=False) as (ours, peer, emulator):
        seen = await peer.read()
        assert seen["phase"] == {CONFIGURED} and seen["last_fd"] == 0
        inn = "7707083893"
        body = {"CashierName": "Администратор", "RegKkmOfd": {
            "Command": "Open", "InnOrganization": inn, "TaxVariant": "0,1",
            "RegNumber": make_reg_number(1, inn, emulator.fn.registration.kkt_number),
            "NameOrganization": 'ООО "Лютик"', "AddressSettle": "г. Тула, ул. Мира, 2",
            "InnOfd": "7700000016", "UrlServerOfd": "ofd.example.ru"}}
        opened = await ours.ok("KkmRegOfd", admin=True, **body)
        seen = await peer.read([1])
        assert seen["phase"] == {CONFIGURED, FISCAL_OPEN} and seen["last_fd"] == 1
        assert opened["CheckNumber"] == 1 == seen["documents"][1]["fd"]
        assert seen["documents"][1]["type"] == DocumentType.REGISTRATION
        assert seen["documents"][1]["fp"] == emulator.fn.document(1).fiscal_sign

        emulator.fn.confirm_ofd()
        closed = await ours.ok("KkmRegOfd", admin=True, CashierName="Администратор",
                               RegKkmOfd={"Command": "Close"})
        seen = await peer.read([closed["CheckNumber"]])
        assert seen["phase"] == {CONFIGURED, FISCAL_OPEN, FISCAL_CLOSED}
        assert seen["documents"][closed["CheckNumber"]]["type"] == DocumentType.FN_CLOSE
        old = seen["fn_number"]

        changed = await ours.ok("KkmRegOfd", admin=True, CashierName="Администратор",
                                RegKkmOfd={"Command": "ChangeFN"})
        seen = await peer.read([1])
        assert seen["fn_number"] == changed["Info"]["FnNumber"] != old
        assert seen["phase"] == {CONFIGURED, FISCAL_OPEN} and seen["last_fd"] == 1
        assert seen["documents"][1]["type"] == DocumentType.REREGISTRATION


async def test_pyshtrih_on_protocol_1_beside_our_server_on_protocol_2(tmp_path: Path) -> None:
    """The register picks the lower level per connection: ours speaks 2, pyshtrih 1, at once."""
    async with serving(tmp_path, protocol=2) as (ours, peer, emulator):
        opened = await ours.ok("OpenShift", CashierName="Иванова А.А.")
        sale = await ours.ok("RegisterCheck", **check([line("Сыр", "300.50")], electronic="300.50"))
        seen = await peer.read([opened["CheckNumber"], sale["CheckNumber"]])
        numbered = emulator.link_v2.last_number
        kkt = await ours.ok("GetDataKKT")  # our connection carries on after pyshtrih's
        assert emulator.link_v2.last_number > numbered > 0  # ours went as numbered frames
    assert seen["last_fd"] == sale["CheckNumber"] == kkt["CheckNumber"] == opened["CheckNumber"] + 1
    assert seen["shift_open"] == "смена открыта" and seen["shift"] == sale["SessionNumber"]
    document = seen["documents"][sale["CheckNumber"]]
    assert document["type"] == DocumentType.RECEIPT and document["operation"] == ReceiptKind.SALE
    assert document["sum"] == 30050
