"""Barcode samples the printing tests share, and what zxing-cpp reads back from a picture."""

from __future__ import annotations

import zxingcpp
from PIL import Image as PilImage

#: (BarcodeType, value, zxing-cpp's format name): one of each symbology a register draws
SYMBOLOGIES = [
    ("EAN13", "4006381333931", "EAN13"),
    ("EAN8", "96385074", "EAN8"),
    ("CODE39", "ABC-12 $/+%", "Code39"),
    ("CODE128", "Order#154/a-b", "Code128"),
    ("PDF417", "Заказ №154, Print barcode 1234567890", "PDF417"),
    ("QR", "t=20261124T153700&s=1250.00&fn=7380440700123456&i=482&fp=3071182645&n=1",
     "QRCode"),
]


def decoded(image: PilImage.Image) -> list[tuple[str, str]]:
    """What zxing-cpp reads in an image: (format, text) pairs."""
    return [(found.format.name, found.text) for found in zxingcpp.read_barcodes(image.convert("L"))]
