"""Print elements as Shtrih commands: 0x17 (font 1) / 0x2F (other fonts) text lines, 0x25 cut.

Barcodes print as their text for now and images are skipped: raster printing (0xC0/0xC5,
0xDE) is a later step. Text is wrapped to the line length and to the 40-byte command field;
characters CP1251 lacks print as «?».
"""

from __future__ import annotations

import logging
from typing import Final

from openkkm.fiscal.types import Barcode, Image, PageEnd, PrintElement, PrintText
from openkkm.protocol.shtrih.cmd_misc import Cut
from openkkm.protocol.shtrih.cmd_shift import PrintString, PrintStringFont
from openkkm.protocol.shtrih.messages import Request
from openkkm.protocol.shtrih.values import CLASSIC_TEXT_SIZE

from .mapping import CASHIER_PRINT_FONT, shtrih_font

log = logging.getLogger(__name__)
ENCODING: Final = "cp1251"


def print_requests(elements: tuple[PrintElement, ...], line_length: int) -> list[Request]:
    """Return the commands that print ``elements`` in order."""
    requests: list[Request] = []
    for element in elements:
        if isinstance(element, PrintText):
            requests += text_lines(element.text, element.font, line_length)
        elif isinstance(element, Barcode):
            requests += text_lines(element.value, 0, line_length)
        elif isinstance(element, PageEnd):
            requests.append(Cut(partial=1))
        elif isinstance(element, Image):
            log.debug(
                "image of %d bytes not printed: graphics are not supported yet",
                len(element.data),
            )
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
