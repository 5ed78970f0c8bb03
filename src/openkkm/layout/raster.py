"""A laid-out document drawn as a black-and-white image, as a thermal printer would print it.

The page is ``line_length`` × 12 dots wide (48 characters on 80 mm paper = 576 dots, 32 on 58 mm
= 384), the ESC/POS font-A cell of 12 × 24 dots; font 4 uses the 9 × 17 font-B cell. Characters
sit on a fixed grid, so the image shows exactly the columns the text layout computed.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
from functools import cache
from itertools import accumulate
from pathlib import Path

from PIL import Image as PilImage
from PIL import ImageDraw, ImageFont, UnidentifiedImageError

from openkkm.errors import ValidationError
from openkkm.layout.barcodes import LINEAR, barcode_image
from openkkm.layout.document import (
    BarcodeBlock,
    Block,
    Document,
    ImageBlock,
    TextLine,
    split_pages,
)
from openkkm.layout.text import Font

log = logging.getLogger(__name__)

DOTS_PER_CHAR = 12  #: font-0 cell width
CELL: dict[Font, tuple[int, int]] = {  #: (width, height) of a character cell in dots
    Font.DEFAULT: (12, 24),
    Font.LARGE: (24, 48),
    Font.WIDE: (24, 24),
    Font.BOLD: (12, 24),
    Font.SMALL: (9, 17),
}
LINE_GAP = 6  #: dots between text lines
BLOCK_GAP = 12  #: dots around barcodes and pictures
MARGIN = 16  #: dots of blank paper above and below the document
_FONT_FILES = {
    False: ("DejaVu Sans Mono", "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"),
    True: ("DejaVu Sans Mono:bold", "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"),
}


def paper_width(line_length: int) -> int:
    """Printable width in dots for a device of ``line_length`` font-0 characters."""
    return line_length * DOTS_PER_CHAR


@cache
def _font_file(bold: bool) -> str | None:
    pattern, known = _FONT_FILES[bold]
    if Path(known).is_file():
        return known
    if shutil.which("fc-match"):
        found = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True,
                               text=True, check=False).stdout.strip()
        if found.endswith((".ttf", ".otf")) and "Mono" in found:
            return found
    log.warning("no DejaVu Sans Mono font found; previews use Pillow's font without Cyrillic")
    return None


@cache
def _face(bold: bool, advance: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A monospace face whose characters advance ``advance`` dots."""
    path = _font_file(bold)
    if path is None:
        return ImageFont.load_default(advance * 5 / 3)
    probe = ImageFont.truetype(path, 100)
    return ImageFont.truetype(path, 100 * advance / probe.getlength("0"))


def text_image(line: TextLine) -> PilImage.Image:
    """One line on its character grid, stretched for the double-width and double-height fonts."""
    width, height = CELL[line.font]
    base_width = 9 if line.font is Font.SMALL else 12
    base_height = 17 if line.font is Font.SMALL else 24
    face = _face(line.font is Font.BOLD, base_width)
    image = PilImage.new("L", (max(1, len(line.text)) * base_width, base_height), 255)
    draw = ImageDraw.Draw(image)
    for column, char in enumerate(line.text):
        if char != " ":
            draw.text((column * base_width + base_width / 2, base_height * 0.8), char, font=face,
                      fill=0, anchor="ms")
    if (width, height) != (base_width, base_height):
        image = image.resize((image.width * width // base_width, height), PilImage.Resampling.NEAREST)
    return image.point(lambda value: 0 if value < 128 else 255).convert("1")


def picture_image(data: bytes, max_width: int) -> PilImage.Image:
    """A client's picture in black and white (dithered), scaled down to ``max_width``."""
    try:
        with PilImage.open(io.BytesIO(data)) as source:
            source.load()
            picture = source.convert("RGBA")
    except (UnidentifiedImageError, OSError) as exc:
        raise ValidationError((), "Изображение не читается (нужен BMP, PNG или JPEG)",
                              "The image cannot be read (BMP, PNG or JPEG expected)") from exc
    flat = PilImage.new("RGBA", picture.size, (255, 255, 255, 255))
    flat.alpha_composite(picture)
    gray = flat.convert("L")
    if gray.width > max_width:
        gray = gray.resize((max_width, max(1, gray.height * max_width // gray.width)),
                           PilImage.Resampling.LANCZOS)
    return gray.convert("1")


def block_image(block: Block, width: int) -> PilImage.Image | None:
    """One block drawn alone (None for a cut); codes and pictures are centred by the caller."""
    if isinstance(block, TextLine):
        return text_image(block)
    if isinstance(block, BarcodeBlock):
        return barcode_image(block.kind, block.value, max_width=width)
    if isinstance(block, ImageBlock):
        return picture_image(block.data, width)
    return None


def render_image(document: Document) -> PilImage.Image:
    """The whole document as one mode-"1" image (0 = black); labels stacked at their height."""
    if document.page_height is None:
        return content_image(document)
    pages = [content_image(page) for page in split_pages(document)]
    heights = [max(document.page_height, page.height) for page in pages]
    sheet = PilImage.new("1", (paper_width(document.line_length), sum(heights)), 1)
    for top, page in zip(accumulate([0, *heights]), pages, strict=False):
        sheet.paste(page, (0, top))
    return sheet


def content_image(document: Document) -> PilImage.Image:
    """The blocks drawn one after another, as tall as they are (a cut is a dashed line)."""
    width = paper_width(document.line_length)
    pieces: list[tuple[PilImage.Image | None, bool]] = []
    for block in document.blocks:
        image = block_image(block, width)
        centred = not isinstance(block, TextLine)
        pieces.append((image, centred))
        if isinstance(block, BarcodeBlock) and block.kind in LINEAR:
            pieces.append((text_image(TextLine(block.value.center(document.line_length))), False))
    height = MARGIN * 2 + sum(_height(image, centred) for image, centred in pieces)
    page = PilImage.new("1", (width, height), 1)
    draw = ImageDraw.Draw(page)
    y = MARGIN
    for image, centred in pieces:
        if image is None:
            for x in range(0, width, 16):
                draw.line((x, y + BLOCK_GAP, x + 8, y + BLOCK_GAP), fill=0)
        else:
            top = y + (BLOCK_GAP if centred else 0)
            page.paste(image, ((width - image.width) // 2 if centred else 0, top))
        y += _height(image, centred)
    return page


def _height(image: PilImage.Image | None, centred: bool) -> int:
    if image is None:
        return BLOCK_GAP * 2
    return image.height + (BLOCK_GAP * 2 if centred else LINE_GAP)


def render_png(document: Document) -> bytes:
    """The document as PNG bytes (``GET /preview/{IdCommand}.png``)."""
    buffer = io.BytesIO()
    render_image(document).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
