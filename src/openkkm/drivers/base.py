"""The driver contract: what the per-device worker may ask of any fiscal register.

A driver *has* a transport and a protocol session; it does not inherit from them. Drivers
register under a kind name by subclassing ``Driver`` with ``kind = "..."``; the registry is the
only place kinds are looked up, and an unknown kind fails with the list of known ones.

Only the device's worker calls a driver, one call at a time, so drivers hold no locks.
Every fiscal step is split so that the worker can journal between them: it reads ``status()``
(last document number), journals what it is about to do, then calls ``register`` /
``open_shift`` / ``close_shift``. After a lost answer it calls ``read_document`` to learn
whether the step happened.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from openkkm.errors import ConfigError

if TYPE_CHECKING:
    from openkkm.config import DeviceConfig
    from openkkm.fiscal.types import (
        Cashier,
        DeviceInfo,
        DeviceStatus,
        FiscalDocument,
        Receipt,
        Slip,
    )

_REGISTRY: dict[str, type[Driver]] = {}


class Driver(ABC):
    """One fiscal register (or an imitation of one) behind a kind name."""

    kind: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind:
            if cls.kind in _REGISTRY:
                raise TypeError(f"driver kind {cls.kind!r} registered twice")
            _REGISTRY[cls.kind] = cls

    def __init__(self, config: DeviceConfig, *, data_dir: str) -> None:
        self.config = config
        self.data_dir = data_dir

    @abstractmethod
    async def start(self) -> None:
        """Open the link and initialise the device; raise ``TransportError`` if unreachable."""

    @abstractmethod
    async def stop(self) -> None:
        """Close the link; never raises."""

    @abstractmethod
    async def status(self) -> DeviceStatus:
        """Read shift state, last document number and whether a receipt is open."""

    @abstractmethod
    async def info(self) -> DeviceInfo:
        """Read registration, ФН and OFD state for ``GetDataKKT`` and ``List``."""

    @abstractmethod
    async def open_shift(self, cashier: Cashier | None) -> FiscalDocument:
        """Form the shift-open report; ``FiscalStateError`` if a shift is already open."""

    @abstractmethod
    async def close_shift(self, cashier: Cashier | None) -> FiscalDocument:
        """Form the shift-close report (Z); ``FiscalStateError`` if no shift is open."""

    @abstractmethod
    async def register(self, receipt: Receipt) -> FiscalDocument:
        """Open, fill and close one receipt; the shift must be open and no receipt open.

        On any error before the close, the driver cancels the receipt it opened, so nothing is
        left open on the device; an error raised after the close was sent is a
        ``TransportError`` and the worker reconciles.
        """

    @abstractmethod
    async def cancel_receipt(self) -> None:
        """Cancel a receipt left open (not fiscalised); no-op when none is open."""

    @abstractmethod
    async def read_document(self, number: int) -> FiscalDocument | None:
        """Read a fiscal document from the ФН archive by number; None if there is none."""

    @abstractmethod
    async def print_slip(self, slip: Slip) -> None:
        """Print a non-fiscal document."""

    @property
    def line_length(self) -> int:
        """Characters per line in font 0."""
        return self.config.line_length


def driver_class(kind: str) -> type[Driver]:
    """Return the driver class registered under ``kind``."""
    try:
        return _REGISTRY[kind]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise ConfigError(
            f"Неизвестный тип устройства {kind!r}; известны: {known}",
            f"Unknown device kind {kind!r}; known kinds: {known}",
        ) from None


def known_kinds() -> tuple[str, ...]:
    """All registered driver kinds, sorted."""
    return tuple(sorted(_REGISTRY))
