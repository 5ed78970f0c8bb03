"""Async glue between a transport and the sans-IO exchanges: host session and device loop.

The host session is what a driver holds: ``await session.execute(request, AnswerType)`` runs the
ENQ/ACK/NAK dance with the per-command answer timeout and returns the decoded answer. The device
loop is what an emulator runs per connection: it feeds received bytes to a
:class:`DeviceExchange` and answers every accepted frame with ``execute(frame)``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Final, Protocol, TypeVar

from ...errors import DeviceTimeout, LinkLost
from ...framing.shtrih import Frame
from ...transport.base import Transport
from .exchange import DeviceExchange, DeviceStep, HostExchange, HostStep
from .messages import Answer, Request, decode_answer
from .timeouts import answer_timeout

log = logging.getLogger(__name__)

A = TypeVar("A", bound=Answer)
READ_CHUNK: Final = 512
HISTORY: Final = 32  #: last raw chunks kept for error reports
#: seconds an early ENQ's NAK stays good for a frame: the register's default byte timeout
PRIME_FRESH: Final = 0.05


class HostMachine(Protocol):
    """What a host exchange offers: protocol 1 (:class:`HostExchange`) or 2 (``HostExchangeV2``)."""

    def begin(self, payload: bytes, answer_timeout: float) -> HostStep:
        """Start a command."""

    def receive(self, data: bytes) -> HostStep:
        """Feed received bytes."""

    def expire(self) -> HostStep:
        """Report a timeout."""


class DeviceMachine(Protocol):
    """What a device exchange offers: protocol 1 or 2."""

    def receive(self, data: bytes) -> DeviceStep:
        """Feed received bytes."""

    def respond(self, payload: bytes) -> bytes:
        """Give the answer of the executing command."""


class HostSession:
    """Runs Shtrih commands over one transport, one at a time."""

    def __init__(
        self,
        transport: Transport,
        *,
        control_timeout: float = 1.0,
        max_retries: int = 10,
        timeouts: Callable[[int], float] = answer_timeout,
        exchange: HostMachine | None = None,
    ) -> None:
        self.transport = transport
        self.exchange: HostMachine = exchange or HostExchange(
            control_timeout=control_timeout, max_retries=max_retries
        )
        self.timeouts = timeouts
        self._chunks: deque[tuple[str, bytes]] = deque(maxlen=HISTORY)
        self._lock = asyncio.Lock()
        #: the last answer's final ACK, not yet written: it goes out in front of the next ENQ
        #: (one transfer instead of two), or on its own as soon as the loop is idle
        self._owed = b""
        self._flusher: asyncio.Task[None] | None = None
        self._primed_at: float | None = None  #: loop time of an early ENQ (see ``then``)

    async def execute(self, request: Request, answer: type[A], *, then: bool = False) -> A:
        """Send ``request`` and return its decoded answer (a device error raises).

        ``then``: another command follows at once, so the next ENQ goes out with this answer's
        ACK (protocol 1) and the register's NAK crosses the line while the answer is decoded.
        """
        payload = await self.execute_raw(request.encode(), self.timeouts(request.code), then=then)
        return decode_answer(request, payload, answer)

    async def execute_raw(self, payload: bytes, timeout: float, *, then: bool = False) -> bytes:
        """Send ``CMD DATA`` and return the answer payload ``CMD ERR DATA``."""
        async with self._lock:
            try:
                return await self._run(payload, timeout, then)
            except (DeviceTimeout, LinkLost):
                self._log_failure()
                raise

    def unprime(self) -> bool:
        """Forget an early ENQ whose command never came; its NAK is then a stray byte."""
        self._primed_at = None
        return isinstance(self.exchange, HostExchange) and self.exchange.unprime()

    async def flush(self) -> None:
        """Write the owed final ACK now (before closing the transport)."""
        async with self._lock:
            await self._write_owed()

    async def _run(self, payload: bytes, timeout: float, then: bool) -> bytes:
        """Drive the exchange until it yields the answer or raises."""
        primed_at, self._primed_at = self._primed_at, None
        if primed_at is not None and isinstance(self.exchange, HostExchange):
            age = asyncio.get_running_loop().time() - primed_at
            step = self.exchange.begin(payload, timeout, stale=age > PRIME_FRESH)
        else:
            step = self.exchange.begin(payload, timeout)
        owed, self._owed = self._owed, b""
        first = owed + step.write  # the device reads the ACK before the ENQ: in order
        while True:
            if step.answer is not None:
                self._report_stale()
                if then and isinstance(self.exchange, HostExchange):
                    await self._prime(step.write)
                else:
                    self._owe(step.write)
                return step.answer.payload
            await self._write(first or step.write)
            first = b""
            try:
                data = await self.transport.read(READ_CHUNK, step.timeout)
            except DeviceTimeout:
                step = self.exchange.expire()
                continue
            self._record("rx", data)
            step = self.exchange.receive(data)

    async def _prime(self, ack: bytes) -> None:
        """Write the final ACK with the next command's ENQ; a failure here is the next one's."""
        assert isinstance(self.exchange, HostExchange)
        try:
            await self._write(ack + self.exchange.prime())
        except LinkLost as exc:  # the answer is good; the next command meets the dead link
            log.debug("%s: early ENQ not written: %s", self.transport.url, exc)
            return
        self._primed_at = asyncio.get_running_loop().time()

    def _report_stale(self) -> None:
        """Warn about answers of earlier commands collected on the way (a lost final ACK)."""
        if isinstance(self.exchange, HostExchange):
            for frame in self.exchange.stale_answers:
                log.warning(
                    "%s: collected a stale answer %s", self.transport.url, frame.payload.hex(" ")
                )

    def _owe(self, data: bytes) -> None:
        """Keep the final ACK for the next write; a task writes it if no command comes first."""
        self._owed += data
        if self._owed and self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush_owed())

    async def _flush_owed(self) -> None:
        """Write the owed ACK if the session is idle; a link gone meanwhile is not an error.

        A command already running took the ACK in front of its ENQ; queueing on the lock
        would only make the next command wait behind this task.
        """
        try:
            if self._lock.locked():
                return
            async with self._lock:
                await self._write_owed()
        except (LinkLost, DeviceTimeout) as exc:
            log.debug("%s: final ACK not written: %s", self.transport.url, exc)
        finally:
            self._flusher = None

    async def _write_owed(self) -> None:
        """Write what is owed, if anything (the lock is held)."""
        owed, self._owed = self._owed, b""
        if owed and not self.transport.closed:
            await self._write(owed)

    async def _write(self, data: bytes) -> None:
        """Write and record ``data`` (if any)."""
        if data:
            self._record("tx", data)
            await self.transport.write(data)

    @property
    def history(self) -> list[str]:
        """The last raw chunks both ways, as ``"tx 05"`` lines, for error reports."""
        return [f"{direction} {data.hex(' ')}" for direction, data in self._chunks]

    def _record(self, direction: str, data: bytes) -> None:
        """Keep the chunk for error reports (formatted only when one is made) and log it."""
        self._chunks.append((direction, data))
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s %s", self.transport.url, direction, data.hex(" "))

    def _log_failure(self) -> None:
        """Log the recent traffic once when the link fails."""
        log.error("%s: no answer; recent traffic:\n%s", self.transport.url,
                  "\n".join(self.history))


async def serve_device(
    transport: Transport,
    execute: Callable[[Frame], Awaitable[bytes]],
    *,
    require_enq_first: bool = True,
    exchange: DeviceMachine | None = None,
) -> None:
    """Run the device side on ``transport`` until the host goes away.

    ``execute`` gets each accepted command frame and returns the answer payload
    (``CMD ERR DATA``); with protocol 1 the answer stays pending until the host ACKs it.
    """
    exchange = exchange or DeviceExchange(require_enq_first=require_enq_first)
    while True:
        try:
            data = await transport.read(READ_CHUNK, None)
        except LinkLost:
            return
        step = exchange.receive(data)
        if step.write:
            await transport.write(step.write)
        for frame in step.commands:
            await transport.write(exchange.respond(await execute(frame)))
