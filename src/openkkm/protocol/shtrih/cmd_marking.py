"""FFD 1.2 marking-code commands: FF61 check, FF67 bind, FF69 accept/reject (PROTOCOLS.md §1.6).

FF61 and FF67 carry length-prefixed byte strings, so their requests encode by hand; the answers'
online-check tails are kept raw because the sources disagree on their exact layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final, Self

from ...errors import ProtocolError, ValidationError
from .codes import Command
from .fields import Blob, spec, take
from .messages import U8, U16, U32, Answer, Request, cashier_password

VOLUMETRIC_FLAG: Final = 0xFF  #: javapos appends it to FF67 for volumetric-sort accounting
UNCHANGED_STATUS: Final = 255  #: FF61 planned status "unchanged"


def _short(value: bytes, name: str) -> bytes:
    """Return ``len(value)`` as one byte, refusing values of 256 bytes or more."""
    if len(value) > 0xFF:
        raise ValidationError((name,), "Длиннее 255 байт", "Longer than 255 bytes")
    return bytes((len(value),))


@dataclass(frozen=True, kw_only=True)
class CheckMarkingAnswer(Answer):
    """FF61 answer: local check status (tag 2004), reason, code type (2100), extra length, tail.

    ``online`` holds the rest: FN answer code, check result (tag 2106), server TLVs.
    """

    local_status: int = spec(U8)
    local_reason: int = spec(U8, 0)
    marking_type: int = spec(U8, 0)
    extra_length: int = spec(U8, 0)
    online: bytes = spec(Blob(), b"")


@dataclass(frozen=True, kw_only=True)
class CheckMarking(Request):
    """FF61 check a marking code in the FN (planned status tag 2003, mode tag 2102)."""

    code: ClassVar[Command] = Command.CHECK_MARKING
    answer: ClassVar[type[Answer]] = CheckMarkingAnswer
    password: int = cashier_password()
    planned_status: int = 1
    mode: int = 0
    marking_code: bytes = b""
    tlv: bytes = b""

    def encode_data(self) -> bytes:
        """Return pwd, status, mode, MC length, TLV length, MC, TLV."""
        return (
            U32.encode(self.password, "password")
            + U8.encode(self.planned_status, "planned_status")
            + U8.encode(self.mode, "mode")
            + _short(self.marking_code, "marking_code")
            + _short(self.tlv, "tlv")
            + self.marking_code
            + self.tlv
        )

    @classmethod
    def decode_data(cls, data: bytes) -> Self:
        """Parse the length-prefixed layout."""
        head = take(data, 0, 8, "header")
        mc_len, tlv_len = head[6], head[7]
        if len(data) != 8 + mc_len + tlv_len:
            raise ProtocolError("Неверные длины в FF61", "Wrong lengths in FF61")
        return cls(
            password=int.from_bytes(head[:4], "little"),
            planned_status=head[4],
            mode=head[5],
            marking_code=data[8 : 8 + mc_len],
            tlv=data[8 + mc_len :],
        )


@dataclass(frozen=True, kw_only=True)
class BindMarkingAnswer(Answer):
    """FF67 answer: the product code's first two bytes, then the check block kept raw."""

    item_code: int = spec(U16)
    check: bytes = spec(Blob(), b"")


@dataclass(frozen=True, kw_only=True)
class BindMarking(Request):
    """FF67 bind a marking code to the last operation (after its FF4D tags)."""

    code: ClassVar[Command] = Command.BIND_MARKING
    answer: ClassVar[type[Answer]] = BindMarkingAnswer
    password: int = cashier_password()
    marking_code: bytes = b""
    volumetric: bool = False

    def encode_data(self) -> bytes:
        """Return pwd, MC length, MC and the optional volumetric flag."""
        flag = bytes((VOLUMETRIC_FLAG,)) if self.volumetric else b""
        return (
            U32.encode(self.password, "password")
            + _short(self.marking_code, "marking_code")
            + self.marking_code
            + flag
        )

    @classmethod
    def decode_data(cls, data: bytes) -> Self:
        """Parse the length-prefixed layout."""
        head = take(data, 0, 5, "header")
        end = 5 + head[4]
        code = take(data, 5, head[4], "marking_code")
        tail = data[end:]
        if tail not in (b"", bytes((VOLUMETRIC_FLAG,))):
            raise ProtocolError("Лишние байты в FF67", "Extra bytes in FF67")
        return cls(
            password=int.from_bytes(head[:4], "little"), marking_code=code, volumetric=bool(tail)
        )


@dataclass(frozen=True, kw_only=True)
class AcceptMarkingAnswer(Answer):
    """FF69 answer: the check result (tag 2106)."""

    check_result: int = spec(U8)


@dataclass(frozen=True, kw_only=True)
class AcceptMarking(Request):
    """FF69 accept (1) or reject (0) the last checked marking code."""

    code: ClassVar[Command] = Command.ACCEPT_MARKING
    answer: ClassVar[type[Answer]] = AcceptMarkingAnswer
    password: int = cashier_password()
    accept: int = spec(U8, 1)
