"""``openkkm emulator shtrih`` as a process: address first on stdout, clients served, SIGTERM stops it."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import serial

from openkkm.framing import shtrih
from openkkm.protocol.shtrih import cmd_fn, cmd_shift, cmd_status
from openkkm.protocol.shtrih.session import HostSession
from openkkm.protocol.shtrih.status import Mode
from openkkm.transport import open_transport


@asynccontextmanager
async def emulator_process(
    *args: str,
) -> AsyncIterator[tuple[asyncio.subprocess.Process, str]]:
    """Start the CLI; yield the process and the first line it printed; kill it if still alive."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "openkkm.cli.main",
        "emulator",
        "shtrih",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode().strip()
        yield process, line
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def session_at(url: str) -> HostSession:
    """A host session to the emulator at ``url``."""
    transport = await open_transport(url)
    return HostSession(transport, control_timeout=1.0, timeouts=lambda _code: 5.0)


async def test_tcp_address_first_then_sigterm_exits_0(tmp_path: Path) -> None:
    state = tmp_path / "fn.json"
    async with emulator_process(
        "--listen", "tcp://127.0.0.1:0", "--state", str(state)
    ) as (process, address):
        assert address.startswith("tcp://127.0.0.1:") and not address.endswith(":0")
        session = await session_at(address)
        await session.execute(cmd_shift.OpenShift(), cmd_shift.OpenShiftAnswer)
        status = await session.execute(cmd_fn.FnStatus(), cmd_fn.FnStatusAnswer)
        await session.transport.close()
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    assert status.last_fd_number == 2 and state.exists()
    async with emulator_process(
        "--listen", "tcp://127.0.0.1:0", "--state", str(state)
    ) as (process, address):
        session = await session_at(address)
        again = await session.execute(cmd_fn.FnStatus(), cmd_fn.FnStatusAnswer)
        short = await session.execute(
            cmd_status.ShortStatus(), cmd_status.ShortStatusAnswer
        )
        await session.transport.close()
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    assert (again.last_fd_number, again.fn_number, again.shift_open) == (
        2,
        status.fn_number,
        1,
    )
    assert (
        short.mode == Mode.SHIFT_OPEN
    )  # the shift opened by the first process is still open


async def test_pty_path_first(tmp_path: Path) -> None:
    async with emulator_process("--pty", "--state", str(tmp_path / "fn.json")) as (
        process,
        path,
    ):
        assert path.startswith("/dev/")
        line = serial.Serial(path, timeout=5)
        try:
            line.write(b"\x05")
            assert await asyncio.to_thread(line.read, 1) == b"\x15"
            line.write(shtrih.encode(cmd_status.DeviceType().encode()))
            assert await asyncio.to_thread(line.read, 1) == b"\x06"
            head = await asyncio.to_thread(line.read, 2)
            body = await asyncio.to_thread(line.read, head[1] + 1)
        finally:
            line.close()
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    frame = shtrih.decode(head + body)[1]
    assert isinstance(frame, shtrih.Frame)
    answer = cmd_status.DeviceTypeAnswer.decode_data(frame.payload[2:])
    assert "ШТРИХ-М" in answer.name


async def test_bad_fault_spec_is_a_config_error(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "openkkm.cli.main",
        "emulator",
        "shtrih",
        "--listen",
        "tcp://127.0.0.1:0",
        "--state",
        str(tmp_path / "fn.json"),
        "--fault",
        "melt_down",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2 and stdout == b""
    assert "melt_down" in stderr.decode()
