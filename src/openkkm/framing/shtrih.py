"""Shtrih-M frame codecs: protocol 1 (``STX LEN CMD DATA LRC``) and protocol 2 (``0x8F``, CRC-16).

Protocol 1 ("стандартный нижний уровень", PROTOCOLS.md §1.1)::

    +------+-----+-------------------+-----+
    | STX  | LEN | CMD[1|2] DATA ... | LRC |      LEN = len(CMD + DATA), 1..255
    | 0x02 | u8  |                   | u8  |      LRC = XOR of LEN..last DATA byte
    +------+-----+-------------------+-----+

Protocol 2 ("альтернативный нижний уровень")::

    0x8F | stuffed( LEN u16 LE | NUM u16 LE | CMD + DATA | CRC u16 LE )

LEN = len(CMD + DATA) + 2 (0 for the synchronise request, which carries no NUM), CRC is
CRC-16/CCITT-FALSE over LEN, NUM and data; stuffing: ``0x8F -> 9F 81``, ``0x9F -> 9F 83``.

Decoders are sans-IO: ``decode(buf)`` returns ``(used, frame)`` where ``used`` counts the bytes
the caller drops (junk before the start byte included) and ``frame`` is ``None`` when more bytes
are needed. A frame whose checksum or structure is wrong comes back as :class:`DamagedFrame` so
the exchange can answer ``NAK`` and resynchronise.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass
from typing import Final

from ..errors import ChecksumMismatch, FramingError

STX: Final = 0x02  #: start of a protocol-1 frame
ENQ: Final = 0x05  #: host asks for the device state
ACK: Final = 0x06  #: positive acknowledgement
NAK: Final = 0x15  #: negative acknowledgement (damaged frame / device idle)
TWO_BYTE_PREFIX: Final = 0xFF  #: first byte of an ``FF xx`` command code

V2_START: Final = 0x8F  #: start of a protocol-2 frame
V2_ESC: Final = 0x9F  #: protocol-2 escape byte
V2_ESC_START: Final = 0x81  #: ``9F 81`` stands for 0x8F
V2_ESC_ESC: Final = 0x83  #: ``9F 83`` stands for 0x9F

MAX_PAYLOAD: Final = 255  #: protocol-1 LEN is one byte
MAX_V2_LEN: Final = 0xFFFF  #: protocol-2 LEN is two bytes


@dataclass(frozen=True, slots=True)
class Frame:
    """A checked frame: ``payload`` is CMD + DATA (without STX, LEN and checksum)."""

    payload: bytes

    @property
    def command(self) -> int:
        """Return the command code (``0xFFxx`` for two-byte codes)."""
        return split_command(self.payload)[0]

    @property
    def data(self) -> bytes:
        """Return the bytes after the command code."""
        return split_command(self.payload)[1]


@dataclass(frozen=True, slots=True)
class DamagedFrame:
    """Bytes that started like a frame but failed the checksum or structure check."""

    raw: bytes
    reason: str


@dataclass(frozen=True, slots=True)
class NumberedFrame:
    """A checked protocol-2 frame; ``number`` is ``None`` for the LEN=0 synchronise request."""

    number: int | None
    payload: bytes


def command_bytes(code: int) -> bytes:
    """Return the wire form of a command code: one byte, or ``FF xx`` for codes above 0xFF."""
    if 0 <= code < TWO_BYTE_PREFIX:
        return bytes((code,))
    if TWO_BYTE_PREFIX << 8 <= code <= 0xFFFF:
        return code.to_bytes(2, "big")
    raise FramingError(f"Недопустимый код команды {code:#x}", f"Invalid command code {code:#x}")


def split_command(payload: bytes) -> tuple[int, bytes]:
    """Split CMD + DATA into ``(code, data)``; a leading 0xFF makes the code two bytes long."""
    if not payload:
        raise FramingError("Пустой кадр без кода команды", "Empty frame without a command code")
    if payload[0] != TWO_BYTE_PREFIX:
        return payload[0], payload[1:]
    if len(payload) < 2:
        raise FramingError("Кадр обрывается внутри кода команды", "Frame ends inside the code")
    return int.from_bytes(payload[:2], "big"), payload[2:]


def lrc(data: bytes) -> int:
    """Return the XOR of ``data`` (the protocol-1 checksum)."""
    value = 0
    for byte in data:
        value ^= byte
    return value


def encode(payload: bytes) -> bytes:
    """Wrap CMD + DATA into a protocol-1 frame."""
    if not 1 <= len(payload) <= MAX_PAYLOAD:
        raise FramingError(
            f"Длина кадра {len(payload)} вне 1…{MAX_PAYLOAD}",
            f"Frame payload length {len(payload)} outside 1..{MAX_PAYLOAD}",
        )
    body = bytes((len(payload),)) + payload
    return bytes((STX,)) + body + bytes((lrc(body),))


def decode(buf: bytes) -> tuple[int, Frame | DamagedFrame | None]:
    """Find the next protocol-1 frame in ``buf``; junk before STX is consumed."""
    start = buf.find(STX)
    if start < 0:
        return len(buf), None
    if len(buf) < start + 2:
        return start, None
    length = buf[start + 1]
    end = start + 2 + length + 1
    if len(buf) < end:
        return start, None
    raw = bytes(buf[start:end])
    if length == 0:
        return end, DamagedFrame(raw, "LEN=0")
    if lrc(raw[1:-1]) != raw[-1]:
        return end, DamagedFrame(raw, f"LRC {lrc(raw[1:-1]):#04x} != {raw[-1]:#04x}")
    return end, Frame(raw[2:-1])


def decode_frame(raw: bytes) -> Frame:
    """Decode exactly one whole protocol-1 frame or raise."""
    used, frame = decode(raw)
    if frame is None or used != len(raw) or raw[:1] != bytes((STX,)):
        raise FramingError("Неполный или лишний кадр", "Incomplete frame or trailing bytes")
    if isinstance(frame, DamagedFrame):
        raise ChecksumMismatch(
            f"Кадр повреждён ({frame.reason})", f"Damaged frame ({frame.reason})"
        )
    return frame


def crc16_ccitt_false(data: bytes, crc: int = 0xFFFF) -> int:
    """Return CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no xorout).

    ``binascii.crc_hqx`` is that CRC in C with the initial value given; a bit loop in Python
    took about a millisecond per receipt of frames.
    """
    return binascii.crc_hqx(data, crc)


def stuff(data: bytes) -> bytes:
    """Escape the start and escape bytes for protocol 2."""
    return data.replace(bytes((V2_ESC,)), bytes((V2_ESC, V2_ESC_ESC))).replace(
        bytes((V2_START,)), bytes((V2_ESC, V2_ESC_START))
    )


def encode_v2(number: int | None, payload: bytes = b"") -> bytes:
    """Build a protocol-2 frame; ``number=None`` builds the synchronise request (LEN=0)."""
    if number is None:
        if payload:
            raise FramingError("Запрос синхронизации без данных", "A sync request has no data")
        body = b"\x00\x00"
    else:
        if not 0 <= number <= 0xFFFF or len(payload) + 2 > MAX_V2_LEN:
            raise FramingError(
                "Номер или длина кадра вне диапазона", "Frame number/length out of range"
            )
        body = (len(payload) + 2).to_bytes(2, "little") + number.to_bytes(2, "little") + payload
    return bytes((V2_START,)) + stuff(body + crc16_ccitt_false(body).to_bytes(2, "little"))


def unstuff(data: bytes) -> bytes:
    """Undo :func:`stuff` on the bytes after a well-formed frame's 0x8F."""
    return _unstuff_prefix(data, 0, len(data))[0]


def _unstuff_prefix(buf: bytes, start: int, want: int) -> tuple[bytes, int, str | None]:
    """Unstuff from ``start`` until ``want`` bytes; return (bytes, next index, error)."""
    out = bytearray()
    i = start
    while len(out) < want and i < len(buf):
        byte = buf[i]
        if byte == V2_START:
            return bytes(out), i, "bare 0x8F inside the frame"
        if byte != V2_ESC:
            out.append(byte)
            i += 1
            continue
        if i + 1 >= len(buf):
            break
        escaped = buf[i + 1]
        if escaped == V2_START:  # the frame broke off after an escape; a new one starts here
            return bytes(out), i + 1, "bare 0x8F after 9F"
        if escaped == V2_ESC_START:
            out.append(V2_START)
        elif escaped == V2_ESC_ESC:
            out.append(V2_ESC)
        else:
            return bytes(out), i + 2, f"bad escape 9F {escaped:02X}"
        i += 2
    return bytes(out), i, None


def decode_v2(buf: bytes) -> tuple[int, NumberedFrame | DamagedFrame | None]:
    """Find the next protocol-2 frame in ``buf``; junk before 0x8F is consumed."""
    start = buf.find(V2_START)
    if start < 0:
        return len(buf), None
    head, pos, error = _unstuff_prefix(buf, start + 1, 2)
    if error is not None:
        return pos, DamagedFrame(bytes(buf[start:pos]), error)
    if len(head) < 2:
        return start, None
    length = int.from_bytes(head, "little")
    if length == 1:
        return pos, DamagedFrame(bytes(buf[start:pos]), "LEN=1")
    rest, end, error = _unstuff_prefix(buf, pos, length + 2)
    if error is not None:
        return end, DamagedFrame(bytes(buf[start:end]), error)
    if len(rest) < length + 2:
        return start, None
    raw = bytes(buf[start:end])
    body, crc = head + rest[:-2], int.from_bytes(rest[-2:], "little")
    if crc16_ccitt_false(body) != crc:
        return end, DamagedFrame(raw, f"CRC {crc16_ccitt_false(body):#06x} != {crc:#06x}")
    if length == 0:
        return end, NumberedFrame(None, b"")
    return end, NumberedFrame(int.from_bytes(rest[:2], "little"), rest[2:length])
