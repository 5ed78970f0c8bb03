"""Request and answer bases of the ATOL upper layer (PROTOCOLS.md §2.3).

A command message is ``password (2 BCD) CMD PARAMS``. Most answers are ``55 ERR ERR_EXT DATA``;
0x3F answers ``44 record`` and 0xA5 answers ``ERR record`` (H). Requests know their answer class:
the host decodes the answer to the request it sent, the device encodes one for the request it got.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar, Self

from ...errors import ProtocolError
from .codes import ANSWER_OK, DEFAULT_PASSWORD, Command, command_bytes, split_command
from .errors import device_error
from .values import bcd, from_bcd


def need(data: bytes, size: int, what: str) -> None:
    """Raise when ``data`` is shorter than ``size`` bytes."""
    if len(data) < size:
        raise ProtocolError(f"Сообщение ККТ короче ожидаемого ({what})",
                            f"Device message too short ({what})")


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer ``55 ERR ERR_EXT DATA``; subclasses define ``data`` and ``from_data``."""

    def data(self) -> bytes:
        """Return DATA after ``55 00 00``."""
        return b""

    @classmethod
    def from_data(cls, data: bytes) -> Self:
        """Parse DATA after ``55 00 00``; newer firmware may append bytes, they are ignored."""
        return cls()

    def encode(self) -> bytes:
        """Return the whole answer message."""
        return bytes((ANSWER_OK, 0, 0)) + self.data()

    @classmethod
    def decode(cls, message: bytes) -> Self:
        """Parse an answer message; a non-zero ERR raises its exception."""
        check_result(message)
        return cls.from_data(message[3:])


def check_result(message: bytes) -> None:
    """Raise for a ``55 ERR ERR_EXT`` answer whose ERR is not zero, or a malformed one."""
    need(message, 3, "ERR")
    if message[0] != ANSWER_OK:
        raise ProtocolError(f"Ответ ККТ начинается с {message[0]:#04x}, а не 0x55",
                            f"Device answer starts with {message[0]:#04x}, not 0x55")
    if message[1]:
        raise device_error(message[1], message[2])


def encode_error(code: int, extended: int = 0) -> bytes:
    """Return the answer ``55 ERR ERR_EXT`` of a refused command."""
    if not 1 <= code <= 0xFF:
        raise ValueError(f"error code {code} is not 1..255")
    return bytes((ANSWER_OK, code, extended))


@dataclass(frozen=True, slots=True)
class Request:
    """A command; subclasses set ``code``, ``answer`` and override ``params``/``from_params``."""

    code: ClassVar[Command]
    answer: ClassVar[type[Answer]] = Answer

    def params(self) -> bytes:
        """Return the parameters after the command code."""
        return b""

    @classmethod
    def from_params(cls, params: bytes) -> Self:
        """Parse parameters (the device side)."""
        if params:
            raise ProtocolError("Лишние параметры команды", "Unexpected command parameters")
        return cls()

    def encode(self, password: int = DEFAULT_PASSWORD) -> bytes:
        """Return the message ``password CMD PARAMS``."""
        return bcd(password, 2, "password") + command_bytes(self.code) + self.params()


def split_message(message: bytes) -> tuple[int, int, bytes]:
    """Split a command message into ``(password, code, params)``."""
    need(message, 3, "password and command")
    code, params = split_command(message[2:])
    return from_bcd(message[:2], "password"), code, params


def u(value: int, size: int) -> bytes:
    """Little-endian unsigned integer."""
    return value.to_bytes(size, "little")


def read_u(data: bytes, pos: int, size: int, what: str) -> int:
    """Read a little-endian unsigned integer at ``pos``."""
    need(data, pos + size, what)
    return int.from_bytes(data[pos : pos + size], "little")


def fn_datetime(value: dt.datetime | None) -> bytes:
    """ФН date-time ``YY MM DD hh mm``, binary."""
    if value is None:
        return bytes(5)
    return bytes((value.year - 2000, value.month, value.day, value.hour, value.minute))


def read_fn_datetime(data: bytes, pos: int) -> dt.datetime | None:
    """Read a ФН date-time; an impossible one (all zeros) is ``None``."""
    need(data, pos + 5, "date-time")
    raw = data[pos : pos + 5]
    try:
        return dt.datetime(2000 + raw[0], raw[1], raw[2], raw[3], raw[4])
    except ValueError:
        return None
