"""Shared builders for the simulated ФН tests: a settable clock, registration, items."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from openkkm.config import DeviceConfig
from openkkm.emulators.fn.drive import FiscalDrive
from openkkm.emulators.fn.persist import StateFile
from openkkm.emulators.fn.setup import default_registration
from openkkm.fiscal.types import Item, VatRate

START = dt.datetime(2026, 11, 24, 9, 0, 0)
KEY = b"k" * 32


class ManualClock:
    """A virtual clock the test moves by hand."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        """Read the clock."""
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock by a ``timedelta`` given as keywords."""
        self.now += dt.timedelta(**delta)


def new_drive(path: Path | None = None, clock: ManualClock | None = None,
              **config: object) -> FiscalDrive:
    """Register a fresh ФН of device 1, saved at ``path`` when given."""
    registration = default_registration(DeviceConfig(num=1, **config))  # type: ignore[arg-type]
    store = None if path is None else StateFile(path)
    return FiscalDrive.create(registration, store, clock=clock or ManualClock(), key=KEY)


def item(name: str = "Хлеб", price: int = 5000, quantity: str = "1", amount: int | None = None,
         vat: VatRate = VatRate.VAT22, **extra: object) -> Item:
    """Build an item; the amount defaults to price × quantity."""
    qty = Decimal(quantity)
    total = int(price * qty) if amount is None else amount
    return Item(name=name, price=price, quantity=qty, amount=total, vat=vat,
                **extra)  # type: ignore[arg-type]
