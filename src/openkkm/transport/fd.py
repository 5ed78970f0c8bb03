"""File-descriptor transports driven by the event loop: serial ports (pyserial) and pty masters.

pyserial configures the line (baud rate, 8N1, raw mode) and opens the port with O_NONBLOCK;
the bytes then move with ``os.read``/``os.write`` woken by ``loop.add_reader``/``add_writer``, so
no thread ever blocks on the port.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Final

import serial

from ..errors import LinkLost
from .base import Transport
from .deadline import ReadDeadline

READ_SIZE: Final = 4096  #: bytes per ``os.read``; a device's frames are far smaller


class FdTransport(Transport):
    """A transport over a non-blocking file descriptor; ``release`` closes what owns the fd.

    Once read from, the fd stays registered with the loop and each readiness drains the kernel
    buffer into ours; a read then waits for readiness rather than trying ``os.read`` first. On
    a pty that read would block in the kernel until the tty layer's worker had flushed the
    peer's pending bytes, stalling the loop meanwhile: 0.3 ms over a Shtrih receipt's 28
    transfers. Registering before and unregistering after every wait cost two
    ``epoll_ctl`` calls and a failed ``read`` per direction change, a third of the CPU of a
    whole receipt exchange. The buffer stops taking bytes past ``HIGH_WATER`` until read.
    """

    HIGH_WATER = 1 << 16

    def __init__(self, fd: int, url: str, release: Callable[[], None]) -> None:
        super().__init__(url)
        self._fd = fd
        self._release = release
        self._buffer = bytearray()
        self._failure: LinkLost | None = None  #: the fd is gone (EOF or an error)
        self._watching = False  #: registered with the loop as a reader
        self._reader: asyncio.Future[None] | None = None  #: the read waiting for bytes
        self._writer: asyncio.Future[None] | None = None  #: the write waiting for room
        self._deadline = ReadDeadline(url)

    async def read(self, n: int, timeout: float | None) -> bytes:
        """Return 1…``n`` bytes, waiting for some up to ``timeout``."""
        self._check_open()
        if not self._buffer and not self._watching:  # watched: readiness drains it
            self._drain()
        if not self._buffer:
            if self._failure is not None:
                raise self._failure
            self._watch()
            await self._wait_reader(timeout)
        if not self._buffer:
            raise self._failure or self._lost(None)
        data = bytes(self._buffer[:n])
        del self._buffer[:n]
        if self._failure is None:
            self._watch()  # again, if a full buffer had stopped it
        return data

    async def write(self, data: bytes) -> None:
        """Write all of ``data``, waiting for writability when the driver buffer is full."""
        view = memoryview(data)
        while view:
            self._check_open()
            try:
                sent = os.write(self._fd, view)
            except BlockingIOError:
                await self._wait_writer()
                continue
            except OSError as exc:
                raise self._lost(exc) from exc
            view = view[sent:]

    async def close(self) -> None:
        """Release the descriptor; a read or write waiting on it raises ``LinkLost``."""
        if self.closed:
            return
        self.closed = True
        self._deadline.cancel()
        loop = asyncio.get_running_loop()
        if self._watching:
            loop.remove_reader(self._fd)  # before the fd number can be reused by another open
            self._watching = False
        if self._writer is not None:
            loop.remove_writer(self._fd)
        for waiting in (self._reader, self._writer):
            if waiting is not None and not waiting.done():
                waiting.set_result(None)
        self._release()

    def _drain(self) -> None:
        """Move what the kernel holds into the buffer; note EOF or an error as the failure."""
        while len(self._buffer) < self.HIGH_WATER:
            try:
                data = os.read(self._fd, READ_SIZE)
            except BlockingIOError:
                return
            except OSError as exc:  # EIO: the other side of a pty went away
                self._fail(self._lost(exc))
                return
            if not data:
                self._fail(self._lost(None))
                return
            self._buffer += data
            if len(data) < READ_SIZE:
                return  # the kernel had no more: a read now would only fail with EAGAIN
        self._unwatch()  # full: the kernel keeps the rest until a read makes room

    def _readable(self) -> None:
        """The loop's reader callback: drain and wake the waiting read."""
        self._drain()
        waiting = self._reader
        if waiting is not None and not waiting.done() and (self._buffer or self._failure):
            waiting.set_result(None)

    def _fail(self, failure: LinkLost) -> None:
        """Remember that the fd is gone and stop watching it."""
        self._failure = failure
        self._unwatch()

    def _watch(self) -> None:
        """Register the reader callback (once)."""
        if not self._watching:
            asyncio.get_running_loop().add_reader(self._fd, self._readable)
            self._watching = True

    def _unwatch(self) -> None:
        """Unregister the reader callback."""
        if self._watching:
            asyncio.get_running_loop().remove_reader(self._fd)
            self._watching = False

    async def _wait_reader(self, timeout: float | None) -> None:
        """Wait until bytes (or a failure) arrive, or raise ``DeviceTimeout``.

        A plain future bounded by :class:`ReadDeadline`: every exchange with a device waits here
        once per direction change, and ``asyncio.wait_for`` costs more than the wait itself.
        """
        ready = self._reader = asyncio.get_running_loop().create_future()
        self._deadline.watch(ready, timeout)
        try:
            await ready
        finally:
            self._reader = None
        self._check_open()

    async def _wait_writer(self) -> None:
        """Wait until the fd takes bytes again."""
        loop = asyncio.get_running_loop()
        ready = self._writer = loop.create_future()
        loop.add_writer(self._fd, lambda: ready.done() or ready.set_result(None))
        try:
            await ready
        finally:
            self._writer = None
            if not self.closed:
                loop.remove_writer(self._fd)

    def _check_open(self) -> None:
        """Refuse I/O on a closed transport."""
        if self.closed:
            raise self._lost(None)

    def _lost(self, exc: OSError | None) -> LinkLost:
        """Return the error for a vanished port."""
        detail = f": {exc}" if exc else ""
        return LinkLost(f"Порт {self.url} недоступен{detail}", f"Port {self.url} is gone{detail}")


def open_serial(port: str, *, baudrate: int, url: str) -> FdTransport:
    """Open a local serial device (or pty slave) at ``baudrate``, 8N1, no flow control."""
    try:
        line = serial.Serial(port=port, baudrate=baudrate, timeout=0, write_timeout=0)
    except (serial.SerialException, ValueError) as exc:
        raise LinkLost(f"Не удалось открыть {url}: {exc}", f"Cannot open {url}: {exc}") from exc
    import termios  # POSIX only; Windows uses the threaded transport (see url.py)

    # VMIN=1: an empty non-blocking read raises EAGAIN instead of returning b"", so b"" is EOF.
    attrs = termios.tcgetattr(line.fileno())
    attrs[6][termios.VMIN], attrs[6][termios.VTIME] = 1, 0
    termios.tcsetattr(line.fileno(), termios.TCSANOW, attrs)
    return FdTransport(line.fileno(), url, line.close)


def open_pty_pair() -> tuple[FdTransport, str]:
    """Create a pseudo-terminal; return the device end (master) and the slave path for a client.

    The slave stays open here too, so the master never sees EIO before a client connects.
    """
    import tty  # POSIX only

    master, slave = os.openpty()
    tty.setraw(slave)
    os.set_blocking(master, False)
    path = os.ttyname(slave)

    def release() -> None:
        os.close(master)
        os.close(slave)

    return FdTransport(master, f"pty://{path}", release), path
