"""Barcodes and 2-D codes checked and drawn as black-and-white Pillow images.

Module patterns come from python-barcode (EAN-13, EAN-8, CODE39, CODE128), segno (QR) and
pdf417gen (PDF417); the bars are drawn here, whole dots per module, so a raster printer and the
preview show the same code that zxing-cpp reads back. Each image carries its quiet zone.
"""

from __future__ import annotations

import re
from enum import StrEnum

import barcode as onedim  # type: ignore[import-untyped]
import pdf417gen  # type: ignore[import-untyped]
import segno
from PIL import Image as PilImage

from openkkm.errors import ValidationError

BAR_HEIGHT = 80  #: dots, 10 mm at 203 dpi
LINEAR_QUIET = 10  #: modules of white either side of a 1-D code
MAX_LINEAR_MODULE = 3  #: dots per narrow bar
QR_QUIET = 4  #: modules
MAX_QR_MODULE = 8
PDF417_QUIET = 2  #: modules
PDF417_ROW_RATIO = 3  #: row height in modules
PDF417_MAX_COLUMNS = 30
QR_MIN_SIDE = 160  #: dots: the fiscal QR is at least 20 × 20 mm (``FISCAL.md`` §9.2)


class Symbology(StrEnum):
    """``BarcodeType`` values (``API.md`` §7.3)."""

    EAN13 = "EAN13"
    EAN8 = "EAN8"
    CODE39 = "CODE39"
    CODE128 = "CODE128"
    PDF417 = "PDF417"
    QR = "QR"


LINEAR = (Symbology.EAN13, Symbology.EAN8, Symbology.CODE39, Symbology.CODE128)
_CODE39 = re.compile(r"[0-9A-Z \-.$/+%]+")


def _bad(kind: str, value: str, ru: str, en: str) -> ValidationError:
    return ValidationError((), f"Штрихкод {kind} '{value}': {ru}", f"Barcode {kind} '{value}': {en}")


def ean_check_digit(body: str) -> int:
    """The EAN check digit of the digits before it (weights 3, 1 counted from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def _ean(kind: Symbology, value: str, length: int) -> str:
    if not value.isascii() or not value.isdigit() or len(value) not in (length - 1, length):
        raise _bad(kind, value, f"нужно {length - 1} или {length} цифр",
                   f"{length - 1} or {length} digits expected")
    expected = ean_check_digit(value[: length - 1])
    if len(value) == length and int(value[-1]) != expected:
        raise _bad(kind, value, f"неверная контрольная цифра, должна быть {expected}",
                   f"wrong check digit, should be {expected}")
    return value[: length - 1] + str(expected)


def checked_barcode(kind: str, value: str) -> tuple[str, str]:
    """The symbology and the value to encode (EAN completed with its check digit), or an error."""
    name = kind.strip().upper()
    if name not in Symbology.__members__:
        known = ", ".join(Symbology)
        raise ValidationError((), f"Неизвестный тип штрихкода '{kind}'; допустимы {known}",
                              f"Unknown barcode type '{kind}'; known: {known}")
    symbology = Symbology(name)
    if not value:
        raise _bad(symbology, value, "пустое значение", "empty value")
    if symbology is Symbology.EAN13:
        return symbology, _ean(symbology, value, 13)
    if symbology is Symbology.EAN8:
        return symbology, _ean(symbology, value, 8)
    if symbology is Symbology.CODE39 and not _CODE39.fullmatch(value):
        raise _bad(symbology, value, "допустимы цифры, заглавные латинские буквы, пробел и - . $ / + %",
                   "only digits, capital Latin letters, space and - . $ / + % are allowed")
    if symbology is Symbology.CODE128 and not value.isascii():
        raise _bad(symbology, value, "допустимы только символы ASCII", "ASCII only")
    return symbology, value


def linear_modules(kind: Symbology, value: str) -> str:
    """The bar pattern of a 1-D code: ``"1"`` a black module, ``"0"`` a white one."""
    if kind is Symbology.EAN13:
        code: onedim.Barcode = onedim.EAN13(value[:12])
    elif kind is Symbology.EAN8:
        code = onedim.EAN8(value[:7])
    elif kind is Symbology.CODE39:
        code = onedim.Code39(value, add_checksum=False)
    elif kind is Symbology.CODE128:
        code = onedim.Code128(value)
    else:
        raise ValueError(f"{kind} is not a 1-D symbology")
    return "".join(code.build())


def _from_matrix(rows: list[list[bool]], module: int, quiet: int, ratio: int = 1) -> PilImage.Image:
    """Draw a module matrix (True = black) with a quiet zone, ``module`` dots per module."""
    width = len(rows[0]) + 2 * quiet
    height = len(rows) * ratio + 2 * quiet
    image = PilImage.new("1", (width, height), 1)
    pixels = image.load()
    assert pixels is not None
    for y, row in enumerate(rows):
        for x, black in enumerate(row):
            if black:
                for dy in range(ratio):
                    pixels[x + quiet, y * ratio + dy + quiet] = 0
    return image.resize((width * module, height * module), PilImage.Resampling.NEAREST)


def _linear(kind: Symbology, value: str, max_width: int) -> PilImage.Image:
    modules = linear_modules(kind, value)
    module = min(MAX_LINEAR_MODULE, max_width // (len(modules) + 2 * LINEAR_QUIET))
    if module < 1:
        raise _bad(kind, value, f"слишком длинный для ширины печати {max_width} точек",
                   f"too long for a print width of {max_width} dots")
    width = (len(modules) + 2 * LINEAR_QUIET) * module
    image = PilImage.new("1", (width, BAR_HEIGHT), 1)
    for index, bit in enumerate(modules):
        if bit == "1":
            left = (index + LINEAR_QUIET) * module
            image.paste(0, (left, 0, left + module, BAR_HEIGHT))
    return image


def qr_module(side: int, max_width: int) -> int:
    """Dots per module of a QR ``side`` modules wide: 20 mm or more, within ``max_width``."""
    return min(MAX_QR_MODULE, max(1, -(-QR_MIN_SIDE // side)), max_width // (side + 2 * QR_QUIET))


def qr_side(value: str) -> int:
    """Modules per side of the QR (error level M) that holds ``value``."""
    return int(segno.make_qr(value, error="m", boost_error=False).symbol_size(border=0)[0])


def _qr(value: str, max_width: int) -> PilImage.Image:
    try:
        code = segno.make_qr(value, error="m", boost_error=False)
    except segno.DataOverflowError as exc:
        raise _bad(Symbology.QR, value[:40], "слишком много данных для QR-кода",
                   "too much data for a QR code") from exc
    module = qr_module(int(code.symbol_size(border=0)[0]), max_width)
    if module < 1:
        raise _bad(Symbology.QR, value[:40], f"не помещается в ширину печати {max_width} точек",
                   f"does not fit a print width of {max_width} dots")
    rows = [[bool(cell & 1) for cell in row] for row in code.matrix]
    return _from_matrix(rows, module, QR_QUIET)


def _pdf417(value: str, max_width: int) -> PilImage.Image:
    for module in (2, 1):
        modules_wide = max_width // module - 2 * PDF417_QUIET
        widest = min(PDF417_MAX_COLUMNS, (modules_wide - 69) // 17)  # 17 per column + 69 fixed
        if widest >= 1:
            break
    else:
        raise _bad(Symbology.PDF417, value[:40], f"ширина печати {max_width} точек мала",
                   f"a print width of {max_width} dots is too narrow")
    codes: list[list[int]] = []
    for columns in range(1, widest + 1):  # the narrowest symbol that is not taller than wide
        try:
            codes = pdf417gen.encode(value, columns=columns, security_level=2)
        except ValueError:
            continue  # more than 90 rows at this width
        if len(codes) * PDF417_ROW_RATIO <= 17 * columns + 69:
            break
    if not codes:
        raise _bad(Symbology.PDF417, value[:40], "слишком много данных для PDF417",
                   "too much data for PDF417")
    image = pdf417gen.render_image(codes, scale=1, ratio=1, padding=0)
    rows = [[image.getpixel((x, y)) != (255, 255, 255) for x in range(image.width)]
            for y in range(image.height)]
    return _from_matrix(rows, module, PDF417_QUIET, PDF417_ROW_RATIO)


def barcode_image(kind: str, value: str, *, max_width: int) -> PilImage.Image:
    """A checked code drawn as a mode-"1" image (0 = black) at most ``max_width`` dots wide."""
    symbology, value = checked_barcode(kind, value)
    if symbology is Symbology.QR:
        return _qr(value, max_width)
    if symbology is Symbology.PDF417:
        return _pdf417(value, max_width)
    return _linear(Symbology(symbology), value, max_width)
