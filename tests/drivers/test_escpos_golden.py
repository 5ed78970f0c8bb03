"""ESC/POS bytes: literal vectors, and equality with python-escpos 3.1 ``Dummy`` (an independent encoder)."""

from __future__ import annotations

import pytest
from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy
from PIL import Image as PilImage

from openkkm.drivers import escpos_commands as cmd
from openkkm.drivers.escpos_encode import CutMode, EscposOptions, encode_document
from openkkm.fiscal.types import Barcode, PageEnd, PrintText
from openkkm.layout.document import layout_slip


@pytest.fixture
def dummy(capsys: pytest.CaptureFixture[str]) -> Dummy:
    """python-escpos' capture printer (it prints notes to stdout, which capsys swallows)."""
    return Dummy()


def test_cp866_text_as_python_escpos_sends_it(dummy: Dummy) -> None:
    dummy.charcode("CP866")
    dummy.text("Чек №1\n")
    assert dummy.output == cmd.code_table(17) + "Чек №1\n".encode("cp866")
    assert dummy.output == bytes.fromhex("1b 74 11 97 a5 aa 20 fc 31 0a")


def test_ean13_function_a(dummy: Dummy) -> None:
    dummy.barcode("4006381333931", "EAN13", height=80, width=3, pos="BELOW", font="A",
                  align_ct=True, function_type="A")
    ours = (cmd.align(cmd.Align.CENTER) + cmd.barcode_setup(80, 3, cmd.HriPosition.BELOW)
            + cmd.barcode_a(cmd.BarcodeA.EAN13, b"4006381333931"))
    assert dummy.output == ours
    assert ours == bytes.fromhex("1b6101 1d6850 1d7703 1d6600 1d4802 1d6b02") + b"4006381333931\x00"


def test_code128_function_b(dummy: Dummy) -> None:
    dummy.barcode("{BOrder 154", "CODE128", height=80, width=2, function_type="B")
    assert dummy.output == (cmd.align(cmd.Align.CENTER) + cmd.barcode_setup(80, 2, cmd.HriPosition.BELOW)
                            + cmd.barcode_b(cmd.BarcodeB.CODE128, b"{BOrder 154"))


@pytest.mark.parametrize("module", [3, 6, 8])
def test_native_qr(dummy: Dummy, module: int) -> None:
    dummy.qr("order:154", ec=QR_ECLEVEL_M, size=module, native=True)
    assert dummy.output == cmd.qr(b"order:154", module)


def test_raster_image(dummy: Dummy) -> None:
    image = PilImage.new("1", (21, 3), 1)
    for xy in ((0, 0), (20, 2), (8, 1)):
        image.putpixel(xy, 0)
    dummy.image(image, impl="bitImageRaster")
    assert dummy.output == cmd.raster(image)
    assert cmd.raster(image) == bytes.fromhex("1d763000 0300 0300 800000 008000 000008")


def test_cut_and_drawer(dummy: Dummy) -> None:
    dummy.cut()
    dummy.cut(mode="PART")
    dummy.cashdraw(2)
    dummy.cashdraw(5)
    assert dummy.output == cmd.cut() + cmd.cut(partial=True) + cmd.drawer_kick(2) + cmd.drawer_kick(5)
    assert cmd.drawer_kick(2) == bytes.fromhex("1b 70 00 32 32")


def test_whole_slip_bytes() -> None:
    document = layout_slip((PrintText("Итог<#0#>1.00"), PrintText("Б", 3), Barcode("EAN8", "9638507"),
                            PageEnd()), 16)
    data = encode_document(document, EscposOptions(cut=CutMode.PARTIAL)).data
    assert data == (
        b"\x1b@\x1bt\x11"
        + b"\x1b!\x00" + "Итог        1.00\n".encode("cp866")
        + b"\x1b!\x08" + "Б\n".encode("cp866")
        + b"\x1ba\x01\x1dhP\x1dw\x02\x1df\x00\x1dH\x02\x1dk\x0396385074\x00\x1ba\x00"
        + b"\x1bd\x06\x1dV\x01"
    )


def test_code128_with_a_brace_goes_as_raster() -> None:
    document = layout_slip((Barcode("CODE128", "a{b"),), 32)
    data = encode_document(document, EscposOptions()).data
    assert b"\x1dk" not in data
    assert b"\x1dv0\x00" in data
