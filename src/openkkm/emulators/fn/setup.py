"""Bring up the simulated ФН of a configured device: load its state file or register a new one."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from openkkm.config import DeviceConfig
from openkkm.emulators.fn.drive import Clock, FiscalDrive, system_clock
from openkkm.emulators.fn.errors import FnError, Refusal
from openkkm.emulators.fn.identity import (
    make_fn_number,
    make_kkt_number,
    make_reg_number,
)
from openkkm.emulators.fn.persist import StateFile
from openkkm.emulators.fn.state import RegistrationData
from openkkm.fiscal.types import FfdVersion, Registration, TaxSystem

FFD_BY_LABEL = {version.label: version for version in FfdVersion}
KEY_DAYS_15_MONTHS = 470  #: FISCAL.md §10.2
KEY_DAYS_36_MONTHS = 1110


def default_registration(config: DeviceConfig) -> RegistrationData:
    """Registration of an emulated register from its config; missing numbers are derived.

    The key life follows 54-ФЗ art. 4.1 p. 6 loosely: a 36-month ФН when only special tax
    regimes are registered, a 15-month one when ОСН is among them.
    """
    tax_systems = tuple(int(code) for code in config.tax_systems.split(","))
    kkt_number = config.kkt_number or make_kkt_number(config.num)
    months_36 = TaxSystem.OSN not in tax_systems
    return RegistrationData(
        inn=config.inn, organization=config.organization, tax_systems=tax_systems,
        ffd=int(FFD_BY_LABEL[config.ffd]), address=config.address, place=config.place,
        sender_email=config.sender_email,
        reg_number=make_reg_number(config.num, config.inn, kkt_number),
        kkt_number=kkt_number, fn_number=config.fn_number or make_fn_number(config.num),
        key_days=KEY_DAYS_36_MONTHS if months_36 else KEY_DAYS_15_MONTHS)


def registration_data(reg: Registration, key_days: int) -> RegistrationData:
    """The simulated ФН's registration record of a vendor-neutral ``Registration``."""
    return RegistrationData(
        inn=reg.inn, organization=reg.organization,
        tax_systems=tuple(int(code) for code in reg.tax_systems), ffd=int(reg.ffd),
        address=reg.address, place=reg.place, sender_email=reg.sender_email,
        reg_number=reg.reg_number, kkt_number=reg.kkt_number, fn_number=reg.fn_number,
        ofd_name=reg.ofd_name, ofd_inn=reg.ofd_inn, autonomous=reg.offline, excise=reg.excise,
        marking=reg.marking, agent_roles=tuple(int(role) for role in reg.agent_roles),
        key_days=key_days)


def state_path(data_dir: str | Path, device: int) -> Path:
    """Where device ``device`` keeps its ФН: ``<data_dir>/fn-<num>.json``."""
    return Path(data_dir) / f"fn-{device}.json"


def new_drive(config: DeviceConfig, store: StateFile | None, *,
              clock: Clock = system_clock) -> FiscalDrive:
    """A new ФН for the device: fiscalised from its config keys, or, with ``registered =
    false``, ready for fiscalisation, as in a register fresh from the factory."""
    identity = default_registration(config)
    if config.registered:
        return FiscalDrive.create(identity, store, clock=clock)
    return FiscalDrive.blank(identity, store, clock=clock)


def load_or_new(config: DeviceConfig, store: StateFile | None, *,
                clock: Clock = system_clock) -> FiscalDrive:
    """The ФН saved in ``store``, or a new one (kept only in memory when ``store`` is None)."""
    if store is not None and store.exists():
        return FiscalDrive.load(store, clock=clock)
    return new_drive(config, store, clock=clock)


def open_drive(config: DeviceConfig, data_dir: str | Path, *,
               clock: Clock = system_clock) -> FiscalDrive:
    """Load the device's ФН from its state file in ``data_dir``, or make a new one there."""
    return load_or_new(config, StateFile(state_path(data_dir, config.num)), clock=clock)


def install_fn(old: FiscalDrive, path: Path | None, fn_number: str = "", *,
               clock: Clock = system_clock) -> FiscalDrive:
    """Swap the closed ФН ``old`` for a new one ready for fiscalisation, as a technician does.

    The old ФН's files stay beside, named after its number (its archive must stay readable).
    The new number is ``fn_number`` when given and different, else the old one plus one.
    """
    if not old.closed:
        raise FnError(Refusal.FN_NOT_CLOSED)
    number = fn_number if fn_number and fn_number != old.fn_number else \
        str(int(old.fn_number) + 1).zfill(len(old.fn_number))
    store = None
    if path is not None:
        for source in (path, path.with_suffix(".archive")):
            if source.exists():
                os.replace(source,
                           source.with_name(f"{source.stem}.{old.fn_number}{source.suffix}"))
        store = StateFile(path)
    return FiscalDrive.blank(replace(old.registration, fn_number=number), store, clock=clock)
