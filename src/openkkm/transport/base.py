"""The one shape of every byte transport: ``read(n, timeout)``, ``write(data)``, ``close()``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType

from ..errors import DeviceTimeout


class Transport(ABC):
    """A bidirectional byte pipe to one device, owned by one task; it knows nothing of frames."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.closed = False

    @abstractmethod
    async def read(self, n: int, timeout: float | None) -> bytes:
        """Return 1…``n`` bytes as soon as any arrive.

        Raises :class:`~openkkm.errors.DeviceTimeout` when nothing arrives within ``timeout``
        seconds (``None`` waits forever) and :class:`~openkkm.errors.LinkLost` when the other
        end is gone.
        """

    @abstractmethod
    async def write(self, data: bytes) -> None:
        """Send all of ``data``; raises :class:`~openkkm.errors.LinkLost` if the link is gone."""

    @abstractmethod
    async def close(self) -> None:
        """Release the link; closing twice is harmless."""

    async def __aenter__(self) -> Transport:
        """Use the transport as an async context manager."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close on leaving the block."""
        await self.close()


def timeout_error(url: str, timeout: float | None) -> DeviceTimeout:
    """Return the error for a read that got nothing in time."""
    return DeviceTimeout(
        f"Устройство {url} не ответило за {timeout} с",
        f"The device at {url} sent nothing within {timeout} s",
    )
