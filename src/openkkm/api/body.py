"""Lenient reading of a KkmServer request body (``API.md`` §2.2–2.3).

Real clients send a BOM or junk before the JSON, text after it, HTML-escaped quotes and any
``Content-Type``; KkmServer accepted all of that, so openkkm does too. Keys are lower-cased at
any depth (a repeated key in any case: the last wins) so models match names case-insensitively,
and decimals are parsed as ``Decimal`` so no amount ever passes through a binary float.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from starlette.types import Receive

_ESCAPED_QUOTE = "&#39;"
_ESCAPED_QUOTE_SHIFT = len(_ESCAPED_QUOTE) - 2
_RU_MESSAGES: dict[str, str] = {
    "Expecting value": "ожидалось значение",
    "Expecting property name enclosed in double quotes": "ожидалось имя свойства в двойных кавычках",
    "Expecting ':' delimiter": "ожидался символ «:»",
    "Expecting ',' delimiter": "ожидался символ «,»",
    "Unterminated string starting at": "незакрытая строка",
    "Invalid control character at": "недопустимый управляющий символ в строке",
    "Invalid \\escape": "недопустимая escape-последовательность",
    "Invalid \\uXXXX escape": "недопустимая последовательность \\uXXXX",
}


class BodyTooLarge(Exception):
    """The body is longer than ``server.max_body_bytes``."""


class ClientGone(Exception):
    """The client disconnected before its body was read."""


class BodyParseError(Exception):
    """The body holds no parseable JSON object; ``ru``/``en`` describe where it broke."""

    def __init__(self, ru: str, en: str) -> None:
        super().__init__(en)
        self.ru = ru
        self.en = en

    def text(self, language: str = "ru") -> str:
        """The message in ``language``."""
        return self.en if language == "en" else self.ru


async def read_capped(receive: Receive, limit: int, declared: int | None) -> bytes:
    """Collect the body, refusing it as soon as it is known to exceed ``limit`` bytes.

    Reads the ASGI messages itself: an async generator in between costs more per request than
    the one message a command body nearly always is.
    """
    if declared is not None and declared > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _lowered(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return {key.lower(): value for key, value in pairs}


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(object_pairs_hook=_lowered, parse_float=Decimal,
                            parse_constant=_no_constant)


def parse_body(raw: bytes) -> dict[str, Any]:
    """The first JSON object in ``raw`` with lower-cased keys; ``BodyParseError`` if none."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyParseError(
            f"Ошибка разбора (парсинга) команды: тело запроса не в кодировке UTF-8 "
            f"(байт {exc.start + 1})",
            f"Command parse error: the body is not UTF-8 (byte {exc.start + 1})",
        ) from exc
    start = text.find("{")
    if start < 0:
        raise BodyParseError("Ошибка разбора (парсинга) команды: в теле запроса нет объекта JSON "
                             "(символ «{» не найден)",
                             "Command parse error: the body holds no JSON object (no '{' found)")
    source = text
    if _ESCAPED_QUOTE in text:
        text = text[:start] + text[start:].replace(_ESCAPED_QUOTE, '\\"')
    try:
        value, _end = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        line, column = _position(source, start, exc.pos)
        raise BodyParseError(
            f"Ошибка разбора (парсинга) команды: {_RU_MESSAGES.get(exc.msg, exc.msg)} "
            f"(строка {line}, позиция {column})",
            f"Command parse error: {exc.msg} (line {line}, column {column})",
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise BodyParseError(f"Ошибка разбора (парсинга) команды: {exc}",
                             f"Command parse error: {exc}") from exc
    return value


def _position(source: str, start: int, pos: int) -> tuple[int, int]:
    """Line and column (1-based) in the body as sent of ``pos`` in the unescaped text."""
    original = pos
    for index in _escapes(source, start):
        shifted = index - (original - pos)
        if shifted >= pos:
            break
        original += _ESCAPED_QUOTE_SHIFT
    before = source[:original]
    return before.count("\n") + 1, original - (before.rfind("\n") + 1) + 1


def _escapes(source: str, start: int) -> list[int]:
    """Indexes in ``source`` of every escaped quote after ``start``."""
    found: list[int] = []
    index = source.find(_ESCAPED_QUOTE, start)
    while index >= 0:
        found.append(index)
        index = source.find(_ESCAPED_QUOTE, index + len(_ESCAPED_QUOTE))
    return found
