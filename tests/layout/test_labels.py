"""Fixed-size labels: a page per label, padded to the label's end, long pages refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image as PilImage

from openkkm.errors import ValidationError
from openkkm.fiscal.types import PageEnd, PrintText
from openkkm.layout.document import layout_slip
from openkkm.layout.html import render_html
from openkkm.layout.labels import (
    LabelSize,
    fit_labels,
    framed,
    label_image,
    lines_per_label,
    parse_label_size,
)
from openkkm.layout.raster import render_image, render_png
from openkkm.layout.store import dump_document, load_document

DPI = 203
SIZE = LabelSize(58.0, 40.0, 3.0)  # 40 mm at 203 dpi = 320 dots


def test_parse_label_size_reads_width_height_and_gap() -> None:
    assert parse_label_size("58x40", "3") == LabelSize(58.0, 40.0, 3.0)
    assert parse_label_size("43.5X25") == LabelSize(43.5, 25.0, 0.0)


@pytest.mark.parametrize("text", ["58", "58x", "x40", "0x40", "58x-4", "abc"])
def test_parse_label_size_refuses_malformed(text: str) -> None:
    with pytest.raises(ValueError):
        parse_label_size(text)


def test_label_dots_follow_dpi() -> None:
    assert SIZE.height_dots(DPI) == 320
    assert SIZE.gap_dots(DPI) == 24
    assert LabelSize(58, 40).height_dots(300) == 472


def test_short_pages_are_padded_to_the_label_height() -> None:
    document = layout_slip([PrintText("Молоко 3,2%"), PrintText("45,90"), PageEnd(),
                            PrintText("Хлеб")], 32)
    labels = fit_labels(document, SIZE, DPI)
    assert len(labels) == 2
    for label in labels:
        assert label.used_dots == render_image(label.page).height
        assert label.used_dots + label.padding_dots == 320
    assert labels[0].page.text() == "Молоко 3,2%\n45,90"
    assert labels[0].padding_dots < labels[1].padding_dots


def test_a_page_filling_the_label_exactly_fits() -> None:
    fit = lines_per_label(SIZE, DPI)
    document = layout_slip([PrintText(f"строка {n}") for n in range(fit)], 32)
    (label,) = fit_labels(document, SIZE, DPI)
    assert label.padding_dots >= 0


def test_a_page_too_long_names_the_page_and_lines_that_fit() -> None:
    fit = lines_per_label(SIZE, DPI)
    assert fit == (320 - 32) // 30
    elements = [PrintText("ok"), PageEnd(), *[PrintText(f"строка {n}") for n in range(fit + 1)]]
    with pytest.raises(ValidationError) as caught:
        fit_labels(layout_slip(elements, 32), SIZE, DPI)
    assert "Страница 2" in caught.value.ru
    assert f"строк: {fit}" in caught.value.ru
    assert f"Page 2 does not fit a 58x40 mm label: {fit} lines" in caught.value.en


def test_label_image_is_exactly_the_label_height() -> None:
    document = layout_slip([PrintText("Сыр"), PageEnd(), PrintText("Масло")], 32)
    images = [label_image(label) for label in fit_labels(document, SIZE, DPI)]
    assert [image.height for image in images] == [320, 320]
    assert images[0].getpixel((0, 319)) == 1  # padding is blank paper


def test_framed_document_previews_each_label_at_its_height() -> None:
    document = framed(layout_slip([PrintText("Сыр"), PageEnd(), PrintText("Масло")], 32), SIZE, DPI)
    assert document.page_height == 320
    image = PilImage.open(io.BytesIO(render_png(document)))
    assert image.size == (384, 2 * 320)
    page = render_html(document)
    assert page.count('<div class="label" style="height:320px">') == 2
    assert load_document(dump_document(document)) == document


def test_framed_refuses_a_page_too_long() -> None:
    fit = lines_per_label(SIZE, DPI)
    with pytest.raises(ValidationError):
        framed(layout_slip([PrintText(str(n)) for n in range(fit + 1)], 32), SIZE, DPI)
