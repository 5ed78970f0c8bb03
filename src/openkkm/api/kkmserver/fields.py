"""Building blocks for KkmServer request models: wire names, lenient scalar types, field paths.

The HTTP layer lower-cases every key of a request (KkmServer matches names case-insensitively),
so models declare their fields with ``wire("CheckStrings")``: the validation alias is the
lower-cased name and the canonical spelling is remembered, so an error path reads
``CheckStrings[4].Register.Tax`` again. Wire names live only in ``api/``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from openkkm.errors import Loc, OpenKKMError, ValidationError

_CANONICAL: dict[str, str] = {}


def wire(name: str, default: Any = None, **kwargs: Any) -> Any:
    """A model field read from the KkmServer key ``name`` (any letter case)."""
    _CANONICAL[name.lower()] = name
    return Field(default, validation_alias=name.lower(), title=name, **kwargs)


def canonical(key: str) -> str:
    """The KkmServer spelling of a lower-cased key (the key itself if unknown)."""
    return _CANONICAL.get(key.lower(), key)


def format_loc(loc: Loc) -> str:
    """Render a location as a JSON path: ``("CheckStrings", 4, "Register")`` -> ``CheckStrings[4].Register``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "*":
            out += "[]"
        else:
            # A part already spelled as on the wire is kept; a lower-cased alias is restored.
            out += ("." if out else "") + (canonical(part) if part.islower() else part)
    return out


def error_text(exc: OpenKKMError, language: str = "ru") -> str:
    """The operator-facing text of an error; validation errors get their field path placed."""
    text = exc.text(language)
    if isinstance(exc, ValidationError):
        path = format_loc(exc.loc)
        if "{path}" in text:
            return text.replace("{path}", path)
        if path:
            return f"{'Field' if language == 'en' else 'Поле'} {path}: {text}"
    return text


def _blank_is_none(value: Any) -> Any:
    """KkmServer reads ``null`` and ``""`` in a numeric field as "absent"."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _no_float(value: Any) -> Any:
    """Reject binary floats: the body parser yields Decimal, so a float here is a coding error."""
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


Money = Annotated[Decimal | None, BeforeValidator(_blank_is_none), BeforeValidator(_no_float)]
Number = Money
Int = Annotated[int | None, BeforeValidator(_blank_is_none)]
Bool = Annotated[bool | None, BeforeValidator(_blank_is_none)]
Text = Annotated[str | None, Field(coerce_numbers_to_str=True)]


class WireModel(BaseModel):
    """Base of request models: unknown keys ignored, numbers accepted as strings and vice versa."""

    model_config = ConfigDict(extra="ignore", populate_by_name=False, coerce_numbers_to_str=True,
                              frozen=True)
