"""Lenient body reading (API.md §2.2–2.3)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from starlette.types import Receive

from openkkm.api.body import (
    BodyParseError,
    BodyTooLarge,
    ClientGone,
    parse_body,
    read_capped,
)


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


def _receive(*parts: bytes, gone: bool = False) -> Receive:
    """An ASGI ``receive`` giving ``parts`` as body messages (then a disconnect if ``gone``)."""
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": part, "more_body": gone or index < len(parts) - 1}
        for index, part in enumerate(parts)]
    if gone:
        messages.append({"type": "http.disconnect"})

    async def receive() -> dict[str, Any]:
        return messages.pop(0)
    return receive


async def test_read_capped_stops_at_the_limit() -> None:
    assert await read_capped(_receive(b"ab", b"cd"), 4, None) == b"abcd"
    assert await read_capped(_receive(b"ab"), 4, None) == b"ab"
    with pytest.raises(BodyTooLarge):
        await read_capped(_receive(b"ab", b"cde"), 4, None)
    with pytest.raises(BodyTooLarge):
        await read_capped(_receive(b""), 4, 5)


async def test_read_capped_reports_a_client_that_left_mid_body() -> None:
    with pytest.raises(ClientGone):
        await read_capped(_receive(b"ab", gone=True), 4, None)
