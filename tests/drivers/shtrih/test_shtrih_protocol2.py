"""Shtrih-M protocol 2 (numbered frames with CRC) end to end: driver and emulator over TCP and a
pty, a lost answer repeated without a second document, and the config and CLI that choose it."""

from __future__ import annotations

import asyncio
import select
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError
from shtrih_e2e_helpers import ManualClock, emulator, mixed_sale

from openkkm.config import DeviceConfig
from openkkm.drivers.shtrih import ShtrihDriver
from openkkm.emulators.shtrih import serve_tcp_emulator
from openkkm.emulators.shtrih.server import serve_connection
from openkkm.fiscal.types import DocumentType
from openkkm.framing.shtrih import NumberedFrame, decode_v2
from openkkm.transport import Transport, open_pty_pair


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
    listener = await serve_tcp_emulator(emu, port=0)
    try:
        numbers = await register_twice(
            ShtrihDriver(config(f"tcp://127.0.0.1:{listener.port}"), data_dir=str(tmp_path)))
    finally:
        await listener.close()
    assert [emu.fn.document(n).total for n in numbers] == [mixed_sale().total] * 2
    assert emu.link_v2.last_number > 4  # every command went as a numbered frame


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
    frames, rest = [], bytes(recorded.received)
    while rest:  # the host sent nothing but protocol-2 frames: no ENQ, no ACK
        used, frame = decode_v2(rest)
        assert used and isinstance(frame, NumberedFrame), rest[:16].hex(" ")
        frames.append(frame)
        rest = rest[used:]
    assert frames[0].number is None  # the sync request
    assert [frame.number for frame in frames[1:4]] == [1, 2, 3]


async def test_a_lost_close_answer_is_repeated_and_forms_one_document(tmp_path: Path) -> None:
    emu = emulator(ManualClock(), faults="lose_reply@ff45*1")
    listener = await serve_tcp_emulator(emu, port=0)
    driver = ShtrihDriver(config(f"tcp://127.0.0.1:{listener.port}"), data_dir=str(tmp_path))
    driver.link.control_timeout = 0.2
    driver.link.timeouts = lambda code: 0.3
    try:
        await driver.start()
        await driver.open_shift(None)
        before = emu.fn.last_number
        document = await driver.register(mixed_sale())
        await driver.stop()
    finally:
        await listener.close()
    assert [rule.remaining for rule in emu.faults.rules] == [0]  # the answer was lost once
    assert document.number == before + 1 == emu.fn.last_number  # the repeat ran nothing again
    assert emu.fn.document(document.number).total == mixed_sale().total


def test_the_protocol_key_is_checked() -> None:
    assert DeviceConfig(num=1, kind="shtrih", url="tcp://h:1", protocol=2).protocol == 2
    with pytest.raises(ValidationError, match="Shtrih"):
        DeviceConfig(num=1, kind="virtual", protocol=2)
    with pytest.raises(ValidationError):
        DeviceConfig(num=1, kind="shtrih", url="tcp://h:1", protocol=3)  # type: ignore[arg-type]


async def test_the_cli_emulator_serves_protocol_2(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "openkkm.cli.main", "emulator", "shtrih", "--protocol", "2",
         "--listen", "tcp://127.0.0.1:0", "--state", str(tmp_path / "fn.json")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        url = proc.stdout.readline().strip() if ready else ""
        assert url.startswith("tcp://127.0.0.1:"), url
        numbers = await register_twice(ShtrihDriver(config(url), data_dir=str(tmp_path)))
        assert numbers[1] == numbers[0] + 1
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
