"""Lenient body reading (API.md §2.2–2.3)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from openkkm.api.body import BodyParseError, BodyTooLarge, parse_body, read_capped


def test_keys_are_lowered_at_any_depth_and_the_last_repeat_wins() -> None:
    body = parse_body(b'{"Command":"List","CheckStrings":[{"PrintText":{"TEXT":"a"}}],'
                      b'"numdevice":1,"NumDevice":2}')
    assert body == {"command": "List", "checkstrings": [{"printtext": {"text": "a"}}],
                    "numdevice": 2}


def test_decimals_are_decimal_never_float() -> None:
    body = parse_body(b'{"Price":98.80,"Quantity":3,"Amount":0.01}')
    assert body["price"] == Decimal("98.80") and isinstance(body["price"], Decimal)
    assert body["quantity"] == 3 and isinstance(body["quantity"], int)
    assert str(body["amount"]) == "0.01"


def test_bom_junk_before_and_text_after_are_ignored() -> None:
    raw = "\ufeffjunk here {\"Command\":\"List\"} trailing {\"x\":1} text".encode()
    assert parse_body(raw) == {"command": "List"}


def test_html_escaped_quote_reads_as_an_escaped_quote() -> None:
    raw = '{"Text":"ООО &#39;Рога&#39;"}'.encode()
    assert parse_body(raw) == {"text": 'ООО "Рога"'}


def test_broken_json_names_the_position() -> None:
    with pytest.raises(BodyParseError) as info:
        parse_body(b'{"Command":"List",\n  "NumDevice": }')
    assert info.value.ru.startswith("Ошибка разбора (парсинга) команды: ")
    assert "строка 2, позиция 16" in info.value.ru
    assert "line 2, column 16" in info.value.en


def test_position_counts_the_client_characters_after_escapes() -> None:
    with pytest.raises(BodyParseError) as info:
        parse_body(b'{"a":"&#39;x&#39;", ]')
    assert "позиция 21" in info.value.ru


@pytest.mark.parametrize("raw", [b"", b"no object", b"\xff\xfe{", b'{"a":NaN}', b"[1,2]"])
def test_no_object_is_a_parse_error(raw: bytes) -> None:
    with pytest.raises(BodyParseError) as info:
        parse_body(raw)
    assert "Ошибка разбора (парсинга) команды" in info.value.text("ru")


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_read_capped_stops_at_the_limit() -> None:
    assert await read_capped(_chunks(b"ab", b"cd"), 4, None) == b"abcd"
    with pytest.raises(BodyTooLarge):
        await read_capped(_chunks(b"ab", b"cde"), 4, None)
    with pytest.raises(BodyTooLarge):
        await read_capped(_chunks(), 4, 5)
