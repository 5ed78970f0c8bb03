"""File-descriptor transports driven by the event loop: serial ports (pyserial) and pty masters.

pyserial configures the line (baud rate, 8N1, raw mode) and opens the port with O_NONBLOCK;
the bytes then move with ``os.read``/``os.write`` woken by ``loop.add_reader``/``add_writer``, so
no thread ever blocks on the port.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

import serial

from ..errors import LinkLost
from .base import Transport, timeout_error


class FdTransport(Transport):
    """A transport over a non-blocking file descriptor; ``release`` closes what owns the fd."""

    def __init__(self, fd: int, url: str, release: Callable[[], None]) -> None:
        super().__init__(url)
        self._fd = fd
        self._release = release
        #: pending waits and how to unregister each; ``close`` ends them before the fd goes
        self._waits: dict[asyncio.Future[None], Callable[[int], bool]] = {}

    async def read(self, n: int, timeout: float | None) -> bytes:
        """Return 1…``n`` bytes, waiting for readability up to ``timeout``."""
        while True:
            self._check_open()
            try:
                data = os.read(self._fd, n)
            except BlockingIOError:
                await self._wait(readable=True, timeout=timeout)
                continue
            except OSError as exc:  # EIO: the other side of a pty went away
                raise self._lost(exc) from exc
            if not data:
                raise self._lost(None)
            return data

    async def write(self, data: bytes) -> None:
        """Write all of ``data``, waiting for writability when the driver buffer is full."""
        view = memoryview(data)
        while view:
            self._check_open()
            try:
                sent = os.write(self._fd, view)
            except BlockingIOError:
                await self._wait(readable=False, timeout=None)
                continue
            except OSError as exc:
                raise self._lost(exc) from exc
            view = view[sent:]

    async def close(self) -> None:
        """Release the descriptor; a read or write waiting on it raises ``LinkLost``."""
        if not self.closed:
            self.closed = True
            for ready, remove in self._waits.items():
                remove(self._fd)  # before the fd number can be reused by another open
                if not ready.done():
                    ready.set_result(None)
            self._waits.clear()
            self._release()

    async def _wait(self, *, readable: bool, timeout: float | None) -> None:
        """Wait until the fd is readable (or writable), or raise ``DeviceTimeout``.

        A plain future and one timer: every exchange with a device waits here once per
        direction change, and ``asyncio.wait_for`` costs more than the wait's bookkeeping.
        """
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        def expire() -> None:
            if not ready.done():
                ready.set_exception(timeout_error(self.url, timeout))

        add, remove = (
            (loop.add_reader, loop.remove_reader)
            if readable
            else (loop.add_writer, loop.remove_writer)
        )
        add(self._fd, wake)
        self._waits[ready] = remove
        timer = None if timeout is None else loop.call_later(timeout, expire)
        try:
            await ready
        finally:
            if timer is not None:
                timer.cancel()
            if self._waits.pop(ready, None) is not None:
                remove(self._fd)

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
