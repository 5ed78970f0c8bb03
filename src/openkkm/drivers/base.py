"""The driver contract: what the per-device worker may ask of any fiscal register.

A driver *has* a transport and a protocol session; it does not inherit from them. Drivers
register under a kind name by subclassing ``Driver`` with ``kind = "..."``; the registry is the
only place kinds are looked up, and an unknown kind fails with the list of known ones.

Only the device's worker calls a driver, one call at a time, so drivers hold no locks.
Every fiscal step is split so that the worker can journal between them: it reads ``status()``
(last document number), journals what it is about to do, then calls ``register`` /
``open_shift`` / ``close_shift``. After a lost answer it calls ``read_document`` to learn
whether the step happened.

The operations added for the full 54-ФЗ command set (reports, cash, archive reads, counters,
marking checks, registration) are not abstract: each refuses with ``NotSupportedError`` naming
the device kind until its driver implements it, so a driver can grow one command at a time.
"""

from __future__ import annotations

import logging
import weakref
from abc import ABC, abstractmethod
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, ClassVar

from openkkm.errors import ConfigError, NotSupportedError

if TYPE_CHECKING:
    from openkkm.config import DeviceConfig
    from openkkm.fiscal.types import (
        Cashier,
        Counters,
        DeviceInfo,
        DeviceStatus,
        FiscalDocument,
        MarkingCheck,
        Receipt,
        RegistrationChange,
        Slip,
    )

_REGISTRY: dict[str, type[Driver]] = {}
_LACKING_GRAPHICS: weakref.WeakSet[Any] = weakref.WeakSet()  #: links already warned about


class Driver(ABC):
    """One fiscal register (or an imitation of one) behind a kind name."""

    kind: ClassVar[str] = ""
    #: False for printers: no fiscal drive, no ``info()``; only non-fiscal commands reach them.
    fiscal: bool = True
    #: True for drivers of a wire protocol, which take ``hub=`` and so reach ``loop://`` devices
    #: (an in-process emulator) as well as serial and TCP ones.
    wire: ClassVar[bool] = False

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
    async def register(self, receipt: Receipt,
                       journaled: Awaitable[None] | None = None) -> FiscalDocument:
        """Open, fill and close one receipt; the shift must be open and no receipt open.

        On any error before the close, the driver cancels the receipt it opened, so nothing is
        left open on the device; an error raised after the close was sent is a
        ``TransportError`` and the worker reconciles.

        ``journaled`` completes once the journal holds this step durably. The driver awaits it
        right before the command that can commit the receipt, not before the first command, so
        the device fills the receipt while the journal writes; if it raises, the driver cancels
        the receipt and re-raises: nothing is fiscalised without its journal row.
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

    # Operations added after the first drivers: each refuses until its driver implements it.

    async def x_report(self, cashier: Cashier | None) -> None:
        """Print the X report (shift totals, no fiscal document)."""
        raise self._unsupported("X-отчет", "the X report")

    async def state_report(self, cashier: Cashier | None) -> FiscalDocument:
        """Form the current-state report (form 21)."""
        raise self._unsupported("отчет о текущем состоянии расчетов", "the current-state report")

    async def cash_balance(self) -> int:
        """Kopecks in the drawer by the register's count."""
        raise self._unsupported("чтение суммы наличных в кассе", "reading the cash balance")

    async def cash_in(self, amount: int, cashier: Cashier | None) -> int:
        """Deposit ``amount`` kopecks; return the new balance. The shift must be open."""
        raise self._unsupported("внесение наличных", "cash deposits")

    async def cash_out(self, amount: int, cashier: Cashier | None) -> int:
        """Pay out ``amount`` kopecks (refused beyond the balance); return the new balance."""
        raise self._unsupported("выплата наличных", "cash payouts")

    async def open_drawer(self) -> None:
        """Open the cash drawer."""
        raise self._unsupported("открытие денежного ящика", "opening the cash drawer")

    async def read_document_tlv(self, number: int) -> tuple[FiscalDocument, bytes] | None:
        """Read FD ``number`` with its TLV (the form's STLV) from the ФН archive; None if absent."""
        raise self._unsupported("чтение документа из архива ФН", "reading documents back")

    async def counters(self) -> Counters:
        """Read the ФН's shift and lifetime counters."""
        raise self._unsupported("чтение счетчиков ФН", "reading the ФН counters")

    async def check_marking(self, code: str, planned_status: int) -> MarkingCheck:
        """Check one marking code with the ФН (tag 2106) before a sale."""
        raise self._unsupported("проверка кодов маркировки", "marking code checks")

    async def change_registration(self, change: RegistrationChange) -> FiscalDocument:
        """Form a registration, re-registration or ФН close report."""
        raise self._unsupported("регистрация и перерегистрация ККТ", "(re-)registration")

    def _unsupported(self, what_ru: str, what_en: str) -> NotSupportedError:
        kind = self.kind or type(self).__name__
        return NotSupportedError(f"Устройство типа {kind}: {what_ru} пока не поддерживается",
                                 f"Device kind {kind}: {what_en} is not supported yet")

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


def skip_missing_graphics(log: logging.Logger, link: Any, command: str) -> None:
    """Note that the register on ``link`` (which has a ``url``) lacks graphics ``command``: once
    per link, because every code and picture it would print is skipped the same way rather than
    refusing the document around it."""
    if link not in _LACKING_GRAPHICS:
        _LACKING_GRAPHICS.add(link)
        log.warning("the register at %s lacks command %s: barcodes and pictures it would print "
                    "are skipped", link.url, command)
