"""Print elements as ATOL commands: text lines (0x4C), pictures as rows of dots (0x8E), cuts (0x75).

Barcodes and pictures are drawn by :mod:`openkkm.layout` and sent row by row with 0x8E,
identical consecutive rows as one command with a repeat count, centred by the command's offset
on a head of ``paper_width(line_length)`` dots. A 1-D code gets its value printed under it as
text. ATOL's own barcode command 0xC1 is not used: its public descriptions give the fields but
type codes for two symbologies only (QR and EAN-13), and a drawn code prints every symbology the
same way. 0x8E's layout comes from one open client (atol4j, confidence L, see
``protocol/atol/README.md``). A model that answers it "not supported" skips the picture rather
than refuse the receipt around it; the driver logs that once per link.
"""

from __future__ import annotations

import logging
from itertools import groupby

from PIL import Image as PilImage

from openkkm.drivers.base import skip_missing_graphics
from openkkm.errors import DeviceRejected
from openkkm.fiscal.types import (
    Barcode,
    Image,
    PageEnd,
    PrintElement,
    PrintText,
    Receipt,
)
from openkkm.layout.barcodes import LINEAR, barcode_image, checked_barcode
from openkkm.layout.raster import paper_width, picture_image
from openkkm.protocol.atol.cmd_state import (
    PICTURE_REPEAT_LIMIT,
    Cut,
    PrintPictureLine,
    PrintString,
)
from openkkm.protocol.atol.errors import ErrorCode
from openkkm.protocol.atol.messages import Request

from .link import AtolLink

log = logging.getLogger(__name__)

NOT_SUPPORTED = frozenset({ErrorCode.WRONG_COMMAND, ErrorCode.NOT_SUPPORTED})


def print_requests(elements: tuple[PrintElement, ...], line_length: int, *,
                   cuts: bool = True) -> list[Request]:
    """The commands that print ``elements``; ``cuts`` False drops page ends (inside a receipt)."""
    dots = paper_width(line_length)
    requests: list[Request] = []
    for element in elements:
        if isinstance(element, PrintText):
            requests += text_lines(element.text or " ", line_length)
        elif isinstance(element, Barcode):
            kind, value = checked_barcode(element.kind, element.value)
            requests += picture_requests(barcode_image(kind, value, max_width=dots), dots)
            if kind in LINEAR:
                requests += text_lines(value.center(line_length).rstrip(), line_length)
        elif isinstance(element, Image):
            requests += picture_requests(picture_image(element.data, dots), dots)
        elif isinstance(element, PageEnd) and cuts:
            requests.append(Cut())
    return requests


def text_lines(text: str, line_length: int) -> list[Request]:
    """``text`` cut into print commands of at most ``line_length`` characters."""
    return [PrintString(text=text[i : i + line_length]) for i in range(0, len(text), line_length)]


def picture_requests(image: PilImage.Image, dots: int) -> list[Request]:
    """0x8E rows of a mode-"1" image (0 = black), centred on a ``dots``-wide head."""
    width = min(image.width, dots)
    offset = (dots - width) // 2 // 8 * 8  # the register shifts by whole bytes
    stride = (width + 7) // 8
    raw = image.crop((0, 0, width, image.height)).tobytes("raw", "1;I")  # 1 = black, high bit left
    rows = [raw[y * stride : (y + 1) * stride].rstrip(b"\0") or b"\0"
            for y in range(image.height)]
    requests: list[Request] = []
    for data, same in groupby(rows):
        count = sum(1 for _ in same)
        while count:
            repeat = min(count, PICTURE_REPEAT_LIMIT)
            requests.append(PrintPictureLine(repeat=repeat, offset=offset, data=data))
            count -= repeat
    return requests


async def send(link: AtolLink, request: Request) -> None:
    """Send one command; a picture row the model cannot print is skipped with a warning."""
    try:
        await link.execute(request)
    except DeviceRejected as exc:
        if not isinstance(request, PrintPictureLine) or exc.vendor_code not in NOT_SUPPORTED:
            raise
        skip_missing_graphics(log, link, "0x8E")


def in_receipt(receipt: Receipt, elements: tuple[PrintElement, ...], line_length: int
               ) -> list[Request]:
    """Print commands inside an open receipt (no cuts), none when it is not printed."""
    if not receipt.print_paper:
        return []
    return print_requests(elements, line_length, cuts=False)


def elements_before(receipt: Receipt, index: int) -> tuple[PrintElement, ...]:
    """The elements printed before item ``index`` (``len(items)``: after the last item)."""
    last = len(receipt.items)
    return tuple(element for element, at in
                 zip(receipt.elements, receipt.element_positions, strict=False)
                 if at == index or (index == last and at > last))
