"""Configured devices as the service sees them, and KkmServer's device selection rules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import Enum

from openkkm.config import DeviceConfig
from openkkm.drivers.base import driver_class
from openkkm.errors import ConfigError, NotFoundError
from openkkm.fiscal.types import DeviceInfo, Registration

_ID_NAMESPACE = uuid.UUID("6b1d3c4e-2f0a-4c57-9a38-0d5e7f1a2b60")


class Accepts(Enum):
    """Which devices may run a command (``API.md`` §5 rule 1), and which are preferred."""

    FISCAL = "fiscal"  #: fiscal registers only
    EITHER = "either"  #: registers first, receipt printers too
    PRINTER = "printer"  #: receipt printers only


@dataclass(frozen=True, slots=True)
class Selection:
    """The device fields of a request (``NumDevice``, ``InnKkm``, ``KktNumber``...)."""

    num_device: int = 0
    inn: str = ""
    kkt_number: str = ""
    tax_variant: str = ""
    id_device: str = ""
    accepts: Accepts = Accepts.FISCAL
    command: str = ""  #: named in the refusal when only devices of the wrong class match


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
        self.blocked = False  # a pool passes it over until the idle probe finds it healthy
        self.pooled = False  # a pool member: its health is probed while idle
        self.fiscal = fiscal_kind(config.kind)  # the service sets it from the driver it runs

    @property
    def unit_name(self) -> str:
        """The user-given name (``UnitName``)."""
        return self.config.unit_name

    @property
    def inn(self) -> str:
        """The INN the register is registered to (as read, else as configured); a printer has none."""
        if self.registration:
            return self.registration.inn
        return self.config.inn if self.fiscal else ""

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
    def healthy(self) -> bool:
        """True when a pool may route commands to this device: on, linked, not blocked."""
        return self.enabled and self.online and not self.blocked and not self.fn_full

    @property
    def fn_full(self) -> bool:
        """True when the fiscal drive reported its memory full."""
        return bool(self.info and self.info.fn_memory_full)

    @property
    def id_device(self) -> str:
        """A GUID stable for this device number and register serial (``IdDevice``)."""
        return str(uuid.uuid5(_ID_NAMESPACE, f"{self.num}:{self.kkt_number}"))

    def takes(self, accepts: Accepts) -> bool:
        """Tell whether this device's class runs commands that accept ``accepts``."""
        if accepts is Accepts.FISCAL:
            return self.fiscal
        return accepts is Accepts.EITHER or not self.fiscal

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


def fiscal_kind(kind: str) -> bool:
    """Tell whether devices of ``kind`` are fiscal registers (printers are not)."""
    try:
        return driver_class(kind).fiscal
    except ConfigError:  # an unknown kind never runs; config validation reports it
        return True


def select_device(handles: list[DeviceHandle], selection: Selection) -> DeviceHandle:
    """Pick the device for a command: of its class, initialised, a register where either class
    may run it, ФН not full, free, least recently used.

    A device of the wrong class is passed over; when it is the only match, the refusal says so.
    """
    matching = [h for h in handles if h.enabled and h.matches(selection)]
    candidates = [h for h in matching if h.takes(selection.accepts)]
    if not candidates:
        if matching:
            raise _wrong_class(matching[0], selection)
        raise NotFoundError(
            f"Устройство (с параметрами NumDevice={selection.num_device}, "
            f"InnKkm={selection.inn}, KktNumber={selection.kkt_number}) не найдено: "
            "не настроено или отключено.",
            f"Device (NumDevice={selection.num_device}, InnKkm={selection.inn}, "
            f"KktNumber={selection.kkt_number}) not found: not configured or switched off.")
    either = selection.accepts is Accepts.EITHER
    return min(candidates, key=lambda h: (not h.online, h.blocked, either and not h.fiscal, h.fn_full,
                                          h.busy, h.last_used, h.num))


def _wrong_class(handle: DeviceHandle, selection: Selection) -> NotFoundError:
    """The refusal when the devices matching the selection are all of the wrong class."""
    command = f"команда {selection.command}" if selection.command else "эта команда"
    command_en = selection.command or "this command"
    name = handle.unit_name
    if not (selection.num_device or selection.id_device):
        if selection.accepts is Accepts.PRINTER:
            return NotFoundError(
                f"Нет включенного принтера чеков, а {command} выполняется только им. Для "
                "нефискального документа на ККТ используйте RegisterCheck с IsFiscalCheck: false.",
                f"No receipt printer is switched on, and {command_en} runs only on one. For a "
                "non-fiscal document on a register send RegisterCheck with IsFiscalCheck: false.")
        return NotFoundError(
            f"Нет включенной ККТ, а {command} выполняется только ею: настроены лишь принтеры "
            "чеков без фискального накопителя.",
            f"No fiscal register is switched on, and {command_en} runs only on one: only "
            "receipt printers without a fiscal drive are configured.")
    if handle.fiscal:
        return NotFoundError(
            f"Устройство {handle.num} «{name}» — ККТ, а {command} выполняется принтером чеков. "
            "Для нефискального документа на ККТ используйте RegisterCheck с IsFiscalCheck: false.",
            f"Device {handle.num} '{name}' is a fiscal register, and {command_en} runs on a "
            "receipt printer. For a non-fiscal document on a register send RegisterCheck with "
            "IsFiscalCheck: false.")
    return NotFoundError(
        f"Устройство {handle.num} «{name}» — принтер чеков без фискального накопителя: "
        f"{command} на нем невозможна. Выберите ККТ (NumDevice) или отправьте документ с "
        "IsFiscalCheck: false.",
        f"Device {handle.num} '{name}' is a receipt printer without a fiscal drive: "
        f"{command_en} cannot run on it. Choose a fiscal register (NumDevice) or send the "
        "document with IsFiscalCheck: false.")
