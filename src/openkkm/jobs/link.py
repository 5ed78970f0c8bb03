"""The worker's guarded calls into its driver: time limits, reconnects, online state."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from openkkm.drivers.base import Driver
from openkkm.errors import (
    DeviceTimeout,
    FiscalStateError,
    NotSupportedError,
    OpenKKMError,
    TransportError,
    ValidationError,
)
from openkkm.fiscal.types import DeviceInfo, DeviceStatus
from openkkm.jobs.devices import DeviceHandle
from openkkm.jobs.operations import InternalFailure

log = logging.getLogger(__name__)
T = TypeVar("T")


class DeviceLink:
    """A driver seen through its handle: every call is bounded and updates ``online``."""

    def __init__(self, handle: DeviceHandle, driver: Driver, call_timeout: float) -> None:
        self.handle = handle
        self.driver = driver
        self.call_timeout = call_timeout

    @contextmanager
    def allowing(self, seconds: float) -> Iterator[None]:
        """Let each call inside take up to ``seconds`` where that exceeds the usual limit."""
        usual = self.call_timeout
        self.call_timeout = max(usual, seconds)
        try:
            yield
        finally:
            self.call_timeout = usual

    async def call(self, awaitable: Awaitable[T]) -> T:
        """Await a driver call; past the time limit it is a ``DeviceTimeout``."""
        try:
            async with asyncio.timeout(self.call_timeout):
                return await awaitable
        except TimeoutError as exc:
            raise DeviceTimeout(
                f"ККТ не ответила за {self.call_timeout:.0f} с",
                f"The register did not answer within {self.call_timeout:.0f} s") from exc

    async def status(self) -> DeviceStatus:
        """Read the register's status."""
        return await self.call(self.driver.status())

    async def connect(self) -> None:
        """Reconnect if the device is marked offline."""
        if not self.handle.online:
            await self.reconnect()

    async def reconnect(self) -> None:
        """Close and reopen the link; the device is online again if that works."""
        await self.driver.stop()
        try:
            await self.call(self.driver.start())
        except OpenKKMError as exc:
            self.offline(exc)
            raise
        self.handle.online = True
        self.handle.last_error = ""
        if self.driver.fiscal:
            await self.info_or_none()  # registration data for receipts and List

    def offline(self, exc: OpenKKMError) -> None:
        """Mark the device offline with the error (logged at ERROR once per outage)."""
        if self.handle.online:
            log.error("device %s went offline: %s", self.handle.num, exc.en)
        self.handle.online = False
        self.handle.last_error = exc.ru

    def block(self, exc: OpenKKMError) -> None:
        """Block the device after a failure of its own (not of the command's content).

        Why: a pool must stop routing to a register with no paper or a failing drive; the idle
        probe lets it back in once it answers healthy.
        """
        if isinstance(exc, ValidationError | NotSupportedError):
            return
        if not self.handle.blocked:
            log.warning("device %s blocked: %s", self.handle.num, exc.en)
        self.handle.blocked = True
        self.handle.last_error = exc.ru

    async def probe(self) -> None:
        """Reconnect an offline device; check a pool member's or blocked device's health.

        Why pool members too: a member whose link went down while idle must be passed over
        before a command is routed to it, not after.
        """
        await self.connect()
        if not (self.handle.blocked or self.handle.pooled):
            return
        if self.driver.fiscal:
            try:
                paper_out = (await self.status()).paper_out
            except TransportError as exc:
                self.offline(exc)
                raise
            if paper_out:
                self.block(FiscalStateError("В ККТ нет бумаги", "The register is out of paper"))
                return
        if self.handle.blocked:
            self.handle.blocked = False
            self.handle.last_error = ""
            log.info("device %s unblocked: it answers again", self.handle.num)

    async def info(self) -> DeviceInfo:
        """Read the register's state and cache it on the handle (for ``List``)."""
        info = await self.call(self.driver.info())
        self.handle.info = info
        self.handle.registration = info.registration
        return info

    async def info_or_none(self) -> DeviceInfo | None:
        """``info`` where a failure only costs the extra data."""
        try:
            return await self.info()
        except OpenKKMError as exc:
            log.warning("reading the state of device %s failed: %s", self.handle.num, exc.en)
            return None


async def start_device(handle: DeviceHandle, driver: Driver, call_timeout: float) -> None:
    """Start a driver at server start; a device that fails stays offline with its error."""
    try:
        await asyncio.wait_for(driver.start(), call_timeout)
        handle.online = True
        if not driver.fiscal:  # a printer has no registration to read
            return
        info = await asyncio.wait_for(driver.info(), call_timeout)
    except (OpenKKMError, TimeoutError) as exc:
        handle.last_error = exc.ru if isinstance(exc, OpenKKMError) else "ККТ не отвечает"
        log.error("device %s (%s): %s", handle.num, handle.unit_name, handle.last_error)
        return
    except Exception:  # one broken device must not stop the server
        incident = uuid.uuid4().hex[:8].upper()
        log.exception("incident %s: starting device %s failed", incident, handle.num)
        handle.online = False
        handle.last_error = InternalFailure(incident).ru
        return
    handle.info = info
    handle.registration = info.registration
