"""The ATOL emulator on its own: the CLI entry over TCP and a pty, faults, state file, modes."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from openkkm.config import DeviceConfig
from openkkm.drivers.atol import AtolDriver
from openkkm.emulators.atol import AtolEmulator
from openkkm.emulators.atol.cli import serve_cli
from openkkm.emulators.atol.faults import WireFault, WirePlan
from openkkm.emulators.atol.receipts import Props
from openkkm.errors import ConfigError
from openkkm.fiscal import tlv
from openkkm.fiscal.types import (
    DocumentType,
    Item,
    Payments,
    Receipt,
    ReceiptKind,
    VatRate,
)
from openkkm.protocol.atol import cmd_receipt, cmd_register, cmd_state
from openkkm.protocol.atol.codes import Mode
from openkkm.protocol.atol.messages import encode_error

SALE = Receipt(kind=ReceiptKind.SALE,
               items=(Item(name="Хлеб", price=5000, quantity=Decimal(1), amount=5000, vat=VatRate.VAT22),),
               payments=Payments(cash=5000))


async def run_cli(tmp_path: Path, *, pty: bool, layer: str = "v3") -> None:
    """Start ``serve_cli``, drive a shift and a sale through its address, stop it."""
    addresses: asyncio.Queue[str] = asyncio.Queue()
    state = tmp_path / "fn.json"
    task = asyncio.create_task(serve_cli(None if pty else "tcp://127.0.0.1:0", pty, str(state),
                                         0, "", addresses.put_nowait, layer=layer))
    try:
        url = await asyncio.wait_for(addresses.get(), 5)
        assert url.startswith("pty:///" if pty else "tcp://127.0.0.1:")
        driver = AtolDriver(DeviceConfig(num=1, kind="atol", url=url), data_dir=str(tmp_path))
        await driver.start()
        try:
            assert (await driver.open_shift(None)).type is DocumentType.SHIFT_OPEN
            document = await driver.register(SALE)
            assert (document.number, document.total) == (3, 5000)
        finally:
            await driver.stop()
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert state.exists()


async def test_cli_over_tcp(tmp_path: Path) -> None:
    await run_cli(tmp_path, pty=False)


async def test_cli_over_pty(tmp_path: Path) -> None:
    await run_cli(tmp_path, pty=True)


async def test_cli_over_tcp_with_lower_layer_v2(tmp_path: Path) -> None:
    await run_cli(tmp_path, pty=False, layer="v2")


async def test_cli_refuses_other_schemes() -> None:
    with pytest.raises(ConfigError):
        await serve_cli("loop://x", False, None, 0, "", print)


def test_state_file_survives_a_restart(tmp_path: Path) -> None:
    config = DeviceConfig(num=3, kind="atol")
    first = AtolEmulator(config, state_file=tmp_path / "fn.json")
    first.fn.open_shift()
    again = AtolEmulator(config, state_file=tmp_path / "fn.json")
    assert again.fn.fn_number == first.fn.fn_number and again.fn.last_number == 2
    from_dir = AtolEmulator(config, data_dir=tmp_path)
    assert from_dir.fn.last_number == 1 and (tmp_path / "fn-3.json").exists()


def test_modes_and_paper() -> None:
    emulator = AtolEmulator(DeviceConfig(num=1, kind="atol"),
                            clock=lambda: dt.datetime(2026, 11, 24, 9, 0))
    assert emulator.execute(cmd_receipt.OpenShift().encode()) == encode_error(102)
    assert emulator.execute(cmd_state.EnterMode(mode=Mode.REGISTRATION, password=1).encode()) \
        == encode_error(140)
    assert emulator.execute(cmd_state.EnterMode(mode=Mode.REGISTRATION).encode()) == \
        bytes.fromhex("55 00 00")
    assert emulator.execute(cmd_state.EnterMode(mode=Mode.X_REPORTS).encode()) == encode_error(102)
    emulator.set_faults("paper_out")
    assert emulator.execute(cmd_receipt.OpenShift().encode()) == encode_error(103)
    emulator.set_faults("")
    assert emulator.execute(cmd_receipt.OpenShift().encode()) == bytes.fromhex("55 00 00")
    assert emulator.execute(bytes.fromhex("00 00 F1")) == encode_error(242)
    assert emulator.execute(bytes.fromhex("00 00 99 00")) == encode_error(19)


def test_picture_rows_are_checked_and_kept_until_another_command() -> None:
    emulator = AtolEmulator(DeviceConfig(num=1, kind="atol", line_length=32),
                            clock=lambda: dt.datetime(2026, 11, 24, 9, 0))
    ok = bytes.fromhex("55 00 00")
    row = cmd_state.PrintPictureLine
    assert emulator.execute(row(repeat=2, offset=8, data=b"\x80").encode()) == ok
    assert emulator.execute(row(repeat=1, data=b"\x01").encode()) == ok  # the same picture
    assert emulator.execute(row(repeat=1, offset=8, data=bytes(48)).encode()) == \
        encode_error(20)  # 384 dots = 48 bytes, and the offset took one
    assert emulator.execute(row(repeat=0, data=b"\x01").encode()) == encode_error(19)
    assert emulator.execute(row(repeat=4097, data=b"\x01").encode()) == encode_error(19)
    emulator.set_faults("paper_out")
    assert emulator.execute(row(data=b"\x01").encode()) == encode_error(103)
    emulator.set_faults("")
    assert emulator.execute(cmd_state.PrintString(text="между").encode()) == ok
    assert emulator.execute(row(data=b"\xff").encode()) == ok  # a new picture
    first, second = emulator.printouts
    assert first.rows == [b"\x00\x80".ljust(48, b"\0")] * 2 + [b"\x01".ljust(48, b"\0")]
    assert second.rows == [b"\xff".ljust(48, b"\0")]
    assert first.image().getpixel((8, 0)) == 0  # the high bit is the leftmost dot


def test_reregistration_and_close_on_the_emulator() -> None:
    emulator = AtolEmulator(DeviceConfig(num=1, kind="atol"),
                            clock=lambda: dt.datetime(2026, 11, 24, 9, 0))
    place = tlv.tlv(1187, tlv.string("Склад 2", 256))
    assert emulator.execute(cmd_register.FnReregister(reason=0b1000, tags=place).encode()) \
        == bytes.fromhex("55 00 00")
    assert emulator.fn.registration.place == "Склад 2"
    assert emulator.fn.document(emulator.fn.last_number).type is DocumentType.REREGISTRATION
    cut = cmd_register.FnReregister(reason=0, tags=place[:-1])
    assert emulator.execute(cut.encode()) == encode_error(19)
    assert emulator.execute(cmd_register.FnClose().encode()) != bytes.fromhex("55 00 00")  # OFD
    emulator.fn.confirm_ofd()
    assert emulator.execute(cmd_register.FnClose().encode()) == bytes.fromhex("55 00 00")
    assert emulator.fn.closed


def test_fault_plan_parsing() -> None:
    plan = WirePlan.parse("lose_reply@4a*1, delay=0.5, cut_at=120")
    assert plan.fire(WireFault.LOSE_REPLY, 0x99) is None
    assert plan.fire(WireFault.LOSE_REPLY, 0x4A) is not None
    assert plan.fire(WireFault.LOSE_REPLY, 0x4A) is None
    assert plan.cut_position() == 120
    rule = plan.fire(WireFault.DELAY, 0x3F)
    assert rule is not None and rule.value == 0.5
    for bad in ("explode", "delay", "nak=3", "cut_at=-1", "lose_reply*0", "nak@zz"):
        with pytest.raises(ConfigError):
            WirePlan.parse(bad)


async def test_paced_line_still_answers(tmp_path: Path) -> None:
    from openkkm.transport import loop_pair
    emulator = AtolEmulator(DeviceConfig(num=1, kind="atol"), baud=921600)
    host, device = loop_pair()
    task = asyncio.create_task(emulator.serve(device))
    try:
        from openkkm.protocol.atol.session import HostSession
        session = HostSession(host)
        await session.reset()
        state = await session.execute(cmd_state.DeviceState(), cmd_state.DeviceStateAnswer)
        assert state.mode == Mode.SELECT and state.serial == 12345678
    finally:
        await host.close()
        await task


async def test_serve_in_process_on_a_loop_hub(tmp_path: Path) -> None:
    from openkkm.emulators.atol import serve_in_process
    from openkkm.transport import LoopHub
    hub = LoopHub()
    config = DeviceConfig(num=4, kind="atol", url="loop://emulator-4")
    emulator = AtolEmulator(config, data_dir=tmp_path)
    await serve_in_process(emulator, hub, "emulator-4")
    driver = AtolDriver(config, data_dir=str(tmp_path), hub=hub)
    await driver.start()
    try:
        assert (await driver.status()).fn_number == emulator.fn.fn_number
    finally:
        await driver.stop()
        hub.unlisten("emulator-4")
    await asyncio.sleep(0)


def test_props_refuse_an_stlv_without_its_required_children() -> None:
    props = Props()
    with pytest.raises(tlv.TlvError):
        props.write(tlv.stlv(1174, [tlv.tlv(1179, b"N1")]))
    with pytest.raises(tlv.TlvError):
        props.write(tlv.stlv(1084, [tlv.tlv(1085, b"A")]))
    props.write(tlv.tlv(1173, tlv.byte(0)))
    assert props.correction() is None  # 1174 not written yet
