"""Shtrih-M protocol 2 (numbered frames with CRC) end to end: driver and emulator over TCP and a
pty, a lost answer repeated without a second document, resynchronising on reconnect, and the
config and CLI that choose it."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from pydantic import ValidationError
from shtrih_e2e_helpers import ManualClock, emulator, mixed_sale, small_sale

from openkkm.config import DeviceConfig
from openkkm.drivers.shtrih import ShtrihDriver
from openkkm.emulators.shtrih import ShtrihEmulator
from openkkm.emulators.shtrih.server import serve_connection
from openkkm.errors import LinkLost
from openkkm.fiscal.types import DocumentType
from openkkm.framing.shtrih import NumberedFrame, decode_v2
from openkkm.transport import Transport, open_pty_pair, serve_tcp
from openkkm.transport.stream import TcpListener

CLOSE_RECEIPT = b"\xff\x45"


def config(url: str) -> DeviceConfig:
    """Device 1, a Shtrih register set to protocol 2."""
    return DeviceConfig(num=1, kind="shtrih", url=url, tax_systems="0,1", protocol=2)


class Recording(Transport):
    """The device end, keeping what the host sent."""

    def __init__(self, inner: Transport) -> None:
        super().__init__(inner.url)
        self.inner = inner
        self.received = bytearray()

    async def read(self, n: int, timeout: float | None) -> bytes:
        """Read and keep."""
        data = await self.inner.read(n, timeout)
        self.received += data
        return data

    async def write(self, data: bytes) -> None:
        """Write through."""
        await self.inner.write(data)

    async def close(self) -> None:
        """Close the inner end."""
        self.closed = True
        await self.inner.close()


def host_frames(recorded: Recording) -> list[NumberedFrame]:
    """What the host sent, frame by frame; anything but protocol-2 frames (ENQ, ACK) fails."""
    frames, rest = [], bytes(recorded.received)
    while rest:
        used, frame = decode_v2(rest)
        assert used and isinstance(frame, NumberedFrame), rest[:16].hex(" ")
        frames.append(frame)
        rest = rest[used:]
    return frames


@asynccontextmanager
async def recorded_tcp(emu: ShtrihEmulator) -> AsyncIterator[tuple[str, list[Recording]]]:
    """Serve ``emu`` on 127.0.0.1; yield its URL and each connection's recorded device end."""
    ends: list[Recording] = []

    async def serve(end: Transport) -> None:
        ends.append(Recording(end))
        await serve_connection(emu, ends[-1])

    listener: TcpListener = await serve_tcp(serve, "127.0.0.1", 0)
    try:
        yield f"tcp://127.0.0.1:{listener.port}", ends
    finally:
        await listener.close()


async def register_twice(driver: ShtrihDriver) -> list[int]:
    """Open a shift and register two receipts; their FD numbers."""
    await driver.start()
    try:
        await driver.open_shift(None)
        return [(await driver.register(mixed_sale())).number for _ in range(2)]
    finally:
        await driver.stop()


async def test_receipts_over_tcp(tmp_path: Path) -> None:
    emu = emulator(ManualClock())
    async with recorded_tcp(emu) as (url, ends):
        numbers = await register_twice(ShtrihDriver(config(url), data_dir=str(tmp_path)))
    assert [emu.fn.document(n).total for n in numbers] == [mixed_sale().total] * 2
    frames = host_frames(ends[0])  # every command went as a numbered frame
    assert frames[0].number is None and emu.link_v2.last_number == frames[-1].number > 4


async def test_receipts_over_a_pty(tmp_path: Path) -> None:
    emu = emulator(ManualClock())
    device_end, path = open_pty_pair()
    recorded = Recording(device_end)
    serving = asyncio.create_task(serve_connection(emu, recorded, close=False))
    try:
        numbers = await register_twice(ShtrihDriver(config(f"pty://{path}"),
                                                    data_dir=str(tmp_path)))
    finally:
        serving.cancel()
        await asyncio.gather(serving, return_exceptions=True)
        await device_end.close()
    assert emu.fn.document(numbers[1]).type is DocumentType.RECEIPT
    frames = host_frames(recorded)  # no ENQ, no ACK: nothing but numbered frames
    assert frames[0].number is None  # the sync request
    assert [frame.number for frame in frames[1:4]] == [1, 2, 3]


async def test_a_lost_close_answer_is_repeated_and_forms_one_document(tmp_path: Path) -> None:
    emu = emulator(ManualClock(), faults="lose_reply@ff45*1")
    async with recorded_tcp(emu) as (url, ends):
        driver = ShtrihDriver(config(url), data_dir=str(tmp_path))
        driver.link.control_timeout = 0.2
        driver.link.timeouts = lambda code: 0.3
        await driver.start()
        await driver.open_shift(None)
        before = emu.fn.last_number
        document = await driver.register(mixed_sale())
        await driver.stop()
    assert [rule.remaining for rule in emu.faults.rules] == [0]  # the answer was lost once
    closes = [frame for frame in host_frames(ends[0]) if frame.payload[:2] == CLOSE_RECEIPT]
    assert len(closes) >= 2 and all(frame == closes[0] for frame in closes)  # the same frame
    assert document.number == before + 1 == emu.fn.last_number  # the repeat ran nothing again
    assert emu.fn.document(document.number).total == mixed_sale().total
    assert not emu.fn.receipt_open


async def test_a_slow_close_is_repeated_each_control_timeout_and_runs_once(
    tmp_path: Path,
) -> None:
    emu = emulator(ManualClock(), faults="delay@ff45=0.5*1")
    async with recorded_tcp(emu) as (url, ends):
        driver = ShtrihDriver(config(url), data_dir=str(tmp_path))
        driver.link.control_timeout = 0.1  # repeat every 0.1 s within FF45's 30 s
        await driver.start()
        await driver.open_shift(None)
        before = emu.fn.last_number
        document = await driver.register(mixed_sale())
        await driver.stop()
    closes = [frame for frame in host_frames(ends[0]) if frame.payload[:2] == CLOSE_RECEIPT]
    assert len(closes) >= 3 and all(frame == closes[0] for frame in closes)  # repeated, same NUM
    assert document.number == before + 1 == emu.fn.last_number  # executed once


async def drop_connection(driver: ShtrihDriver, end: Recording) -> None:
    """The register closes the idle connection; the driver's next call notices and reconnects."""
    await end.close()
    await asyncio.sleep(0.05)  # let the close reach the driver's socket
    driver.link.idle_probe = 0.0


async def test_a_reconnect_resyncs_with_the_registers_numbering(tmp_path: Path) -> None:
    emu = emulator(ManualClock())
    async with recorded_tcp(emu) as (url, ends):
        driver = ShtrihDriver(config(url), data_dir=str(tmp_path))
        try:
            await driver.start()
            await driver.open_shift(None)
            last = emu.link_v2.last_number
            await drop_connection(driver, ends[0])
            first = await driver.register(small_sale(700))
            emu.power_loss()  # the register restarts: its numbering begins again
            await drop_connection(driver, ends[1])
            second = await driver.register(small_sale(800))
        finally:
            await driver.stop()
    assert len(ends) == 3
    reconnected, restarted = host_frames(ends[1]), host_frames(ends[2])
    assert reconnected[0].number is None and reconnected[1].number == last + 1 > 1
    assert restarted[0].number is None and restarted[1].number == 1
    assert (emu.fn.document(first.number).total, emu.fn.document(second.number).total) == (700, 800)
    assert second.number == first.number + 1 == emu.fn.last_number


async def test_a_register_set_to_protocol_1_never_answers_a_protocol_2_driver(
        tmp_path: Path) -> None:
    emu = emulator(ManualClock(), protocol=1)
    async with recorded_tcp(emu) as (url, _ends):
        driver = ShtrihDriver(config(url), data_dir=str(tmp_path))
        driver.link.control_timeout = 0.02
        with pytest.raises(LinkLost):
            await driver.start()
        await driver.stop()
    assert emu.link_v2.last_number == 0


def test_the_protocol_key_is_checked() -> None:
    assert DeviceConfig(num=1, kind="shtrih", url="tcp://h:1", protocol=2).protocol == 2
    assert DeviceConfig(num=1, kind="atol", url="tcp://h:1").protocol == 1
    with pytest.raises(ValidationError, match='kind = "shtrih"'):
        DeviceConfig(num=1, kind="virtual", protocol=2)
    with pytest.raises(ValidationError, match="1 or 2"):
        DeviceConfig(num=1, kind="shtrih", url="tcp://h:1", protocol=3)  # type: ignore[arg-type]


@pytest.mark.parametrize("where", [["--listen", "tcp://127.0.0.1:0"], ["--pty"]])
async def test_the_cli_emulator_serves_protocol_2(tmp_path: Path, where: list[str]) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "openkkm.cli.main", "emulator", "shtrih", "--protocol", "2",
        *where, "--state", str(tmp_path / "fn.json"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert process.stdout is not None
        address = (await asyncio.wait_for(process.stdout.readline(), 30)).decode().strip()
        url = address if address.startswith("tcp://") else f"pty://{address}"
        assert url.startswith(("tcp://127.0.0.1:", "pty:///dev/")), address
        numbers = await register_twice(ShtrihDriver(config(url), data_dir=str(tmp_path)))
        assert numbers[1] == numbers[0] + 1
    finally:
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 30) == 0
