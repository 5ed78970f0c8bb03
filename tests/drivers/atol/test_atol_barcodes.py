"""Barcodes and pictures on an ATOL register: printed as text, skipped, and warned about."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from atol_bench import Bench, sale

from openkkm.drivers.atol import AtolDriver
from openkkm.drivers.atol.printing import print_requests
from openkkm.drivers.base import print_notices
from openkkm.errors import ValidationError
from openkkm.fiscal.types import Barcode, Image, PageEnd, PrintText, Slip, VatRate
from openkkm.protocol.atol.cmd_state import PrintString

WARNER = "openkkm.drivers.atol.driver"


def warnings_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The driver's warning messages."""
    return [r.getMessage() for r in caplog.records
            if r.name == WARNER and r.levelno == logging.WARNING]


def test_an_ean_prints_with_its_check_digit_and_long_codes_wrap() -> None:
    requests = print_requests((Barcode("EAN13", "400638133393"), Barcode("QR", "x" * 50)), 32)
    assert [r.text for r in requests if isinstance(r, PrintString)] == [
        "4006381333931", "x" * 32, "x" * 18,
    ]


def test_a_bad_barcode_is_refused_before_anything_is_sent() -> None:
    with pytest.raises(ValidationError) as caught:
        print_requests((Barcode("EAN13", "4006381333930"),), 48)
    assert "контрольная цифра" in caught.value.ru


def test_warnings_name_the_device_and_the_symbology() -> None:
    notices = print_notices(
        AtolDriver, (PrintText("a"), Barcode("pdf417", "x"), Image(b"png"), PageEnd()), "2 (loop://atol)"
    )
    assert [en for _ru, en in notices] == [
        "2 (loop://atol): the PDF417 barcode printed as text (the device prints no barcodes)",
        "2 (loop://atol): the picture was not printed (the device prints no graphics)",
    ]
    assert notices[0][0].startswith("2 (loop://atol): штрихкод PDF417")


async def test_slip_codes_print_as_text_with_a_warning(
    bench: Bench, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, WARNER)
    start = len(bench.emulator.journal)
    slip = Slip(elements=(Barcode("QR", "t=1&s=2"), Image(b"\x89PNG"), PrintText("конец")))
    await bench.driver.print_slip(slip)
    assert bench.emulator.journal[start:] == ["t=1&s=2", "конец"]
    logged = warnings_logged(caplog)
    assert len(logged) == 2
    assert "1 (loop://atol): the QR barcode printed as text" in logged[0]
    assert "picture was not printed" in logged[1]


async def test_receipt_codes_print_as_text_with_a_warning_unless_not_printed(
    bench: Bench, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, WARNER)
    await bench.driver.open_shift(None)
    receipt = replace(sale(("Хлеб", 5000, "1", VatRate.VAT22), cash=5000),
                      header=(Barcode("PDF417", "12345DFG Proba pera"),),
                      elements=(Barcode("EAN13", "125478954785"),), element_positions=(1,))
    start = len(bench.emulator.journal)
    await bench.driver.register(receipt)
    printed = bench.emulator.journal[start:]
    assert printed[:2] == ["12345DFG Proba pera", "1254789547853"]
    assert [m.split(": ", 1)[1] for m in warnings_logged(caplog)] == [
        "the PDF417 barcode printed as text (the device prints no barcodes)",
        "the EAN13 barcode printed as text (the device prints no barcodes)",
    ]
    caplog.clear()
    await bench.driver.register(replace(receipt, print_paper=False))
    assert warnings_logged(caplog) == []
