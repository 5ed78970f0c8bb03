"""The ``cups`` kind against stand-in ``lp``/``lpstat`` commands (no CUPS server needed)."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from openkkm.config import DeviceConfig
from openkkm.drivers.cups import CupsDriver
from openkkm.errors import ConfigError, DeviceRejected, LinkLost
from openkkm.fiscal.types import Barcode, PageEnd, PrintText, Slip

LP = """#!/bin/sh
echo "$@" > "$CUPS_FAKE/args"
cat > "$CUPS_FAKE/job.pdf"
if [ -f "$CUPS_FAKE/refuse" ]; then echo "lp: The printer or class does not exist." >&2; exit 1; fi
echo "request id is $2-1 (1 file(s))"
"""
LPSTAT = """#!/bin/sh
if [ -f "$CUPS_FAKE/disabled" ]; then echo "printer $2 disabled since today -"; exit 0; fi
echo "printer $2 is idle.  enabled since today"
"""


@pytest.fixture
def fake_cups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory of stand-in CUPS commands put first on PATH; their records land beside them."""
    for name, script in (("lp", LP), ("lpstat", LPSTAT)):
        path = tmp_path / name
        path.write_text(script, encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    monkeypatch.setenv("CUPS_FAKE", str(tmp_path))
    return tmp_path


def _driver(url: str = "cups://Kitchen", line_length: int = 32) -> CupsDriver:
    return CupsDriver(DeviceConfig(num=4, kind="cups", url=url, line_length=line_length), data_dir="")


async def test_document_goes_to_lp_as_a_pdf_as_wide_as_the_paper(fake_cups: Path) -> None:
    driver = _driver()
    await driver.start()
    await driver.print_slip(Slip((PrintText(">#0#<Кухня"), Barcode("QR", "order:154")), copies=1))
    assert (fake_cups / "args").read_text().split() == ["-d", "Kitchen", "-n", "2", "-t", "openkkm", "-"]
    pdf = (fake_cups / "job.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    box = re.search(rb"/MediaBox \[ ?0 0 ([\d.]+) ([\d.]+) ?\]", pdf)
    assert box is not None
    assert float(box.group(1)) == pytest.approx(384 * 72 / 203, abs=0.1)


async def test_width_in_millimetres(fake_cups: Path) -> None:
    driver = _driver("cups://Kitchen?width_mm=72", 48)
    await driver.print_slip(Slip((PrintText("x"),)))
    box = re.search(rb"/MediaBox \[ ?0 0 ([\d.]+)", (fake_cups / "job.pdf").read_bytes())
    assert box is not None and float(box.group(1)) == pytest.approx(72 / 25.4 * 72, abs=0.1)


async def test_disabled_queue_is_refused_before_the_job(fake_cups: Path) -> None:
    (fake_cups / "disabled").touch()
    with pytest.raises(DeviceRejected) as caught:
        await _driver().print_slip(Slip((PrintText("x"),)))
    assert caught.value.ru.startswith("Принтер Kitchen отключён")
    assert not (fake_cups / "job.pdf").exists()


async def test_refusal_by_lp_carries_its_text(fake_cups: Path) -> None:
    (fake_cups / "refuse").touch()
    with pytest.raises(DeviceRejected) as caught:
        await _driver().print_slip(Slip((PrintText("x"),)))
    assert caught.value.ru == ("CUPS не принял задание для Kitchen: "
                               "lp: The printer or class does not exist.")


async def test_missing_cups_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LinkLost, match="cups-client"):
        await _driver().start()


@pytest.mark.parametrize("url", ["cups://", "tcp://h:1", "cups://Q?dpi=10", "cups://Q?color=1",
                                 "cups://Q?width_mm=abc"])
def test_bad_queue_urls(url: str) -> None:
    with pytest.raises(ConfigError):
        _driver(url)


async def test_each_page_end_starts_a_pdf_page(fake_cups: Path) -> None:
    await _driver().print_slip(Slip((PrintText("Этикетка 1"), PageEnd(), PrintText("Этикетка 2"),
                                     PageEnd())))
    pdf = (fake_cups / "job.pdf").read_bytes()
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 2
