"""Fault injection on the write path of any transport (tests and emulator fault plans).

A manipulator maps each written chunk to the chunks actually sent: ``[]`` drops it, a flipped
byte corrupts it, several chunks split it. Wrapping each end's writes covers both directions.
"""

from __future__ import annotations

from collections.abc import Callable

from .base import Transport

Manipulator = Callable[[bytes], list[bytes]]


class ManipulatedTransport(Transport):
    """A transport whose writes pass through ``manipulator``; reads are untouched."""

    def __init__(self, inner: Transport, manipulator: Manipulator) -> None:
        super().__init__(inner.url)
        self.inner = inner
        self.manipulator = manipulator

    async def read(self, n: int, timeout: float | None) -> bytes:
        """Read from the wrapped transport."""
        return await self.inner.read(n, timeout)

    async def write(self, data: bytes) -> None:
        """Write what the manipulator makes of ``data``."""
        for chunk in self.manipulator(data):
            if chunk:
                await self.inner.write(chunk)

    async def close(self) -> None:
        """Close the wrapped transport."""
        self.closed = True
        await self.inner.close()


def drop_first(matching: Callable[[bytes], bool]) -> Manipulator:
    """Return a manipulator that loses the first chunk ``matching`` accepts."""
    dropped = False

    def manipulate(data: bytes) -> list[bytes]:
        nonlocal dropped
        if not dropped and matching(data):
            dropped = True
            return []
        return [data]

    return manipulate


def bytewise(data: bytes) -> list[bytes]:
    """Split a chunk into single bytes (a slow serial line)."""
    return [bytes((byte,)) for byte in data]
