"""The ``escpos`` driver against a TCP printer sink; zxing-cpp reads the codes from the bytes sent."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import zxingcpp
from escpos_sink import Command, PrinterSink, parse, parse_one, stacked_rasters

from openkkm.config import DeviceConfig
from openkkm.drivers.escpos import EscposDriver
from openkkm.drivers.escpos_encode import encode_document
from openkkm.errors import (
    ConfigError,
    DeviceRejected,
    DeviceTimeout,
    NotSupportedError,
    TransportError,
)
from openkkm.fiscal.types import (
    Barcode,
    PageEnd,
    Payments,
    PrintText,
    Receipt,
    ReceiptKind,
    Slip,
)
from openkkm.transport import open_pty_pair

CODES = (
    Barcode("EAN13", "400638133393"),
    Barcode("EAN8", "9638507"),
    Barcode("CODE39", "ABC-12"),
    Barcode("CODE128", "Order 154"),
    Barcode("PDF417", "12345DFG Proba pera, Print barcode 1234567890"),
    Barcode("QR", "t=20261124T153700&s=1250.00&fn=7380440700123456&i=482&fp=3071182645&n=1"),
)
EXPECTED = {
    ("EAN13", "4006381333931"), ("EAN8", "96385074"), ("Code39", "ABC-12"),
    ("Code128", "Order 154"), ("PDF417", "12345DFG Proba pera, Print barcode 1234567890"),
    ("QRCode", "t=20261124T153700&s=1250.00&fn=7380440700123456&i=482&fp=3071182645&n=1"),
}


@pytest.fixture
async def sink() -> AsyncIterator[tuple[PrinterSink, int]]:
    peer = PrinterSink()
    server = await asyncio.start_server(peer.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield peer, port
    finally:
        server.close()
        await server.wait_closed()


async def _driver(url: str, line_length: int = 48) -> EscposDriver:
    driver = EscposDriver(DeviceConfig(num=2, kind="escpos", url=url, line_length=line_length),
                          data_dir="")
    await driver.start()
    return driver


async def _settled(peer: PrinterSink, size: int) -> None:
    """Wait until the sink holds at least ``size`` bytes (the write is already on the socket)."""
    async with asyncio.timeout(5):
        while len(peer.received) < size:
            await asyncio.sleep(0.01)


async def _print(url: str, peer: PrinterSink, slip: Slip, line_length: int = 48) -> EscposDriver:
    driver = await _driver(url, line_length)
    try:
        await driver.print_slip(slip)
    finally:
        await driver.stop()
    assert driver.last_printed is not None
    return driver


async def _received(peer: PrinterSink, slip: Slip, url: str) -> list[Command]:
    before = len(peer.received)
    driver = await _print(url, peer, slip)
    await _settled(peer, before + len(encode_document(driver.last_printed.document,
                                                      driver.target.options).data))
    return peer.documents()


@pytest.mark.parametrize("line_length", [32, 48])
async def test_raster_codes_sent_decode(sink: tuple[PrinterSink, int], line_length: int) -> None:
    peer, port = sink
    url = f"tcp://127.0.0.1:{port}?native=off"
    driver = await _print(url, peer, Slip(CODES), line_length)
    await _settled(peer, len(encode_document(driver.last_printed.document,
                                             driver.target.options).data))
    commands = peer.documents()
    assert not any(c.name in (b"\x1dk", b"\x1d(k") for c in commands)
    page = stacked_rasters(commands)
    assert page.width == line_length * 12
    found = {(r.format.name, r.text) for r in zxingcpp.read_barcodes(page)}
    assert found == EXPECTED


async def test_native_codes_carry_the_values(sink: tuple[PrinterSink, int]) -> None:
    peer, port = sink
    commands = await _received(peer, Slip(CODES), f"tcp://127.0.0.1:{port}")
    native = [c.data for c in commands if c.name == b"\x1dk"]
    assert native == [b"\x024006381333931", b"\x039638507" + b"4", b"\x04ABC-12", b"I{BOrder 154"]
    qr_store = [c.data for c in commands if c.name == b"\x1d(k" and c.data[:2] == b"1P"]
    assert qr_store == [b"1P0" + CODES[5].value.encode()]
    found = {(r.format.name, r.text) for r in zxingcpp.read_barcodes(stacked_rasters(commands))}
    assert found == {("PDF417", CODES[4].value)}


async def test_cyrillic_text_goes_in_cp866_and_missing_characters_are_reported(
        sink: tuple[PrinterSink, int]) -> None:
    peer, port = sink
    slip = Slip((PrintText("Чек №1 café ✓"), PrintText(">#0#<ИТОГ", 1), PageEnd()))
    commands = await _received(peer, slip, f"tcp://127.0.0.1:{port}")
    assert commands[:2] == [parse(b"\x1b@")[0], parse(b"\x1bt\x11")[0]]
    text = b"".join(c.data for c in commands if c.name == b"text")
    assert text.decode("cp866").split("\n")[:2] == ["Чек №1 caf? ?", "          ИТОГ"]
    modes = [c.data for c in commands if c.name == b"\x1b!"]
    assert modes == [b"\x00", b"\x30"]
    assert [c.data for c in commands if c.name == b"\x1dV"] == [b"\x00"]  # one cut, not two
    driver_warning = "Символы «é», «✓» отсутствуют в кодовой странице CP866 и напечатаны как «?»"
    printed = (await _print(f"tcp://127.0.0.1:{port}", peer, slip)).last_printed
    assert printed is not None and printed.warning() == driver_warning


async def test_copies_repeat_the_document(sink: tuple[PrinterSink, int]) -> None:
    peer, port = sink
    commands = await _received(peer, Slip((PrintText("Копия"),), copies=1), f"tcp://127.0.0.1:{port}")
    assert [c.data for c in commands if c.name == b"\x1dV"] == [b"\x00", b"\x00"]


async def test_not_print_sends_nothing(sink: tuple[PrinterSink, int]) -> None:
    peer, port = sink
    driver = await _print(f"tcp://127.0.0.1:{port}", peer, Slip((PrintText("x"),), print_paper=False))
    assert driver.last_printed is not None and not driver.last_printed.on_paper
    assert peer.received == b""


async def test_out_of_paper_is_refused_before_the_document(sink: tuple[PrinterSink, int]) -> None:
    peer, port = sink
    peer.paper_status = 0x72
    with pytest.raises(DeviceRejected) as caught:
        await _print(f"tcp://127.0.0.1:{port}", peer, Slip((PrintText("x"),)))
    assert caught.value.ru == "В принтере Касса 2 закончилась бумага"
    assert bytes(peer.received) == b"\x10\x04\x01\x10\x04\x04"


async def test_offline_printer_is_refused(sink: tuple[PrinterSink, int]) -> None:
    peer, port = sink
    peer.printer_status = 0x1A
    with pytest.raises(DeviceRejected, match="offline"):
        await _print(f"tcp://127.0.0.1:{port}", peer, Slip((PrintText("x"),)))


async def test_silent_printer_times_out_with_advice(sink: tuple[PrinterSink, int]) -> None:
    peer, port = sink
    peer.answer = False
    with pytest.raises(DeviceTimeout) as caught:
        await _print(f"tcp://127.0.0.1:{port}", peer, Slip((PrintText("x"),)))
    assert "status=off" in caught.value.ru


async def test_unreachable_printer_fails_to_start() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    with pytest.raises(TransportError):
        await _driver(f"tcp://127.0.0.1:{port}?connect_timeout=1")


async def test_drawer_kick(sink: tuple[PrinterSink, int]) -> None:
    peer, port = sink
    driver = await _driver(f"tcp://127.0.0.1:{port}?drawer=5")
    try:
        await driver.open_drawer()
    finally:
        await driver.stop()
    await _settled(peer, 9)
    assert peer.documents() == parse(b"\x1bp\x01\x32\x32")


async def test_device_file_receives_the_bytes(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    driver = await _driver(f"file://{target}")
    await driver.print_slip(Slip((PrintText("Файл"),)))
    await driver.stop()
    commands = parse(target.read_bytes())
    assert commands[2:4] == parse(b"\x1b!\x00" + "Файл\n".encode("cp866"))


async def test_fiscal_steps_are_refused_in_russian(sink: tuple[PrinterSink, int]) -> None:
    _, port = sink
    driver = await _driver(f"tcp://127.0.0.1:{port}")
    try:
        with pytest.raises(NotSupportedError) as caught:
            await driver.register(Receipt(ReceiptKind.SALE, (), Payments()))
        assert caught.value.ru.startswith("Устройство «Касса 2» — принтер без фискального накопителя")
        with pytest.raises(NotSupportedError):
            await driver.open_shift(None)
        await driver.cancel_receipt()
    finally:
        await driver.stop()


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("tcp://127.0.0.1:9100?cut=sometimes", "cut='sometimes', допустимо full, partial, none"),
        ("tcp://127.0.0.1:9100?codepage=cp437", "codepage='cp437', допустимо cp866, cp1251"),
        ("tcp://127.0.0.1:9100?codetable=300", "codetable='300', нужно число 0–255"),
        ("file:///dev/usb/lp0?status=on", "файл устройства не отвечает на запрос состояния"),
    ],
)
def test_bad_printer_urls(url: str, text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        EscposDriver(DeviceConfig(num=2, kind="escpos", url=url), data_dir="")
    assert text in caught.value.ru


async def test_serial_printer_over_a_pty() -> None:
    device, path = open_pty_pair()
    received = bytearray()

    async def printer() -> None:
        pending = b""
        while True:
            chunk = await device.read(4096, None)
            received.extend(chunk)
            pending += chunk
            while pending:
                used, command = parse_one(pending)
                if command is None:
                    break
                pending = pending[used:]
                if command.name == b"\x10\x04":
                    await device.write(b"\x12")

    task = asyncio.create_task(printer())
    try:
        driver = await _driver(f"serial://{path}?baudrate=115200")
        try:
            await driver.print_slip(Slip((PrintText("Чек по COM-порту"), Barcode("QR", "com:1"))))
        finally:
            await driver.stop()
        assert driver.last_printed is not None
        size = 6 + len(encode_document(driver.last_printed.document, driver.target.options).data)
        async with asyncio.timeout(5):
            while len(received) < size:
                await asyncio.sleep(0.01)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await device.close()
    commands = [c for c in parse(bytes(received)) if c.name != b"\x10\x04"]
    text = b"".join(c.data for c in commands if c.name == b"text").decode("cp866")
    assert text.startswith("Чек по COM-порту\n")
    assert [c.data for c in commands if c.name == b"\x1d(k" and c.data[:2] == b"1P"] == [b"1P0com:1"]
