"""Marking codes (``FISCAL.md`` §11): parse a scanned code, and word the ФН's check result (2106).

A GS1 DataMatrix code is split into its application identifiers; the crypto tail (AI 91/92, or
93) is what lets the ФН check the code. Other codes are recognised by length and alphabet:
EAN-8, EAN-13, ITF-14, the fur tag, ЕГАИС 2.0 (68 characters) and 3.0 (150 characters).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from enum import StrEnum

GS = "\x1d"
_PREFIXES = ("]d2", "]C1", "\xe8", GS)
#: Fixed-length AIs and their lengths; every other AI below is variable, ended by GS.
_FIXED: dict[str, int] = {"01": 14, "17": 6, "11": 6, "3103": 6, "8005": 6, "7003": 10}
_VARIABLE: dict[str, int] = {"21": 20, "10": 20, "240": 30, "91": 4, "92": 88, "93": 4}
_AIS = sorted([*_FIXED, *_VARIABLE], key=len, reverse=True)
_FUR = re.compile(r"[A-Z]{2}-\d{6}-[A-Z]{3}\d{7}")
_ALNUM = re.compile(r"[0-9A-Z]+")


class CodeType(StrEnum):
    """``ProductCodeType`` of ``GetGoodCodeData``."""

    NOT_PARSED = "NotParse"
    EAN8 = "EAN8"
    EAN13 = "EAN13"
    ITF14 = "ITF14"
    GS1 = "GS1"
    FUR = "Fur"
    EGAIS2 = "EGAIS2"
    EGAIS3 = "EGAIS3"


@dataclass(frozen=True, slots=True)
class ParsedCode:
    """What a scanned code says: its type, AIs, GTIN and serial, and whether the ФН can check it."""

    raw: str
    type: CodeType
    ais: dict[str, str] = field(default_factory=dict)
    errors: tuple[str, ...] = ()

    @property
    def parsed(self) -> bool:
        """True when the code was recognised without errors."""
        return self.type is not CodeType.NOT_PARSED and not self.errors

    @property
    def gtin(self) -> str:
        """AI 01, or the digits of an EAN/ITF code padded to 14."""
        if self.type in (CodeType.EAN8, CodeType.EAN13, CodeType.ITF14):
            return self.raw.zfill(14)
        return self.ais.get("01", "")

    @property
    def ean(self) -> str:
        """The EAN-13 inside a GTIN that starts with 0, else the GTIN itself."""
        gtin = self.gtin
        return gtin[1:] if len(gtin) == 14 and gtin.startswith("0") else gtin

    @property
    def serial(self) -> str:
        """AI 21 (or the fur tag itself)."""
        return self.raw if self.type is CodeType.FUR else self.ais.get("21", "")

    @property
    def marked(self) -> bool:
        """True for a code that identifies one item (has a serial): a marking code."""
        return bool(self.serial) or self.type in (CodeType.EGAIS2, CodeType.EGAIS3)

    @property
    def checkable(self) -> bool:
        """True when the code carries a crypto tail the ФН can check."""
        return ("91" in self.ais and "92" in self.ais) or "93" in self.ais

    @property
    def representation(self) -> str:
        """``(01)…(21)…`` for GS1 codes, the code itself otherwise."""
        if self.type is not CodeType.GS1:
            return self.raw
        return "".join(f"({ai}){value}" for ai, value in self.ais.items())

    @property
    def base64(self) -> str:
        """The code byte-exact (GS included) in base64."""
        return base64.b64encode(self.raw.encode("latin-1", "replace")).decode("ascii")


def parse(code: str) -> ParsedCode:
    """Recognise a scanned code; an unrecognised one is ``NOT_PARSED`` with the reason."""
    text = code.strip("\r\n ")
    for prefix in _PREFIXES:
        text = text.removeprefix(prefix)
    if not text:
        return ParsedCode(code, CodeType.NOT_PARSED, errors=("пустой код",))
    if text.isdigit() and len(text) in (8, 13, 14) and _check_digit_ok(text):
        kinds = {8: CodeType.EAN8, 13: CodeType.EAN13, 14: CodeType.ITF14}
        return ParsedCode(text, kinds[len(text)])
    if _FUR.fullmatch(text):
        return ParsedCode(text, CodeType.FUR)
    if len(text) == 68 and _ALNUM.fullmatch(text):
        return ParsedCode(text, CodeType.EGAIS2)
    if len(text) == 150 and _ALNUM.fullmatch(text):
        return ParsedCode(text, CodeType.EGAIS3)
    if text.startswith("01") and len(text) >= 16:
        return _gs1(text)
    return ParsedCode(text, CodeType.NOT_PARSED, errors=("формат кода не распознан",))


def _gs1(text: str) -> ParsedCode:
    ais: dict[str, str] = {}
    position = 0
    while position < len(text):
        if text[position] == GS:
            position += 1
            continue
        ai = next((ai for ai in _AIS if text.startswith(ai, position)), None)
        if ai is None or ai in ais:
            return ParsedCode(text, CodeType.NOT_PARSED, ais,
                              (f"неизвестный или повторный идентификатор в позиции {position}",))
        start = position + len(ai)
        if ai in _FIXED:
            end = start + _FIXED[ai]
            if end > len(text):
                return ParsedCode(text, CodeType.NOT_PARSED, ais, (f"AI {ai} короче нормы",))
        else:
            end = text.find(GS, start)
            end = len(text) if end < 0 else end
            if end - start > _VARIABLE[ai] and ai != "92":
                lost = (f"AI {ai} длиннее {_VARIABLE[ai]} символов: вероятно, сканер потерял "
                        "разделитель GS (передайте его как \\u001d)")
                return ParsedCode(text, CodeType.NOT_PARSED, ais, (lost,))
        ais[ai] = text[start:end]
        position = end
    if not ais.get("01", "").isdigit():
        return ParsedCode(text, CodeType.NOT_PARSED, ais, ("GTIN (AI 01) — 14 цифр",))
    return ParsedCode(text, CodeType.GS1, ais)


def _check_digit_ok(digits: str) -> bool:
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


#: 2106 values that mean the code is bad (``API.md`` §6.10).
BAD_RESULTS = frozenset({1, 5, 7, 17})


def mark(result: int) -> str:
    """The mark printed before a marked item for a 2106 value: «[М+]», «[М-]» or «[М]»."""
    if result in BAD_RESULTS:
        return "[М-]"
    return "[М+]" if result == 15 else "[М]"


def describe(result: int) -> str:
    """``DecryptionResult``: the mark and what the 2106 bits say."""
    if not result & 1:
        text = "код маркировки не проверен ФН"
    elif result & 2:
        text = "код маркировки проверен ФН, результат положительный"
    else:
        text = "код маркировки проверен ФН, результат отрицательный"
    if result & 4:
        text += "; статус товара " + ("корректен" if result & 8 else "некорректен")
    else:
        text += "; статус в системе маркировки не запрашивался"
    if result & 16:
        text += "; проверка в автономном режиме"
    return f"{mark(result)} {text[0].upper()}{text[1:]}"
