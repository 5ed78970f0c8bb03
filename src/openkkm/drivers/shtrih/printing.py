"""Print elements as Shtrih commands: text (0x17 / 0x2F), barcodes, pictures, cuts (0x25).

Text is wrapped to the line length and to the 40-byte command field; characters CP1251 lacks
print as «?». An EAN-13 prints with the register's own command 0xC2 (it adds its digits under
the bars). Every other code (the XML documents no 2-D command, 0xDE) and every picture prints
as graphics drawn by :mod:`openkkm.layout` and sent row by row with 0xC5, identical
consecutive rows as one command with a repeat count: 0xC5 takes the paper's full width, where
0xC0/0xC4 lines hold 320 dots and their buffers 200/1200 lines. A 1-D code drawn as graphics
gets its value printed under it as text. A model that lacks 0xC5 or 0xC2 (0x37) skips the code
or picture rather than refuse the receipt around it; the driver logs that once per link.
"""

from __future__ import annotations

import logging
from itertools import groupby
from typing import Final

from PIL import Image as PilImage

from openkkm.drivers.base import skip_missing_graphics
from openkkm.errors import DeviceRejected
from openkkm.fiscal.types import Barcode, Image, PageEnd, PrintElement, PrintText
from openkkm.layout.barcodes import LINEAR, Symbology, barcode_image, checked_barcode
from openkkm.layout.raster import picture_image
from openkkm.protocol.shtrih.cmd_graphics import (
    PrintEan13,
    PrintGraphicsLine,
    head_dots,
    pack_row,
)
from openkkm.protocol.shtrih.cmd_misc import Cut
from openkkm.protocol.shtrih.cmd_shift import PrintString, PrintStringFont
from openkkm.protocol.shtrih.messages import Request
from openkkm.protocol.shtrih.values import CLASSIC_TEXT_SIZE

from .documents import NOT_SUPPORTED
from .link import ShtrihLink
from .mapping import CASHIER_PRINT_FONT, shtrih_font

log = logging.getLogger(__name__)

ENCODING: Final = "cp1251"
MAX_REPEAT: Final = 0xFFFF
GRAPHICS: Final = (PrintGraphicsLine, PrintEan13)


def print_requests(elements: tuple[PrintElement, ...], line_length: int) -> list[Request]:
    """Return the commands that print ``elements`` in order."""
    dots = head_dots(line_length)
    requests: list[Request] = []
    for element in elements:
        if isinstance(element, PrintText):
            requests += text_lines(element.text, element.font, line_length)
        elif isinstance(element, Barcode):
            requests += barcode_requests(element, line_length, dots)
        elif isinstance(element, PageEnd):
            requests.append(Cut(partial=1))
        elif isinstance(element, Image):
            requests += graphics_requests(picture_image(element.data, dots), dots)
    return requests


def barcode_requests(barcode: Barcode, line_length: int, dots: int) -> list[Request]:
    """A code as 0xC2 (EAN-13) or as graphics, a 1-D code with its value under it."""
    kind, value = checked_barcode(barcode.kind, barcode.value)
    if kind is Symbology.EAN13:
        return [PrintEan13(barcode=int(value[:12]))]
    requests = graphics_requests(barcode_image(kind, value, max_width=dots), dots)
    if kind in LINEAR:
        requests += text_lines(value.center(min(line_length, CLASSIC_TEXT_SIZE)).rstrip(), 0,
                               line_length)
    return requests


def graphics_requests(image: PilImage.Image, dots: int) -> list[Request]:
    """0xC5 rows of a mode-"1" image (0 = black), centred on a ``dots``-wide head."""
    left = max(0, (dots - image.width) // 2)
    width = min(image.width, dots)
    pixels = image.load()
    assert pixels is not None
    rows = []
    for y in range(image.height):
        dots_row = [False] * left + [pixels[x, y] == 0 for x in range(width)]
        rows.append(pack_row(dots_row).rstrip(b"\0") or b"\0")
    requests: list[Request] = []
    for data, same in groupby(rows):
        count = sum(1 for _ in same)
        while count:
            repeat = min(count, MAX_REPEAT)
            requests.append(PrintGraphicsLine(repeat=repeat, data=data))
            count -= repeat
    return requests


def text_lines(text: str, font: int, line_length: int) -> list[Request]:
    """Wrap ``text`` into print commands of font ``font``; an empty text feeds one line."""
    width = max(1, min(line_length, CLASSIC_TEXT_SIZE))
    shtrih = shtrih_font(font)
    requests: list[Request] = []
    for line in text.splitlines() or [""]:
        safe = line.encode(ENCODING, "replace").decode(ENCODING)
        chunks = [safe[i : i + width] for i in range(0, len(safe), width)] or [""]
        for chunk in chunks:
            if shtrih == CASHIER_PRINT_FONT:
                requests.append(PrintString(text=chunk))
            else:
                requests.append(PrintStringFont(font=shtrih, text=chunk))
    return requests


async def send(link: ShtrihLink, request: Request, *, then: bool = False) -> None:
    """Send one command; a graphics command the model lacks (0x37) is skipped with a warning.

    ``then``: another command follows at once (see :meth:`ShtrihLink.execute`).
    """
    try:
        await link.execute(request, request.answer, then=then)
    except DeviceRejected as exc:
        if not isinstance(request, GRAPHICS) or exc.vendor_code not in NOT_SUPPORTED:
            raise
        skip_missing_graphics(log, link, f"{request.code:#x}")
