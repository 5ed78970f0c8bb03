"""The emulator on protocol 2 (numbered frames): choosing it, and each wire fault's effect there."""

from __future__ import annotations

import asyncio

import pytest
from shtrih_emu_helpers import make

from openkkm.emulators.shtrih import ShtrihEmulator
from openkkm.emulators.shtrih.server import bad_checksum
from openkkm.errors import DeviceTimeout
from openkkm.framing import shtrih
from openkkm.framing.shtrih import DamagedFrame, NumberedFrame, decode_v2, encode_v2
from openkkm.protocol.shtrih import cmd_receipt, cmd_shift, cmd_status
from openkkm.protocol.shtrih.exchange_v2 import HostExchangeV2
from openkkm.protocol.shtrih.session import HostSession
from openkkm.transport import loop_pair
from openkkm.transport.loop import LoopTransport

ENQ, NAK = b"\x05", b"\x15"
STATUS = cmd_status.ShortStatus().encode()


async def start(emulator: ShtrihEmulator) -> tuple[LoopTransport, asyncio.Task[None]]:
    """Serve ``emulator`` on a loop pair; return the host end and the device task."""
    host, device = loop_pair()
    return host, asyncio.create_task(emulator.serve(device))


async def stop(host: LoopTransport, task: asyncio.Task[None]) -> None:
    """Close the host end and wait for the device loop."""
    await host.close()
    await task


async def read_frame(host: LoopTransport) -> NumberedFrame | DamagedFrame:
    """Read until one protocol-2 frame (good or damaged) has arrived; nothing may follow it."""
    data = b""
    while True:
        data += await host.read(512, 2.0)
        used, frame = decode_v2(data)
        if frame is not None:
            assert used == len(data), data.hex(" ")
            return frame


async def ask(host: LoopTransport, frame: bytes) -> NumberedFrame | DamagedFrame:
    """Send ``frame`` and read the answer frame."""
    await host.write(frame)
    return await read_frame(host)


async def silent(host: LoopTransport) -> bool:
    """Tell whether the device says nothing to what was just sent."""
    try:
        await host.read(16, 0.2)
    except DeviceTimeout:
        return True
    return False


async def test_auto_mode_picks_protocol_2_from_the_first_frame_past_line_noise() -> None:
    emulator = make()
    host, task = await start(emulator)
    try:
        assert await ask(host, b"\x00\xff" + encode_v2(None)) == NumberedFrame(0, b"")
        answer = await ask(host, encode_v2(1, STATUS))
        assert isinstance(answer, NumberedFrame) and answer.number == 1
        assert answer.payload[:2] == b"\x10\x00"  # short status, no error
    finally:
        await stop(host, task)
    assert emulator.link_v2.last_number == 1


async def test_a_register_set_to_protocol_2_does_not_answer_enq() -> None:
    emulator = make(protocol=2)
    host, task = await start(emulator)
    try:
        await host.write(ENQ)
        assert await silent(host)
        assert await ask(host, encode_v2(None)) == NumberedFrame(0, b"")
    finally:
        await stop(host, task)


async def test_a_register_set_to_protocol_1_does_not_answer_numbered_frames() -> None:
    emulator = make(protocol=1)
    host, task = await start(emulator)
    try:
        await host.write(encode_v2(None) + encode_v2(1, STATUS))
        assert await silent(host)
        await host.write(ENQ)
        assert await host.read(1, 2.0) == NAK  # protocol 1, idle
    finally:
        await stop(host, task)
    assert emulator.link_v2.last_number == 0


async def test_a_wrong_crc_is_a_clean_crc_failure_and_the_repeat_gets_the_stored_answer() -> None:
    emulator = make(faults="bad_lrc@10*1")
    host, task = await start(emulator)
    try:
        await ask(host, encode_v2(None))
        spoiled = await ask(host, encode_v2(1, STATUS))
        assert isinstance(spoiled, DamagedFrame) and spoiled.reason.startswith("CRC")
        good = await ask(host, encode_v2(1, STATUS))  # the same number again
        assert isinstance(good, NumberedFrame) and good.number == 1
        assert encode_v2(1, good.payload) == emulator.link_v2.last_answer
    finally:
        await stop(host, task)


async def test_nak_frame_never_fires_on_protocol_2() -> None:
    emulator = make(faults="nak_frame*1")
    host, task = await start(emulator)
    try:
        await ask(host, encode_v2(None))
        answer = await ask(host, encode_v2(1, cmd_shift.OpenShift().encode()))
        assert isinstance(answer, NumberedFrame) and answer.payload[:2] == b"\xe0\x00"
    finally:
        await stop(host, task)
    assert emulator.fn.shift_opened_at is not None
    assert emulator.faults.rules[0].remaining == 1  # still armed: protocol 2 has no NAK


def test_bad_checksum_spoils_the_crc_even_where_a_frame_ends_in_an_escape() -> None:
    frames = [encode_v2(number, STATUS) for number in range(1, 3000)]
    escaped = [frame for frame in frames if frame[-2] == shtrih.V2_ESC]  # a stuffed CRC byte
    assert escaped
    for frame in [frames[0], *escaped]:
        _, damaged = decode_v2(bad_checksum(frame))
        assert isinstance(damaged, DamagedFrame) and damaged.reason.startswith("CRC"), frame.hex()
    _, damaged = shtrih.decode(bad_checksum(shtrih.encode(STATUS)))
    assert isinstance(damaged, DamagedFrame) and damaged.reason.startswith("LRC")


@pytest.mark.parametrize(
    "spec", ["lose_reply@ff45*1", "bad_lrc@ff45*1", "drop_byte@ff45*1", "delay@ff45=0.5*1"]
)
async def test_a_spoiled_answer_is_collected_once_by_repeating_the_frame(spec: str) -> None:
    emulator = make(faults=spec)
    host, task = await start(emulator)
    session = HostSession(host, timeouts=lambda _code: 0.3,
                          exchange=HostExchangeV2(sync_timeout=0.2))
    try:
        await session.execute(cmd_shift.OpenShift(), cmd_shift.OpenShiftAnswer)
        await session.execute(cmd_receipt.OpenReceipt(), cmd_receipt.OpenReceipt.answer)
        line = cmd_receipt.OperationV2(quantity=1_000_000, price=1250)
        await session.execute(line, cmd_receipt.OperationV2.answer)
        close = cmd_receipt.CloseReceiptExt(payments=(1250,) + (0,) * 15)
        answer = await session.execute(close, cmd_receipt.CloseReceiptExtAnswer)
    finally:
        await stop(host, task)
    assert session.exchange.retries >= 1  # type: ignore[attr-defined]  # the frame went again
    assert answer.fd_number == emulator.fn.last_number == 3  # fiscalised exactly once
    assert emulator.fn.document(3).total == 1250 and not emulator.fn.receipt_open
    assert emulator.faults.rules[0].remaining == 0  # the fault did fire


async def test_power_loss_starts_the_numbering_again() -> None:
    emulator = make(faults="power_loss@e0*1")
    host, task = await start(emulator)
    await ask(host, encode_v2(None))
    assert isinstance(await ask(host, encode_v2(1, STATUS)), NumberedFrame)
    await host.write(encode_v2(2, cmd_shift.OpenShift().encode()))
    await task  # the register lost power: the link dropped
    await host.close()
    assert emulator.fn.shift_opened_at is None  # the command did not run
    host, task = await start(emulator)
    try:
        assert await ask(host, encode_v2(None)) == NumberedFrame(0, b"")
    finally:
        await stop(host, task)
