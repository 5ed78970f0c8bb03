"""Host session and device loop over real transports, with pyshtrih as an independent client."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable

import pyshtrih
import pytest
import serial

from openkkm.errors import DeviceRejected, DeviceTimeout, LinkLost
from openkkm.framing import shtrih
from openkkm.framing.shtrih import Frame, encode_v2
from openkkm.protocol.shtrih import cmd_fn, cmd_status
from openkkm.protocol.shtrih.codes import Command
from openkkm.protocol.shtrih.exchange import HostExchange
from openkkm.protocol.shtrih.exchange_v2 import DeviceExchangeV2, HostExchangeV2
from openkkm.protocol.shtrih.messages import encode_answer, encode_error
from openkkm.protocol.shtrih.registry import decode_request
from openkkm.protocol.shtrih.session import HostSession, serve_device
from openkkm.protocol.shtrih.status import EcrFlags, Mode
from openkkm.transport import loop_pair, open_pty_pair, open_transport, serve_tcp
from openkkm.transport.faults import ManipulatedTransport, bytewise

STATUS = cmd_status.ShortStatusAnswer(
    operator=30, flags=EcrFlags.RECEIPT_ROLL, mode_byte=Mode.SHIFT_CLOSED, submode=0
)
DEVICE = cmd_status.DeviceTypeAnswer(protocol_subversion=14, model=250, name="ШТРИХ-М-02Ф")
FN = cmd_fn.FnStatusAnswer(
    phase=3,
    datetime=dt.datetime(2026, 11, 24, 14, 0),
    fn_number="9999078900012345",
    last_fd_number=17,
)


async def execute(frame: Frame) -> bytes:
    """A tiny device: three typed answers, 0x37 for anything else."""
    request = decode_request(frame.payload)
    answers = {Command.SHORT_STATUS: STATUS, Command.DEVICE_TYPE: DEVICE, Command.FN_STATUS: FN}
    answer = answers.get(request.code)
    if answer is None:
        return encode_error(request.code, 0x37)
    return encode_answer(request.code, answer)


async def test_host_session_against_device_loop_in_memory() -> None:
    host_end, device_end = loop_pair()
    device = asyncio.create_task(serve_device(device_end, execute))
    session = HostSession(host_end, control_timeout=1.0)
    try:
        assert (
            await session.execute(cmd_status.ShortStatus(), cmd_status.ShortStatusAnswer) == STATUS
        )
        assert await session.execute(cmd_fn.FnStatus(), cmd_fn.FnStatusAnswer) == FN
        with pytest.raises(DeviceRejected) as rejected:
            await session.execute(cmd_status.FullStatus(), cmd_status.FullStatusAnswer)
        assert rejected.value.vendor_code == 0x37
        assert session.history[0] == "tx 05"
    finally:
        await host_end.close()
        await device
    assert device.done()


async def test_host_session_over_tcp() -> None:
    listener = await serve_tcp(lambda transport: serve_device(transport, execute))
    try:
        async with await open_transport(f"tcp://127.0.0.1:{listener.port}") as host_end:
            session = HostSession(host_end)
            answer = await session.execute(cmd_status.DeviceType(), cmd_status.DeviceTypeAnswer)
            assert answer.name == "ШТРИХ-М-02Ф"
    finally:
        await listener.close()


async def test_host_session_silent_device_is_link_lost(caplog: pytest.LogCaptureFixture) -> None:
    host_end, device_end = loop_pair()
    session = HostSession(host_end, control_timeout=0.01, max_retries=2)
    with pytest.raises(LinkLost):
        await session.execute(cmd_status.ShortStatus(), cmd_status.ShortStatusAnswer)
    assert list(session.history) == ["tx 05"] * 3
    assert "tx 05\ntx 05\ntx 05" in caplog.text  # the flight recorder went to the log once
    await device_end.close()


async def test_host_session_device_that_never_answers_is_device_timeout() -> None:
    host_end, device_end = loop_pair()

    async def accept_and_hang(frame: Frame) -> bytes:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    device = asyncio.create_task(serve_device(device_end, accept_and_hang))
    exchange = HostExchange(control_timeout=0.01, max_retries=3)
    session = HostSession(host_end, exchange=exchange, timeouts=lambda code: 0.01)
    with pytest.raises(DeviceTimeout):
        await session.execute(cmd_status.ShortStatus(), cmd_status.ShortStatusAnswer)
    assert exchange.command_sent
    device.cancel()
    await asyncio.gather(device, return_exceptions=True)
    await host_end.close()


async def test_pyshtrih_over_a_pty_against_our_device_loop() -> None:
    device_end, path = open_pty_pair()
    device = asyncio.create_task(serve_device(device_end, execute))

    def client() -> tuple[object, object]:
        peer = pyshtrih.ShtrihAllCommands(port=path, baudrate=115200, timeout=2)
        peer.connect()  # three ENQ checks, then 0xFC
        try:
            return peer.state(), peer.fs_state()
        finally:
            peer.disconnect()

    try:
        state, fs_state = await asyncio.to_thread(client)
    finally:
        device.cancel()
        await asyncio.gather(device, return_exceptions=True)
        await device_end.close()
    assert state["Порядковый номер оператора"] == 30  # type: ignore[index]
    assert fs_state["Номер последнего ФД"] == 17  # type: ignore[index]


async def test_frame_without_enq_on_fresh_pty_connection_is_lost() -> None:
    device_end, path = open_pty_pair()
    executed: list[Frame] = []

    async def record(frame: Frame) -> bytes:
        executed.append(frame)
        return await execute(frame)

    device = asyncio.create_task(serve_device(device_end, record))
    line = serial.Serial(path, timeout=2)
    try:
        frame = bytes.fromhex("02 05 10 1E 00 00 00 0B")
        line.write(frame)
        assert await asyncio.to_thread(line.read, 1) == b"\x15"
        line.write(b"\x05")
        assert await asyncio.to_thread(line.read, 1) == b"\x15"
        line.write(frame)
        assert await asyncio.to_thread(line.read, 1) == b"\x06"
        assert len(executed) == 1
    finally:
        line.close()
        device.cancel()
        await asyncio.gather(device, return_exceptions=True)
        await device_end.close()


async def test_device_loop_returns_when_host_leaves() -> None:
    host_end, device_end = loop_pair()
    device = asyncio.create_task(serve_device(device_end, execute))
    await host_end.write(b"\x05")
    assert await host_end.read(1, timeout=2) == b"\x15"
    await host_end.close()
    await asyncio.wait_for(device, 2)


async def test_protocol_2_session_over_tcp() -> None:
    listener = await serve_tcp(
        lambda transport: serve_device(transport, execute, exchange=DeviceExchangeV2())
    )
    try:
        async with await open_transport(f"tcp://127.0.0.1:{listener.port}") as host_end:
            exchange = HostExchangeV2()
            session = HostSession(host_end, exchange=exchange)
            assert (
                await session.execute(cmd_status.ShortStatus(), cmd_status.ShortStatusAnswer)
                == STATUS
            )
            assert await session.execute(cmd_fn.FnStatus(), cmd_fn.FnStatusAnswer) == FN
            assert exchange.number == 2
            assert session.history[0] == "tx " + encode_v2(None).hex(" ")
    finally:
        await listener.close()


async def test_pyshtrih_over_tcp_against_our_device_loop() -> None:
    # PROTOCOLS.md §5/§7: pyshtrih speaks TCP once its serial object is swapped for socket://.
    listener = await serve_tcp(lambda transport: serve_device(transport, execute))

    def client() -> object:
        peer = pyshtrih.ShtrihAllCommands(port="unused", timeout=2)
        peer.protocol.serial = serial.serial_for_url(
            f"socket://127.0.0.1:{listener.port}", do_not_open=True, timeout=2
        )
        peer.protocol.port = f"socket://127.0.0.1:{listener.port}"
        peer.connect()
        try:
            return peer.model()
        finally:
            peer.disconnect()

    try:
        model = await asyncio.to_thread(client)
    finally:
        await listener.close()
    assert model["Название устройства"] == "ШТРИХ-М-02Ф"  # type: ignore[index]


def lose_first_ack() -> Callable[[bytes], list[bytes]]:
    """A manipulator losing the host's first ACK (it goes out in front of the next ENQ)."""
    lost = False

    def manipulate(data: bytes) -> list[bytes]:
        nonlocal lost
        if not lost and data.startswith(b"\x06"):
            lost = True
            return [data[1:]]
        return [data]

    return manipulate


async def test_final_ack_goes_out_with_the_next_enq_or_alone_when_idle() -> None:
    host_end, device_end = loop_pair()
    device = asyncio.create_task(serve_device(device_end, execute))
    written: list[bytes] = []

    def record(data: bytes) -> list[bytes]:
        written.append(data)
        return [data]

    session = HostSession(ManipulatedTransport(host_end, record))
    try:
        for _ in range(2):
            await session.execute(cmd_status.ShortStatus(), cmd_status.ShortStatusAnswer)
        assert written[0] == b"\x05" and written[2] == b"\x06\x05"  # ACK + next ENQ: one write
        assert written[-1] != b"\x06"  # the last answer's ACK is still owed
        await asyncio.sleep(0.01)  # the session is idle: the owed ACK goes out on its own
        assert written[-1] == b"\x06"
        await session.flush()  # nothing more is owed
        assert written[-1] == b"\x06" and written.count(b"\x06") == 1
    finally:
        await host_end.close()
        await device


async def test_stale_answer_is_collected_and_reported(caplog: pytest.LogCaptureFixture) -> None:
    host_end, device_end = loop_pair()
    device = asyncio.create_task(serve_device(device_end, execute))
    lossy = ManipulatedTransport(host_end, lose_first_ack())
    session = HostSession(lossy)
    try:
        assert (
            await session.execute(cmd_status.ShortStatus(), cmd_status.ShortStatusAnswer) == STATUS
        )
        # The host's final ACK was lost: the device still holds that answer as pending.
        assert (
            await session.execute(cmd_status.ShortStatus(), cmd_status.ShortStatusAnswer) == STATUS
        )
        exchange = session.exchange
        assert isinstance(exchange, HostExchange)
        assert [frame.command for frame in exchange.stale_answers] == [Command.SHORT_STATUS]
        assert "stale answer 10 00 1e" in caplog.text
    finally:
        await lossy.close()
        await device


async def test_byte_by_byte_line_in_both_directions() -> None:
    host_end, device_end = loop_pair()
    device = asyncio.create_task(serve_device(ManipulatedTransport(device_end, bytewise), execute))
    session = HostSession(ManipulatedTransport(host_end, bytewise))
    try:
        assert await session.execute(cmd_fn.FnStatus(), cmd_fn.FnStatusAnswer) == FN
    finally:
        await host_end.close()
        await device


async def recorded_pair(written: list[bytes]) -> tuple[HostSession, Callable[[], Awaitable[None]]]:
    """A session whose writes are recorded, on a device loop in memory; returns a closer."""
    host_end, device_end = loop_pair()
    device = asyncio.create_task(serve_device(device_end, execute))

    def record(data: bytes) -> list[bytes]:
        written.append(data)
        return [data]

    async def close() -> None:
        await host_end.close()
        await device

    return HostSession(ManipulatedTransport(host_end, record)), close


async def test_then_sends_the_next_enq_with_the_answer_s_ack() -> None:
    written: list[bytes] = []
    session, close = await recorded_pair(written)
    try:
        short = cmd_status.ShortStatus()
        assert await session.execute(short, cmd_status.ShortStatusAnswer, then=True) == STATUS
        assert written[-1] == b"\x06\x05"  # ACK + the next ENQ, before the caller sees the answer
        assert await session.execute(short, cmd_status.ShortStatusAnswer) == STATUS
        frame = shtrih_frame(short)
        assert written[:4] == [b"\x05", frame, b"\x06\x05", frame]  # no second ENQ
    finally:
        await close()


async def test_a_stale_early_enq_is_answered_then_asked_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("openkkm.protocol.shtrih.session.PRIME_FRESH", 0.0)
    written: list[bytes] = []
    session, close = await recorded_pair(written)
    try:
        short = cmd_status.ShortStatus()
        await session.execute(short, cmd_status.ShortStatusAnswer, then=True)
        await asyncio.sleep(0.01)
        assert await session.execute(short, cmd_status.ShortStatusAnswer) == STATUS
        frame = shtrih_frame(short)
        assert written[:5] == [b"\x05", frame, b"\x06\x05", b"\x05", frame]
    finally:
        await close()


async def test_an_unprimed_session_asks_afresh_after_its_nak_is_read_elsewhere() -> None:
    written: list[bytes] = []
    session, close = await recorded_pair(written)
    try:
        short = cmd_status.ShortStatus()
        await session.execute(short, cmd_status.ShortStatusAnswer, then=True)
        assert session.unprime()
        assert await session.transport.read(16, 1.0) == b"\x15"  # the early ENQ's NAK
        assert await session.execute(short, cmd_status.ShortStatusAnswer) == STATUS
        assert written[3:5] == [b"\x05", shtrih_frame(short)]
    finally:
        await close()


def shtrih_frame(request: cmd_status.ShortStatus) -> bytes:
    """The protocol-1 frame of ``request``."""
    return shtrih.encode(request.encode())
