"""The driver's link to one Shtrih register: transport, host session, and reconnect-before-use.

A transport failure marks the link broken; the next *public* driver call reopens it before its
first command, so a dropped TCP link heals by itself, but never in the middle of a fiscal step
(a step's commands all go through one session, and the error reaches the worker instead).

On protocol 2 every opened link gets a fresh numbered-frame exchange, which synchronises with
the register before its first command: the register's number may have moved (another client)
or started again (a restart) while the link was down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Final, TypeVar

from openkkm.errors import (
    DeviceRejected,
    DeviceTimeout,
    FiscalStateError,
    LinkLost,
    OpenKKMError,
    ProtocolError,
    TransportError,
)
from openkkm.protocol.shtrih.errors import device_error
from openkkm.protocol.shtrih.exchange import NAK_BYTE
from openkkm.protocol.shtrih.exchange_v2 import HostExchangeV2
from openkkm.protocol.shtrih.messages import Answer, Request, split_answer
from openkkm.protocol.shtrih.session import HostSession
from openkkm.protocol.shtrih.timeouts import answer_timeout
from openkkm.transport import LoopHub, Transport, open_transport

log = logging.getLogger(__name__)
IDLE_PROBE: Final = 1.0  #: seconds without a command after which the link is checked
PROBE_SECONDS: Final = 0.005  #: how long the check reads
READ_CHUNK: Final = 512
A = TypeVar("A", bound=Answer)
T = TypeVar("T")


class ShtrihLink:
    """One open connection to a register at ``url``, reopened on demand after a failure."""

    def __init__(
        self,
        url: str,
        hub: LoopHub | None,
        *,
        control_timeout: float = 1.0,
        timeouts: Callable[[int], float] = answer_timeout,
        protocol: int = 1,
    ) -> None:
        self.url = url
        self.protocol = protocol  #: the lower level: 1 (ENQ/ACK) or 2 (numbered frames)
        self.hub = hub
        self.control_timeout = control_timeout
        self.timeouts = timeouts  #: seconds to wait for each command's answer
        self.session: HostSession | None = None
        self.broken = False
        self.idle_probe = IDLE_PROBE  #: seconds idle after which ``ready`` checks the link
        self.last_used = 0.0  #: event-loop time of the last command

    async def open(self) -> None:
        """Open the transport and a fresh session; a failure is a ``TransportError``."""
        await self.close()
        try:
            transport = await open_transport(self.url, hub=self.hub)
        except OSError as exc:
            raise LinkLost(
                f"Нет связи с ККТ {self.url}: {exc}",
                f"Cannot reach the register {self.url}: {exc}",
            ) from exc
        exchange = (HostExchangeV2(sync_timeout=self.control_timeout)
                    if self.protocol == 2 else None)  # a fresh link syncs its numbering first
        self.session = HostSession(
            transport, control_timeout=self.control_timeout, timeouts=self.timeouts,
            exchange=exchange,
        )
        self.broken = False

    async def close(self) -> None:
        """Close the transport; never raises."""
        session, self.session = self.session, None
        if session is not None:
            try:
                await session.flush()  # the last answer's ACK, so the register is left idle
            except (OSError, TransportError):
                log.debug("flushing %s failed", self.url, exc_info=True)
            try:
                await session.transport.close()
            except (OSError, TransportError):
                log.debug("closing %s failed", self.url, exc_info=True)

    async def ready(self) -> None:
        """Reopen the link if it broke or was dropped while idle (call before a step, never inside).

        A peer that closed an idle TCP link is noticed only by reading, so after ``idle_probe``
        seconds without a command the link is read briefly: end of stream reopens it, and stray
        bytes (an answer the device repeats on ENQ anyway) are dropped.
        """
        if self.session is None or self.broken or self.session.transport.closed:
            await self.open()
            return
        if asyncio.get_running_loop().time() - self.last_used < self.idle_probe:
            return
        primed = self.session.unprime()  # an early ENQ whose command never came: its NAK
        try:
            stray = await self.session.transport.read(READ_CHUNK, PROBE_SECONDS)
        except DeviceTimeout:
            return
        except LinkLost:
            log.info("%s: the link was closed while idle; reconnecting", self.url)
            await self.open()
            return
        if not (primed and stray == NAK_BYTE):
            log.warning("%s: dropped %d stray bytes before a command", self.url, len(stray))

    @property
    def transport(self) -> Transport:
        """The open transport; ``LinkLost`` when closed."""
        return self._session().transport

    def frame_written(self) -> bool:
        """Tell whether the last command's frame went out, so the device may have acted on it."""
        exchange = self._session().exchange
        return bool(getattr(exchange, "frame_written", True))

    def retried(self) -> bool:
        """Tell whether the last exchange needed retries, so its frame may have gone out twice.

        A refusal then proves nothing about the first copy: a device that executed the frame,
        lost its ACK and answer, and restarted refuses the second copy (0x55 "receipt closed").
        Protocol 2 repeats a numbered frame, which the device runs at most once: never doubtful.
        """
        exchange = self._session().exchange
        if isinstance(exchange, HostExchangeV2):
            return False
        return bool(getattr(exchange, "retries", 0))

    async def execute(self, request: Request, answer: type[A], *, then: bool = False) -> A:
        """Run one typed command; a transport failure marks the link broken.

        ``then``: another command follows at once (see :meth:`HostSession.execute`).
        """
        session = self._session()
        self.last_used = asyncio.get_running_loop().time()
        try:
            return await session.execute(request, answer, then=then)
        except (DeviceRejected, FiscalStateError):
            raise  # a refusal: the exchange completed and the session is still good
        except BaseException:  # lost, garbled or cancelled mid-exchange: reopen before reuse
            self.broken = True
            raise

    async def execute_raw(self, command: bytes, data: bytes) -> bytes:
        """Run a command the typed table lacks; return its answer DATA (a device error raises)."""
        session = self._session()
        self.last_used = asyncio.get_running_loop().time()
        code = int.from_bytes(command, "big")
        try:
            payload = await session.execute_raw(command + data, self.timeouts(code))
        except BaseException:
            self.broken = True
            raise
        got, error, rest = split_answer(payload)
        if got != code:
            raise ProtocolError(
                f"Ответ на команду {got:#x} вместо {code:#x}",
                f"Answer to command {got:#x} instead of {code:#x}",
            )
        if error:
            raise device_error(error)
        return rest

    def not_open(self) -> LinkLost:
        """The error for a call before ``open`` (or after ``close``)."""
        return LinkLost(
            f"Связь с ККТ {self.url} не открыта",
            f"The link to the register {self.url} is closed",
        )

    def _session(self) -> HostSession:
        """The open session; ``LinkLost`` when there is none."""
        if self.session is None:
            raise self.not_open()
        return self.session


async def after_commit(awaitable: Awaitable[T]) -> T:
    """Await a read made after a fiscal step succeeded; any failure there means "reconcile".

    A refusal here must not reach the worker as a refusal: the step did happen.
    """
    try:
        return await awaitable
    except TransportError:
        raise
    except OpenKKMError as exc:
        raise DeviceTimeout(
            f"Документ сформирован, но его данные не прочитаны ({exc.ru}): проверяется по ФН",
            f"The document was formed but its data could not be read ({exc.en}): checking the FN",
        ) from exc


async def forming(link: ShtrihLink, command: Awaitable[T]) -> T:
    """Await a command that forms a document: refused after a retry, its outcome is unknown."""
    try:
        return await command
    except (DeviceRejected, FiscalStateError) as exc:
        if link.retried():
            raise unknown_outcome(exc) from exc
        raise


def unknown_outcome(exc: Exception) -> DeviceTimeout:
    """The error for a document-forming command whose answer was lost: the worker reconciles."""
    return DeviceTimeout(
        f"Ответ ККТ на команду, формирующую документ, потерян ({exc}): результат проверяется по ФН",
        f"The register's answer to a document-forming command was lost ({exc}): checking the FN",
    )
