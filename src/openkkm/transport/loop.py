"""In-memory transports: a connected pair for tests and in-process emulators, and ``loop://``.

``loop://`` alone is an echo loopback (what is written is read back, like pyserial's).
``loop://<name>`` reaches a device end that an in-process emulator registered under ``name``
on a :class:`LoopHub` the caller owns (no global registry).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ..errors import ConfigError, LinkLost
from .base import Transport
from .deadline import ReadDeadline


class _Pipe:
    """One direction of an in-memory link: its bytes and the one read waiting for them.

    The waiting read holds a plain future (bounded by :class:`ReadDeadline`) rather than an
    ``asyncio.Event`` under ``wait_for``: the in-process emulator behind ``openkkm serve``'s
    default device hands bytes over here several times per command, and ``wait_for`` costs
    more than the hand-over itself.
    """

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.waiter: asyncio.Future[None] | None = None
        self.closed = False

    def wake(self) -> None:
        """Wake the read waiting on this direction, if any."""
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


def _link_lost(url: str) -> LinkLost:
    """Return the error for a closed in-memory link."""
    return LinkLost(f"Соединение {url} закрыто", f"The link {url} is closed")


class LoopTransport(Transport):
    """One end of an in-memory link."""

    def __init__(self, incoming: _Pipe, outgoing: _Pipe, url: str = "loop://") -> None:
        super().__init__(url)
        self._incoming = incoming
        self._outgoing = outgoing
        self._deadline = ReadDeadline(url)

    async def read(self, n: int, timeout: float | None) -> bytes:
        """Return buffered bytes, waiting up to ``timeout`` for some."""
        if not self._incoming.buffer:
            if self._incoming.closed or self.closed:
                raise _link_lost(self.url)
            waiter = self._incoming.waiter = asyncio.get_running_loop().create_future()
            self._deadline.watch(waiter, timeout)
            try:
                await waiter  # woken by bytes or by a close
            finally:
                self._incoming.waiter = None
            if not self._incoming.buffer:
                raise _link_lost(self.url)
        chunk = bytes(self._incoming.buffer[:n])
        del self._incoming.buffer[:n]
        return chunk

    async def write(self, data: bytes) -> None:
        """Append ``data`` to the other end's buffer."""
        if self.closed or self._outgoing.closed:
            raise _link_lost(self.url)
        if data:
            self._outgoing.buffer += data
            self._outgoing.wake()

    async def close(self) -> None:
        """Close both directions; the other end's reads then raise LinkLost."""
        self.closed = True
        self._deadline.cancel()
        for pipe in (self._incoming, self._outgoing):
            pipe.closed = True
            pipe.wake()


def loop_pair(url: str = "loop://") -> tuple[LoopTransport, LoopTransport]:
    """Return a connected ``(host_end, device_end)`` pair."""
    to_device, to_host = _Pipe(), _Pipe()
    return LoopTransport(to_host, to_device, url), LoopTransport(to_device, to_host, url)


def loopback(url: str = "loop://") -> LoopTransport:
    """Return an echo transport: bytes written are read back."""
    pipe = _Pipe()
    return LoopTransport(pipe, pipe, url)


class LoopHub:
    """Named in-process device ends, so ``loop://<name>`` reaches an in-process emulator."""

    def __init__(self) -> None:
        self._acceptors: dict[str, Callable[[LoopTransport], object]] = {}

    def listen(self, name: str, acceptor: Callable[[LoopTransport], object]) -> None:
        """Register ``acceptor``; it gets the device end of every new connection to ``name``."""
        self._acceptors[name] = acceptor

    def unlisten(self, name: str) -> None:
        """Stop accepting connections to ``name``."""
        self._acceptors.pop(name, None)

    def connect(self, name: str) -> LoopTransport:
        """Connect to ``name``; returns the host end."""
        acceptor = self._acceptors.get(name)
        if acceptor is None:
            known = ", ".join(sorted(self._acceptors)) or "нет"
            raise ConfigError(
                f"Нет встроенного устройства loop://{name} (есть: {known})",
                f"No in-process device loop://{name} (known: {known})",
            )
        host_end, device_end = loop_pair(f"loop://{name}")
        acceptor(device_end)
        return host_end
