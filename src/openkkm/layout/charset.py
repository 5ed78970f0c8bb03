"""Fitting text to a device's code page: what it lacks is replaced visibly and reported."""

from __future__ import annotations

from openkkm.layout.text import NO_BREAK_SPACE

REPLACEMENT = "?"
#: Characters with a faithful stand-in that every code page has.
_STAND_INS = {NO_BREAK_SPACE: " ", "\u00a0": " ", "«": '"', "»": '"', "—": "-", "–": "-", "ё": "е", "Ё": "Е"}


def fit_charset(text: str, encoding: str) -> tuple[str, list[str]]:
    """``text`` with every character ``encoding`` lacks replaced, and those characters in order.

    A close stand-in (« → ", ё → е) is used where the code page has it; otherwise «?».
    """
    fitted: list[str] = []
    missing: list[str] = []
    for char in text:
        if _encodes(char, encoding):
            fitted.append(char)
            continue
        stand_in = _STAND_INS.get(char)
        if stand_in is not None and _encodes(stand_in, encoding):
            fitted.append(stand_in)
            continue
        fitted.append(REPLACEMENT)
        if char not in missing:
            missing.append(char)
    return "".join(fitted), missing


def _encodes(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def missing_warning(missing: list[str], code_page: str) -> tuple[str, str]:
    """The ``Warning`` text (ru, en) for characters printed as «?»."""
    listed = ", ".join(f"«{char}»" for char in missing)
    return (f"Символы {listed} отсутствуют в кодовой странице {code_page.upper()} и напечатаны как «?»",
            f"Characters {listed} are not in code page {code_page.upper()} and were printed as '?'")
