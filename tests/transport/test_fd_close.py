"""Closing a file-descriptor transport ends the reads waiting on it, and a pty-served emulator."""

from __future__ import annotations

import asyncio

import pytest

from openkkm.config import DeviceConfig
from openkkm.emulators.shtrih import ShtrihEmulator
from openkkm.emulators.shtrih.server import serve_connection
from openkkm.errors import LinkLost
from openkkm.transport import open_pty_pair


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
