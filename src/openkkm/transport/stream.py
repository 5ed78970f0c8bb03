"""TCP transports over asyncio streams: a ``tcp://host:port`` client and a listener."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from ..errors import LinkLost
from .base import Transport, timeout_error


class StreamTransport(Transport):
    """A transport over an asyncio stream pair (one TCP connection)."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, url: str
    ) -> None:
        super().__init__(url)
        self._reader = reader
        self._writer = writer

    async def read(self, n: int, timeout: float | None) -> bytes:
        """Return 1…``n`` bytes; EOF is LinkLost."""
        if self.closed:
            raise self._lost()
        try:
            data = await asyncio.wait_for(self._reader.read(n), timeout)
        except TimeoutError as exc:
            raise timeout_error(self.url, timeout) from exc
        except ConnectionError as exc:
            raise self._lost() from exc
        if not data:
            raise self._lost()
        return data

    async def write(self, data: bytes) -> None:
        """Send ``data`` and wait until the buffer drains."""
        if self.closed or self._writer.is_closing():
            raise self._lost()
        try:
            self._writer.write(data)
            await self._writer.drain()
        except ConnectionError as exc:
            raise self._lost() from exc

    async def close(self) -> None:
        """Close the connection."""
        if self.closed:
            return
        self.closed = True
        self._writer.close()
        with contextlib.suppress(ConnectionError):
            await self._writer.wait_closed()

    def _lost(self) -> LinkLost:
        """Return the error for a closed connection."""
        return LinkLost(f"Соединение {self.url} разорвано", f"The connection {self.url} was lost")


async def open_tcp(host: str, port: int, *, connect_timeout: float = 5.0) -> StreamTransport:
    """Connect to ``host:port``."""
    url = f"tcp://{host}:{port}"
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port), connect_timeout
        )
    except (OSError, TimeoutError) as exc:
        raise LinkLost(
            f"Не удалось подключиться к {url}: {exc}", f"Cannot connect to {url}: {exc}"
        ) from exc
    return StreamTransport(reader, writer, url)


class TcpListener:
    """Accepts TCP connections for an emulator; each becomes a transport handed to ``handler``."""

    def __init__(self, server: asyncio.Server) -> None:
        self._server = server

    @property
    def port(self) -> int:
        """Return the bound port (useful with port 0)."""
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def close(self) -> None:
        """Stop listening and wait for the server to close."""
        self._server.close()
        await self._server.wait_closed()


async def serve_tcp(
    handler: Callable[[StreamTransport], Awaitable[None]], host: str = "127.0.0.1", port: int = 0
) -> TcpListener:
    """Listen on ``host:port`` (0 = ephemeral); the transport is closed when ``handler`` returns."""

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        transport = StreamTransport(reader, writer, f"tcp://{peer[0]}:{peer[1]}")
        try:
            await handler(transport)
        finally:
            await transport.close()

    return TcpListener(await asyncio.start_server(on_connect, host, port))
