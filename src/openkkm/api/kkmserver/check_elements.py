"""Step 6 of ``RegisterCheck`` (``API.md`` §6.3.10): printable elements, fonts, barcodes, images."""

from __future__ import annotations

import base64
import binascii
import re
from enum import StrEnum

from openkkm.api.kkmserver.check_common import Notice, blank, fail, notice
from openkkm.api.kkmserver.check_schema import (
    BarCodeData,
    PrintImageData,
    PrintTextData,
)
from openkkm.errors import Loc
from openkkm.fiscal.types import Barcode, Image, PrintText

MAX_FONT = 4
MAX_INTENSITY = 15


class BarcodeKind(StrEnum):
    """Barcode symbologies accepted in ``BarcodeType`` (``API.md`` §7.3)."""

    EAN13 = "EAN13"
    EAN8 = "EAN8"
    CODE39 = "CODE39"
    CODE128 = "CODE128"
    PDF417 = "PDF417"
    QR = "QR"


_CODE39 = re.compile(r"[0-9A-Z \-.$/+%]+")
#: Leading bytes of the image formats we accept.
_IMAGE_MAGIC = (b"BM", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


def ean_check_digit(body: str) -> int:
    """The EAN/UPC check digit of the digits before it (weights 3, 1 from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def text_element(data: PrintTextData, loc: Loc, notices: list[Notice]) -> PrintText:
    """A ``PrintText`` element: font 0–4 or an error; intensity outside 0–15 becomes 0."""
    font = 0 if data.font is None else data.font
    if not 0 <= font <= MAX_FONT:
        raise fail(loc + ("Font",), f"недопустимое значение {font}; допустимо 0–{MAX_FONT}",
                   f"invalid value {font}; allowed 0–{MAX_FONT}")
    intensity = 0 if data.intensity is None else data.intensity
    if not 0 <= intensity <= MAX_INTENSITY:
        notices.append(notice(loc + ("Intensity",),
                              f"{intensity} → 0 (допустимо 0–{MAX_INTENSITY})",
                              f"{intensity} → 0 (allowed 0–{MAX_INTENSITY})"))
        intensity = 0
    return PrintText(data.text or "", font, intensity)


def _ean(value: str, length: int, loc: Loc) -> str:
    if not value.isascii() or not value.isdigit() or len(value) not in (length - 1, length):
        raise fail(loc, f"код EAN-{length} — {length - 1} или {length} цифр, передано '{value}'",
                   f"an EAN-{length} code has {length - 1} or {length} digits, got '{value}'")
    expected = ean_check_digit(value[: length - 1])
    if len(value) == length - 1:
        return value + str(expected)
    if int(value[-1]) != expected:
        raise fail(loc, f"неверная контрольная цифра EAN-{length} в '{value}': должна быть {expected}",
                   f"wrong EAN-{length} check digit in '{value}': should be {expected}")
    return value


def barcode_element(data: BarCodeData, loc: Loc) -> Barcode:
    """A ``BarCode`` element: a known type and a value that type can encode."""
    kinds = ", ".join(kind.value for kind in BarcodeKind)
    name = (data.barcode_type or "").strip().upper()
    if name not in BarcodeKind.__members__:
        raise fail(loc + ("BarcodeType",),
                   f"недопустимое значение '{data.barcode_type or ''}'; допустимо {kinds}",
                   f"invalid value '{data.barcode_type or ''}'; allowed {kinds}")
    kind = BarcodeKind(name)
    value_loc = loc + ("Barcode",)
    if blank(data.barcode):
        raise fail(value_loc, "не задано значение штрихкода", "the barcode value is empty")
    value = (data.barcode or "").strip() if kind in (BarcodeKind.EAN13, BarcodeKind.EAN8) \
        else data.barcode or ""
    if kind is BarcodeKind.EAN13:
        value = _ean(value, 13, value_loc)
    elif kind is BarcodeKind.EAN8:
        value = _ean(value, 8, value_loc)
    elif kind is BarcodeKind.CODE39 and not _CODE39.fullmatch(value):
        raise fail(value_loc, "CODE39 кодирует только цифры, заглавные латинские буквы, пробел и - . $ / + %",
                   "CODE39 encodes only digits, capital Latin letters, space and - . $ / + %")
    elif kind is BarcodeKind.CODE128 and not value.isascii():
        raise fail(value_loc, "CODE128 кодирует только символы ASCII", "CODE128 encodes ASCII only")
    return Barcode(kind.value, value)


def image_element(data: PrintImageData, loc: Loc) -> Image | None:
    """A ``PrintImage`` element decoded from base64 (a data-URI prefix is allowed); None if empty."""
    text = data.image or ""
    if not text.strip():
        return None
    if text.lstrip().startswith("data:") and "," in text:
        text = text.split(",", 1)[1]
    try:
        raw = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise fail(loc + ("Image",), "изображение не декодируется из base64",
                   "the image is not valid base64") from exc
    if not raw.startswith(_IMAGE_MAGIC):
        raise fail(loc + ("Image",), "изображение не в формате BMP, PNG или JPEG",
                   "the image is not BMP, PNG or JPEG")
    return Image(raw)
