"""Request and answer bases for Shtrih-M commands, and the answer envelope ``CMD ERR DATA``.

An answer payload is ``CMD ERR DATA``; when ``ERR != 0`` the device sends only ``CMD ERR``
(PROTOCOLS.md §1.1). Requests know their answer class, so the host decodes an answer from the
request it sent and the device encodes one for the request it received.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar, Final, TypeVar

from ...errors import ProtocolError
from ...framing.shtrih import command_bytes, split_command
from .codes import Command
from .errors import device_error
from .fields import Message, UInt, spec
from .values import DEFAULT_ADMIN_PASSWORD, DEFAULT_CASHIER_PASSWORD

A = TypeVar("A", bound="Answer")

U8: Final = UInt(1)
U16: Final = UInt(2)
U32: Final = UInt(4)
U40: Final = UInt(5)
U48: Final = UInt(6)


def admin_password() -> Any:
    """Declare the leading password field defaulting to the system administrator's (30)."""
    return spec(U32, DEFAULT_ADMIN_PASSWORD)


def cashier_password() -> Any:
    """Declare the leading password field defaulting to the cashier's (1)."""
    return spec(U32, DEFAULT_CASHIER_PASSWORD)


@dataclass(frozen=True, kw_only=True)
class Answer(Message):
    """Answer DATA after ``ERR``; newer firmware may append fields, so extra bytes are ignored."""

    strict_length: ClassVar[bool] = False


@dataclass(frozen=True, kw_only=True)
class EmptyAnswer(Answer):
    """An answer with no DATA."""


@dataclass(frozen=True, kw_only=True)
class OperatorAnswer(Answer):
    """An answer carrying only the operator number."""

    operator: int = spec(U8)


@dataclass(frozen=True, kw_only=True)
class Request(Message):
    """Request DATA after the command code; subclasses set ``code`` and ``answer``."""

    code: ClassVar[Command]
    answer: ClassVar[type[Answer]] = OperatorAnswer

    def encode(self) -> bytes:
        """Return the frame payload ``CMD DATA``.

        Built once per request: drivers encode every request of a receipt before sending the
        first, so a value that does not fit fails with nothing open, and send the same bytes.
        """
        return self._payload

    @cached_property
    def _payload(self) -> bytes:
        return command_bytes(self.code) + self.encode_data()


def encode_answer(code: int, answer: Answer) -> bytes:
    """Return the payload ``CMD 00 DATA`` of a successful answer."""
    return command_bytes(code) + b"\0" + answer.encode_data()


def encode_error(code: int, error: int) -> bytes:
    """Return the payload ``CMD ERR`` of a refused command."""
    if not 1 <= error <= 0xFF:
        raise ValueError(f"error code {error} is not 1..255")
    return command_bytes(code) + bytes((error,))


def split_answer(payload: bytes) -> tuple[int, int, bytes]:
    """Split an answer payload into ``(command, error, data)``."""
    code, rest = split_command(payload)
    if not rest:
        raise ProtocolError("Ответ ККТ без кода ошибки", "Device answer without an error byte")
    return code, rest[0], rest[1:]


def decode_answer(request: Request, payload: bytes, answer: type[A]) -> A:
    """Decode ``payload`` as the ``answer`` to ``request``; a non-zero ERR raises its exception."""
    code, error, data = split_answer(payload)
    if code != request.code:
        raise ProtocolError(
            f"Ответ на команду {code:#x} вместо {request.code:#x}",
            f"Answer to command {code:#x} instead of {request.code:#x}",
        )
    if error:
        raise device_error(error)
    if answer is not request.answer:
        raise TypeError(f"{type(request).__name__} is answered by {request.answer.__name__}")
    return answer.decode_data(data)
