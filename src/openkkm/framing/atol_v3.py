"""ATOL lower layer v3 ("нижний уровень v.3"): ``0xFE`` packets with CRC-8, and the task buffer.

PROTOCOLS.md §2.2 (H for framing and CRC)::

    +------+------+------+----+------------------+-----+
    | STX  | LEN0 | LEN1 | ID | escaped(DATA)    | CRC |   LEN = len(DATA) before escaping:
    | 0xFE | u8   | u8   | u8 |                  | u8  |   LEN0 = LEN & 0x7F, LEN1 = LEN >> 7
    +------+------+------+----+------------------+-----+

CRC = CRC-8 (poly 0x31, init 0xFF, MSB first, no reflection, no final XOR) over ID and the
unescaped DATA. DATA and the CRC byte are escaped: ``FE -> FD EE``, ``FD -> FD ED``. ID counts
0…0xDF on the host and is 0xF0 for the device's asynchronous packets; an empty packet asks the
other side to send the packet with that ID again.

The first DATA byte of a host packet is a task-buffer command (:class:`BufferCommand`), of a
device packet a status (:class:`BufferStatus`) — M confidence, see ``protocol/atol/README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, IntFlag
from typing import Final

from ..errors import ChecksumMismatch, FramingError

STX: Final = 0xFE  #: start of a packet
ESC: Final = 0xFD  #: escape byte
ESC_STX: Final = 0xEE  #: ``FD EE`` stands for 0xFE
ESC_ESC: Final = 0xED  #: ``FD ED`` stands for 0xFD
MAX_ID: Final = 0xDF  #: host packet and task ids count 0…0xDF
ASYNC_ID: Final = 0xF0  #: packet id of the device's asynchronous packets
MAX_LEN: Final = 0x3FFF  #: LEN has 14 bits


class BufferCommand(IntEnum):
    """Task-buffer commands, the first DATA byte of a host packet."""

    ADD = 0xC1  #: ``C1 flags tid payload``: add a task
    ACK = 0xC2  #: ``C2 tid``: the result was received, free the task
    REQ = 0xC3  #: ``C3 tid``: ask the task's state
    ABORT = 0xC4  #: ``C4``: clear the buffer
    ACK_ADD = 0xC5  #: ``C5 ack_tid flags tid payload``: ACK the previous task and ADD a new one


class AddFlags(IntFlag):
    """Flags of ADD / ACK_ADD."""

    NEED_RESULT = 0x01  #: keep the result until ACK and send it
    IGNORE_ERROR = 0x02  #: an error does not stop the buffer
    WAIT_ASYNC_DATA = 0x04  #: the task waits for asynchronous data


class BufferStatus(IntEnum):
    """Statuses, the first DATA byte of a device packet."""

    PENDING = 0xA1
    IN_PROGRESS = 0xA2
    RESULT = 0xA3
    ERROR = 0xA4
    STOPPED = 0xA5
    ASYNC_RESULT = 0xA6  #: ``A6 tid payload`` in a packet with ID 0xF0
    ASYNC_ERROR = 0xA7  #: ``A7 tid payload`` in a packet with ID 0xF0
    WAITING = 0xA8
    OVERFLOW = 0xB1
    ALREADY_EXISTS = 0xB2
    NOT_FOUND = 0xB3
    ILLEGAL_VALUE = 0xB4


@dataclass(frozen=True, slots=True)
class Packet:
    """A checked v3 packet; empty ``data`` is a request to repeat packet ``id``."""

    id: int
    data: bytes


@dataclass(frozen=True, slots=True)
class DamagedPacket:
    """Bytes that began like a packet but failed the length, escape or CRC check."""

    raw: bytes
    reason: str
    id: int | None = None  #: the packet id when the header was readable


def _crc8_table(poly: int) -> tuple[int, ...]:
    """The byte-at-a-time table of an MSB-first CRC-8."""
    table = []
    for value in range(256):
        for _ in range(8):
            value = ((value << 1) ^ poly) & 0xFF if value & 0x80 else value << 1
        table.append(value)
    return tuple(table)


_CRC8: Final = _crc8_table(0x31)


def crc8(data: bytes, crc: int = 0xFF) -> int:
    """Return CRC-8 with poly 0x31, init 0xFF, MSB first, no reflection, no final XOR."""
    for byte in data:
        crc = _CRC8[crc ^ byte]
    return crc


def escape(data: bytes) -> bytes:
    """Escape 0xFE and 0xFD."""
    return data.replace(bytes((ESC,)), bytes((ESC, ESC_ESC))).replace(
        bytes((STX,)), bytes((ESC, ESC_STX)))


def encode(packet_id: int, data: bytes = b"") -> bytes:
    """Build a packet with ``packet_id`` carrying ``data``."""
    if not (0 <= packet_id <= MAX_ID or packet_id == ASYNC_ID) or len(data) > MAX_LEN:
        raise FramingError("Номер или длина пакета АТОЛ вне диапазона",
                           "ATOL packet id or length out of range")
    header = bytes((STX, len(data) & 0x7F, len(data) >> 7, packet_id))
    return header + escape(data + bytes((crc8(bytes((packet_id,)) + data),)))


def decode(buf: bytes) -> tuple[int, Packet | DamagedPacket | None]:
    """Find the next packet in ``buf``; junk before 0xFE is consumed.

    A bare 0xFE inside a packet ends it as damaged, so the next packet is found again.
    """
    start = buf.find(STX)
    if start < 0:
        return len(buf), None
    if len(buf) < start + 4:
        return start, None
    len0, len1, packet_id = buf[start + 1], buf[start + 2], buf[start + 3]
    if len0 > 0x7F or len1 > 0x7F:
        return start + 1, DamagedPacket(bytes(buf[start : start + 3]), "bad LEN")
    want = (len0 | len1 << 7) + 1
    i = start + 4
    plain = bytes(buf[i : i + want])
    if STX not in plain and ESC not in plain:  # the usual case: nothing escaped
        if len(plain) < want:
            return start, None
        return _checked(bytes(buf[start : i + want]), i + want, packet_id, plain)
    out = bytearray()
    while len(out) < want:
        if i >= len(buf):
            return start, None
        byte = buf[i]
        if byte == STX:
            return i, DamagedPacket(bytes(buf[start:i]), "bare 0xFE", packet_id)
        if byte != ESC:
            out.append(byte)
            i += 1
            continue
        if i + 1 >= len(buf):
            return start, None
        escaped = buf[i + 1]
        if escaped not in (ESC_STX, ESC_ESC):
            return i + 2, DamagedPacket(bytes(buf[start : i + 2]), "bad escape", packet_id)
        out.append(STX if escaped == ESC_STX else ESC)
        i += 2
    return _checked(bytes(buf[start:i]), i, packet_id, bytes(out))


def _checked(raw: bytes, end: int, packet_id: int, unescaped: bytes
             ) -> tuple[int, Packet | DamagedPacket]:
    """Check the CRC (the last unescaped byte) of a whole packet."""
    data, crc = unescaped[:-1], unescaped[-1]
    expected = crc8(bytes((packet_id,)) + data)
    if crc != expected:
        return end, DamagedPacket(raw, f"CRC {expected:#04x} != {crc:#04x}", packet_id)
    return end, Packet(packet_id, data)


def decode_packet(raw: bytes) -> Packet:
    """Decode exactly one whole packet or raise."""
    used, packet = decode(raw)
    if packet is None or used != len(raw) or raw[:1] != bytes((STX,)):
        raise FramingError("Неполный или лишний пакет АТОЛ", "Incomplete ATOL packet or extra bytes")
    if isinstance(packet, DamagedPacket):
        raise ChecksumMismatch(f"Пакет АТОЛ поврежден ({packet.reason})",
                               f"Damaged ATOL packet ({packet.reason})")
    return packet


def add(task_id: int, payload: bytes, flags: AddFlags = AddFlags.NEED_RESULT) -> bytes:
    """DATA of ADD: ``C1 flags tid payload``."""
    return bytes((BufferCommand.ADD, flags, _task(task_id))) + payload


def ack_add(ack_id: int, task_id: int, payload: bytes,
            flags: AddFlags = AddFlags.NEED_RESULT) -> bytes:
    """DATA of ACK_ADD: ``C5 ack_tid flags tid payload``."""
    return bytes((BufferCommand.ACK_ADD, _task(ack_id), flags, _task(task_id))) + payload


def ack(task_id: int) -> bytes:
    """DATA of ACK: ``C2 tid``."""
    return bytes((BufferCommand.ACK, _task(task_id)))


def req(task_id: int) -> bytes:
    """DATA of REQ: ``C3 tid``."""
    return bytes((BufferCommand.REQ, _task(task_id)))


def abort() -> bytes:
    """DATA of ABORT: ``C4``."""
    return bytes((BufferCommand.ABORT,))


def _task(task_id: int) -> int:
    if not 0 <= task_id <= MAX_ID:
        raise FramingError(f"Номер задания {task_id} вне 0…{MAX_ID}",
                           f"Task id {task_id} outside 0..{MAX_ID}")
    return task_id
