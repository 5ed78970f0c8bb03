"""Receipt and label layout: what a device prints, as pure data, images and HTML.

The contract: ``text`` turns ``PrintText`` markers (``API.md`` §7.1) into lines of exactly the
font's width; ``document`` turns print elements into a :class:`Document` of text lines, barcode
blocks, pictures and cuts for a device of ``line_length`` font-0 characters; ``receipt`` lays out
a registered fiscal receipt from its ``Receipt`` and ``FiscalDocument``; ``barcodes`` checks every
symbology and draws it; ``raster`` and ``html`` draw a document as a preview. Nothing here does
device I/O; drivers print a ``Document`` each in their own way.
"""

from openkkm.layout.document import (
    BarcodeBlock,
    Block,
    Cut,
    Document,
    ImageBlock,
    TextLine,
    layout_elements,
    layout_slip,
)

__all__ = [
    "BarcodeBlock",
    "Block",
    "Cut",
    "Document",
    "ImageBlock",
    "TextLine",
    "layout_elements",
    "layout_slip",
]
