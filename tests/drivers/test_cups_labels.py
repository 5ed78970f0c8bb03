"""The ``cups`` kind with ``label_mm``: one PDF page of exactly the label's size per page."""

from __future__ import annotations

import io
import re
import stat
from pathlib import Path

import pytest
from PIL import Image as PilImage

from openkkm.config import DeviceConfig
from openkkm.drivers.cups import CupsDriver
from openkkm.errors import ConfigError, ValidationError
from openkkm.fiscal.types import Barcode, PageEnd, PrintText, Slip
from openkkm.layout.labels import LabelSize, lines_per_label
from openkkm.layout.raster import render_png

LP = """#!/bin/sh
cat > "$CUPS_FAKE/job.pdf"
echo "request id is $2-1 (1 file(s))"
"""
LPSTAT = """#!/bin/sh
echo "printer $2 is idle.  enabled since today"
"""
POINTS_PER_MM = 72 / 25.4


@pytest.fixture
def fake_cups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Stand-in ``lp``/``lpstat`` first on PATH; ``lp`` keeps the PDF beside them."""
    for name, script in (("lp", LP), ("lpstat", LPSTAT)):
        path = tmp_path / name
        path.write_text(script, encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    monkeypatch.setenv("CUPS_FAKE", str(tmp_path))
    return tmp_path


def _driver(url: str, line_length: int = 32) -> CupsDriver:
    return CupsDriver(DeviceConfig(num=5, kind="cups", url=url, line_length=line_length), data_dir="")


def _boxes(pdf: bytes) -> list[tuple[float, float]]:
    found = re.findall(rb"/MediaBox \[ ?0 0 ([\d.]+) ([\d.]+) ?\]", pdf)
    return [(float(width), float(height)) for width, height in found]


@pytest.mark.parametrize(("label", "dpi"), [("58x40", 203), ("43x25", 300)])
async def test_each_page_is_a_pdf_page_of_the_label_size(fake_cups: Path, label: str,
                                                         dpi: int) -> None:
    driver = _driver(f"cups://Labels?label_mm={label}&gap_mm=3&dpi={dpi}", 24)
    slip = Slip((PrintText("Сыр"), Barcode("EAN13", "400638133393"), PageEnd(), PrintText("Масло")))
    await driver.print_slip(slip)
    width, height = (float(side) for side in label.split("x"))
    boxes = _boxes((fake_cups / "job.pdf").read_bytes())
    assert len(boxes) == 2
    for box in boxes:
        assert box == pytest.approx((width * POINTS_PER_MM, height * POINTS_PER_MM), abs=0.01)


async def test_a_page_too_long_is_refused_before_lp(fake_cups: Path) -> None:
    fit = lines_per_label(LabelSize(58, 40), 203)
    slip = Slip(tuple(PrintText(f"строка {n}") for n in range(fit + 1)))
    with pytest.raises(ValidationError) as caught:
        await _driver("cups://Labels?label_mm=58x40").print_slip(slip)
    assert f"Страница 1 не помещается на этикетку 58×40 мм: на этикетку входит строк: {fit}" \
        in caught.value.ru
    assert not (fake_cups / "job.pdf").exists()


@pytest.mark.parametrize("url", ["cups://L?label_mm=58", "cups://L?gap_mm=2",
                                 "cups://L?label_mm=30x20"])
def test_bad_label_options(url: str) -> None:
    with pytest.raises(ConfigError):
        _driver(url, 32)


async def test_preview_is_the_label_height_at_the_queue_dpi(fake_cups: Path) -> None:
    driver = _driver("cups://Labels?label_mm=58x40&dpi=300")
    await driver.print_slip(Slip((PrintText("Сыр"),)))
    assert driver.last_printed is not None
    image = PilImage.open(io.BytesIO(render_png(driver.last_printed.document)))
    assert image.height == round(40 * 300 / 25.4)
