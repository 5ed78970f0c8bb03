"""Configured devices as the service sees them, and KkmServer's device selection rules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from openkkm.config import DeviceConfig
from openkkm.errors import NotFoundError
from openkkm.fiscal.types import DeviceInfo, Registration

_ID_NAMESPACE = uuid.UUID("6b1d3c4e-2f0a-4c57-9a38-0d5e7f1a2b60")


@dataclass(frozen=True, slots=True)
class Selection:
    """The device fields of a request (``NumDevice``, ``InnKkm``, ``KktNumber``...)."""

    num_device: int = 0
    inn: str = ""
    kkt_number: str = ""
    tax_variant: str = ""
    id_device: str = ""


class DeviceHandle:
    """One configured device: its settings and what is known of its state."""

    def __init__(self, config: DeviceConfig) -> None:
        self.num = config.num
        self.config = config
        self.enabled = config.enabled  # switched on; OnOffUnut may change it at run time
        self.registration: Registration | None = None
        self.info: DeviceInfo | None = None
        self.online = False
        self.last_error = ""
        self.last_used = 0.0
        self.busy = False

    @property
    def unit_name(self) -> str:
        """The user-given name (``UnitName``)."""
        return self.config.unit_name

    @property
    def inn(self) -> str:
        """The INN the register is registered to (as read, else as configured)."""
        return self.registration.inn if self.registration else self.config.inn

    @property
    def kkt_number(self) -> str:
        """The register's factory serial (as read, else as configured)."""
        return self.registration.kkt_number if self.registration else self.config.kkt_number

    @property
    def tax_variants(self) -> tuple[str, ...]:
        """Registered tax systems as KkmServer's ``TaxVariant`` codes."""
        if self.registration:
            return tuple(str(int(tax)) for tax in self.registration.tax_systems)
        return tuple(self.config.tax_systems.split(","))

    @property
    def fn_full(self) -> bool:
        """True when the fiscal drive reported its memory full."""
        return bool(self.info and self.info.fn_memory_full)

    @property
    def id_device(self) -> str:
        """A GUID stable for this device number and register serial (``IdDevice``)."""
        return str(uuid.uuid5(_ID_NAMESPACE, f"{self.num}:{self.kkt_number}"))

    def matches(self, selection: Selection) -> bool:
        """Tell whether every non-empty selection field matches (rule 2 of ``API.md`` §5)."""
        if selection.num_device and selection.num_device != self.num:
            return False
        if selection.inn and selection.inn.strip() != self.inn:
            return False
        if selection.num_device == 0 and selection.inn:
            return True  # KkmServer: with NumDevice 0 and InnKkm set, by INN only
        if selection.kkt_number and selection.kkt_number.strip() != self.kkt_number:
            return False
        if selection.tax_variant and selection.tax_variant.strip() not in self.tax_variants:
            return False
        return not selection.id_device or selection.id_device.lower() == self.id_device


def select_device(handles: list[DeviceHandle], selection: Selection) -> DeviceHandle:
    """Pick the device for a command: initialised first, ФН not full, free, least recently used."""
    candidates = [h for h in handles if h.enabled and h.matches(selection)]
    if not candidates:
        raise NotFoundError(
            f"Устройство (с параметрами NumDevice={selection.num_device}, "
            f"InnKkm={selection.inn}, KktNumber={selection.kkt_number}) не найдено: "
            "не настроено или отключено.",
            f"Device (NumDevice={selection.num_device}, InnKkm={selection.inn}, "
            f"KktNumber={selection.kkt_number}) not found: not configured or switched off.")
    return min(candidates, key=lambda h: (not h.online, h.fn_full, h.busy, h.last_used, h.num))
