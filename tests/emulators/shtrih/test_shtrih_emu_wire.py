"""The emulator on real links: loop pair, in-process loop://, TCP and a pty, with pyshtrih as a peer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pyshtrih
import pytest
import serial
from shtrih_emu_helpers import make

from openkkm.emulators.shtrih import (
    ShtrihEmulator,
    serve_in_process,
    serve_tcp_emulator,
)
from openkkm.emulators.shtrih.server import LineClock, serve_connection
from openkkm.errors import DeviceTimeout, LinkLost
from openkkm.fiscal.types import DocumentType, ReceiptKind
from openkkm.framing import shtrih
from openkkm.protocol.shtrih import cmd_fn, cmd_receipt, cmd_shift, cmd_status
from openkkm.protocol.shtrih.session import HostSession
from openkkm.protocol.shtrih.status import Mode
from openkkm.protocol.shtrih.values import VatCode
from openkkm.transport import LoopHub, loop_pair, open_pty_pair, open_transport
from openkkm.transport.base import Transport


class Served:
    """An emulator serving the device end of a loop pair; ``session`` is the host side."""

    def __init__(self, emulator: ShtrihEmulator) -> None:
        self.emulator = emulator
        self.host, device = loop_pair()
        self.task = asyncio.create_task(emulator.serve(device))
        self.session = HostSession(
            self.host, control_timeout=0.3, timeouts=lambda _code: 1.0
        )

    async def close(self) -> None:
        """Close the host end and wait for the device loop to end."""
        await self.host.close()
        await self.task


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    """A fresh emulator on a loop pair."""
    link = Served(make())
    yield link
    await link.close()


async def test_host_session_runs_a_receipt(served: Served) -> None:
    session = served.session
    await session.execute(cmd_shift.OpenShift(), cmd_shift.OpenShiftAnswer)
    await session.execute(cmd_receipt.OpenReceipt(), cmd_receipt.OpenReceipt.answer)
    line = cmd_receipt.OperationV2(
        quantity=3_000_000, price=4990, vat=VatCode.VAT22, name="Сыр"
    )
    await session.execute(line, cmd_receipt.OperationV2.answer)
    close = cmd_receipt.CloseReceiptExt(payments=(15000,) + (0,) * 15)
    answer = await session.execute(close, cmd_receipt.CloseReceiptExtAnswer)
    assert (answer.change, answer.fd_number) == (30, 3)
    status = await session.execute(cmd_fn.FnStatus(), cmd_fn.FnStatusAnswer)
    assert status.last_fd_number == served.emulator.fn.last_number == 3


async def test_in_process_loop_url_reaches_the_emulator() -> None:
    emulator, hub = make(), LoopHub()
    await serve_in_process(emulator, hub, "kkm1")
    transport = await open_transport("loop://kkm1", hub=hub)
    session = HostSession(transport, control_timeout=0.3, timeouts=lambda _code: 1.0)
    status = await session.execute(
        cmd_status.ShortStatus(), cmd_status.ShortStatusAnswer
    )
    number = await session.execute(cmd_fn.FnNumber(), cmd_fn.FnNumberAnswer)
    await transport.close()
    await asyncio.sleep(0)  # the device task sees the closed link and ends
    hub.unlisten("kkm1")
    assert (
        status.mode == Mode.SHIFT_CLOSED and number.fn_number == emulator.fn.fn_number
    )


async def test_tcp_serves_two_clients_one_after_another() -> None:
    emulator = make()
    listener = await serve_tcp_emulator(emulator, port=0)
    try:
        for expected_fd in (2, 3):
            transport = await open_transport(f"tcp://127.0.0.1:{listener.port}")
            session = HostSession(
                transport, control_timeout=0.5, timeouts=lambda _code: 2.0
            )
            request = cmd_shift.OpenShift() if expected_fd == 2 else cmd_shift.ZReport()
            await session.execute(request, request.answer)
            full = await session.execute(
                cmd_status.FullStatus(), cmd_status.FullStatusAnswer
            )
            await transport.close()
            assert full.document_number == expected_fd and full.port == 128
    finally:
        await listener.close()
    assert emulator.fn.document(3).type is DocumentType.SHIFT_CLOSE


async def test_pyshtrih_over_a_pty_matches_the_fn() -> None:
    emulator = make()
    device_end, path = open_pty_pair()
    task = asyncio.create_task(emulator.serve(device_end))

    def client() -> dict[str, object]:
        peer = pyshtrih.ShtrihAllCommands(port=path, baudrate=115200, timeout=2)
        peer.connect()
        try:
            before = peer.state()
            peer.open_shift()
            peer.sale(("Позиция 1", 2000, 15000), tax1=1)
            closed = peer.close_check(cash=50000)
            fs = peer.fs_state()
            found = peer.fs_find_document_by_num(fs["Номер последнего ФД"])
            return {
                "before": before,
                "closed": closed,
                "fs": fs,
                "found": found,
                "after": peer.state(),
                "model": peer.dev_info,
            }
        finally:
            peer.disconnect()

    try:
        result = await asyncio.to_thread(client)
    finally:
        await device_end.close()  # wakes the device loop's pending read: serving ends
        await asyncio.wait_for(task, 5)
    fn = emulator.fn
    doc = fn.document(fn.last_number)
    assert result["before"]["Режим ФР"].num == Mode.SHIFT_CLOSED  # type: ignore[index]
    assert result["after"]["Режим ФР"].num == Mode.SHIFT_OPEN  # type: ignore[index]
    assert result["closed"]["Сдача"] == 50000 - 30000  # type: ignore[index]
    assert result["fs"]["Номер последнего ФД"] == fn.last_number == 3  # type: ignore[index]
    assert bytes(result["fs"]["Номер ФН"]) == fn.fn_number.encode()  # type: ignore[index]
    found = result["found"]
    assert found["Тип фискального документа"] == DocumentType.RECEIPT  # type: ignore[index]
    data = bytes(found["Данные фискального документа"])  # type: ignore[index]
    assert int.from_bytes(data[5:9], "little") == doc.number
    assert int.from_bytes(data[9:13], "little") == doc.fiscal_sign
    assert (
        data[13] == ReceiptKind.SALE and int.from_bytes(data[14:19], "little") == 30000
    )
    assert "ШТРИХ-М" in result["model"]["Название устройства"]  # type: ignore[index]


async def test_pyshtrih_over_tcp_shift_cash_and_reports() -> None:
    emulator = make()
    listener = await serve_tcp_emulator(emulator, port=0)

    def client() -> tuple[dict[str, object], dict[str, object]]:
        peer = pyshtrih.ShtrihAllCommands(port="unused", timeout=2)
        url = f"socket://127.0.0.1:{listener.port}"
        peer.protocol.serial = serial.serial_for_url(url, do_not_open=True, timeout=2)
        peer.protocol.port = url  # pyshtrih reopens the port by this name on connect()
        peer.connect()
        try:
            peer.open_shift()
            peer.income(10000)
            peer.outcome(2500)
            peer.x_report()
            peer.z_report()
            return peer.full_state(), peer.fs_state()
        finally:
            peer.disconnect()

    try:
        full, fs = await asyncio.to_thread(client)
    finally:
        await listener.close()
    # registration, shift open, cash in, cash out, X report, shift close
    assert full["Сквозной номер текущего документа"] == 6
    assert full["Номер последней закрытой смены"] == 1
    assert fs["Номер последнего ФД"] == emulator.fn.last_number == 3
    assert emulator.state.cash == 7500


def test_the_line_clock_queues_transfers_and_restarts_when_idle() -> None:
    line = LineClock(9600)
    assert line.reserve(1, now=0.0) == 10 / 9600
    assert line.reserve(2, now=0.0) == 30 / 9600  # after the byte still on the line
    assert line.reserve(1, now=1.0) == 1.0 + 10 / 9600  # an idle line starts now


async def device_type_at_9600() -> None:
    """One DeviceType exchange with an emulator paced at 9600 baud."""
    link = Served(make(baud=9600))
    try:
        await link.session.execute(cmd_status.DeviceType(), cmd_status.DeviceTypeAnswer)
    finally:
        await link.close()


async def test_both_directions_are_paced_on_the_line_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reserved: list[int] = []
    real_reserve = LineClock.reserve

    def recording(self: LineClock, count: int, now: float) -> float:
        reserved.append(count)
        return real_reserve(self, count, now)

    monkeypatch.setattr(LineClock, "reserve", recording)
    await device_type_at_9600()
    request_frame = len(shtrih.encode(cmd_status.DeviceType().encode()))
    answer_frame = 4 + 6 + len("ШТРИХ-М-02Ф") + 1  # STX LEN CMD ERR, 6 bytes + name, LRC
    # ENQ in, NAK out, the request in, ACK out, the answer out
    assert reserved[:5] == [1, 1, request_frame, 1, answer_frame]


async def test_the_register_works_while_the_request_crosses_the_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The emulator's own computing is hidden in the request's wire time, not added to it."""
    events: list[str] = []
    real_pace, real_handle = LineClock.pace, ShtrihEmulator.handle

    async def pace(self: LineClock, count: int) -> None:
        await real_pace(self, count)
        events.append("line waited")

    async def handle(self: ShtrihEmulator, payload: bytes) -> bytes:
        events.append("command")
        return await real_handle(self, payload)

    monkeypatch.setattr(LineClock, "pace", pace)
    monkeypatch.setattr(ShtrihEmulator, "handle", handle)
    await device_type_at_9600()
    # the NAK waited for the ENQ and itself; the command ran at once on the frame, and only
    # its answer waited for the frame, the ACK and the answer to cross the line
    assert events[:3] == ["line waited", "command", "line waited"]


class DeviceWrites(Transport):
    """The device end of a loop pair, keeping each write the emulator makes."""

    def __init__(self, inner: Transport) -> None:
        super().__init__(inner.url)
        self.inner = inner
        self.writes: list[bytes] = []

    async def read(self, n: int, timeout: float | None) -> bytes:
        """Read through."""
        return await self.inner.read(n, timeout)

    async def write(self, data: bytes) -> None:
        """Keep and write."""
        self.writes.append(data)
        await self.inner.write(data)

    async def close(self) -> None:
        """Close the inner end."""
        await self.inner.close()


async def paced_writes(emulator: ShtrihEmulator) -> list[bytes]:
    """The emulator's writes for one 0x10 exchange (or until the link is cut)."""
    host, device = loop_pair()
    recorded = DeviceWrites(device)
    task = asyncio.create_task(serve_connection(emulator, recorded))
    session = HostSession(host, control_timeout=0.3, max_retries=0, timeouts=lambda _code: 0.5)
    try:
        await session.execute(cmd_status.ShortStatus(), cmd_status.ShortStatusAnswer)
    except (DeviceTimeout, LinkLost):
        pass
    finally:
        await host.close()
        await task
    return recorded.writes


async def test_a_paced_ack_goes_out_with_the_answer_it_precedes() -> None:
    writes = await paced_writes(make(baud=115200))
    assert writes[0] == b"\x15"  # NAK to the ENQ
    assert writes[1][:2] == b"\x06\x02"  # the frame's ACK, then the answer's STX: one write


async def test_a_paced_ack_still_goes_out_before_a_power_loss() -> None:
    writes = await paced_writes(make(baud=115200, faults="power_loss@10"))
    assert writes == [b"\x15", b"\x06"]  # the command was accepted, then the power failed


def test_the_line_clock_reads_perf_counter_not_the_loop_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("openkkm.emulators.shtrih.server.time.perf_counter", lambda: 1000.0)
    line = LineClock(9600)
    line.take(1)  # no running loop needed: uvloop's loop time moves in whole milliseconds
    assert line.free_at == 1000.0 + 10 / 9600
