"""ESC/POS command bytes (Epson ESC/POS; ``PROTOCOLS.md`` §4.1), built from typed constants.

Each function returns the bytes of one command; nothing here does I/O. The sequences equal what
python-escpos 3.1 emits for the same request, which the tests check against its ``Dummy``.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag

from PIL import Image as PilImage

ESC: bytes = b"\x1b"
GS: bytes = b"\x1d"
DLE: bytes = b"\x10"
LF: bytes = b"\n"  #: print and line feed
NUL: bytes = b"\x00"

INIT: bytes = ESC + b"@"  #: initialise: buffer cleared, modes reset
FEED_BEFORE_CUT = 6  #: lines fed so the last line passes the cutter (python-escpos does the same)


class PrintMode(IntFlag):
    """``ESC ! n`` bits."""

    FONT_B = 0x01
    EMPHASIZED = 0x08
    DOUBLE_HEIGHT = 0x10
    DOUBLE_WIDTH = 0x20
    UNDERLINE = 0x80


class Align(IntEnum):
    """``ESC a n``."""

    LEFT = 0
    CENTER = 1
    RIGHT = 2


class BarcodeA(IntEnum):
    """``GS k m`` function A symbologies (data ends with NUL)."""

    EAN13 = 2
    EAN8 = 3
    CODE39 = 4


class BarcodeB(IntEnum):
    """``GS k m`` function B symbologies (data preceded by its length)."""

    CODE128 = 73


class HriPosition(IntEnum):
    """``GS H n``: where the human-readable digits print."""

    NONE = 0
    ABOVE = 1
    BELOW = 2
    BOTH = 3


class QrLevel(IntEnum):
    """``GS ( k`` QR error correction (function 69)."""

    L = 48
    M = 49
    Q = 50
    H = 51


class StatusRequest(IntEnum):
    """``DLE EOT n`` real-time status requests."""

    PRINTER = 1
    OFFLINE_CAUSE = 2
    ERROR_CAUSE = 3
    PAPER = 4


class PrinterStatus(IntFlag):
    """Answer to ``DLE EOT 1``."""

    FIXED = 0x12  #: bits 1 and 4 are always set
    OFFLINE = 0x08


class PaperStatus(IntFlag):
    """Answer to ``DLE EOT 4``."""

    FIXED = 0x12
    NEAR_END = 0x0C
    END = 0x60


def code_table(number: int) -> bytes:
    """``ESC t n``: select the character code table (CP866 is 17 on Epson-compatible printers)."""
    return ESC + b"t" + bytes((number,))


def print_mode(mode: PrintMode) -> bytes:
    """``ESC ! n``: font, emphasis and double width/height at once."""
    return ESC + b"!" + bytes((int(mode),))


def align(where: Align) -> bytes:
    """``ESC a n``: justification of the following lines, codes and images."""
    return ESC + b"a" + bytes((int(where),))


def feed(lines: int) -> bytes:
    """``ESC d n``: print and feed ``lines`` lines."""
    return ESC + b"d" + bytes((lines,))


def cut(partial: bool = False) -> bytes:
    """Feed past the cutter, then ``GS V 0`` (full) or ``GS V 1`` (partial)."""
    return feed(FEED_BEFORE_CUT) + cut_here(partial)


def cut_here(partial: bool = False) -> bytes:
    """``GS V 0`` (full) or ``GS V 1`` (partial) without feeding first (a label's end)."""
    return GS + b"V" + (b"\x01" if partial else b"\x00")


def feed_dots(dots: int) -> bytes:
    """``ESC J n`` commands that print and feed exactly ``dots`` dots (255 at most per command)."""
    out = b""
    while dots > 0:
        step = min(dots, 255)
        out += ESC + b"J" + bytes((step,))
        dots -= step
    return out


def line_spacing(dots: int) -> bytes:
    """``ESC 3 n``: advance ``dots`` dots per line feed."""
    return ESC + b"3" + bytes((dots,))


def drawer_kick(pin: int = 2, on_ms: int = 100, off_ms: int = 100) -> bytes:
    """``ESC p m t1 t2``: pulse drawer pin 2 (m 0) or 5 (m 1); times in 2 ms units."""
    return ESC + b"p" + bytes((0 if pin == 2 else 1, on_ms // 2, off_ms // 2))


def status_request(which: StatusRequest) -> bytes:
    """``DLE EOT n``: the printer answers one status byte at once, even when offline."""
    return DLE + b"\x04" + bytes((int(which),))


def barcode_setup(height: int, module: int, hri: HriPosition) -> bytes:
    """``GS h``, ``GS w``, ``GS f`` (HRI font A) and ``GS H`` before a 1-D code."""
    return (GS + b"h" + bytes((height,)) + GS + b"w" + bytes((module,)) + GS + b"f\x00"
            + GS + b"H" + bytes((int(hri),)))


def barcode_a(kind: BarcodeA, data: bytes) -> bytes:
    """``GS k m d1…dk NUL``."""
    return GS + b"k" + bytes((int(kind),)) + data + NUL


def barcode_b(kind: BarcodeB, data: bytes) -> bytes:
    """``GS k m n d1…dn``."""
    return GS + b"k" + bytes((int(kind), len(data))) + data


def _code_2d(symbol: bytes, function: int, data: bytes) -> bytes:
    """``GS ( k pL pH cn fn data`` (pL + 256·pH = len(data) + 2)."""
    size = len(data) + 2
    return GS + b"(k" + bytes((size % 256, size // 256)) + symbol + bytes((function,)) + data


def qr(data: bytes, module: int, level: QrLevel = QrLevel.M) -> bytes:
    """A QR Model 2 stored and printed with ``GS ( k`` functions 65, 67, 69, 80, 81."""
    return (_code_2d(b"1", 65, b"\x32\x00") + _code_2d(b"1", 67, bytes((module,)))
            + _code_2d(b"1", 69, bytes((int(level),))) + _code_2d(b"1", 80, b"0" + data)
            + _code_2d(b"1", 81, b"0"))


def raster(image: PilImage.Image) -> bytes:
    """``GS v 0 0 xL xH yL yH d…``: a mode-"1" image (0 = black), MSB leftmost, 1 = black dot."""
    width_bytes = (image.width + 7) // 8
    padded = PilImage.new("1", (width_bytes * 8, image.height), 1)
    padded.paste(image, (0, 0))
    dots = bytes(255 - byte for byte in padded.tobytes())  # Pillow: 1 = white; ESC/POS: 1 = black
    return (GS + b"v0\x00" + bytes((width_bytes % 256, width_bytes // 256,
                                    image.height % 256, image.height // 256)) + dots)
