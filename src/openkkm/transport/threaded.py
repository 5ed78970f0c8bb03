"""pyserial ports without a pollable fd: ``rfc2217://``, ``spy://``, ``hwgrep://``, Windows COM.

Their blocking calls run in a worker thread, one at a time, so the event loop stays free; the
single device task still owns the transport.
"""

from __future__ import annotations

import asyncio

import serial

from ..errors import LinkLost
from .base import Transport, timeout_error


class ThreadedSerialTransport(Transport):
    """A transport over a blocking pyserial port object."""

    def __init__(self, line: serial.SerialBase, url: str) -> None:
        super().__init__(url)
        self._line = line

    async def read(self, n: int, timeout: float | None) -> bytes:
        """Read 1…``n`` bytes in a worker thread with pyserial's own timeout."""
        self._check_open()
        self._line.timeout = timeout
        try:
            first = await asyncio.to_thread(self._line.read, 1)
            rest = self._line.read(min(n - 1, self._line.in_waiting)) if first and n > 1 else b""
        except (serial.SerialException, OSError) as exc:
            raise self._lost(exc) from exc
        if not first:
            raise timeout_error(self.url, timeout)
        return bytes(first) + bytes(rest)

    async def write(self, data: bytes) -> None:
        """Write ``data`` in a worker thread."""
        self._check_open()
        try:
            await asyncio.to_thread(self._line.write, data)
        except (serial.SerialException, OSError) as exc:
            raise self._lost(exc) from exc

    async def close(self) -> None:
        """Close the port."""
        if not self.closed:
            self.closed = True
            await asyncio.to_thread(self._line.close)

    def _check_open(self) -> None:
        """Refuse I/O on a closed transport."""
        if self.closed:
            raise self._lost(None)

    def _lost(self, exc: Exception | None) -> LinkLost:
        """Return the error for a vanished port."""
        detail = f": {exc}" if exc else ""
        return LinkLost(f"Порт {self.url} недоступен{detail}", f"Port {self.url} is gone{detail}")


async def open_threaded_serial(port: str, *, baudrate: int, url: str) -> ThreadedSerialTransport:
    """Open a local serial port for platforms without pollable descriptors (Windows)."""
    try:
        line = await asyncio.to_thread(serial.Serial, port, baudrate=baudrate, timeout=0)
    except (serial.SerialException, ValueError, OSError) as exc:
        raise LinkLost(f"Не удалось открыть {url}: {exc}", f"Cannot open {url}: {exc}") from exc
    return ThreadedSerialTransport(line, url)


async def open_pyserial_url(url: str) -> ThreadedSerialTransport:
    """Open any pyserial URL in a worker thread (rfc2217 connects while opening)."""
    try:
        line = await asyncio.to_thread(serial.serial_for_url, url, timeout=0)
    except (serial.SerialException, ValueError, OSError) as exc:
        raise LinkLost(f"Не удалось открыть {url}: {exc}", f"Cannot open {url}: {exc}") from exc
    return ThreadedSerialTransport(line, url)
