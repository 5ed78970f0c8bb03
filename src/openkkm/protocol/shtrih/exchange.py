"""Sans-IO ENQ/ACK/NAK exchanges of Shtrih-M protocol 1 (PROTOCOLS.md §1.1), host and device.

Neither machine touches a transport or a clock. The host machine returns a :class:`HostStep`
(bytes to write, how long to wait for input, and finally the answer); the caller writes, reads
with that timeout, and calls :meth:`HostExchange.receive` with what arrived or
:meth:`HostExchange.expire` when nothing did. The device machine turns received bytes into bytes
to write plus command frames to execute, and keeps the last answer pending until the host ACKs.

Host rules: ENQ before every command (it may go out early, with the last answer's ACK, when the
caller says another command follows at once); NAK = idle, send the frame; ACK = an answer is pending
(or being prepared): collect it, ACK it, and ENQ again; an answer collected before our frame
first went out (or carrying another command code) is *stale*, one collected after it is ours,
even when the device's ACK to our frame was lost or garbled (an STX where ACK/NAK was expected
starts reading the answer). After the frame: ACK = accepted, NAK = damaged (send again after ENQ),
silence = unknown (ENQ decides). An answer with a bad LRC gets NAK then ENQ; the device repeats
it only on ENQ. Every failure spends one of ``max_retries``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto

from ...errors import DeviceTimeout, LinkLost
from ...framing import shtrih
from ...framing.shtrih import ACK, ENQ, NAK, DamagedFrame, Frame

ACK_BYTE = bytes((ACK,))
NAK_BYTE = bytes((NAK,))
ENQ_BYTE = bytes((ENQ,))


class HostPhase(Enum):
    """Where the host exchange is."""

    IDLE = auto()
    PRIMED = auto()  #: the last answer's ACK and the next command's ENQ went out together
    ENQ_SENT = auto()
    FRAME_SENT = auto()
    READING_ANSWER = auto()
    DONE = auto()


@dataclass(frozen=True, slots=True)
class HostStep:
    """What the caller does next: write ``write``, then wait up to ``timeout`` s for input.

    ``answer`` is set (and ``timeout`` is ``None``) when the exchange is complete; ``write``
    then holds the final ACK.
    """

    write: bytes
    timeout: float | None
    answer: Frame | None = None


class HostExchange:
    """Host side of one connection: runs one command at a time through the ENQ/ACK/NAK dance."""

    def __init__(self, *, control_timeout: float = 1.0, max_retries: int = 10) -> None:
        self.control_timeout = control_timeout
        self.max_retries = max_retries
        self.phase = HostPhase.IDLE
        self.stale_answers: list[Frame] = []
        self.retries = 0
        self.command_sent = False  #: the device ACKed our frame (or answered it)
        self.frame_written = False  #: our frame went out at least once: the device may have acted
        self._frame = b""
        self._code = 0
        self._answer_timeout = 0.0
        self._buffer = b""
        self._reprobe = False  #: the reply due is to an ENQ too old to send a frame after

    def begin(self, payload: bytes, answer_timeout: float, *, stale: bool = False) -> HostStep:
        """Start a command (``CMD DATA``); returns the first step (an ENQ).

        After :meth:`prime` the ENQ is already out and the step writes nothing; ``stale`` says
        it went out too long ago, so its reply is taken and another ENQ asks afresh.
        """
        if self.phase not in (HostPhase.IDLE, HostPhase.DONE, HostPhase.PRIMED):
            raise RuntimeError("an exchange is already running")
        primed = self.phase is HostPhase.PRIMED
        self._frame = shtrih.encode(payload)
        self._code = shtrih.split_command(payload)[0]
        self._answer_timeout = answer_timeout
        self.retries = 0
        self.command_sent = self.frame_written = False
        self.stale_answers = []
        self._buffer = b""
        if not primed:
            return self._send_enq()
        self.phase = HostPhase.ENQ_SENT
        self._reprobe = stale
        return HostStep(b"", self.control_timeout)

    def prime(self) -> bytes:
        """Send the next command's ENQ now, behind the final ACK of the answer just taken.

        The register's NAK then crosses the line while the host works on that answer; the next
        :meth:`begin` waits for it instead of sending an ENQ.
        """
        if self.phase is not HostPhase.DONE:
            raise RuntimeError("only a finished exchange can be followed by an early ENQ")
        self.phase = HostPhase.PRIMED
        return ENQ_BYTE

    def unprime(self) -> bool:
        """Forget an early ENQ (its reply is read elsewhere); tell whether there was one."""
        primed = self.phase is HostPhase.PRIMED
        if primed:
            self.phase = HostPhase.IDLE
        return primed

    def receive(self, data: bytes) -> HostStep:
        """Feed bytes read from the device; returns the next step."""
        self._buffer += data
        write = b""
        while self._buffer:
            if self.phase in (HostPhase.ENQ_SENT, HostPhase.FRAME_SENT):
                byte, self._buffer = self._buffer[0], self._buffer[1:]
                step = self._on_control(byte)
            elif self.phase is HostPhase.READING_ANSWER:
                used, frame = shtrih.decode(self._buffer)
                self._buffer = self._buffer[used:]
                if frame is None:
                    break
                step = self._on_frame(frame)
            else:
                break
            if step is not None:
                write += step.write
                if step.answer is not None:
                    return HostStep(write, None, step.answer)
        return HostStep(write, self._wait())

    def expire(self) -> HostStep:
        """Report that the last step's timeout passed without the awaited input."""
        self._spend_retry("no reply")
        return self._send_enq()

    def _wait(self) -> float:
        """Return how long to wait in the current phase."""
        if self.phase is HostPhase.READING_ANSWER:
            return self._answer_timeout
        return self.control_timeout

    def _send_enq(self) -> HostStep:
        """Ask the device for its state."""
        self.phase = HostPhase.ENQ_SENT
        self._reprobe = False
        self._buffer = b""
        return HostStep(ENQ_BYTE, self.control_timeout)

    def _on_control(self, byte: int) -> HostStep | None:
        """Handle one byte while waiting for ACK/NAK; junk (javapos: 0xFF) is skipped.

        An STX here means the ACK before an answer frame was lost: read the frame.
        """
        if byte == shtrih.STX:
            self._buffer = bytes((byte,)) + self._buffer
            self.phase = HostPhase.READING_ANSWER
            return None
        if self.phase is HostPhase.ENQ_SENT and byte == NAK:
            if self._reprobe:
                return self._send_enq()
            if self.command_sent:
                self.phase = HostPhase.IDLE
                raise DeviceTimeout(
                    "ККТ приняла команду, но потеряла ответ: результат неизвестен",
                    "The device accepted the command but lost the answer: outcome unknown",
                )
            self.phase = HostPhase.FRAME_SENT
            self.frame_written = True
            return HostStep(self._frame, self.control_timeout)
        if self.phase is HostPhase.ENQ_SENT and byte == ACK:
            self.phase = HostPhase.READING_ANSWER
            return None
        if self.phase is HostPhase.FRAME_SENT and byte == ACK:
            self.command_sent = True
            self.phase = HostPhase.READING_ANSWER
            return None
        if self.phase is HostPhase.FRAME_SENT and byte == NAK:
            self._spend_retry("frame rejected")
            return self._send_enq()
        return None

    def _on_frame(self, frame: Frame | DamagedFrame) -> HostStep:
        """Handle an answer frame (ours or a stale one)."""
        if isinstance(frame, DamagedFrame):
            self._spend_retry("damaged answer")
            return HostStep(NAK_BYTE + self._send_enq().write, self.control_timeout)
        if frame.command != self._code or not self.frame_written:
            self.stale_answers.append(frame)
            return HostStep(ACK_BYTE + self._send_enq().write, self.control_timeout)
        self.command_sent = True
        self.phase = HostPhase.DONE
        return HostStep(ACK_BYTE, None, frame)

    def _spend_retry(self, reason: str) -> None:
        """Count a failure; raise when the budget is spent."""
        self.retries += 1
        if self.retries <= self.max_retries:
            return
        self.phase = HostPhase.IDLE
        if self.frame_written:
            raise DeviceTimeout(
                f"ККТ не ответила на команду ({reason}): результат неизвестен",
                f"The device did not answer the command ({reason}): outcome unknown",
            )
        raise LinkLost(
            f"Нет связи с ККТ ({reason}); команда не отправлена",
            f"No link to the device ({reason}); the command was not sent",
        )


@dataclass(frozen=True, slots=True)
class DeviceStep:
    """What the device writes now, and the accepted command frames to execute."""

    write: bytes
    commands: tuple[Frame, ...] = ()


class DeviceExchange:
    """Device side of one connection: answers ENQ, ACKs good frames, keeps the answer pending.

    ``require_enq_first`` reproduces the live ШТРИХ-М-02Ф quirk: on a fresh connection a frame
    that arrives before any ENQ is answered NAK and lost.
    """

    def __init__(self, *, require_enq_first: bool = True) -> None:
        self.require_enq_first = require_enq_first
        self.pending: bytes | None = None  #: last answer frame, until the host ACKs it
        self.busy = False  #: a command was accepted and its answer is not yet given
        self._seen_enq = False
        self._buffer = b""

    def receive(self, data: bytes) -> DeviceStep:
        """Feed bytes from the host; returns bytes to write and frames to execute."""
        self._buffer += data
        write = bytearray()
        commands: list[Frame] = []
        while self._buffer:
            first = self._buffer[0]
            if first == shtrih.STX:
                used, frame = shtrih.decode(self._buffer)
                self._buffer = self._buffer[used:]
                if frame is None:
                    break
                accepted = self._accept(frame)
                if accepted is None:
                    write += NAK_BYTE
                else:
                    commands.append(accepted)
                    write += ACK_BYTE
                continue
            self._buffer = self._buffer[1:]
            if first == ENQ:
                write += self._on_enq()
            elif first == ACK:
                self.pending = None
        return DeviceStep(bytes(write), tuple(commands))

    def respond(self, payload: bytes) -> bytes:
        """Give the answer payload (``CMD ERR DATA``) of the executing command; returns its frame.

        The frame stays pending (repeated on ENQ) until the host ACKs it.
        """
        self.busy = False
        self.pending = shtrih.encode(payload)
        return self.pending

    def _on_enq(self) -> bytes:
        """Answer ENQ: NAK when idle, ACK while preparing, ACK + the pending answer otherwise."""
        self._seen_enq = True
        if self.busy:
            return ACK_BYTE
        if self.pending is not None:
            return ACK_BYTE + self.pending
        return NAK_BYTE

    def _accept(self, frame: Frame | DamagedFrame) -> Frame | None:
        """Return the frame if it is to be executed, ``None`` if it gets NAK."""
        if isinstance(frame, DamagedFrame) or self.busy:
            return None
        if self.require_enq_first and not self._seen_enq:
            return None
        self.pending = None
        self.busy = True
        return frame
