"""The emulated register's registration (A4 B4), re-registration (A4 B2, with an ФН change A4 B5)
and ФН close (A4 B3), openkkm's own layouts."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from openkkm.emulators.fn.state import RegistrationData
from openkkm.fiscal import tlv
from openkkm.protocol.atol import cmd_register
from openkkm.protocol.atol.messages import Answer

from .receipts import Props

if TYPE_CHECKING:
    from .device import AtolEmulator

#: string tags of A4 B2 -> the registration record's field
TEXT_FIELDS: dict[int, str] = {
    1018: "inn", 1048: "organization", 1009: "address", 1187: "place", 1117: "sender_email",
    1046: "ofd_name", 1017: "ofd_inn", 1037: "reg_number",
}


def registration_from(tags: bytes, current: RegistrationData) -> RegistrationData:
    """``current`` with the fields the A4 B2 ``tags`` carry; a malformed run raises TlvError."""
    changes: dict[str, object] = {}
    for tag, value in tlv.iter_tlv(tags):
        if tag in TEXT_FIELDS:
            changes[TEXT_FIELDS[tag]] = tlv.read_string(value).strip()
        elif tag == 1062:
            mask = tlv.read_vln(value)
            changes["tax_systems"] = tuple(bit for bit in range(8) if mask >> bit & 1)
        elif tag == 1209:
            changes["ffd"] = tlv.read_vln(value)
    return replace(current, **changes)  # type: ignore[arg-type]


def reregister(emu: AtolEmulator, request: cmd_register.FnReregister) -> bytes:
    """Form the re-registration report (form 11) of the registration the request carries."""
    registration = registration_from(request.tags, emu.fn.registration)
    document = emu.fn.reregister(registration, request.reason, emu.props.cashier())
    emu.props = Props()
    emu.print_line(f"ОТЧЕТ ОБ ИЗМ. ПАРАМЕТРОВ РЕГИСТРАЦИИ ФД {document.number}")
    return Answer().encode()


def register(emu: AtolEmulator, request: cmd_register.FnRegister) -> bytes:
    """Form the registration report (FD 1) of the ФН waiting for fiscalisation."""
    registration = registration_from(request.tags, emu.fn.registration)
    document = emu.fn.fiscalise(registration, cashier=emu.props.cashier())
    emu.props = Props()
    emu.print_line(f"ОТЧЕТ О РЕГИСТРАЦИИ ФД {document.number}")
    return Answer().encode()


def change_fn(emu: AtolEmulator, request: cmd_register.FnChangeFn) -> bytes:
    """Form FD 1 of a new ФН; a closed one is swapped first, standing in for the technician."""
    if emu.fn.closed:
        emu.install_fn()
    registration = registration_from(request.tags, emu.fn.registration)
    registration = replace(registration, fn_number=emu.fn.fn_number)
    document = emu.fn.fiscalise(registration, cashier=emu.props.cashier(),
                                reason=request.reason)
    emu.props = Props()
    emu.print_line(f"ОТЧЕТ ОБ ИЗМ. ПАРАМЕТРОВ РЕГИСТРАЦИИ (ЗАМЕНА ФН) ФД {document.number}")
    return Answer().encode()


def close_fn(emu: AtolEmulator, _request: cmd_register.FnClose) -> bytes:
    """Form the ФН close report (form 6)."""
    document = emu.fn.close_fn(emu.props.cashier())
    emu.props = Props()
    emu.print_line(f"ОТЧЕТ О ЗАКРЫТИИ ФН ФД {document.number}")
    return Answer().encode()
