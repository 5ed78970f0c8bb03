"""Byte transports: loop pair, loopback, TCP on 127.0.0.1, pty with pyserial, URL validation."""

from __future__ import annotations

import asyncio
import os

import pytest
import serial

from openkkm.errors import ConfigError, DeviceTimeout, LinkLost
from openkkm.transport import (
    LoopHub,
    Transport,
    TransportSpec,
    loop_pair,
    open_pty_pair,
    open_transport,
    parse_url,
    serve_tcp,
)
from openkkm.transport.faults import ManipulatedTransport, bytewise, drop_first
from openkkm.transport.threaded import ThreadedSerialTransport, open_threaded_serial

ENQ_FRAME = bytes.fromhex("05 02 05 10 1E 00 00 00 0B")


async def read_exactly(transport: Transport, size: int) -> bytes:
    """Read ``size`` bytes, however the transport chunks them."""
    data = b""
    while len(data) < size:
        data += await transport.read(size - len(data), timeout=5)
    return data


async def test_loop_pair_round_trip_and_close() -> None:
    host, device = loop_pair()
    await host.write(ENQ_FRAME)
    assert await read_exactly(device, len(ENQ_FRAME)) == ENQ_FRAME
    await device.write(b"\x15")
    assert await host.read(10, timeout=1) == b"\x15"
    with pytest.raises(DeviceTimeout):
        await host.read(1, timeout=0.01)
    await device.close()
    with pytest.raises(LinkLost):
        await host.read(1, timeout=1)
    with pytest.raises(LinkLost):
        await host.write(b"\x05")


async def test_loop_read_returns_at_most_n() -> None:
    host, device = loop_pair()
    await host.write(b"abcdef")
    assert await device.read(4, timeout=1) == b"abcd"
    assert await device.read(4, timeout=1) == b"ef"


async def test_loop_waiting_reader_wakes_on_write() -> None:
    host, device = loop_pair()
    reader = asyncio.create_task(device.read(10, timeout=5))
    await asyncio.sleep(0)
    await host.write(b"\x05")
    assert await reader == b"\x05"


async def test_loop_close_wakes_a_waiting_reader_with_link_lost() -> None:
    host, device = loop_pair()
    reader = asyncio.create_task(device.read(10, timeout=5))
    await asyncio.sleep(0)
    await host.close()
    with pytest.raises(LinkLost):
        await asyncio.wait_for(reader, 1)


async def test_loop_read_cancelled_while_waiting_leaves_the_link_usable() -> None:
    host, device = loop_pair()
    reader = asyncio.create_task(device.read(10, timeout=5))
    await asyncio.sleep(0)
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    await host.write(b"\x06")
    assert await device.read(10, timeout=1) == b"\x06"


async def test_loopback_and_hub_urls() -> None:
    echo = await open_transport("loop://")
    await echo.write(b"\x05")
    assert await echo.read(1, timeout=1) == b"\x05"
    await echo.close()

    hub = LoopHub()
    accepted: list[Transport] = []
    hub.listen("kkm1", accepted.append)
    host = await open_transport("loop://kkm1", hub=hub)
    await host.write(b"\x05")
    assert await accepted[0].read(1, timeout=1) == b"\x05"
    await host.close()
    with pytest.raises(ConfigError):
        await open_transport("loop://other", hub=hub)
    with pytest.raises(ConfigError):
        await open_transport("loop://kkm1")


async def test_tcp_round_trip_on_ephemeral_port() -> None:
    async def echo_device(transport: Transport) -> None:
        data = await read_exactly(transport, len(ENQ_FRAME))
        await transport.write(b"\x06" + data[1:])

    listener = await serve_tcp(echo_device)
    try:
        for scheme in ("tcp", "socket"):
            async with await open_transport(f"{scheme}://127.0.0.1:{listener.port}") as host:
                await host.write(ENQ_FRAME)
                assert await read_exactly(host, len(ENQ_FRAME)) == b"\x06" + ENQ_FRAME[1:]
                with pytest.raises(LinkLost):  # the device handler returned and closed
                    await host.read(1, timeout=5)
    finally:
        await listener.close()


async def test_tcp_connect_refused_is_link_lost() -> None:
    listener = await serve_tcp(lambda transport: asyncio.sleep(0))
    port = listener.port
    await listener.close()
    with pytest.raises(LinkLost):
        await open_transport(f"tcp://127.0.0.1:{port}?connect_timeout=2")


async def test_tcp_read_timeout() -> None:
    stop = asyncio.Event()

    async def silent(transport: Transport) -> None:
        await stop.wait()

    listener = await serve_tcp(silent)
    try:
        async with await open_transport(f"tcp://127.0.0.1:{listener.port}") as host:
            with pytest.raises(DeviceTimeout):
                await host.read(1, timeout=0.05)
    finally:
        stop.set()
        await listener.close()


async def test_pty_pair_with_pyserial_client() -> None:
    device, path = open_pty_pair()
    client = serial.Serial(path, baudrate=115200, timeout=2)
    try:
        client.write(ENQ_FRAME)
        assert await read_exactly(device, len(ENQ_FRAME)) == ENQ_FRAME
        await device.write(b"\x15\x06")
        assert await asyncio.to_thread(client.read, 2) == b"\x15\x06"
        with pytest.raises(DeviceTimeout):
            await device.read(1, timeout=0.01)
    finally:
        client.close()
        await device.close()


async def test_serial_and_pty_urls_on_a_pty() -> None:
    master, slave = os.openpty()
    path = os.ttyname(slave)
    try:
        for url in (f"serial://{path}?baudrate=9600", f"pty://{path}"):
            host = await open_transport(url)
            await host.write(ENQ_FRAME)
            received = b""
            while len(received) < len(ENQ_FRAME):
                received += os.read(master, 64)
            assert received == ENQ_FRAME
            os.write(master, b"\x15")
            assert await host.read(1, timeout=2) == b"\x15"
            with pytest.raises(DeviceTimeout):
                await host.read(1, timeout=0.01)
            await host.close()
            with pytest.raises(LinkLost):
                await host.read(1, timeout=0.01)
    finally:
        os.close(master)
        os.close(slave)


async def test_missing_serial_device_is_link_lost() -> None:
    with pytest.raises(LinkLost):
        await open_transport("serial:///dev/openkkm-no-such-port")


async def test_threaded_pyserial_transport() -> None:
    line = serial.serial_for_url("loop://", timeout=0)
    transport = ThreadedSerialTransport(line, "loop-pyserial")
    await transport.write(b"abc")
    assert await read_exactly(transport, 3) == b"abc"
    with pytest.raises(DeviceTimeout):
        await transport.read(1, timeout=0.01)
    await transport.close()
    with pytest.raises(LinkLost):
        await transport.read(1, timeout=0.01)


@pytest.mark.parametrize(
    ("url", "word"),
    [
        ("ftp://host/file", "serial, pty, tcp, socket, loop, usb"),
        ("usb://0483", "usb://04b8:0202"),
        ("serial:///dev/ttyS0?baud=9600", "baudrate"),
        ("serial:///dev/ttyS0?baudrate=1234", "115200"),
        ("serial://", "устройство"),
        ("tcp://127.0.0.1", "tcp://host:port"),
        ("tcp://127.0.0.1:7778?timeout=1", "connect_timeout"),
        ("tcp://127.0.0.1:7778?connect_timeout=-1", "-1"),
        ("tcp://127.0.0.1:99999", "порт"),
        ("pty:///dev/pts/1?baudrate=9600", "нет"),
        ("loop://?x=1", "x"),
    ],
)
async def test_bad_urls_are_config_errors(url: str, word: str) -> None:
    with pytest.raises(ConfigError) as error:
        await open_transport(url)
    assert word in error.value.text("ru")
    assert error.value.text("en") != error.value.text("ru")


async def test_threaded_serial_on_a_pty() -> None:
    # The Windows path for serial://, exercised here on a POSIX pty.
    master, slave = os.openpty()
    path = os.ttyname(slave)
    try:
        host = await open_threaded_serial(path, baudrate=9600, url=f"serial://{path}")
        await host.write(b"\x05")
        assert os.read(master, 8) == b"\x05"
        os.write(master, b"\x15")
        assert await host.read(1, timeout=2) == b"\x15"
        await host.close()
    finally:
        os.close(master)
        os.close(slave)


async def test_manipulated_transport_drops_and_splits() -> None:
    host, device = loop_pair()
    lossy = ManipulatedTransport(host, drop_first(lambda chunk: chunk == b"\x06"))
    await lossy.write(b"\x06")
    await lossy.write(b"\x06")
    assert await device.read(8, timeout=1) == b"\x06"
    with pytest.raises(DeviceTimeout):
        await device.read(1, timeout=0.01)
    assert bytewise(b"\x02\x01") == [b"\x02", b"\x01"]
    await lossy.close()
    assert lossy.closed and host.closed


def test_parse_url_checks_without_opening() -> None:
    assert parse_url("serial:///dev/ttyUSB0?baudrate=9600") == TransportSpec(
        "serial:///dev/ttyUSB0?baudrate=9600", "serial", "/dev/ttyUSB0", baudrate=9600
    )
    assert parse_url("serial://COM3").target == "COM3"
    spec = parse_url("socket://10.0.0.5:7778?connect_timeout=2.5")
    assert (spec.scheme, spec.target, spec.port, spec.connect_timeout) == (
        "tcp",
        "10.0.0.5",
        7778,
        2.5,
    )
    assert parse_url("loop://kkm1").target == "kkm1"
    assert parse_url("rfc2217://10.0.0.5:2217").scheme == "rfc2217"
    with pytest.raises(ConfigError):
        parse_url("http://10.0.0.5")
