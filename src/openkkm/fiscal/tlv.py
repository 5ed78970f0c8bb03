"""FFD TLV/STLV encoding of fiscal documents (``FISCAL.md`` §3.1); pure, no I/O.

A TLV is tag u16 LE, length u16 LE, value. An STLV's value is a run of TLVs, and its length
counts their tag and length fields. Value types: byte, u16/u32 LE, VLN (unsigned LE integer of
variable length), FVLN (one byte of decimal places, then a VLN), UnixTime (u32 seconds of the
local time at the place of settlement, written as if it were UTC) and CP866 strings.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Iterable, Iterator
from decimal import Decimal

ENCODING = "cp866"
VLN_MAX_BYTES = 6  #: money tags (1020, 1043, 1031...) are VLN of at most 6 bytes
FVLN_MAX_BYTES = 8  #: 1023 quantity: FVLN of at most 8 bytes
_HEADER = struct.Struct("<HH")
_EPOCH = dt.datetime(1970, 1, 1)


class TlvError(ValueError):
    """A value cannot be encoded as the FFD type asked for (too long, negative, not CP866)."""


def tlv(tag: int, value: bytes) -> bytes:
    """One TLV: tag u16 LE, length u16 LE, value."""
    if not 0 <= tag <= 0xFFFF:
        raise TlvError(f"tag {tag} out of range")
    if len(value) > 0xFFFF:
        raise TlvError(f"tag {tag}: value of {len(value)} bytes is too long")
    return _HEADER.pack(tag, len(value)) + value


def stlv(tag: int, children: Iterable[bytes]) -> bytes:
    """Encode an STLV whose value is the concatenation of already encoded TLVs."""
    return tlv(tag, b"".join(children))


def byte(value: int) -> bytes:
    """Encode a one-byte value (flags, codes)."""
    if not 0 <= value <= 0xFF:
        raise TlvError(f"byte value {value} out of range")
    return bytes((value,))


def u16(value: int) -> bytes:
    """Encode an unsigned 16-bit little-endian value."""
    if not 0 <= value <= 0xFFFF:
        raise TlvError(f"u16 value {value} out of range")
    return struct.pack("<H", value)


def u32(value: int) -> bytes:
    """Encode an unsigned 32-bit little-endian value."""
    if not 0 <= value <= 0xFFFF_FFFF:
        raise TlvError(f"u32 value {value} out of range")
    return struct.pack("<I", value)


def vln(value: int, max_bytes: int = VLN_MAX_BYTES) -> bytes:
    """Encode a VLN: the shortest little-endian form of an integer ≥ 0 (zero is one byte)."""
    if value < 0:
        raise TlvError(f"VLN value {value} is negative")
    size = max(1, (value.bit_length() + 7) // 8)
    if size > max_bytes:
        raise TlvError(f"VLN value {value} needs {size} bytes, at most {max_bytes} allowed")
    return value.to_bytes(size, "little")


def fvln(value: Decimal, max_bytes: int = FVLN_MAX_BYTES) -> bytes:
    """Encode an FVLN: decimal places in a byte, then the scaled VLN (1.500 → 03 DC 05)."""
    if value < 0:
        raise TlvError(f"FVLN value {value} is negative")
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int):
        raise TlvError(f"FVLN value {value} is not finite")
    places = max(0, -exponent)
    scaled = int(value.scaleb(places))
    return byte(places) + vln(scaled, max_bytes - 1)


def unixtime(moment: dt.datetime) -> bytes:
    """UnixTime: u32 seconds of the naive local time read as if it were UTC."""
    if moment.tzinfo is not None:
        raise TlvError("UnixTime takes the local time without a zone")
    return u32(int((moment - _EPOCH).total_seconds()))


def string(text: str, max_bytes: int) -> bytes:
    """Encode a CP866 string of at most ``max_bytes`` bytes."""
    try:
        data = text.encode(ENCODING)
    except UnicodeEncodeError as exc:
        raise TlvError(f"{text!r}: character {text[exc.start]!r} has no CP866 code") from exc
    if len(data) > max_bytes:
        raise TlvError(f"{text!r}: {len(data)} bytes, at most {max_bytes} allowed")
    return data


def fixed_string(text: str, width: int) -> bytes:
    """Encode a CP866 string space-padded to ``width`` bytes (INNs to 12, 1037 to 20)."""
    return string(text, width).ljust(width, b" ")


def iter_tlv(data: bytes) -> Iterator[tuple[int, bytes]]:
    """Split a run of TLVs into (tag, value) pairs; raise ``TlvError`` on a truncated one."""
    offset = 0
    while offset < len(data):
        if offset + _HEADER.size > len(data):
            raise TlvError(f"truncated TLV header at offset {offset}")
        tag, length = _HEADER.unpack_from(data, offset)
        start = offset + _HEADER.size
        if start + length > len(data):
            raise TlvError(f"tag {tag}: value truncated at offset {start}")
        yield tag, data[start : start + length]
        offset = start + length


def read_vln(value: bytes) -> int:
    """Decode a VLN (or any little-endian unsigned integer)."""
    return int.from_bytes(value, "little")


def read_fvln(value: bytes) -> Decimal:
    """Decode an FVLN into a ``Decimal`` with its decimal places."""
    if not value:
        raise TlvError("empty FVLN")
    return Decimal(read_vln(value[1:])).scaleb(-value[0])


def read_unixtime(value: bytes) -> dt.datetime:
    """Decode UnixTime into a naive local datetime."""
    return _EPOCH + dt.timedelta(seconds=read_vln(value))


def read_string(value: bytes) -> str:
    """Decode a CP866 string, dropping the padding of fixed-width fields."""
    return value.decode(ENCODING).rstrip(" ")
