"""Async glue of the host side: runs typed ATOL commands over a transport with the v3 exchange.

``await session.execute(request)`` sends one task and returns the decoded answer (a device error
raises). ``await session.reset()`` clears the device's task buffer, as a fresh connection should.
The per-command answer timeouts are T5 of PROTOCOLS.md §2.1.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final, TypeVar, cast

from ...errors import DeviceTimeout, LinkLost
from ...framing.atol_v2 import EOT
from ...transport.base import Transport
from .codes import DEFAULT_PASSWORD
from .detect import V2_PROBE, V3_PROBE, LowerLayer, answers_v2, answers_v3
from .exchange import HostExchange, HostStep
from .exchange_v2 import HostExchangeV2
from .messages import Answer, Request

log = logging.getLogger(__name__)
A = TypeVar("A", bound=Answer)
READ_CHUNK: Final = 512
HISTORY: Final = 32
DEFAULT_ANSWER_TIMEOUT: Final = 10.0
#: command code -> seconds to wait for its result (T5)
ANSWER_TIMEOUTS: Final[Mapping[int, float]] = MappingProxyType({
    0x4A: 20.0, 0x8D: 20.0, 0x8E: 20.0, 0xA7: 20.0, 0x5A: 40.0, 0x91: 45.0, 0xA6: 50.0,
    0xE6: 50.0, 0xEA: 50.0, 0xEB: 50.0, 0xA8: 120.0, 0xAB: 120.0})


def answer_timeout(code: int) -> float:
    """Seconds to wait for the result of command ``code``."""
    return ANSWER_TIMEOUTS.get(code, DEFAULT_ANSWER_TIMEOUT)


class HostSession:
    """Runs ATOL commands over one transport, one at a time."""

    def __init__(self, transport: Transport, *, layer: LowerLayer = LowerLayer.V3,
                 control_timeout: float = 0.5, poll_interval: float = 0.5, max_retries: int = 5,
                 password: int = DEFAULT_PASSWORD) -> None:
        self.transport = transport
        self.layer = layer
        self.exchange: HostExchange | HostExchangeV2 = (
            HostExchange(control_timeout=control_timeout, poll_interval=poll_interval,
                         max_retries=max_retries)
            if layer is LowerLayer.V3
            else HostExchangeV2(control_timeout=control_timeout, max_retries=max_retries))
        self.password = password
        self.timeouts: Callable[[int], float] = answer_timeout
        self.history: deque[str] = deque(maxlen=HISTORY)
        self._lock = asyncio.Lock()

    async def execute(self, request: Request, answer: type[A] | None = None) -> A:
        """Send ``request`` and return its decoded answer."""
        kind = answer or request.answer
        message = await self.execute_raw(request.encode(self.password),
                                         self.timeouts(request.code))
        return cast(A, kind.decode(message))

    async def execute_raw(self, message: bytes, timeout: float) -> bytes:
        """Send an upper-layer message and return the device's answer message."""
        async with self._lock:
            try:
                return await self._run(self.exchange.begin(message, timeout))
            except (DeviceTimeout, LinkLost):
                log.error("%s: no answer; recent traffic:\n%s", self.transport.url,
                          "\n".join(self.history))
                raise

    async def reset(self) -> None:
        """Clear the device's task buffer (ABORT, v3 only) and swallow whatever answers it."""
        if not isinstance(self.exchange, HostExchange):
            return
        async with self._lock:
            await self._write(self.exchange.abort())
            try:
                data = await self.transport.read(READ_CHUNK, self.exchange.control_timeout)
            except DeviceTimeout:
                return
            self._record("rx", data)

    async def _run(self, step: HostStep) -> bytes:
        while True:
            await self._write(step.write)
            if step.answer is not None:
                return step.answer
            try:
                data = await self.transport.read(READ_CHUNK, step.timeout)
            except DeviceTimeout:
                step = self.exchange.expire()
                continue
            self._record("rx", data)
            step = self.exchange.receive(data)

    async def _write(self, data: bytes) -> None:
        if data:
            self._record("tx", data)
            await self.transport.write(data)

    def _record(self, direction: str, data: bytes) -> None:
        line = f"{direction} {data.hex(' ')}"
        self.history.append(line)
        log.debug("%s %s", self.transport.url, line)


async def detect_layer(transport: Transport, timeout: float = 0.5) -> LowerLayer:
    """Probe which lower layer the device on ``transport`` speaks (see :mod:`.detect`)."""
    for probe, answers, layer in ((V3_PROBE, answers_v3, LowerLayer.V3),
                                  (V2_PROBE, answers_v2, LowerLayer.V2)):
        await transport.write(probe)
        received = b""
        try:
            while not answers(received):
                received += await transport.read(READ_CHUNK, timeout)
        except DeviceTimeout:
            continue
        if layer is LowerLayer.V2:
            await transport.write(bytes((EOT,)))  # release the line the ENQ took
        return layer
    raise DeviceTimeout(f"ККТ {transport.url} не отвечает ни по протоколу v3, ни по v2",
                        f"The register at {transport.url} answers neither lower layer v3 nor v2")
