"""Sans-IO task-buffer exchange of lower layer v3 (PROTOCOLS.md §2.2), host and device sides.

Host: each command is one task. ``begin`` sends ``ADD`` (or ``ACK_ADD``, which also frees the
previous task) with NeedResult; the device answers the packet at once (``A1`` pending, ``B2``
already there) and later sends the result asynchronously (``A6``/``A7 tid result``, ID 0xF0).
When no result comes within ``poll_interval``, the host asks with ``REQ tid``: ``A2`` in progress,
``A3``/``A4`` with the result, ``B3`` unknown task. Resending ``ADD`` with the same task id is
safe (the device answers ``B2`` instead of running it twice), so a lost answer to ``ADD`` is
resent; the result itself is never asked for by sending the command again.

Device: keeps each task's result until it is acknowledged, answers ``REQ`` from it, and asks
for a damaged packet again with an empty packet of the same ID. The answers to ``ACK`` and
``ABORT`` (``A5``) are openkkm's choice (M confidence, see ``README.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum, auto

from ...errors import DeviceTimeout, ProtocolError
from ...framing import atol_v3
from ...framing.atol_v3 import (
    ASYNC_ID,
    MAX_ID,
    BufferCommand,
    BufferStatus,
    DamagedPacket,
    Packet,
)
from .codes import ANSWER_OK

WAITING_STATUSES = frozenset({BufferStatus.PENDING, BufferStatus.IN_PROGRESS,
                              BufferStatus.WAITING, BufferStatus.ALREADY_EXISTS})


class HostPhase(Enum):
    """Where the host exchange is."""

    IDLE = auto()
    ADDING = auto()  #: ADD sent, its packet not yet answered
    WAITING = auto()  #: the task is in the buffer; waiting for the result
    POLLING = auto()  #: REQ sent, its packet not yet answered


@dataclass(frozen=True, slots=True)
class HostStep:
    """Write ``write``, then wait up to ``timeout`` s; ``answer`` is set when the task is done."""

    write: bytes
    timeout: float | None
    answer: bytes | None = None


class HostExchange:
    """Host side of one connection: one task at a time."""

    def __init__(self, *, control_timeout: float = 0.5, poll_interval: float = 0.5,
                 max_retries: int = 5) -> None:
        self.control_timeout = control_timeout
        self.poll_interval = poll_interval
        self.max_retries = max_retries
        self.phase = HostPhase.IDLE
        self.task_id = MAX_ID
        self.unacked: int | None = None  #: the last task whose result was taken, not ACKed
        self._packet_id = 0  #: the first packet gets id 1 (the ABORT of id 0 ends in 0x02, STX of v2)
        self._last_packet = b""
        self._last_id = -1
        self._buffer = b""
        self._retries = 0
        self._polls = 0

    def abort(self) -> bytes:
        """Return an ABORT packet (clear the device's buffer, e.g. on a new connection)."""
        self.unacked = None
        return self._send(atol_v3.abort())

    def begin(self, message: bytes, answer_timeout: float) -> HostStep:
        """Start a task carrying the upper-layer ``message``; returns the packet to write."""
        self.task_id = 0 if self.task_id >= MAX_ID else self.task_id + 1
        if self.unacked is None:
            data = atol_v3.add(self.task_id, message)
        else:
            data = atol_v3.ack_add(self.unacked, self.task_id, message)
        self.unacked = None
        self.phase = HostPhase.ADDING
        self._buffer = b""
        self._retries = 0
        self._polls = max(1, math.ceil(answer_timeout / self.poll_interval))
        return HostStep(self._send(data), self.control_timeout)

    def receive(self, data: bytes) -> HostStep:
        """Feed bytes from the device."""
        self._buffer += data
        write = b""
        while self._buffer:
            used, packet = atol_v3.decode(self._buffer)
            self._buffer = self._buffer[used:]
            if packet is None:
                if used == 0:
                    break
                continue
            step = self._on_packet(packet)
            if step is not None:
                if step.answer is not None:
                    return HostStep(write + step.write, None, step.answer)
                write += step.write
        return HostStep(write, self._wait())

    def expire(self) -> HostStep:
        """Report that the awaited packet did not come in time."""
        if self.phase is HostPhase.WAITING:
            self._polls -= 1
            if self._polls <= 0:
                raise self._unknown("no result in time")
        else:
            self._spend("no answer")
        if self.phase is HostPhase.ADDING:
            return HostStep(self._last_packet, self.control_timeout)
        return self._poll()

    def _on_packet(self, packet: Packet | DamagedPacket) -> HostStep | None:
        if isinstance(packet, DamagedPacket):
            self._spend(packet.reason)
            if self.phase is HostPhase.ADDING:
                return HostStep(self._last_packet, self.control_timeout)
            return self._poll()
        if packet.id == ASYNC_ID:
            return self._on_async(packet.data)
        if packet.id != self._last_id:
            return None  # an answer to an earlier packet
        if not packet.data:
            self._spend("resend requested")
            return HostStep(self._last_packet, self.control_timeout)
        status, rest = packet.data[0], packet.data[1:]
        if status in WAITING_STATUSES:
            self.phase = HostPhase.WAITING
            return HostStep(b"", self.poll_interval)
        if status in (BufferStatus.RESULT, BufferStatus.ERROR):
            return self._done(rest)  # to REQ; also taken when a device answers ADD at once
        if status == BufferStatus.NOT_FOUND and self.phase is HostPhase.POLLING:
            raise self._unknown("the device does not know the task")
        if self.phase is HostPhase.ADDING:
            self.phase = HostPhase.IDLE
            raise ProtocolError(f"Буфер заданий ККТ не принял команду (статус {status:#04x})",
                                f"The device's task buffer refused the command ({status:#04x})")
        return None

    def _on_async(self, data: bytes) -> HostStep | None:
        if len(data) < 2 or data[0] not in (BufferStatus.ASYNC_RESULT, BufferStatus.ASYNC_ERROR):
            return None
        if data[1] != self.task_id or self.phase is HostPhase.IDLE:
            return None  # a result of an earlier task
        return self._done(data[2:])

    def _done(self, result: bytes) -> HostStep:
        self.phase = HostPhase.IDLE
        self.unacked = self.task_id
        return HostStep(b"", None, result)

    def _poll(self) -> HostStep:
        self.phase = HostPhase.POLLING
        return HostStep(self._send(atol_v3.req(self.task_id)), self.control_timeout)

    def _send(self, data: bytes) -> bytes:
        self._packet_id = 0 if self._packet_id >= MAX_ID else self._packet_id + 1
        self._last_id = self._packet_id
        self._last_packet = atol_v3.encode(self._packet_id, data)
        return self._last_packet

    def _wait(self) -> float:
        return self.poll_interval if self.phase is HostPhase.WAITING else self.control_timeout

    def _spend(self, reason: str) -> None:
        self._retries += 1
        if self._retries > self.max_retries:
            raise self._unknown(reason)

    def _unknown(self, reason: str) -> DeviceTimeout:
        self.phase = HostPhase.IDLE
        return DeviceTimeout(f"ККТ не вернула результат команды ({reason}): результат неизвестен",
                             f"The device returned no result ({reason}): outcome unknown")


@dataclass(slots=True)
class Task:
    """A task in the device's buffer; ``result`` None while it runs."""

    message: bytes
    result: bytes | None = None


@dataclass(frozen=True, slots=True)
class DeviceStep:
    """Bytes to write now and the new tasks ``(tid, message)`` to execute."""

    write: bytes
    tasks: tuple[tuple[int, bytes], ...] = ()


@dataclass(slots=True)
class DeviceExchange:
    """Device side: the task buffer and the packet answers."""

    tasks: dict[int, Task] = field(default_factory=dict)
    answers: dict[int, bytes] = field(default_factory=dict)  #: last answer per packet id
    _buffer: bytes = b""

    def new_link(self) -> None:
        """Forget half-received bytes and packet answers: a new connection began."""
        self._buffer = b""
        self.answers.clear()

    def receive(self, data: bytes) -> DeviceStep:
        """Feed bytes from the host."""
        self._buffer += data
        write = bytearray()
        tasks: list[tuple[int, bytes]] = []
        while self._buffer:
            used, packet = atol_v3.decode(self._buffer)
            self._buffer = self._buffer[used:]
            if packet is None:
                if used == 0:
                    break
                continue
            if isinstance(packet, DamagedPacket):
                if packet.id is not None and packet.id <= MAX_ID:
                    write += atol_v3.encode(packet.id)
                continue
            write += self._on_packet(packet, tasks)
        return DeviceStep(bytes(write), tuple(tasks))

    def complete(self, task_id: int, result: bytes) -> bytes:
        """Store the result of ``task_id``; return the asynchronous result packet."""
        task = self.tasks.get(task_id)
        if task is not None:
            task.result = result
        status = BufferStatus.ASYNC_ERROR if is_error(result) else BufferStatus.ASYNC_RESULT
        return atol_v3.encode(ASYNC_ID, bytes((status, task_id)) + result)

    def _on_packet(self, packet: Packet, tasks: list[tuple[int, bytes]]) -> bytes:
        if not packet.data:
            return self.answers.get(packet.id, b"")
        command, rest = packet.data[0], packet.data[1:]
        if command == BufferCommand.ACK_ADD and rest:
            self.tasks.pop(rest[0], None)
            command, rest = BufferCommand.ADD, rest[1:]
        if command == BufferCommand.ADD and len(rest) >= 3 and rest[1] <= MAX_ID:
            task_id = rest[1]
            if task_id in self.tasks:
                answer = bytes((BufferStatus.ALREADY_EXISTS,))
            else:
                self.tasks[task_id] = Task(bytes(rest[2:]))
                tasks.append((task_id, bytes(rest[2:])))
                answer = bytes((BufferStatus.PENDING,))
        elif command == BufferCommand.REQ and rest:
            answer = self._state(rest[0])
        elif command == BufferCommand.ACK and rest:
            self.tasks.pop(rest[0], None)
            answer = bytes((BufferStatus.STOPPED,))
        elif command == BufferCommand.ABORT:
            self.tasks.clear()
            answer = bytes((BufferStatus.STOPPED,))
        else:
            answer = bytes((BufferStatus.ILLEGAL_VALUE,))
        packet_bytes = atol_v3.encode(packet.id, answer)
        self.answers[packet.id] = packet_bytes
        return packet_bytes

    def _state(self, task_id: int) -> bytes:
        task = self.tasks.get(task_id)
        if task is None:
            return bytes((BufferStatus.NOT_FOUND,))
        if task.result is None:
            return bytes((BufferStatus.IN_PROGRESS,))
        status = BufferStatus.ERROR if is_error(task.result) else BufferStatus.RESULT
        return bytes((status,)) + task.result


def is_error(result: bytes) -> bool:
    """Tell whether an upper-layer answer ``55 ERR …`` carries an error."""
    return len(result) >= 2 and result[0] == ANSWER_OK and result[1] != 0
