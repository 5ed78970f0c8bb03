"""Sans-IO exchanges of Shtrih-M protocol 2, the "alternative lower level" (PROTOCOLS.md §1.1).

Every request carries a 16-bit number NUM. The device executes a request only when NUM is
its last executed number + 1; for any other NUM (and for the LEN=0 sync request) it re-sends
its last answer without executing anything. So the host may repeat the *same* frame after a
timeout as often as it likes: the command runs at most once, and an answer carrying NUM proves
it ran exactly once. No ENQ/ACK/NAK here; a damaged frame is simply dropped.

The host learns the device's number with a sync request before its first command. A late
answer with another number is ignored (resynchronising on it could re-execute a command).

A device busy with a command answers nothing, so silence cannot tell a long command from a lost
frame or a dead link. The host repeats the frame every ``sync_timeout`` (a lost frame costs a
second, not the command's whole timeout) and gives up once the command's answer timeout has
passed, or after ``max_retries`` repeats if that is longer: a dead link during FF45 is reported
after about 30 s instead of eleven times that.
"""

from __future__ import annotations

import math
from enum import Enum, auto
from typing import Final

from ...errors import DeviceTimeout, LinkLost
from ...framing.shtrih import DamagedFrame, Frame, NumberedFrame, decode_v2, encode_v2
from .exchange import DeviceStep, HostStep

V1_FIRST_BYTES: Final = frozenset({0x05, 0x02})  #: ENQ or STX select protocol 1
V2_FIRST_BYTE: Final = 0x8F  #: selects protocol 2


def protocol_for_first_byte(byte: int) -> int | None:
    """Return the protocol (1 or 2) a device picks from the first byte it receives."""
    if byte in V1_FIRST_BYTES:
        return 1
    if byte == V2_FIRST_BYTE:
        return 2
    return None


def next_number(number: int) -> int:
    """Return the number after ``number`` (mod 65536)."""
    return (number + 1) & 0xFFFF


class HostPhaseV2(Enum):
    """Where the protocol-2 host exchange is."""

    IDLE = auto()
    SYNCING = auto()
    WAITING = auto()
    DONE = auto()


class HostExchangeV2:
    """Host side: sync once, then send numbered frames, repeating each until its answer."""

    def __init__(self, *, sync_timeout: float = 1.0, max_retries: int = 10) -> None:
        self.sync_timeout = sync_timeout
        self.max_retries = max_retries
        self.number: int | None = None  #: the device's last executed number, once known
        self.phase = HostPhaseV2.IDLE
        self.retries = 0
        self._payload = b""
        self._frame = b""
        self._current = 0
        self._repeat_every = 0.0
        self._repeats = 0  #: how many repeats the command's answer timeout allows
        self._buffer = b""

    def begin(self, payload: bytes, answer_timeout: float) -> HostStep:
        """Start a command; syncs first when the device's number is not known yet."""
        if self.phase not in (HostPhaseV2.IDLE, HostPhaseV2.DONE):
            raise RuntimeError("an exchange is already running")
        self._payload = payload
        self._repeat_every = min(self.sync_timeout, answer_timeout)
        self._repeats = max(self.max_retries, math.ceil(answer_timeout / self._repeat_every))
        self.retries = 0
        self._buffer = b""
        if self.number is None:
            self.phase = HostPhaseV2.SYNCING
            return HostStep(encode_v2(None), self.sync_timeout)
        return self._send_command()

    def receive(self, data: bytes) -> HostStep:
        """Feed bytes from the device; returns the next step."""
        self._buffer += data
        while self._buffer:
            used, frame = decode_v2(self._buffer)
            self._buffer = self._buffer[used:]
            if frame is None:
                break
            if isinstance(frame, DamagedFrame) or frame.number is None:
                continue
            if self.phase is HostPhaseV2.SYNCING:
                self.number = frame.number
                return self._send_command()
            if (
                self.phase is HostPhaseV2.WAITING
                and frame.number == self._current
                and frame.payload
            ):
                self.number = frame.number
                self.phase = HostPhaseV2.DONE
                return HostStep(b"", None, Frame(frame.payload))
        return HostStep(b"", self._wait())

    def expire(self) -> HostStep:
        """Report a timeout: repeat the same frame (same number), which is always safe."""
        self.retries += 1
        syncing = self.phase is HostPhaseV2.SYNCING
        if self.retries > (self.max_retries if syncing else self._repeats):
            self.phase = HostPhaseV2.IDLE
            if syncing:
                raise LinkLost("Нет связи с ККТ (протокол 2)", "No link to the device (protocol 2)")
            raise DeviceTimeout(
                "ККТ не ответила на команду: результат неизвестен",
                "The device did not answer the command: outcome unknown",
            )
        if syncing:
            return HostStep(encode_v2(None), self.sync_timeout)
        return HostStep(self._frame, self._repeat_every)

    def _send_command(self) -> HostStep:
        """Send the command with the number after the device's last one."""
        self.phase = HostPhaseV2.WAITING
        self._current = next_number(self.number or 0)
        self._frame = encode_v2(self._current, self._payload)
        return HostStep(self._frame, self._repeat_every)

    def _wait(self) -> float:
        """Return how long to wait in the current phase."""
        return self.sync_timeout if self.phase is HostPhaseV2.SYNCING else self._repeat_every


class DeviceExchangeV2:
    """Device side: execute NUM = last + 1 once; answer anything else with the last answer."""

    def __init__(self) -> None:
        self.last_number = 0  #: NUM starts at 1, so nothing has run yet
        self.last_answer: bytes | None = None
        self.executing: int | None = None
        self._buffer = b""

    def receive(self, data: bytes) -> DeviceStep:
        """Feed bytes from the host; returns bytes to write and frames to execute."""
        self._buffer += data
        write = bytearray()
        commands: list[Frame] = []
        while self._buffer:
            used, frame = decode_v2(self._buffer)
            self._buffer = self._buffer[used:]
            if frame is None:
                break
            if isinstance(frame, DamagedFrame):
                continue
            if self._is_next(frame):
                self.executing = frame.number
                commands.append(Frame(frame.payload))
            elif self.executing is None:
                write += self._last()
        return DeviceStep(bytes(write), tuple(commands))

    def reset_input(self) -> None:
        """Forget bytes of a dropped connection; the numbering and the last answer stay."""
        self._buffer = b""
        self.executing = None

    def respond(self, payload: bytes) -> bytes:
        """Give the answer payload of the executing command; returns its frame."""
        if self.executing is None:
            raise RuntimeError("no command is executing")
        self.last_number, self.executing = self.executing, None
        self.last_answer = encode_v2(self.last_number, payload)
        return self.last_answer

    def _is_next(self, frame: NumberedFrame) -> bool:
        """Return whether ``frame`` is the next command to execute."""
        return (
            self.executing is None
            and frame.number is not None
            and bool(frame.payload)
            and frame.number == next_number(self.last_number)
        )

    def _last(self) -> bytes:
        """Return the last answer, or an empty numbered answer when nothing ran yet."""
        return self.last_answer if self.last_answer is not None else encode_v2(self.last_number)
