"""PNG and HTML previews of laid-out documents, read back by zxing-cpp."""

from __future__ import annotations

import base64
import io
import re

import pytest
import zxingcpp
from PIL import Image as PilImage

from openkkm.errors import ValidationError
from openkkm.fiscal.types import Barcode, Image, PageEnd, PrintText
from openkkm.layout.document import (
    BarcodeBlock,
    Cut,
    TextLine,
    layout_slip,
    split_pages,
)
from openkkm.layout.html import render_html
from openkkm.layout.raster import paper_width, render_png
from openkkm.layout.text import Font

ORDER = (
    PrintText(">#0#<ЗАКАЗ № 154", 1),
    PrintText("<<->>"),
    PrintText("Пицца<#8#>2 шт"),
    Barcode("QR", "order:154"),
    Barcode("EAN13", "400638133393"),
    Barcode("CODE128", "ORDER-154"),
    PageEnd(),
)


def _png(image: PilImage.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_slip_layout_follows_the_markers_and_fonts() -> None:
    document = layout_slip(ORDER, 32)
    assert document.blocks[:3] == (
        TextLine("  ЗАКАЗ № 154", Font.LARGE),
        TextLine("-" * 32),
        TextLine("Пицца                       2 шт"),
    )
    assert document.blocks[3:] == (
        BarcodeBlock("QR", "order:154"),
        BarcodeBlock("EAN13", "4006381333931"),
        BarcodeBlock("CODE128", "ORDER-154"),
        Cut(),
    )


def test_slip_with_a_bad_barcode_is_refused() -> None:
    with pytest.raises(ValidationError):
        layout_slip((Barcode("EAN13", "4006381333932"),), 32)


@pytest.mark.parametrize("line_length", [32, 48])
def test_png_preview_holds_every_code_at_the_paper_width(line_length: int) -> None:
    png = render_png(layout_slip(ORDER, line_length))
    with PilImage.open(io.BytesIO(png)) as image:
        assert image.width == paper_width(line_length)
        found = {(r.format.name, r.text) for r in zxingcpp.read_barcodes(image.convert("L"))}
    assert found == {("QRCode", "order:154"), ("EAN13", "4006381333931"), ("Code128", "ORDER-154")}


def test_picture_is_fitted_to_the_paper() -> None:
    picture = PilImage.new("RGB", (1000, 200), "black")
    png = render_png(layout_slip((Image(_png(picture)),), 32))
    with PilImage.open(io.BytesIO(png)) as image:
        assert image.width == 384
        assert image.convert("L").getpixel((10, 60)) == 0


def test_unreadable_picture_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        render_png(layout_slip((Image(b"\x89PNG\r\n\x1a\nbroken"),), 32))


def test_html_preview_escapes_text_and_embeds_decodable_codes() -> None:
    page = render_html(layout_slip((PrintText("<b>Чай</b> & кофе"), *ORDER), 48), title="№ 1")
    assert "&lt;b&gt;Чай&lt;/b&gt; &amp; кофе" in page
    assert "<hr>" in page
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    texts = []
    for data in images:
        with PilImage.open(io.BytesIO(base64.b64decode(data))) as image:
            texts += [r.text for r in zxingcpp.read_barcodes(image.convert("L"))]
    assert texts == ["order:154", "4006381333931", "ORDER-154"]


def test_split_pages_at_page_ends() -> None:
    document = layout_slip((PrintText("а"), PageEnd(), PrintText("б"), PrintText("в")), 16)
    assert [page.text() for page in split_pages(document)] == ["а", "б\nв"]
    assert [page.text() for page in split_pages(layout_slip((PageEnd(),), 16))] == [""]
    assert len(split_pages(layout_slip((), 16))) == 1
