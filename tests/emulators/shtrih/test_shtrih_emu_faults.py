"""Each wire fault's observable effect, and that every one leaves a state a real register can be in."""

from __future__ import annotations

import asyncio

import pytest
from shtrih_emu_helpers import call, make

from openkkm.emulators.shtrih import ShtrihEmulator
from openkkm.emulators.shtrih.faults import WireFault, WirePlan
from openkkm.errors import ConfigError, DeviceTimeout, LinkLost
from openkkm.framing import shtrih
from openkkm.protocol.shtrih import cmd_misc, cmd_receipt, cmd_shift, cmd_status
from openkkm.protocol.shtrih.session import HostSession
from openkkm.protocol.shtrih.status import Mode
from openkkm.transport import loop_pair
from openkkm.transport.loop import LoopTransport

ENQ, ACK, NAK = b"\x05", b"\x06", b"\x15"


async def start(
    emulator: ShtrihEmulator,
) -> tuple[LoopTransport, HostSession, asyncio.Task[None]]:
    """Serve ``emulator`` on a loop pair; return the host end, a session and the device task."""
    host, device = loop_pair()
    task = asyncio.create_task(emulator.serve(device))
    session = HostSession(host, control_timeout=0.2, timeouts=lambda _code: 0.5)
    return host, session, task


async def stop(host: LoopTransport, task: asyncio.Task[None]) -> None:
    """Close the host end and wait for the device loop."""
    await host.close()
    await task


async def receipt(
    session: HostSession, *prices: int
) -> cmd_receipt.CloseReceiptExtAnswer:
    """Run a sale of one-piece lines through the session and close it in cash."""
    await session.execute(cmd_receipt.OpenReceipt(), cmd_receipt.OpenReceipt.answer)
    for price in prices:
        line = cmd_receipt.OperationV2(quantity=1_000_000, price=price)
        await session.execute(line, cmd_receipt.OperationV2.answer)
    close = cmd_receipt.CloseReceiptExt(payments=(sum(prices),) + (0,) * 15)
    return await session.execute(close, cmd_receipt.CloseReceiptExtAnswer)


async def read_exactly(host: LoopTransport, size: int) -> bytes:
    """Read ``size`` bytes from the device."""
    data = b""
    while len(data) < size:
        data += await host.read(size - len(data), 2.0)
    return data


@pytest.mark.parametrize(
    "spec", ["lose_reply@ff45*1", "bad_lrc@ff45*1", "drop_byte@ff45*1"]
)
async def test_a_spoiled_answer_is_collected_once_with_enq(spec: str) -> None:
    emulator = make(faults=spec)
    host, session, task = await start(emulator)
    try:
        await session.execute(cmd_shift.OpenShift(), cmd_shift.OpenShiftAnswer)
        answer = await receipt(session, 1000, 250)
    finally:
        await stop(host, task)
    assert answer.fd_number == emulator.fn.last_number == 3  # fiscalised exactly once
    assert emulator.fn.document(3).total == 1250 and not emulator.fn.receipt_open
    assert emulator.faults.rules[0].remaining == 0  # the fault did fire


async def test_a_naked_frame_is_not_executed() -> None:
    emulator = make(faults="nak_frame@ff46*1")
    host, session, task = await start(emulator)
    try:
        await session.execute(cmd_shift.OpenShift(), cmd_shift.OpenShiftAnswer)
        answer = await receipt(session, 700)
    finally:
        await stop(host, task)
    assert emulator.fn.document(answer.fd_number).total == 700  # the line went in once
    assert emulator.faults.rules[0].remaining == 0


async def test_nak_on_the_wire() -> None:
    emulator = make(faults="nak_frame*1")
    host, device = loop_pair()
    task = asyncio.create_task(emulator.serve(device))
    try:
        await host.write(ENQ)
        assert await read_exactly(host, 1) == NAK
        await host.write(shtrih.encode(cmd_shift.OpenShift().encode()))
        assert await read_exactly(host, 1) == NAK
        with pytest.raises(DeviceTimeout):  # only the NAK: no ACK, no answer follows it
            await host.read(16, 0.2)
        await host.write(ENQ)
        assert await read_exactly(host, 1) == NAK  # idle: nothing pending
        await host.write(shtrih.encode(cmd_shift.OpenShift().encode()))
        assert await read_exactly(host, 1) == ACK  # the fault fired once: now it runs
        answer = shtrih.encode(shtrih.command_bytes(0xE0) + bytes((0, 30)))
        assert await read_exactly(host, len(answer)) == answer
    finally:
        await stop(host, task)
    assert emulator.fn.shift_opened_at is not None


async def test_a_delayed_answer_keeps_the_device_busy() -> None:
    emulator = make(faults="delay@10=0.4*1")
    host, device = loop_pair()
    task = asyncio.create_task(emulator.serve(device))
    try:
        await host.write(ENQ)
        assert await read_exactly(host, 1) == NAK
        await host.write(shtrih.encode(cmd_status.ShortStatus().encode()))
        assert await read_exactly(host, 1) == ACK
        await host.write(ENQ)
        assert (
            await read_exactly(host, 1) == ACK
        )  # still executing: ACK without a frame
        head = await read_exactly(host, 2)
        frame = head + await read_exactly(host, head[1] + 1)
        assert shtrih.decode(frame)[1] == shtrih.Frame(
            await emulator.handle(cmd_status.ShortStatus().encode())
        )
    finally:
        await stop(host, task)


@pytest.mark.parametrize(("budget", "executed"), [(9, True), (5, False)])
async def test_cut_link(budget: int, executed: bool) -> None:
    # ENQ (1 byte) + the 8-byte 0xE0 frame: the cut falls after the frame or inside it.
    emulator = make(faults=f"cut_at={budget}")
    host, device = loop_pair()
    task = asyncio.create_task(emulator.serve(device))
    await host.write(ENQ)
    assert await read_exactly(host, 1) == NAK
    await host.write(shtrih.encode(cmd_shift.OpenShift().encode()))
    with pytest.raises(LinkLost):
        await read_exactly(host, 1)
    await task
    assert device.closed
    assert (emulator.fn.shift_opened_at is not None) is executed


async def test_power_loss_leaves_the_receipt_open_in_the_fn() -> None:
    emulator = make(faults="power_loss*1")
    host, session, task = await start(emulator)
    await session.execute(cmd_shift.OpenShift(), cmd_shift.OpenShiftAnswer)
    with pytest.raises((LinkLost, DeviceTimeout)):
        await receipt(session, 1000, 2000)
    await stop(host, task)
    assert emulator.fn.receipt_open and emulator.fn.open_receipt_total == 3000
    assert emulator.fn.last_number == 2 and emulator.state.receipt is None
    host, session, task = await start(emulator)  # the host reconnects after the reboot
    try:
        status = await session.execute(
            cmd_status.ShortStatus(), cmd_status.ShortStatusAnswer
        )
        assert status.mode == Mode.DOCUMENT_OPEN
        await session.execute(
            cmd_receipt.CancelReceipt(), cmd_receipt.CancelReceipt.answer
        )
        answer = await receipt(session, 400)
    finally:
        await stop(host, task)
    assert answer.fd_number == 3 and emulator.fn.document(3).total == 400


async def test_power_loss_mid_receipt_can_also_be_closed_after_the_reboot() -> None:
    emulator = make(faults="power_loss@ff45*1")
    await call(emulator, cmd_shift.OpenShift())
    host, session, task = await start(emulator)
    with pytest.raises((LinkLost, DeviceTimeout)):
        await receipt(session, 1500)
    await stop(host, task)
    assert (await call(emulator, cmd_misc.Subtotal())).subtotal == 1500
    close = await call(
        emulator, cmd_receipt.CloseReceiptExt(payments=(1500,) + (0,) * 15)
    )
    assert close.fd_number == 3 and emulator.state.cash == 1500


def test_plan_parsing() -> None:
    plan = WirePlan.parse("lose_reply@ff45*2, delay=1.5, cut_at=100")
    first = plan.rules[0]
    assert (first.fault, first.command, first.remaining) == (
        WireFault.LOSE_REPLY,
        0xFF45,
        2,
    )
    assert plan.fire(WireFault.LOSE_REPLY, 0x10) is None
    assert plan.fire(WireFault.LOSE_REPLY, 0xFF45) is first and first.remaining == 1
    assert plan.fire(WireFault.DELAY, 0x10).value == 1.5  # type: ignore[union-attr]
    assert plan.fire(WireFault.POWER_LOSS, 0xFF45) is None
    assert WirePlan.parse("power_loss").fire(WireFault.POWER_LOSS, 0x85) is not None
    assert WirePlan.parse("power_loss").fire(WireFault.POWER_LOSS, 0x10) is None
    for bad in (
        "no_such",
        "delay",
        "lose_reply=1",
        "cut_at=x",
        "bad_lrc*0",
        "nak_frame@zz",
    ):
        with pytest.raises(ConfigError):
            WirePlan.parse(bad)
