"""ATOL lower layer v2 ("нижний уровень v.2"): ``STX DATA ETX CRC`` with DLE stuffing.

PROTOCOLS.md §2.1 (H)::

    +------+--------------------------+------+-----+
    | STX  | stuffed(DATA)            | ETX  | CRC |   in DATA, ETX and DLE are preceded by DLE
    | 0x02 |                          | 0x03 | u8  |   CRC = XOR of every byte after STX up to
    +------+--------------------------+------+-----+         and including ETX (DLEs included)

Example: ``02 00 00 3F 03 3C`` carries password ``00 00`` and command 0x3F. The control bytes
ENQ/ACK/NAK/EOT of the v2 handshake travel outside frames. ``decode`` is sans-IO and returns
``(used, frame)``; junk before STX is consumed, a bad CRC comes back as :class:`DamagedFrame`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..errors import ChecksumMismatch, FramingError

STX: Final = 0x02  #: start of a frame
ETX: Final = 0x03  #: end of the frame data (the CRC byte follows)
EOT: Final = 0x04  #: end of a transmission
ENQ: Final = 0x05  #: "may I send?"
ACK: Final = 0x06  #: positive acknowledgement
DLE: Final = 0x10  #: escape: the next byte is data
NAK: Final = 0x15  #: negative acknowledgement (busy / damaged frame)


@dataclass(frozen=True, slots=True)
class Frame:
    """A checked v2 frame; ``data`` is the unstuffed upper-layer message."""

    data: bytes


@dataclass(frozen=True, slots=True)
class DamagedFrame:
    """Bytes framed by STX…ETX whose CRC is wrong."""

    raw: bytes
    reason: str


def xor(data: bytes) -> int:
    """Return the XOR of ``data``."""
    value = 0
    for byte in data:
        value ^= byte
    return value


def stuff(data: bytes) -> bytes:
    """Put DLE before every ETX and DLE byte."""
    out = bytearray()
    for byte in data:
        if byte in (ETX, DLE):
            out.append(DLE)
        out.append(byte)
    return bytes(out)


def encode(data: bytes) -> bytes:
    """Wrap an upper-layer message into a v2 frame."""
    if not data:
        raise FramingError("Пустое сообщение АТОЛ", "Empty ATOL message")
    body = stuff(data) + bytes((ETX,))
    return bytes((STX,)) + body + bytes((xor(body),))


def decode(buf: bytes) -> tuple[int, Frame | DamagedFrame | None]:
    """Find the next v2 frame in ``buf``; junk before STX is consumed."""
    start = buf.find(STX)
    if start < 0:
        return len(buf), None
    data = bytearray()
    i = start + 1
    while i < len(buf):
        byte = buf[i]
        if byte == DLE:
            if i + 1 >= len(buf):
                return start, None
            data.append(buf[i + 1])
            i += 2
            continue
        if byte == ETX:
            if i + 1 >= len(buf):
                return start, None
            raw = bytes(buf[start : i + 2])
            crc = xor(raw[1:-1])
            if crc != raw[-1]:
                return i + 2, DamagedFrame(raw, f"CRC {crc:#04x} != {raw[-1]:#04x}")
            if not data:
                return i + 2, DamagedFrame(raw, "empty frame")
            return i + 2, Frame(bytes(data))
        data.append(byte)
        i += 1
    return start, None


def decode_frame(raw: bytes) -> Frame:
    """Decode exactly one whole v2 frame or raise."""
    used, frame = decode(raw)
    if frame is None or used != len(raw) or raw[:1] != bytes((STX,)):
        raise FramingError("Неполный или лишний кадр АТОЛ", "Incomplete ATOL frame or extra bytes")
    if isinstance(frame, DamagedFrame):
        raise ChecksumMismatch(f"Кадр АТОЛ поврежден ({frame.reason})",
                               f"Damaged ATOL frame ({frame.reason})")
    return frame
