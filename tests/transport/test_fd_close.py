"""File-descriptor transports: reads keep what arrives between them; closing ends waiting reads."""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import tty

import pytest

from openkkm.config import DeviceConfig
from openkkm.emulators.shtrih import ShtrihEmulator
from openkkm.emulators.shtrih.server import serve_connection
from openkkm.errors import DeviceTimeout, LinkLost
from openkkm.transport import open_pty_pair, open_transport
from openkkm.transport.fd import FdTransport


async def test_close_wakes_a_pending_read_with_link_lost() -> None:
    device, _path = open_pty_pair()
    reading = asyncio.create_task(device.read(16, None))
    await asyncio.sleep(0.01)
    assert not reading.done()  # nothing was written: the read is waiting on the fd
    await device.close()
    with pytest.raises(LinkLost):
        await asyncio.wait_for(reading, 5)


async def test_a_closed_transport_refuses_further_reads() -> None:
    device, _path = open_pty_pair()
    await device.close()
    with pytest.raises(LinkLost):
        await device.read(1, None)


async def test_serving_on_a_pty_ends_when_the_pty_closes() -> None:
    device, _path = open_pty_pair()
    emulator = ShtrihEmulator(DeviceConfig(num=1))
    serving = asyncio.create_task(serve_connection(emulator, device, close=False))
    await asyncio.sleep(0.01)
    assert not serving.done()
    await device.close()
    await asyncio.wait_for(serving, 5)  # ends instead of waiting forever on the closed fd
    assert serving.exception() is None


async def test_bytes_that_arrive_between_reads_wait_in_order() -> None:
    device, path = open_pty_pair()
    host = await open_transport(f"pty://{path}")
    try:
        await host.write(b"abc")
        assert await device.read(1, 1.0) == b"a"  # the rest is kept, not lost
        await host.write(b"def")
        await asyncio.sleep(0.01)  # the loop drains the fd while nobody reads
        assert await device.read(2, 1.0) == b"bc"
        assert await device.read(16, 1.0) == b"def"
        with pytest.raises(DeviceTimeout):
            await device.read(16, 0.05)
    finally:
        await host.close()
        await device.close()


async def test_a_peer_gone_after_writing_leaves_its_bytes_then_link_lost() -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    os.set_blocking(master, False)
    device = FdTransport(master, "pty://test", lambda: os.close(master))
    os.write(slave, b"last words")
    os.close(slave)
    try:
        await asyncio.sleep(0.01)
        assert await device.read(64, 1.0) == b"last words"
        with pytest.raises(LinkLost):
            await device.read(64, 1.0)
    finally:
        await device.close()


async def test_a_short_read_is_not_followed_by_one_that_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A read that got less than it asked for emptied the kernel buffer: readiness says when
    there is more. A second read would only fail with EAGAIN, once per transfer both ways."""
    outcomes: list[str] = []
    real_read = os.read

    def read(fd: int, size: int) -> bytes:
        try:
            data = real_read(fd, size)
        except BlockingIOError:
            outcomes.append("EAGAIN")
            raise
        outcomes.append("full" if len(data) == size else "short")
        return data

    device, path = open_pty_pair()
    host = await open_transport(f"pty://{path}")
    try:
        monkeypatch.setattr("openkkm.transport.fd.os.read", read)
        await host.write(b"abc")
        assert await device.read(16, 1.0) == b"abc"
        bulk = bytes(range(256)) * 40  # more than the pty hands over at once
        await host.write(bulk)
        assert await read_exactly(device, len(bulk)) == bulk
    finally:
        await host.close()
        await device.close()
    assert "short" in outcomes  # and the bulk still came whole, over several readinesses
    assert all(after != "EAGAIN" for before, after in itertools.pairwise(outcomes)
               if before == "short")


async def read_exactly(transport: FdTransport, size: int) -> bytes:
    """Read until ``size`` bytes came."""
    data = b""
    while len(data) < size:
        data += await transport.read(size - len(data), 1.0)
    return data


async def test_a_watched_fd_is_read_only_when_the_loop_says_it_is_ready(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After the first read, bytes are read in the readiness callback, never by ``read``
    itself: on a pty that ``os.read`` would wait in the kernel for the peer's bytes to be
    flushed, with the whole event loop stalled behind it."""
    callers: list[str] = []
    real_read = os.read

    def read(fd: int, size: int) -> bytes:
        callers.append(sys._getframe(2).f_code.co_name)  # read → _drain → os.read
        return real_read(fd, size)

    device, path = open_pty_pair()
    host = await open_transport(f"pty://{path}")
    try:
        await host.write(b"first")
        assert await device.read(16, 1.0) == b"first"
        monkeypatch.setattr("openkkm.transport.fd.os.read", read)
        for _ in range(5):
            await host.write(b"ping")
            assert await read_exactly(device, 4) == b"ping"
    finally:
        await host.close()
        await device.close()
    assert callers and set(callers) == {"_readable"}
