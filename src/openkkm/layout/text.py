"""Text markers, font widths and wrapping (``API.md`` §7.1–7.2): literal strings in, lines out.

Every function here is pure. A laid-out line is a plain string no wider than the font's width
W; alignment is made of spaces, so a monospace device or preview prints it as it stands.
"""

from __future__ import annotations

import functools
import re
from enum import IntEnum
from fractions import Fraction

from openkkm.errors import ValidationError

NO_BREAK_SPACE = "\u2017"  #: «‗»: a space that is never a wrap point (``API.md`` §7.1)
FILL_SPACE = "_"  #: ``<<_>>`` fills the line with spaces


class Font(IntEnum):
    """``PrintText.Font`` values (``API.md`` §7.2)."""

    DEFAULT = 0
    LARGE = 1  #: double width and height
    WIDE = 2  #: double width
    BOLD = 3  #: emphasised
    SMALL = 4  #: smallest (ESC/POS font B)


#: Characters of a font per character of font 0 on the same paper.
FONT_DENSITY: dict[Font, Fraction] = {
    Font.DEFAULT: Fraction(1),
    Font.LARGE: Fraction(1, 2),
    Font.WIDE: Fraction(1, 2),
    Font.BOLD: Fraction(1),
    Font.SMALL: Fraction(4, 3),  # 12-dot font A → 9-dot font B
}

_FILL = re.compile(r"<<(.)>>")
_CENTRE = re.compile(r">#(\d{1,2})#<(.*)", re.DOTALL)
_SPLIT = re.compile(r"(.*?)<#(\d{1,2})#>(>?)(.*)", re.DOTALL)


def font_of(font: int) -> Font:
    """The ``Font`` for a wire number; ``ValidationError`` outside 0–4."""
    try:
        return Font(font)
    except ValueError:
        raise ValidationError(
            ("font",),
            f"неизвестный шрифт {font}; допустимо 0–{max(Font)}",
            f"unknown font {font}; allowed 0–{max(Font)}",
        ) from None


@functools.lru_cache(maxsize=256)
def font_width(line_length: int, font: int) -> int:
    """Characters per line in ``font`` on a device with ``line_length`` in font 0.

    Cached: every laid-out line asks, and Fraction arithmetic costs more than the layout.
    """
    return int(line_length * FONT_DENSITY[font_of(font)])


def wrap(text: str, width: int) -> list[str]:
    """Break ``text`` into pieces of at most ``width`` characters, at spaces where possible.

    A word longer than the line is cut; U+2017 is kept inside its word and printed as a space.
    """
    if width < 1:
        raise ValueError("width must be positive")
    pieces: list[str] = []
    rest = text.rstrip(" ")
    while len(rest) > width:
        cut = rest.rfind(" ", 0, width + 1)
        if cut <= 0 or not rest[:cut].strip(" "):
            pieces.append(rest[:width])
            rest = rest[width:].lstrip(" ")
        else:
            pieces.append(rest[:cut].rstrip(" "))
            rest = rest[cut + 1 :].lstrip(" ")
    if rest or not pieces:
        pieces.append(rest)
    return [piece.replace(NO_BREAK_SPACE, " ") for piece in pieces]


def _centre(text: str, width: int, narrower: int) -> list[str]:
    inner = max(1, width - narrower)
    return [piece.center(width).rstrip(" ") if piece else "" for piece in wrap(text.strip(" "), inner)]


def _split(left: str, right: str, width: int, gap: int, right_aligned_left: bool) -> list[str]:
    right = right.strip(" ").replace(NO_BREAK_SPACE, " ")
    if right_aligned_left:
        # left<#N#>>right: the right part takes the last N columns, or more if it is longer.
        column = width - max(gap, len(right) + (1 if left.strip(" ") else 0))
        if column < 1:
            return [piece.rjust(width) for piece in wrap(left.strip(" "), width) if piece] + [
                piece.rjust(width) for piece in wrap(right, width)
            ]
        pieces = wrap(left.strip(" "), column)
        lines = [piece.rjust(column) for piece in pieces]
        lines[-1] += right.rjust(width - column)
        return lines
    lines = wrap(left, max(1, width - gap))
    last = lines[-1]
    if len(last) + 1 + len(right) <= width or (not last and len(right) <= width):
        lines[-1] = last + right.rjust(width - len(last))
    else:
        lines += [piece.rjust(width) for piece in wrap(right, width)]
    return lines


def layout_line(text: str, width: int) -> list[str]:
    """Lay out one line of text with at most one marker (``API.md`` §7.1) at ``width``."""
    if "<" not in text:  # every marker has one: most lines skip the three patterns
        return wrap(text, width)
    if fill := _FILL.fullmatch(text):
        char = fill.group(1)
        return [" " * width if char == FILL_SPACE else char * width]
    if centre := _CENTRE.fullmatch(text):
        return _centre(centre.group(2), width, int(centre.group(1)))
    if split := _SPLIT.fullmatch(text):
        left, gap, flag, right = split.groups()
        return _split(left, right, width, int(gap), flag == ">")
    return wrap(text, width)


def layout_pair(left: str, right: str, width: int) -> list[str]:
    """``left`` and ``right`` on one line, as ``left<#0#>right`` lays out (``API.md`` §7.1).

    The receipt's and reports' own label–value lines come here directly: no marker is parsed,
    so a ``<#`` inside a value (a cashier's name) prints as it is.
    """
    if not right:
        return wrap(left, width)
    head, tail = left.rstrip(" "), right.strip(" ")
    if len(head) + 1 + len(tail) <= width:  # the usual case, one line: what _split gives, sooner
        head, tail = head.replace(NO_BREAK_SPACE, " "), tail.replace(NO_BREAK_SPACE, " ")
        return [head + tail.rjust(width - len(head))]
    return _split(left, right, width, 0, False)


def layout_text(text: str, width: int) -> list[str]:
    """Lay out a ``PrintText.Text``: each of its lines (``\\n``) separately, markers applied."""
    lines: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        lines.extend(layout_line(line, width))
    return lines
