"""Barcodes and pictures through ShtrihDriver and the emulated register: read back from the paper."""

from __future__ import annotations

import base64
import datetime as dt
import io
import logging
from dataclasses import replace
from typing import Any

import pytest
from barcode_samples import decoded
from PIL import Image as PilImage
from PIL import ImageDraw
from shtrih_e2e_helpers import (
    START,
    ManualClock,
    device_config,
    emulator,
    loop_driver,
    small_sale,
)
from shtrih_scripted import ScriptedDevice, driver_on

from openkkm.api.kkmserver.register_check import build_receipt, parse_register_check
from openkkm.config import DeviceConfig
from openkkm.drivers.shtrih import ShtrihDriver
from openkkm.drivers.shtrih.printing import print_requests
from openkkm.emulators.shtrih import ShtrihEmulator
from openkkm.emulators.shtrih.server import serve_in_process
from openkkm.fiscal.types import Barcode, Cashier, Image, PrintText, Receipt, Slip
from openkkm.protocol.shtrih.cmd_graphics import (
    PrintEan13,
    PrintGraphicsLine,
    head_dots,
)
from openkkm.protocol.shtrih.cmd_shift import PrintString
from openkkm.protocol.shtrih.codes import Command
from openkkm.transport import LoopHub

PDF417_VALUE = "12345DFG Proba pera, Print barcode 1234567890"
#: API.md §9a, the specification's sample receipt
SAMPLE: dict[str, Any] = {
    "Command": "RegisterCheck",
    "NumDevice": 0, "InnKkm": "", "KktNumber": "", "Timeout": 30,
    "IdCommand": "6f1c2a3e-8d4b-4c2f-9a7e-1b2c3d4e5f60",
    "IsFiscalCheck": True, "TypeCheck": 0, "CancelOpenedCheck": True, "NotPrint": False,
    "CashierName": "Kазакова Н.А.", "ClientAddress": "client@server.ru", "TaxVariant": "",
    "CheckProps": [
        {"Print": True, "PrintInHeader": True, "Teg": 1005, "Prop": "Москва, ул. Трехгорка д.13"},
        {"Print": True, "PrintInHeader": True, "Teg": 1010, "Prop": 10.25},
        {"Print": True, "PrintInHeader": True, "Teg": 1073, "Prop": "8(985)775-44-61"},
    ],
    "AdditionalProps": [
        {"Print": True, "PrintInHeader": False, "NameProp": "Дата транзакции",
         "Prop": "10.11.2024 10:30"},
    ],
    "ClientId": "23FG4GV4D2956",
    "KPP": "782543005",
    "CheckStrings": [
        {"BarCode": {"BarcodeType": "PDF417", "Barcode": PDF417_VALUE}},
        {"PrintText": {"Text": ">#2#<ООО \"Рога и копыта\"", "Font": 1}},
        {"PrintText": {"Text": "Пример №1 печати поля:<#16#>154,41"}},
        {"PrintText": {"Text": "Шрифт № 1", "Font": 1, "Intensity": 15}},
        {
            "Register": {
                "Name": "Сапоги женские DF-3099",
                "Quantity": 3, "Price": 100, "Amount": 0.01, "Department": 0, "Tax": 18,
                "EAN13": "1254789547853",
                "EGAIS": {"Barcode": "22N0000154NUCPRZ3R8381461004001003499NKAQ0ZBUVDNV62JQAR69"
                                     "PEV878RO93V",
                          "Ean": "3423290167937", "Volume": 0.7500},
            },
            "BarCode": {"BarcodeType": "EAN13", "Barcode": "1254789547853"},
        },
    ],
    "Cash": 800, "CashLessType1": 0.01, "CashLessType2": 0, "CashLessType3": 0,
}
CASES = [
    ("EAN8", "9638507", "EAN8", "96385074"),
    ("CODE39", "ABC-12 $/+%", "Code39", "ABC-12 $/+%"),
    ("CODE128", "Order#154/a-b", "Code128", "Order#154/a-b"),
    ("PDF417", PDF417_VALUE, "PDF417", PDF417_VALUE),
    ("QR", "Привет, мир", "QRCode", "Привет, мир"),
]


def graphics(emu: Any) -> list[PilImage.Image]:
    """The pictures the emulated register printed, in order."""
    return [p.image() for p in emu.state.printouts if p.kind == "GRAPHICS"]


def test_head_width_follows_the_line_length() -> None:
    assert [head_dots(n) for n in (48, 40, 36, 32)] == [576, 576, 384, 384]


def test_ean13_is_native_and_other_codes_are_graphics_with_their_text() -> None:
    requests = print_requests((Barcode("EAN13", "1254789547853"),), 48)
    assert requests == [PrintEan13(barcode=125478954785)]
    code39 = print_requests((Barcode("CODE39", "AB12"),), 48)
    rows = [r for r in code39[:-1] if isinstance(r, PrintGraphicsLine)]
    assert len(rows) == len(code39) - 1
    assert isinstance(code39[-1], PrintString) and code39[-1].text.strip() == "AB12"
    assert max(r.repeat for r in rows) >= 80  # a bar row is sent once, repeated
    qr = print_requests((Barcode("QR", "x"),), 32)
    assert all(isinstance(r, PrintGraphicsLine) and len(r.data) <= 48 for r in qr)


@pytest.mark.parametrize(("kind", "value", "fmt", "text"), CASES)
async def test_slip_barcode_prints_as_graphics_that_decode(
    kind: str, value: str, fmt: str, text: str
) -> None:
    emu = emulator(ManualClock())
    driver = await loop_driver(emu)
    try:
        await driver.print_slip(Slip(elements=(Barcode(kind, value),)))
    finally:
        await driver.stop()
    (image,) = graphics(emu)
    assert image.width <= 576
    assert decoded(image) == [(fmt, text)]


async def test_a_57_mm_register_gets_codes_at_384_dots() -> None:
    config = device_config().model_copy(update={"line_length": 32})
    emu = ShtrihEmulator(config, clock=ManualClock())
    hub = LoopHub()
    await serve_in_process(emu, hub, "kkt")
    driver = ShtrihDriver(config, data_dir=".", hub=hub)
    await driver.start()
    try:
        await driver.print_slip(Slip(elements=(Barcode("PDF417", PDF417_VALUE),)))
    finally:
        await driver.stop()
    (image,) = graphics(emu)
    assert image.width == 384
    assert decoded(image) == [("PDF417", PDF417_VALUE)]


async def test_slip_ean13_prints_natively_with_its_digits() -> None:
    emu = emulator(ManualClock())
    driver = await loop_driver(emu)
    try:
        await driver.print_slip(Slip(elements=(Barcode("EAN13", "400638133393"),)))
    finally:
        await driver.stop()
    assert [(p.kind, p.value) for p in emu.state.printouts] == [("EAN13", "4006381333931")]


async def test_print_image_prints_scaled_black_and_white() -> None:
    picture = PilImage.new("RGB", (1000, 200), "white")
    ImageDraw.Draw(picture).rectangle((0, 0, 499, 199), fill="black")
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    data = base64.b64decode(base64.b64encode(buffer.getvalue()))
    emu = emulator(ManualClock())
    driver = await loop_driver(emu)
    try:
        await driver.print_slip(Slip(elements=(PrintText("до"), Image(data), PrintText("после"))))
    finally:
        await driver.stop()
    (image,) = graphics(emu)
    assert (image.width, image.height) == (576, 115)  # 1000 × 200 scaled to the head
    assert image.getpixel((10, 50)) == 0 and image.getpixel((500, 50)) != 0
    assert list(emu.state.journal)[-2:] == ["до", "после"]


async def test_specification_sample_prints_its_pdf417_and_ean13() -> None:
    clock = ManualClock()
    emu = emulator(clock)
    driver = await loop_driver(emu)
    try:
        registration = (await driver.info()).registration
        receipt, _notices = build_receipt(
            parse_register_check(SAMPLE), registration, DeviceConfig(num=1, kind="shtrih"),
            today=START.date(),
        )
        assert isinstance(receipt, Receipt)
        await driver.open_shift(Cashier("Казакова Н.А."))
        clock.now += dt.timedelta(minutes=1)
        document = await driver.register(receipt)
    finally:
        await driver.stop()
    assert emu.fn.document(document.number).total == 1
    (pdf417,) = graphics(emu)
    assert decoded(pdf417) == [("PDF417", PDF417_VALUE)]
    assert [(p.kind, p.value) for p in emu.state.printouts if p.kind == "EAN13"] == [
        ("EAN13", "1254789547853")
    ]


async def test_a_receipt_not_printed_sends_no_graphics() -> None:
    emu = emulator(ManualClock())
    driver = await loop_driver(emu)
    try:
        await driver.open_shift(None)
        quiet = replace(small_sale(1000), header=(Barcode("QR", "x"),), print_paper=False)
        await driver.register(quiet)
    finally:
        await driver.stop()
    assert not emu.state.printouts


async def test_a_model_without_graphics_skips_codes_but_registers_the_receipt(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, "openkkm.drivers.shtrih.printing")
    device = ScriptedDevice()  # answers 0x37 to 0xC2 and 0xC5: no answer is scripted for them
    driver = await driver_on(device)
    try:
        receipt = replace(
            small_sale(12500),
            header=(Barcode("EAN13", "400638133393"),),
            elements=(Barcode("QR", "t=1"), PrintText("после кода")),
            element_positions=(1, 1),
        )
        device.log.clear()
        document = await driver.register(receipt)
        await driver.print_slip(Slip(elements=(Barcode("CODE128", "A1"), PrintText("текст"))))
    finally:
        await driver.stop()
        await device.close()
    assert document.number == 11
    codes = device.codes()
    assert Command.CLOSE_RECEIPT_EXT in codes and Command.CANCEL_RECEIPT not in codes
    assert Command.PRINT_EAN13 in codes and Command.PRINT_GRAPHICS_LINE in codes
    texts = [r.text for r in device.sent(Command.PRINT_STRING)]  # type: ignore[attr-defined]
    assert texts[0] == "после кода" and texts[-1] == "текст"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    expected = "the register at loop://kkt lacks command 0xc2: barcodes and pictures it would"
    assert warnings == [f"{expected} print are skipped"]
