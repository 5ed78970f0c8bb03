"""Declarative byte layouts for Shtrih-M command data: one codec per field, in wire order.

A message is a keyword-only dataclass whose fields carry a codec in their metadata (see
:func:`spec`); :class:`Message` walks them to encode and decode, so every command's layout is
written once and serves both the host and the device side.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from ...errors import ProtocolError, ValidationError


class Codec:
    """One field's wire form; text and unsized blobs take every remaining byte."""

    def encode(self, value: Any, name: str) -> bytes:
        """Return the wire bytes of ``value`` (``name`` is for error messages)."""
        raise NotImplementedError

    def decode(self, data: bytes, pos: int, name: str) -> tuple[Any, int]:
        """Return ``(value, next position)`` read from ``data`` at ``pos``."""
        raise NotImplementedError


def take(data: bytes, pos: int, size: int, name: str) -> bytes:
    """Return ``size`` bytes at ``pos`` or raise when the message is too short."""
    if pos + size > len(data):
        raise ProtocolError(
            f"Ответ ККТ короче ожидаемого (поле {name})", f"Message too short (field {name})"
        )
    return data[pos : pos + size]


def _range_error(name: str, value: object) -> ValidationError:
    """Return the error for a value that does not fit its field."""
    return ValidationError(
        (name,),
        f"Значение {value!r} не помещается в поле",
        f"Value {value!r} does not fit the field",
    )


@dataclass(frozen=True)
class UInt(Codec):
    """Unsigned little-endian integer; ``none_value`` encodes ``None`` (e.g. ``FF…FF``)."""

    size: int
    none_value: int | None = None

    def encode(self, value: int | None, name: str) -> bytes:
        """Return ``size`` bytes LE."""
        if value is None and self.none_value is not None:
            value = self.none_value
        if not isinstance(value, int) or not 0 <= value < 1 << (8 * self.size):
            raise _range_error(name, value)
        return value.to_bytes(self.size, "little")

    def decode(self, data: bytes, pos: int, name: str) -> tuple[int | None, int]:
        """Read ``size`` bytes LE."""
        value = int.from_bytes(take(data, pos, self.size, name), "little")
        return (None if value == self.none_value else value), pos + self.size


@dataclass(frozen=True)
class SInt(Codec):
    """Signed little-endian integer."""

    size: int

    def encode(self, value: int, name: str) -> bytes:
        """Return ``size`` bytes LE two's complement."""
        try:
            return value.to_bytes(self.size, "little", signed=True)
        except OverflowError as exc:
            raise _range_error(name, value) from exc

    def decode(self, data: bytes, pos: int, name: str) -> tuple[int, int]:
        """Read ``size`` bytes LE two's complement."""
        raw = take(data, pos, self.size, name)
        return int.from_bytes(raw, "little", signed=True), pos + self.size


@dataclass(frozen=True)
class UIntArray(Codec):
    """``count`` unsigned integers of ``size`` bytes each."""

    count: int
    size: int

    def encode(self, value: tuple[int, ...], name: str) -> bytes:
        """Return the integers back to back."""
        if len(value) != self.count:
            raise _range_error(name, value)
        size, limit = self.size, 1 << (8 * self.size)
        for item in value:
            if not isinstance(item, int) or not 0 <= item < limit:
                raise _range_error(name, item)
        return b"".join(item.to_bytes(size, "little") for item in value)

    def decode(self, data: bytes, pos: int, name: str) -> tuple[tuple[int, ...], int]:
        """Read ``count`` integers."""
        raw = take(data, pos, self.count * self.size, name)
        items = tuple(
            int.from_bytes(raw[i : i + self.size], "little") for i in range(0, len(raw), self.size)
        )
        return items, pos + len(raw)


@dataclass(frozen=True)
class Text(Codec):
    """Trailing text: padded with NULs to ``size`` when ``pad``, else bare; decode strips NULs."""

    size: int
    pad: bool = False
    encoding: str = "cp1251"

    def encode(self, value: str, name: str) -> bytes:
        """Return the encoded text, padded if the field is fixed."""
        try:
            raw = value.encode(self.encoding)
        except UnicodeEncodeError as exc:
            raise ValidationError(
                (name,),
                f"Символ {value[exc.start]!r} нельзя передать в ККТ",
                f"Character {value[exc.start]!r} cannot be sent to the device",
            ) from exc
        if len(raw) > self.size:
            raise ValidationError(
                (name,),
                f"Текст длиннее {self.size} байт",
                f"Text longer than {self.size} bytes",
            )
        return raw.ljust(self.size, b"\0") if self.pad else raw

    def decode(self, data: bytes, pos: int, name: str) -> tuple[str, int]:
        """Read the rest as text, accepting any length and dropping trailing NULs."""
        return data[pos:].rstrip(b"\0").decode(self.encoding, errors="replace"), len(data)


@dataclass(frozen=True)
class Ascii(Codec):
    """Fixed-size ASCII field (FN number, INN, RN), NUL/space padded."""

    size: int

    def encode(self, value: str, name: str) -> bytes:
        """Return exactly ``size`` bytes."""
        try:
            raw = value.encode("ascii")
        except UnicodeEncodeError as exc:
            raise _range_error(name, value) from exc
        if len(raw) > self.size:
            raise _range_error(name, value)
        return raw.ljust(self.size, b" ")

    def decode(self, data: bytes, pos: int, name: str) -> tuple[str, int]:
        """Read ``size`` bytes, stripped."""
        raw = take(data, pos, self.size, name)
        return raw.decode("ascii", errors="replace").strip(" \0"), pos + self.size


@dataclass(frozen=True)
class Blob(Codec):
    """Raw bytes: ``size`` of them, or the whole rest when ``size`` is ``None``."""

    size: int | None = None

    def encode(self, value: bytes, name: str) -> bytes:
        """Return the bytes, checking the fixed size."""
        if self.size is not None and len(value) != self.size:
            raise _range_error(name, value)
        return bytes(value)

    def decode(self, data: bytes, pos: int, name: str) -> tuple[bytes, int]:
        """Read the bytes."""
        if self.size is None:
            return bytes(data[pos:]), len(data)
        return bytes(take(data, pos, self.size, name)), pos + self.size


@dataclass(frozen=True)
class DateField(Codec):
    """A date as three binary bytes in ``order`` ("dmy" classic, "ymd" FN); zeros = ``None``."""

    order: str = "dmy"

    def encode(self, value: dt.date | None, name: str) -> bytes:
        """Return three bytes, year as year−2000."""
        if value is None:
            return b"\0\0\0"
        parts = {"d": value.day, "m": value.month, "y": value.year - 2000}
        if not 0 <= parts["y"] <= 255:
            raise _range_error(name, value)
        return bytes(parts[key] for key in self.order)

    def decode(self, data: bytes, pos: int, name: str) -> tuple[dt.date | None, int]:
        """Read three bytes; an impossible date (the device's placeholder) is ``None``."""
        parts = dict(zip(self.order, take(data, pos, 3, name), strict=True))
        try:
            return dt.date(2000 + parts["y"], parts["m"], parts["d"]), pos + 3
        except ValueError:
            return None, pos + 3


@dataclass(frozen=True)
class TimeField(Codec):
    """A time as ``HH MM SS`` (classic) or ``HH MM`` (FN, ``seconds=False``)."""

    seconds: bool = True

    def encode(self, value: dt.time, name: str) -> bytes:
        """Return the time bytes."""
        parts = (
            (value.hour, value.minute, value.second) if self.seconds else (value.hour, value.minute)
        )
        return bytes(parts)

    def decode(self, data: bytes, pos: int, name: str) -> tuple[dt.time | None, int]:
        """Read the time; an impossible value is ``None``."""
        size = 3 if self.seconds else 2
        raw = take(data, pos, size, name)
        try:
            return dt.time(*raw), pos + size
        except ValueError:
            return None, pos + size


@dataclass(frozen=True)
class DateTimeField(Codec):
    """FN date-time ``YY MM DD HH MM`` (5 bytes)."""

    def encode(self, value: dt.datetime | None, name: str) -> bytes:
        """Return five bytes."""
        if value is None:
            return bytes(5)
        return DateField("ymd").encode(value.date(), name) + bytes((value.hour, value.minute))

    def decode(self, data: bytes, pos: int, name: str) -> tuple[dt.datetime | None, int]:
        """Read five bytes; an impossible value is ``None``."""
        raw = take(data, pos, 5, name)
        try:
            return dt.datetime(2000 + raw[0], raw[1], raw[2], raw[3], raw[4]), pos + 5
        except ValueError:
            return None, pos + 5


@dataclass(frozen=True)
class Optional(Codec):
    """A trailing field some firmware omits: ``None`` when the message ends before it."""

    inner: Codec

    def encode(self, value: Any, name: str) -> bytes:
        """Return nothing for ``None``, else the inner encoding."""
        return b"" if value is None else self.inner.encode(value, name)

    def decode(self, data: bytes, pos: int, name: str) -> tuple[Any, int]:
        """Return ``None`` at the end of the message."""
        if pos >= len(data):
            return None, pos
        return self.inner.decode(data, pos, name)


def spec(codec: Codec, default: Any = dataclasses.MISSING) -> Any:
    """Declare a message field with its wire codec (and an optional default)."""
    return dataclasses.field(default=default, metadata={"codec": codec})


@dataclass(frozen=True, kw_only=True)
class Message:
    """A command's request or answer DATA, encoded field by field in declaration order."""

    strict_length: ClassVar[bool] = True  #: reject bytes after the last field

    def encode_data(self) -> bytes:
        """Return the DATA bytes (after the command code, and after ERR for answers)."""
        return b"".join(codec.encode(getattr(self, name), name) for name, codec in self._layout())

    @classmethod
    def decode_data(cls, data: bytes) -> Self:
        """Parse DATA bytes into the message."""
        values: dict[str, Any] = {}
        pos = 0
        for name, codec in cls._layout():
            values[name], pos = codec.decode(data, pos, name)
        if cls.strict_length and pos != len(data):
            raise ProtocolError(
                f"Лишние {len(data) - pos} байт в команде",
                f"{len(data) - pos} extra bytes in command",
            )
        return cls(**values)

    @classmethod
    def _layout(cls) -> tuple[tuple[str, Codec], ...]:
        """The fields' names and codecs in wire order, worked out once per class.

        ``dataclasses.fields`` builds its answer on every call; every frame both ways is
        encoded or decoded here.
        """
        layout = cls.__dict__.get("_wire_layout")
        if layout is None:
            layout = tuple((field.name, field.metadata["codec"])
                           for field in dataclasses.fields(cls))
            cls._wire_layout = layout  # type: ignore[attr-defined]
        return layout
