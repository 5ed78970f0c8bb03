"""Graphics and barcode commands: 0xC0/0xC1, 0xC4/0xC3 load and print, 0xC5 line, 0xC2 EAN-13.

Layouts are those of ``shtrih-commands.xml`` and PROTOCOLS.md §1.5. A graphics line is one row
of dots, 8 per byte, the first byte leftmost; inside a byte the least significant bit is the
leftmost dot (:data:`LSB_LEFT`; confidence L: not checked on a live register). Loaded lines are
numbered from 0, printed ranges from 1 (line ``n`` of 0xC1/0xC3 is loaded line ``n − 1``).
No 2-D barcode command (0xDE) is in the XML, so QR and PDF417 print as graphics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final

from .codes import Command
from .fields import Blob, spec
from .messages import U8, U16, U40, Request, cashier_password

GRAPHICS_BYTES: Final = 40  #: bytes per 0xC0/0xC4 line (320 dots)
GRAPHICS_LINES: Final = 200  #: lines of the 0xC0 buffer
GRAPHICS_EXT_LINES: Final = 1200  #: lines of the 0xC4 buffer
LSB_LEFT: Final = True  #: bit order inside a graphics byte
WIDE_DOTS: Final = 576  #: an 80 mm head (8 dots/mm, 72 mm printed)
NARROW_DOTS: Final = 384  #: a 57 mm head
NARROW_LINE: Final = 36  #: the longest font-1 line of a 57 mm model


def head_dots(line_length: int) -> int:
    """The print head's width in dots, told by the line length in font 1 (57 mm: ≤ 36)."""
    return NARROW_DOTS if line_length <= NARROW_LINE else WIDE_DOTS


@dataclass(frozen=True, kw_only=True)
class LoadGraphics(Request):
    """0xC0 load line ``line`` (0–199) of the graphics buffer: 40 bytes."""

    code: ClassVar[Command] = Command.LOAD_GRAPHICS
    password: int = cashier_password()
    line: int = spec(U8)
    data: bytes = spec(Blob(GRAPHICS_BYTES))


@dataclass(frozen=True, kw_only=True)
class PrintGraphics(Request):
    """0xC1 print loaded lines ``first``…``last`` (1–200)."""

    code: ClassVar[Command] = Command.PRINT_GRAPHICS
    password: int = cashier_password()
    first: int = spec(U8)
    last: int = spec(U8)


@dataclass(frozen=True, kw_only=True)
class PrintEan13(Request):
    """0xC2 print an EAN-13: the 12 leading digits as a number; the register adds the check digit."""

    code: ClassVar[Command] = Command.PRINT_EAN13
    password: int = cashier_password()
    barcode: int = spec(U40)


@dataclass(frozen=True, kw_only=True)
class PrintGraphicsExt(Request):
    """0xC3 print loaded extended lines ``first``…``last`` (1–1200)."""

    code: ClassVar[Command] = Command.PRINT_GRAPHICS_EXT
    password: int = cashier_password()
    first: int = spec(U16)
    last: int = spec(U16)


@dataclass(frozen=True, kw_only=True)
class LoadGraphicsExt(Request):
    """0xC4 load line ``line`` (0–1199) of the extended graphics buffer: 40 bytes."""

    code: ClassVar[Command] = Command.LOAD_GRAPHICS_EXT
    password: int = cashier_password()
    line: int = spec(U16)
    data: bytes = spec(Blob(GRAPHICS_BYTES))


@dataclass(frozen=True, kw_only=True)
class PrintGraphicsLine(Request):
    """0xC5 print one row of dots ``repeat`` times; the row is as wide as the printer's paper."""

    code: ClassVar[Command] = Command.PRINT_GRAPHICS_LINE
    password: int = cashier_password()
    repeat: int = spec(U16, 1)
    data: bytes = spec(Blob())


def pack_row(dots: list[bool]) -> bytes:
    """A row of dots (True = black) as graphics bytes."""
    out = bytearray((len(dots) + 7) // 8)
    for index, black in enumerate(dots):
        if black:
            bit = index % 8 if LSB_LEFT else 7 - index % 8
            out[index // 8] |= 1 << bit
    return bytes(out)
