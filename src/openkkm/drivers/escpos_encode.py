"""A laid-out document as ESC/POS bytes: text in the printer's code page, codes native or raster.

A symbology the printer draws itself (``GS k``, ``GS ( k``) is sent as that command when
``native_codes`` is on and it fits the paper; every other code, and every picture, is drawn by
``layout`` and sent as a ``GS v 0`` raster image centred on the paper, so each type prints on
any ESC/POS printer. Characters the code page lacks print as «?» and are reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import segno
from PIL import Image as PilImage

from openkkm.drivers import escpos_commands as cmd
from openkkm.layout.barcodes import (
    BAR_HEIGHT,
    LINEAR,
    LINEAR_QUIET,
    Symbology,
    barcode_image,
    linear_modules,
    qr_module,
    qr_side,
)
from openkkm.layout.charset import fit_charset
from openkkm.layout.document import (
    BarcodeBlock,
    Block,
    Cut,
    Document,
    ImageBlock,
    TextLine,
)
from openkkm.layout.labels import Label
from openkkm.layout.raster import (
    CELL,
    DOTS_PER_CHAR,
    LINE_GAP,
    MARGIN,
    picture_image,
    text_image,
)
from openkkm.layout.text import Font

MAX_MODULE = 3  #: ``GS w`` dots per narrow bar we ask for
MIN_MODULE = 2  #: the smallest ``GS w`` most printers take

_MODES: dict[Font, cmd.PrintMode] = {
    Font.DEFAULT: cmd.PrintMode(0),
    Font.LARGE: cmd.PrintMode.DOUBLE_HEIGHT | cmd.PrintMode.DOUBLE_WIDTH,
    Font.WIDE: cmd.PrintMode.DOUBLE_WIDTH,
    Font.BOLD: cmd.PrintMode.EMPHASIZED,
    Font.SMALL: cmd.PrintMode.FONT_B,
}
_NATIVE_A: dict[str, cmd.BarcodeA] = {
    Symbology.EAN13: cmd.BarcodeA.EAN13,
    Symbology.EAN8: cmd.BarcodeA.EAN8,
    Symbology.CODE39: cmd.BarcodeA.CODE39,
}


class CutMode(StrEnum):
    """What a page end does on this printer."""

    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"  #: feed only (no cutter, or a label printer that tears off)


@dataclass(frozen=True, slots=True)
class EscposOptions:
    """How one printer takes its bytes (from the device URL's query)."""

    code_table: int = 17  #: ``ESC t`` number of ``encoding``: CP866 is 17 on Epson-compatibles
    encoding: str = "cp866"
    native_codes: bool = True
    cut: CutMode = CutMode.FULL


@dataclass(slots=True)
class Encoded:
    """The bytes of one document and the characters its code page lacked."""

    data: bytes = b""
    missing: list[str] = field(default_factory=list)


def _centred(image: PilImage.Image, width: int) -> PilImage.Image:
    page = PilImage.new("1", (width, image.height), 1)
    page.paste(image, ((width - image.width) // 2, 0))
    return page


def _raster_code(block: BarcodeBlock, width: int) -> bytes:
    data = cmd.raster(_centred(barcode_image(block.kind, block.value, max_width=width), width))
    if block.kind in LINEAR:
        label = text_image(TextLine(block.value.center(width // DOTS_PER_CHAR)))
        data += cmd.raster(_centred(label, width))
    return data


def _native_code(block: BarcodeBlock, width: int) -> bytes | None:
    """The printer's own command for a code, or None where it has none or it would not fit."""
    if block.kind == Symbology.QR:
        try:
            module = qr_module(qr_side(block.value), width)
        except segno.DataOverflowError:
            return None  # the raster path reports it
        if module < 1:
            return None
        return cmd.align(cmd.Align.CENTER) + cmd.qr(block.value.encode("utf-8"), module) + cmd.LF
    if block.kind in _NATIVE_A:
        modules = len(linear_modules(Symbology(block.kind), block.value))
        command = cmd.barcode_a(_NATIVE_A[block.kind], block.value.encode("ascii"))
    elif block.kind == Symbology.CODE128:
        if "{" in block.value or not all(" " <= char <= "~" for char in block.value):
            return None  # code set B only: control characters and «{» go as raster
        modules = 11 * (len(block.value) + 3) + 2  # start, data, check, stop in code set B
        command = cmd.barcode_b(cmd.BarcodeB.CODE128, b"{B" + block.value.encode("ascii"))
    else:
        return None
    module = min(MAX_MODULE, width // (modules + 2 * LINEAR_QUIET))
    if module < MIN_MODULE:
        return None
    return (cmd.align(cmd.Align.CENTER) + cmd.barcode_setup(BAR_HEIGHT, module, cmd.HriPosition.BELOW)
            + command)


def _block(block: Block, width: int, options: EscposOptions, out: Encoded) -> bytes:
    if isinstance(block, TextLine):
        fitted, missing = fit_charset(block.text, options.encoding)
        out.missing += [char for char in missing if char not in out.missing]
        return cmd.print_mode(_MODES[block.font]) + fitted.encode(options.encoding) + cmd.LF
    if isinstance(block, BarcodeBlock):
        native = _native_code(block, width) if options.native_codes else None
        code = native if native is not None else _raster_code(block, width)
        return code + cmd.align(cmd.Align.LEFT)
    if isinstance(block, ImageBlock):
        return cmd.raster(_centred(picture_image(block.data, width), width))
    if isinstance(block, Cut):
        return cmd.feed(cmd.FEED_BEFORE_CUT) if options.cut is CutMode.NONE \
            else cmd.cut(options.cut is CutMode.PARTIAL)
    raise TypeError(f"not a block: {block!r}")


def encode_document(document: Document, options: EscposOptions, *, copies: int = 1) -> Encoded:
    """Bytes that print ``document`` ``copies`` times, each copy ending with a page end."""
    width = document.line_length * DOTS_PER_CHAR
    blocks = list(document.blocks)
    if not blocks or not isinstance(blocks[-1], Cut):
        blocks.append(Cut())
    out = Encoded()
    body = b"".join(_block(block, width, options, out) for block in blocks)
    out.data = cmd.INIT + cmd.code_table(options.code_table) + body * copies
    return out


def encode_labels(labels: list[Label], options: EscposOptions, *, gap_dots: int,
                  copies: int = 1) -> Encoded:
    """Bytes that print each label's page and feed to the next label's start, ``copies`` times.

    Lines advance by the preview's line pitch (``ESC 3``) and the label's top and bottom margin
    and padding are fed by dots (``ESC J``), so each label takes exactly its height plus the gap
    and the next one starts on the next label; ``GS V`` follows only when a cut is configured.
    """
    out = Encoded()
    body = b""
    for label in labels:
        width = label.page.line_length * DOTS_PER_CHAR
        body += cmd.feed_dots(MARGIN)
        body += b"".join(_block(block, width, options, out) for block in label.page.blocks)
        body += cmd.feed_dots(MARGIN + label.padding_dots + gap_dots)
        if options.cut is not CutMode.NONE:
            body += cmd.cut_here(options.cut is CutMode.PARTIAL)
    pitch = CELL[Font.DEFAULT][1] + LINE_GAP
    out.data = cmd.INIT + cmd.code_table(options.code_table) + cmd.line_spacing(pitch) + body * copies
    return out
