"""The KkmServer answer envelope: common fields in wire order, and JSON with exact decimals.

Clients read ``Status`` and ``Error`` from every answer and some compare the JSON text, so the
common fields always come after the command's own ones, in the order of ``API.md`` §2.4, and
decimals are written as JSON numbers with their own digits (``800``, ``0.01``), never floats.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from decimal import Decimal
from enum import IntEnum
from json.encoder import encode_basestring
from typing import Any

NO_DATE = "0001-01-01T00:00:00"
JSON_HEADERS: dict[str, str] = {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store, no-cache, must-revalidate",
}


class Status(IntEnum):
    """The ``Status`` field (``API.md`` §2.5)."""

    OK = 0
    RUN = 1
    ERROR = 2
    NOT_FOUND = 3
    NOT_RUN = 4
    ALREADY_DONE = 5


def envelope(fields: dict[str, Any] | None, *, command: str, status: int, error: str = "",
             warnings: Iterable[str] = (), message: str = "", id_command: str = "",
             num_device: int | None = None, unit_name: str = "") -> dict[str, Any]:
    """One answer: ``fields`` first, then Command, Error, Warning, Message, Status, IdCommand.

    ``NumDevice`` and ``UnitName`` follow only when a device ran the command (``num_device``).
    """
    answer: dict[str, Any] = dict(fields) if fields else {}
    answer["Command"] = command
    answer["Error"] = error
    answer["Warning"] = "; ".join(text for text in warnings if text)
    answer["Message"] = message
    answer["Status"] = int(status)
    answer["IdCommand"] = id_command
    if num_device is not None:
        answer["NumDevice"] = num_device
        answer["UnitName"] = unit_name
    return answer


class Encoded(dict[str, Any]):
    """An answer whose JSON text is already known: ``dumps`` returns that text as it is.

    A finished command's ``GetRezult`` answer never changes, and clients poll it in loops;
    encoding it once saves the largest part of answering such a poll.
    """

    __slots__ = ("json",)

    def __init__(self, answer: dict[str, Any]) -> None:
        super().__init__(answer)
        self.json = dumps(answer)


def add_warning(answer: dict[str, Any], text: str) -> dict[str, Any]:
    """A copy of ``answer`` with ``text`` appended to its Warning, key order kept."""
    result = dict(answer)
    current = result.get("Warning") or ""
    result["Warning"] = f"{current}; {text}" if current else text
    return result


def wire_date(moment: dt.datetime | dt.date | None) -> str:
    """``yyyy-MM-ddTHH:mm:ss`` local time; "no date" is ``0001-01-01T00:00:00``."""
    if moment is None:
        return NO_DATE
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time())
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def rubles(kopecks: int) -> Decimal:
    """Kopecks as a ruble Decimal without trailing zeros: 80000 -> 800, 1 -> 0.01."""
    return (Decimal(kopecks) / 100).normalize() if kopecks else Decimal(0)


FLOAT_EXACT_DIGITS = 15  #: a Decimal of at most this many digits survives float's repr exactly


def dumps(value: Any, *, sort_keys: bool = False) -> bytes:
    """Serialise an answer as UTF-8 JSON; ``Decimal`` becomes a JSON number with its value.

    The C encoder does the work: a Decimal of up to 15 digits (every amount and quantity in
    an answer) goes through float, whose shortest repr gives back the same number. A longer
    one makes the whole answer take the exact, slower path. ``sort_keys`` orders every
    object's keys (a canonical form to hash).
    """
    if type(value) is Encoded and not sort_keys:
        return value.json
    try:
        return (_SORTED if sort_keys else _FAST).encode(value).encode("utf-8")
    except _NeedsExact:
        parts: list[str] = []
        _encode(_sorted(value) if sort_keys else value, parts)
        return "".join(parts).encode("utf-8")


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


class _NeedsExact(Exception):
    """A Decimal too long for float: encode the whole answer exactly."""


def _fast_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        if value == value.to_integral_value():
            return int(value)
        if len(value.as_tuple().digits) > FLOAT_EXACT_DIGITS:
            raise _NeedsExact
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return wire_date(value)
    raise TypeError(f"cannot serialise {type(value).__name__} to JSON")


_FAST = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_fast_default)
_SORTED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_fast_default,
                           sort_keys=True)


def _decimal(value: Decimal) -> str:
    if not value.is_finite():
        return "null"
    text = format(value, "f")
    return "0" if text in ("-0", "0") else text


def _encode(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(encode_basestring(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(str(int(value)))
    elif isinstance(value, Decimal):
        out.append(_decimal(value))
    elif isinstance(value, dict):
        out.append("{")
        first = True
        for key, item in value.items():
            if not first:
                out.append(",")
            first = False
            out.append(encode_basestring(str(key)))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    elif isinstance(value, float):
        out.append(_decimal(Decimal(repr(value))))
    elif isinstance(value, dt.datetime | dt.date):
        out.append(encode_basestring(wire_date(value)))
    else:
        raise TypeError(f"cannot serialise {type(value).__name__} to JSON")
