"""Fixed-size labels: each page of a document must fit one label and is padded to its end.

A label printer with a gap sensor (or a CUPS label queue) expects every label to be exactly as
tall as the stock, so a short page is padded and a long one is refused before anything prints:
a page spilling onto the next label would shift every following label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PIL import Image as PilImage

from openkkm.errors import ValidationError
from openkkm.layout.document import Document, split_pages
from openkkm.layout.raster import CELL, LINE_GAP, MARGIN, content_image
from openkkm.layout.text import Font

MM_PER_INCH = 25.4
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[xX×]\s*(\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True, slots=True)
class LabelSize:
    """A label's width and height and the gap after it, in millimetres."""

    width_mm: float
    height_mm: float
    gap_mm: float = 0.0

    def height_dots(self, dpi: int) -> int:
        """The label's height in printer dots."""
        return round(self.height_mm * dpi / MM_PER_INCH)

    def gap_dots(self, dpi: int) -> int:
        """The gap between labels in printer dots."""
        return round(self.gap_mm * dpi / MM_PER_INCH)


@dataclass(frozen=True, slots=True)
class Label:
    """One page placed on one label: its content height and the blank dots padding it."""

    page: Document
    used_dots: int
    padding_dots: int


def parse_label_size(label_mm: str, gap_mm: str | None = None) -> LabelSize:
    """``"58x40"`` (and ``"3"``) as a :class:`LabelSize`; ``ValueError`` if malformed or not positive."""
    match = _SIZE.match(label_mm)
    if match is None:
        raise ValueError(f"label size {label_mm!r} is not WIDTHxHEIGHT in mm")
    width, height = float(match[1]), float(match[2])
    gap = float(gap_mm) if gap_mm is not None else 0.0
    if width <= 0 or height <= 0 or gap < 0:
        raise ValueError(f"label size {label_mm!r} or gap {gap_mm!r} out of range")
    return LabelSize(width, height, gap)


def lines_per_label(size: LabelSize, dpi: int) -> int:
    """How many font-0 text lines fit on one label (for the overflow message)."""
    usable = size.height_dots(dpi) - 2 * MARGIN
    return max(0, usable // (CELL[Font.DEFAULT][1] + LINE_GAP))


def fit_labels(document: Document, size: LabelSize, dpi: int) -> list[Label]:
    """Each page of ``document`` on its label; ``ValidationError`` names the first page too long."""
    limit = size.height_dots(dpi)
    labels: list[Label] = []
    for number, page in enumerate(split_pages(document), start=1):
        used = content_image(page).height
        if used > limit:
            fit = lines_per_label(size, dpi)
            raise ValidationError(
                ("Slip",),
                f"Страница {number} не помещается на этикетку {size.width_mm:g}×{size.height_mm:g} мм: "
                f"на этикетку входит строк: {fit}. Сократите текст или разбейте его на страницы.",
                f"Page {number} does not fit a {size.width_mm:g}x{size.height_mm:g} mm label: "
                f"{fit} lines fit on one label. Shorten the text or split it into pages.",
            )
        labels.append(Label(page, used, limit - used))
    return labels


def label_image(label: Label) -> PilImage.Image:
    """A label's page drawn on an image exactly as tall as the label (blank below the content)."""
    content = content_image(label.page)
    image = PilImage.new("1", (content.width, label.used_dots + label.padding_dots), 1)
    image.paste(content, (0, 0))
    return image


def framed(document: Document, size: LabelSize, dpi: int) -> Document:
    """``document`` checked to fit ``size`` (``ValidationError`` if not) and marked for label previews."""
    fit_labels(document, size, dpi)
    return Document(document.line_length, document.blocks, size.height_dots(dpi))
