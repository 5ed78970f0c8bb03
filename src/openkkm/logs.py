"""Structured logs: one JSON object a line, tagged with the IdCommand and device being served.

The tags come from context variables the HTTP edge sets per request (``command_context``), so
no log call has to pass them, and they follow the command into the tasks it starts. Every
record passes ``redact`` first: a card number (13–19 digits that pass the Luhn check) keeps
only its last four digits, and passwords, tokens and ``Authorization`` values are masked, so
neither a client's request echoed in a message nor an exception text leaks them.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
from typing import TextIO

ID_COMMAND: contextvars.ContextVar[str] = contextvars.ContextVar("openkkm_id_command", default="")
DEVICE: contextvars.ContextVar[int] = contextvars.ContextVar("openkkm_device", default=0)

_DIGIT_RUN = re.compile(r"(?<![\d])(?:\d[ -]?){12,18}\d(?![\d])")
_SECRET = re.compile(
    r"(?i)(\"?(?:password|passwd|pass|token|secret|authorization|pin)\"?\s*[:=]\s*\"?)"
    r"((?:basic |bearer )?[^\s\",;&}]+)")
_MASK = "***"
_CARD_FIRST = "23456"  #: ISO/IEC 7812 industries of payment cards (Mir 2, Visa 4, Mastercard 5…)


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` passes the Luhn check (every payment card number does)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if not 13 <= len(digits) <= 19 or digits[0] not in _CARD_FIRST or not luhn_valid(digits):
        return match.group(0)  # a ФН or register number (7…, 9…, 0…), an INN: not a card
    return f"{'*' * (len(digits) - 4)}{digits[-4:]}"


def redact(text: str) -> str:
    """``text`` with card numbers cut to their last four digits and secrets masked."""
    return _SECRET.sub(lambda m: m.group(1) + _MASK, _DIGIT_RUN.sub(_mask_card, text))


class command_context:  # noqa: N801 -- used like the function it replaced: with command_context(…)
    """Tag the records logged inside (and in tasks started inside) with the command and device.

    A class rather than a generator-based context manager: it wraps every request, and the
    generator machinery cost more than the two context variables it sets.
    """

    __slots__ = ("_device", "_device_token", "_id_command", "_id_token")

    def __init__(self, id_command: str, device: int = 0) -> None:
        self._id_command = id_command
        self._device = device

    def __enter__(self) -> None:
        self._id_token = ID_COMMAND.set(self._id_command)
        self._device_token = DEVICE.set(self._device)

    def __exit__(self, *exc: object) -> None:
        DEVICE.reset(self._device_token)
        ID_COMMAND.reset(self._id_token)


class ContextFilter(logging.Filter):
    """Adds ``id_command`` and ``device`` to every record and redacts its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Tag and redact ``record`` in place; never drops it."""
        record.id_command = getattr(record, "id_command", "") or ID_COMMAND.get()
        record.device = getattr(record, "device", 0) or DEVICE.get()
        message = redact(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, id_command, device, exception."""

    def format(self, record: logging.LogRecord) -> str:
        """Serialise ``record`` (after ``ContextFilter`` tagged and redacted it)."""
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created).astimezone().isoformat(
                timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name,
            "message": record.getMessage(),
        }
        id_command = getattr(record, "id_command", "")
        device = getattr(record, "device", 0)
        if id_command:
            entry["id_command"] = id_command
        if device:
            entry["device"] = device
        exception = record.exc_text or (self.formatException(record.exc_info)
                                        if record.exc_info else "")
        if exception:
            entry["exception"] = redact(exception)
        return json.dumps(entry, ensure_ascii=False)


def text_handler(stream: TextIO, level: int | str = logging.INFO) -> logging.Handler:
    """A stream handler writing redacted text lines, tagged with the IdCommand when there is one."""
    handler = logging.StreamHandler(stream)
    handler.setLevel(level)
    handler.addFilter(ContextFilter())
    handler.setFormatter(logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s [%(id_command)s]: %(message)s"))
    return handler


def json_handler(stream: TextIO, level: int | str = logging.INFO) -> logging.Handler:
    """A stream handler writing redacted, tagged JSON lines (for ``logging.basicConfig``)."""
    handler = logging.StreamHandler(stream)
    handler.setLevel(level)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    return handler
