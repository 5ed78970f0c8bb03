"""The driver's link to one ATOL register: transport, host session, mode, reconnect-before-use.

The lower layer (v3 or v2) is detected at the first open. A transport failure marks the link
broken; the next *public* driver call reopens it (a new
connection clears the task buffer with ABORT and forgets the cached mode), never in the middle
of a fiscal step: the error reaches the worker instead.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from openkkm.errors import (
    DeviceRejected,
    DeviceTimeout,
    FiscalStateError,
    LinkLost,
    OpenKKMError,
    TransportError,
)
from openkkm.protocol.atol.cmd_state import (
    EnterMode,
    LeaveMode,
    StateCode,
    StateCodeAnswer,
)
from openkkm.protocol.atol.codes import DEFAULT_MODE_PASSWORD, Mode
from openkkm.protocol.atol.detect import LowerLayer
from openkkm.protocol.atol.messages import Answer, Request
from openkkm.protocol.atol.session import HostSession, answer_timeout, detect_layer
from openkkm.transport import LoopHub, open_transport

log = logging.getLogger(__name__)
A = TypeVar("A", bound=Answer)
T = TypeVar("T")


class AtolLink:
    """One open connection to a register at ``url``, reopened on demand after a failure."""

    def __init__(self, url: str, hub: LoopHub | None, *, control_timeout: float = 0.5,
                 poll_interval: float = 0.5) -> None:
        self.url = url
        self.hub = hub
        self.control_timeout = control_timeout
        self.poll_interval = poll_interval
        self.session: HostSession | None = None
        self.broken = False
        self.mode: Mode | None = None
        self.layer: LowerLayer | None = None  #: detected at the first open, then kept
        self.timeouts: Callable[[int], float] = answer_timeout  #: command code -> seconds

    async def open(self) -> None:
        """Open the transport, a fresh session, and clear the device's task buffer."""
        await self.close()
        try:
            transport = await open_transport(self.url, hub=self.hub)
        except OSError as exc:
            raise LinkLost(f"Нет связи с ККТ {self.url}: {exc}",
                           f"Cannot reach the register {self.url}: {exc}") from exc
        try:
            layer = self.layer or await detect_layer(transport, self.control_timeout)
        except BaseException:
            await transport.close()
            raise
        self.layer = layer
        self.session = HostSession(transport, layer=layer, control_timeout=self.control_timeout,
                                   poll_interval=self.poll_interval)
        self.session.timeouts = self.timeouts
        self.broken = False
        self.mode = None
        try:
            await self.session.reset()
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Close the transport; never raises."""
        session, self.session = self.session, None
        if session is not None:
            try:
                await session.transport.close()
            except (OSError, TransportError):
                log.debug("closing %s failed", self.url, exc_info=True)

    async def ready(self) -> None:
        """Reopen the link if the last command broke it (call before a step, never inside)."""
        if self.session is None or self.broken or self.session.transport.closed:
            await self.open()

    async def execute(self, request: Request, answer: type[A] | None = None) -> A:
        """Run one typed command; anything but a device refusal marks the link broken."""
        if self.session is None:
            raise self.not_open()
        try:
            return await self.session.execute(request, answer)
        except (DeviceRejected, FiscalStateError):
            self.mode = None  # a refusal may come from a wrong mode guess
            raise
        except BaseException:
            self.broken = True
            raise

    async def enter(self, mode: Mode) -> None:
        """Bring the device into ``mode`` (leaving the current one first)."""
        if self.mode == mode:
            return
        current = (await self.execute(StateCode(), StateCodeAnswer)).mode
        if current != mode:
            if current != Mode.SELECT:
                await self.execute(LeaveMode())
            await self.execute(EnterMode(mode=mode, password=DEFAULT_MODE_PASSWORD))
        self.mode = mode

    def not_open(self) -> LinkLost:
        """The error for a call before ``open`` (or after ``close``)."""
        return LinkLost(f"Связь с ККТ {self.url} не открыта",
                        f"The link to the register {self.url} is closed")


async def after_commit(awaitable: Awaitable[T]) -> T:
    """Await a read made after a fiscal step succeeded; any failure there means "reconcile"."""
    try:
        return await awaitable
    except TransportError:
        raise
    except OpenKKMError as exc:
        raise DeviceTimeout(
            f"Документ сформирован, но его данные не прочитаны ({exc.ru}): проверяется по ФН",
            f"The document was formed but its data could not be read ({exc.en}): checking the FN",
        ) from exc
