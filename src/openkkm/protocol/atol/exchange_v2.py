"""Sans-IO exchange of lower layer v2 (ENQ/ACK/EOT, PROTOCOLS.md §2.1), host and device sides.

Host: ``ENQ`` → device ``ACK`` → frame → ``ACK`` → ``EOT``; then the device sends ``ENQ`` → host
``ACK`` → answer frame → host ``ACK`` (``NAK`` for a bad CRC: the device sends it again) → device
``EOT``. A device ``NAK`` or ``ENQ`` to our ``ENQ`` (busy, collision) costs a retry. The device
runs a command only after the host's ``EOT``, so a frame whose ``ACK`` was lost is sent again
before ``EOT`` without running twice; once ``EOT`` went out, a missing answer is an unknown
outcome (:class:`~openkkm.errors.DeviceTimeout`) — v2 cannot ask for a result again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto

from ...errors import DeviceTimeout, LinkLost
from ...framing import atol_v2
from ...framing.atol_v2 import ACK, ENQ, EOT, NAK, STX, DamagedFrame
from .exchange import HostStep

ACK_BYTE = bytes((ACK,))
NAK_BYTE = bytes((NAK,))
ENQ_BYTE = bytes((ENQ,))
EOT_BYTE = bytes((EOT,))


class Phase(Enum):
    """Where an exchange is."""

    IDLE = auto()
    ENQ_SENT = auto()
    FRAME_SENT = auto()
    WAIT_ANSWER = auto()
    READING = auto()


class HostExchangeV2:
    """Host side of one v2 connection; same interface as the v3 :class:`HostExchange`."""

    def __init__(self, *, control_timeout: float = 0.5, max_retries: int = 5) -> None:
        self.control_timeout = control_timeout
        self.max_retries = max_retries
        self.phase = Phase.IDLE
        self.eot_sent = False  #: the device may be running the command
        self._frame = b""
        self._answer_timeout = 0.0
        self._buffer = b""
        self._retries = 0

    def begin(self, message: bytes, answer_timeout: float) -> HostStep:
        """Start a command: send ENQ."""
        self._frame = atol_v2.encode(message)
        self._answer_timeout = answer_timeout
        self._retries = 0
        self.eot_sent = False
        self._buffer = b""
        self.phase = Phase.ENQ_SENT
        return HostStep(ENQ_BYTE, self.control_timeout)

    def receive(self, data: bytes) -> HostStep:
        """Feed bytes from the device."""
        self._buffer += data
        write = b""
        while self._buffer:
            if self.phase is Phase.READING:
                used, frame = atol_v2.decode(self._buffer)
                self._buffer = self._buffer[used:]
                if frame is None:
                    break
                if isinstance(frame, DamagedFrame):
                    self._spend("damaged answer")
                    write += NAK_BYTE
                    continue
                self.phase = Phase.IDLE
                return HostStep(write + ACK_BYTE, None, frame.data)
            byte, self._buffer = self._buffer[0], self._buffer[1:]
            write += self._on_control(byte)
        return HostStep(write, self._wait())

    def expire(self) -> HostStep:
        """Report that the awaited byte did not come in time."""
        if self.phase is Phase.WAIT_ANSWER:
            raise self._unknown("no answer")
        self._spend("no reply")
        if self.phase is Phase.READING:
            return HostStep(NAK_BYTE, self.control_timeout)
        self.phase = Phase.ENQ_SENT
        return HostStep(ENQ_BYTE, self.control_timeout)

    def _on_control(self, byte: int) -> bytes:
        if self.phase is Phase.ENQ_SENT:
            if byte == ACK:
                self.phase = Phase.FRAME_SENT
                return self._frame
            if byte in (NAK, ENQ):
                self._spend("device busy")
                return ENQ_BYTE
        elif self.phase is Phase.FRAME_SENT:
            if byte == ACK:
                self.phase = Phase.WAIT_ANSWER
                self.eot_sent = True
                return EOT_BYTE
            if byte == NAK:
                self._spend("frame rejected")
                return self._frame
        elif self.phase is Phase.WAIT_ANSWER and byte == ENQ:
            self.phase = Phase.READING
            return ACK_BYTE
        elif self.phase is Phase.WAIT_ANSWER and byte == STX:
            self.phase = Phase.READING
            self._buffer = bytes((byte,)) + self._buffer
        return b""

    def _wait(self) -> float:
        if self.phase is Phase.WAIT_ANSWER:
            return self._answer_timeout
        return self.control_timeout

    def _spend(self, reason: str) -> None:
        self._retries += 1
        if self._retries <= self.max_retries:
            return
        if self.eot_sent:
            raise self._unknown(reason)
        self.phase = Phase.IDLE
        raise LinkLost(f"Нет связи с ККТ ({reason}); команда не выполнена",
                       f"No link to the device ({reason}); the command did not run")

    def _unknown(self, reason: str) -> DeviceTimeout:
        self.phase = Phase.IDLE
        return DeviceTimeout(f"ККТ не ответила на команду ({reason}): результат неизвестен",
                             f"The device did not answer the command ({reason}): outcome unknown")


@dataclass(frozen=True, slots=True)
class DeviceStepV2:
    """Bytes to write now and the command messages to run."""

    write: bytes
    commands: tuple[bytes, ...] = ()


class DeviceExchangeV2:
    """Device side of one v2 connection.

    An ``ENQ`` from the host always wins: an answer still on offer (its ``ENQ`` or frame lost)
    is dropped, as the host has given up on it and will reconcile.
    """

    def __init__(self) -> None:
        self.phase = Phase.IDLE
        self._received: bytes | None = None
        self._pending = b""
        self._buffer = b""

    def receive(self, data: bytes) -> DeviceStepV2:
        """Feed bytes from the host."""
        self._buffer += data
        write = bytearray()
        commands: list[bytes] = []
        while self._buffer:
            if self._buffer[0] == STX and self.phase is Phase.READING:
                used, frame = atol_v2.decode(self._buffer)
                self._buffer = self._buffer[used:]
                if frame is None:
                    break
                if isinstance(frame, DamagedFrame):
                    write += NAK_BYTE
                else:
                    self._received = frame.data
                    write += ACK_BYTE
                continue
            byte, self._buffer = self._buffer[0], self._buffer[1:]
            if byte == ENQ:  # the host wants to send; an answer it gave up on is dropped
                self.phase = Phase.READING
                write += ACK_BYTE
            elif byte == EOT and self.phase is Phase.READING and self._received is not None:
                commands.append(self._received)
                self._received = None
                self.phase = Phase.WAIT_ANSWER
            elif self.phase is Phase.ENQ_SENT and byte == ACK:
                self.phase = Phase.FRAME_SENT
                write += self._pending
            elif self.phase is Phase.ENQ_SENT and byte == NAK:
                write += ENQ_BYTE
            elif self.phase is Phase.FRAME_SENT and byte == ACK:
                self.phase = Phase.IDLE
                write += EOT_BYTE
            elif self.phase is Phase.FRAME_SENT and byte == NAK:
                write += self._pending
        return DeviceStepV2(bytes(write), tuple(commands))

    def respond(self, message: bytes) -> bytes:
        """Give the answer of the command run; returns the ENQ that offers it."""
        self._pending = atol_v2.encode(message)
        self.phase = Phase.ENQ_SENT
        return ENQ_BYTE

    def drop(self) -> None:
        """Forget the command's answer (a lost reply): back to idle."""
        self.phase = Phase.IDLE
