"""A laid-out document: text lines, barcodes, images and cuts, ready for any device to print."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from openkkm.fiscal.types import Barcode, Image, PageEnd, PrintElement, PrintText
from openkkm.layout.barcodes import checked_barcode
from openkkm.layout.text import (
    Font,
    font_of,
    font_width,
    layout_line,
    layout_pair,
    layout_text,
)


@dataclass(frozen=True, slots=True)
class TextLine:
    """One printed line: at most the font's width, aligned with spaces."""

    text: str
    font: Font = Font.DEFAULT
    intensity: int = 0


@dataclass(frozen=True, slots=True)
class BarcodeBlock:
    """A barcode or 2-D code, centred; ``kind`` is a checked symbology name."""

    kind: str
    value: str


@dataclass(frozen=True, slots=True)
class ImageBlock:
    """A client's picture (BMP, PNG or JPEG bytes), made black-and-white and fitted to the width."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Cut:
    """End of page: feed and cut on a receipt printer, a new page or label elsewhere."""


Block = TextLine | BarcodeBlock | ImageBlock | Cut


@dataclass(frozen=True, slots=True)
class Document:
    """What a device prints: blocks in order, for a line of ``line_length`` font-0 characters."""

    line_length: int
    blocks: tuple[Block, ...]
    page_height: int | None = None  #: dots of every page on fixed-size labels; None = continuous


    def text(self) -> str:
        """The text lines joined by newlines (barcodes and images left out); for tests and logs."""
        return "\n".join(block.text for block in self.blocks if isinstance(block, TextLine))


def split_pages(document: Document) -> list[Document]:
    """The document cut into pages at each ``Cut`` (for system printers and labels); never empty."""
    pages: list[Document] = []
    current: list[Block] = []
    for block in document.blocks:
        if isinstance(block, Cut):
            pages.append(Document(document.line_length, tuple(current), document.page_height))
            current = []
        else:
            current.append(block)
    if current or not pages:
        pages.append(Document(document.line_length, tuple(current), document.page_height))
    return pages


def text_lines(text: str, line_length: int, font: int = 0, intensity: int = 0) -> list[TextLine]:
    """A ``PrintText`` laid out at the width of its font."""
    face = font_of(font)
    width = font_width(line_length, face)
    return [TextLine(line, face, intensity) for line in layout_text(text, width)]


def element_blocks(element: PrintElement, line_length: int) -> list[Block]:
    """The blocks one print element becomes."""
    if isinstance(element, PrintText):
        return list(text_lines(element.text, line_length, element.font, element.intensity))
    if isinstance(element, Barcode):
        kind, value = checked_barcode(element.kind, element.value)
        return [BarcodeBlock(kind, value)]
    if isinstance(element, Image):
        return [ImageBlock(element.data)]
    if isinstance(element, PageEnd):
        return [Cut()]
    raise TypeError(f"not a print element: {element!r}")


def layout_elements(elements: Iterable[PrintElement], line_length: int) -> list[Block]:
    """Blocks of print elements in order; bad fonts or barcodes raise ``ValidationError``."""
    blocks: list[Block] = []
    for element in elements:
        blocks.extend(element_blocks(element, line_length))
    return blocks


def layout_slip(elements: Iterable[PrintElement], line_length: int) -> Document:
    """A non-fiscal document (``PrintDocument``, ``RegisterCheck`` with ``IsFiscalCheck: false``)."""
    return Document(line_length, tuple(layout_elements(elements, line_length)))


class TextSheet:
    """Blocks being laid out at one device width: lines of text, ``pair`` a label and a value.

    The receipt and the reports build on it; ``pair`` puts a value at the right edge without
    parsing markers, so a ``<#`` in a value (a cashier's name) prints as it is.
    """

    def __init__(self, line_length: int) -> None:
        self.line_length = line_length
        self.blocks: list[Block] = []

    def add(self, text: str, font: Font = Font.DEFAULT) -> None:
        """``text`` with its markers (``API.md`` §7.1), wrapped at the font's width."""
        width = font_width(self.line_length, font)
        self.blocks.extend(TextLine(line, font) for line in layout_line(text, width))

    def pair(self, left: str, right: str, font: Font = Font.DEFAULT) -> None:
        """``left`` and, at the right edge, ``right``."""
        width = font_width(self.line_length, font)
        self.blocks.extend(TextLine(line, font) for line in layout_pair(left, right, width))

    def document(self) -> Document:
        """The sheet as a document, cut at the end."""
        return Document(self.line_length, (*self.blocks, Cut()))

