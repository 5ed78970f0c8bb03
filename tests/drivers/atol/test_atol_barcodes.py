"""Barcodes and pictures on an ATOL register: rows of dots (0x8E) that decode as what was asked."""

from __future__ import annotations

import io
import logging
from dataclasses import replace

import pytest
from atol_bench import Bench, sale
from barcode_samples import SYMBOLOGIES, decoded
from PIL import Image as PilImage

from openkkm.drivers.atol.printing import picture_requests, print_requests
from openkkm.emulators.atol import operations
from openkkm.emulators.atol.receipts import DeviceError
from openkkm.errors import ValidationError
from openkkm.fiscal.types import Barcode, Image, PrintText, Slip, VatRate
from openkkm.layout.barcodes import barcode_image
from openkkm.layout.raster import paper_width, picture_image
from openkkm.protocol.atol.cmd_state import PrintPictureLine
from openkkm.protocol.atol.errors import ErrorCode
from openkkm.protocol.atol.registry import decode_request


def png(size: tuple[int, int] = (64, 40)) -> bytes:
    """A black frame with a white middle, as a PNG."""
    image = PilImage.new("1", size, 0)
    image.paste(1, (8, 8, size[0] - 8, size[1] - 8))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_0x8e_bytes_and_round_trip() -> None:
    request = PrintPictureLine(repeat=6, offset=64, data=b"\xff\x0f")
    assert request.params() == bytes.fromhex("01 0006 0040 ff0f")  # tape, repeat, offset, row
    assert decode_request(b"\x00\x00" + request.encode()[2:])[1] == request


def test_identical_rows_go_as_one_command_with_a_repeat() -> None:
    image = barcode_image("QR", "order:17", max_width=384)
    requests = picture_requests(image, 384)
    assert all(isinstance(r, PrintPictureLine) for r in requests)
    assert sum(r.repeat for r in requests) == image.height
    assert len(requests) < image.height // 2  # a QR module is several rows high
    offsets = {r.offset for r in requests}
    assert offsets == {(384 - image.width) // 2 // 8 * 8}  # centred, in whole bytes


def test_a_bad_barcode_is_refused_before_anything_is_sent() -> None:
    with pytest.raises(ValidationError) as caught:
        print_requests((Barcode("EAN13", "4006381333930"),), 48)
    assert "контрольная цифра" in caught.value.ru


@pytest.mark.parametrize(("kind", "value", "fmt"), SYMBOLOGIES)
async def test_each_symbology_prints_as_rows_that_decode(
    bench: Bench, kind: str, value: str, fmt: str
) -> None:
    start = len(bench.emulator.journal)
    await bench.driver.print_slip(Slip(elements=(Barcode(kind, value), PrintText("конец"))))
    (printout,) = bench.emulator.printouts
    assert decoded(printout.image()) == [(fmt, value)]
    text = [line.strip() for line in bench.emulator.journal[start:]]
    assert text == ([value, "конец"] if kind not in ("PDF417", "QR") else ["конец"])


async def test_a_picture_prints_as_it_was_drawn(bench: Bench) -> None:
    await bench.driver.print_slip(Slip(elements=(Image(png()),)))
    (printout,) = bench.emulator.printouts
    dots = paper_width(bench.config.line_length)
    drawn = picture_image(png(), dots)
    left = (dots - drawn.width) // 2 // 8 * 8
    printed = printout.image().crop((left, 0, left + drawn.width, drawn.height))
    assert printed.tobytes() == drawn.convert("1").tobytes()


async def test_receipt_codes_print_inside_the_receipt_unless_not_printed(bench: Bench) -> None:
    await bench.driver.open_shift(None)
    receipt = replace(sale(("Хлеб", 5000, "1", VatRate.VAT22), cash=5000),
                      header=(Barcode("PDF417", "12345DFG Proba pera"),),
                      elements=(Barcode("EAN13", "125478954785"),), element_positions=(1,))
    await bench.driver.register(receipt)
    assert [decoded(p.image()) for p in bench.emulator.printouts] == [
        [("PDF417", "12345DFG Proba pera")], [("EAN13", "1254789547853")]]
    before = len(bench.emulator.printouts)
    await bench.driver.register(replace(receipt, print_paper=False))
    assert len(bench.emulator.printouts) == before


async def test_a_model_without_0x8e_skips_pictures_with_one_warning(
    bench: Bench, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(_emu: object, _request: object) -> bytes:
        raise DeviceError(ErrorCode.WRONG_COMMAND)

    monkeypatch.setitem(operations.HANDLERS, PrintPictureLine, refuse)
    caplog.set_level(logging.WARNING, "openkkm.drivers.atol.printing")
    start = len(bench.emulator.journal)
    slip = Slip(elements=(Barcode("QR", "a"), Image(png()), PrintText("x")))
    await bench.driver.print_slip(slip)
    assert bench.emulator.journal[start:] == ["x"]  # the text still prints
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "lacks command 0x8E" in warnings[0]
