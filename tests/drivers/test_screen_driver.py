"""The ``screen`` kind: documents are laid out and kept for the preview, nothing else happens."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image as PilImage

from openkkm.config import DeviceConfig
from openkkm.drivers.screen import ScreenDriver
from openkkm.errors import NotSupportedError, ValidationError
from openkkm.fiscal.types import Barcode, PrintText, Slip
from openkkm.layout.raster import render_png


async def test_screen_keeps_what_it_prints() -> None:
    driver = ScreenDriver(DeviceConfig(num=3, kind="screen", line_length=32), data_dir="")
    await driver.start()
    await driver.print_slip(Slip((PrintText(">#0#<Талон 15"), Barcode("QR", "talon:15"))))
    await driver.stop()
    assert driver.last_printed is not None
    assert [p.document for p in driver.printed] == [driver.last_printed.document]
    assert driver.last_printed.document.text() == "            Талон 15"
    with PilImage.open(io.BytesIO(render_png(driver.last_printed.document))) as image:
        assert [r.text for r in zxingcpp.read_barcodes(image.convert("L"))] == ["talon:15"]


async def test_screen_refuses_fiscal_steps_and_bad_input() -> None:
    driver = ScreenDriver(DeviceConfig(num=3, kind="screen"), data_dir="")
    with pytest.raises(NotSupportedError):
        await driver.status()
    with pytest.raises(NotSupportedError):
        await driver.open_drawer()
    with pytest.raises(ValidationError):
        await driver.print_slip(Slip((PrintText("x", font=7),)))
    assert driver.last_printed is None
