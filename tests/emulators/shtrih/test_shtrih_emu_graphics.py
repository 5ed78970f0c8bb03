"""The emulated register's graphics and EAN-13 commands: what it keeps is what was printed."""

from __future__ import annotations

import pytest
from barcode_samples import SYMBOLOGIES, decoded
from shtrih_emu_helpers import ManualClock, call, make

from openkkm.config import DeviceConfig
from openkkm.drivers.shtrih.printing import graphics_requests
from openkkm.emulators.printouts import Printout
from openkkm.emulators.shtrih import ShtrihEmulator
from openkkm.layout.barcodes import barcode_image
from openkkm.protocol.shtrih import cmd_graphics as gr
from openkkm.protocol.shtrih.cmd_shift import PrintString
from openkkm.protocol.shtrih.codes import Command
from openkkm.protocol.shtrih.messages import OperatorAnswer
from openkkm.protocol.shtrih.registry import REQUESTS, decode_request

E_BAD_PARAMS = 0x33
E_NO_PAPER = 0x6B


def test_graphics_commands_have_the_xml_sizes() -> None:
    samples = [
        (gr.LoadGraphics(line=3, data=bytes(40)), 4 + 1 + 40),
        (gr.PrintGraphics(first=1, last=200), 4 + 1 + 1),
        (gr.PrintEan13(barcode=400638133393), 4 + 5),
        (gr.PrintGraphicsExt(first=1, last=1200), 4 + 2 + 2),
        (gr.LoadGraphicsExt(line=1199, data=bytes(40)), 4 + 2 + 40),
        (gr.PrintGraphicsLine(repeat=80, data=b"\x01\xff"), 4 + 2 + 2),
    ]
    for request, size in samples:
        assert len(request.encode_data()) == size
        assert REQUESTS[request.code] is type(request)
        assert decode_request(request.encode()) == request
    assert gr.PrintEan13(barcode=400638133393).encode()[:1] == bytes([Command.PRINT_EAN13])


def test_rows_pack_and_unpack() -> None:
    dots = [True, False, False, False, False, False, False, False, False, True]
    packed = gr.pack_row(dots)
    assert packed == b"\x01\x02"  # the leftmost dot is the low bit
    image = Printout("GRAPHICS", rows=[packed], lsb_left=gr.LSB_LEFT).image()
    assert [image.getpixel((x, 0)) == 0 for x in range(10)] == dots  # as the emulator reads it


@pytest.mark.parametrize(("kind", "value", "fmt"), SYMBOLOGIES)
async def test_each_symbology_sent_as_0xc5_rows_decodes(kind: str, value: str, fmt: str) -> None:
    emu = make()
    for request in graphics_requests(barcode_image(kind, value, max_width=576), 576):
        assert isinstance(await call(emu, request), OperatorAnswer)
    (printout,) = emu.state.printouts
    assert printout.kind == "GRAPHICS"
    assert decoded(printout.image()) == [(fmt, value)]


async def test_a_text_line_ends_the_picture() -> None:
    emu = make()
    image = barcode_image("QR", "first", max_width=576)
    for request in graphics_requests(image, 576):
        await call(emu, request)
    await call(emu, PrintString(text="между"))
    for request in graphics_requests(barcode_image("QR", "second", max_width=576), 576):
        await call(emu, request)
    first, second = emu.state.printouts
    assert first.image().height == image.height
    assert decoded(first.image()) == [("QRCode", "first")]
    assert decoded(second.image()) == [("QRCode", "second")]


async def test_loaded_extended_lines_print_as_one_picture() -> None:
    emu = make()
    image = barcode_image("CODE128", "ABC123", max_width=320)
    pixels = image.load()
    assert pixels is not None
    for y in range(image.height):
        row = gr.pack_row([pixels[x, y] == 0 for x in range(image.width)])
        await call(emu, gr.LoadGraphicsExt(line=y, data=row.ljust(40, b"\0")))
    assert emu.state.printouts == type(emu.state.printouts)()  # loading prints nothing
    await call(emu, gr.PrintGraphicsExt(first=1, last=image.height))
    (printout,) = emu.state.printouts
    assert printout.image().height == image.height
    assert decoded(printout.image()) == [("Code128", "ABC123")]


async def test_classic_buffer_and_its_limits() -> None:
    emu = make()
    await call(emu, gr.LoadGraphics(line=0, data=b"\xff" * 40))
    assert await call(emu, gr.LoadGraphics(line=200, data=bytes(40))) == E_BAD_PARAMS
    assert await call(emu, gr.PrintGraphics(first=0, last=1)) == E_BAD_PARAMS
    assert await call(emu, gr.PrintGraphics(first=2, last=1)) == E_BAD_PARAMS
    await call(emu, gr.PrintGraphics(first=1, last=2))
    (printout,) = emu.state.printouts
    assert printout.rows == [b"\xff" * 40, bytes(40)]  # line 2 was never loaded: blank


async def test_native_ean13_records_the_digits_with_their_check_digit() -> None:
    emu = make()
    assert isinstance(await call(emu, gr.PrintEan13(barcode=400638133393)), OperatorAnswer)
    (printout,) = emu.state.printouts
    assert (printout.kind, printout.value) == ("EAN13", "4006381333931")
    assert emu.state.journal[-1] == "[EAN13 4006381333931]"
    assert await call(emu, gr.PrintEan13(barcode=10**12)) == E_BAD_PARAMS


async def test_line_width_repeat_and_paper_are_checked() -> None:
    narrow = ShtrihEmulator(DeviceConfig(num=1, line_length=32), clock=ManualClock())
    assert await call(narrow, gr.PrintGraphicsLine(repeat=1, data=bytes(49))) == E_BAD_PARAMS
    await call(narrow, gr.PrintGraphicsLine(repeat=2, data=b"\x80"))
    assert narrow.state.printouts[0].rows == [b"\x80".ljust(48, b"\0")] * 2
    emu = make()
    assert await call(emu, gr.PrintGraphicsLine(repeat=1, data=bytes(73))) == E_BAD_PARAMS
    assert await call(emu, gr.PrintGraphicsLine(repeat=0, data=b"\x01")) == E_BAD_PARAMS
    emu.state.paper = False
    assert await call(emu, gr.PrintGraphicsLine(repeat=1, data=b"\x01")) == E_NO_PAPER
    assert await call(emu, gr.PrintEan13(barcode=1)) == E_NO_PAPER
    assert not emu.state.printouts
