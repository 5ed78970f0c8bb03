"""Shared pieces of the ``RegisterCheck`` validation: warnings, wire-path errors, value readers."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from openkkm.api.kkmserver.fields import format_loc
from openkkm.errors import Loc, ValidationError
from openkkm.fiscal.money import MoneyError, to_kopecks


@dataclass(frozen=True, slots=True)
class Notice:
    """A warning for the answer's ``Warning`` field, already rendered with its field path."""

    ru: str
    en: str

    def text(self, language: str = "ru") -> str:
        """The warning in ``language`` ("ru" or "en")."""
        return self.en if language == "en" else self.ru


def _place(loc: Loc, text: str) -> str:
    path = format_loc(loc)
    if "{path}" in text:
        return text.replace("{path}", path)
    return f"{path}: {text}" if path else text


def notice(loc: Loc, ru: str, en: str) -> Notice:
    """A warning about the field at ``loc``; a text may place the path itself with ``{path}``."""
    return Notice(_place(loc, ru), _place(loc, en))


def fail(loc: Loc, ru: str, en: str) -> ValidationError:
    """A validation error about the wire field at ``loc`` (raise it)."""
    return ValidationError(loc, ru, en)


def show(value: object) -> str:
    """A client value as quoted in a message: numbers bare, text in quotes."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    if isinstance(value, int):
        return str(value)
    return f"'{value}'"


def blank(value: str | None) -> bool:
    """True for an absent or whitespace-only text."""
    return value is None or not value.strip()


def kopecks(value: Decimal | None, loc: Loc) -> int:
    """A money field in kopecks (absent = 0); negative or more than 2 decimals is an error."""
    if value is None:
        return 0
    try:
        return to_kopecks(value)
    except MoneyError as exc:
        raise fail(loc, exc.ru, exc.en) from exc


def whole(value: Decimal | None, loc: Loc) -> int | None:
    """A numeric field that must hold an integer (``Tax``), or None when absent."""
    if value is None:
        return None
    if not value.is_finite() or value != value.to_integral_value():
        raise fail(loc, f"недопустимое значение {show(value)}: ожидается целое число",
                   f"invalid value {show(value)}: an integer expected")
    return int(value)


def digits_phone(phone: str) -> str:
    """A phone as ``+`` and digits (``8(985)775-44-61`` -> ``+89857754461``)."""
    return "+" + re.sub(r"\D", "", phone)


def phones(text: str | None) -> tuple[str, ...]:
    """Phones from a text holding one or several (separated by ``,`` or ``;``), normalised."""
    if text is None or not text.strip():
        return ()
    return tuple(digits_phone(part) for part in re.split(r"[,;]", text) if re.search(r"\d", part))


_DATE_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%d.%m.%Y", "%d.%m.%Y %H:%M:%S",
                 "%Y-%m-%d %H:%M:%S")


def parse_date(text: str, loc: Loc) -> dt.date:
    """A date as clients send it (``2026-01-15T00:00:00``, ``2026-01-15``, ``15.01.2026``)."""
    value = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise fail(loc, f"недопустимая дата {show(text)}; ожидается ГГГГ-ММ-ДДTЧЧ:ММ:СС или ДД.ММ.ГГГГ",
               f"invalid date {show(text)}; expected yyyy-MM-ddTHH:mm:ss or dd.MM.yyyy")
