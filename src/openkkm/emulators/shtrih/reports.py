"""Registers and FN reports of the emulated register: 0x1A, FF37/FF38 (form 21), FF05 with
FF06/FF34 (registration, re-registration), FF3D/FF3E (close FN).

Each report is begun (FF37, FF05, FF3D), may take FF0C tags, and is formed by the ФН on the
second command, which answers its FD and FP.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Final, TypeVar

from openkkm.emulators.fn.state import ArchivedDocument, RegistrationData
from openkkm.protocol.shtrih import cmd_registers
from openkkm.protocol.shtrih.messages import Answer, EmptyAnswer, Request
from openkkm.protocol.shtrih.status import FnDocument

from .state import DeviceError

if TYPE_CHECKING:
    from .device import ShtrihEmulator

A = TypeVar("A", cmd_registers.CloseFnAnswer, cmd_registers.RegistrationAnswer)
E_FN_STATE: Final = 0x02
E_BAD_PARAMS: Final = 0x33
E_RECEIPT_OPEN: Final = 0x4A
WORK_MODE_AUTONOMOUS: Final = 0x02  #: work mode bit 1 (tag 1002)
TAX_SYSTEM_BITS: Final = 6


def money_register(
    emu: ShtrihEmulator, request: cmd_registers.ReadMoneyRegister, operator: int
) -> Answer:
    """0x1A: register 241 is the cash in the drawer; the emulator keeps no other register."""
    if request.register != cmd_registers.MoneyRegister.CASH_IN_DRAWER:
        raise DeviceError(E_BAD_PARAMS)
    return cmd_registers.MoneyRegisterAnswer(operator=operator, value=emu.fn.cash)


def _begin(emu: ShtrihEmulator, document: FnDocument) -> None:
    """Start an FN report document; none may be open."""
    if emu.state.receipt is not None or emu.fn.receipt_open:
        raise DeviceError(E_RECEIPT_OPEN)
    if emu.state.shift_document:
        raise DeviceError(E_FN_STATE)
    emu.state.shift_document = document


def _require(emu: ShtrihEmulator, document: FnDocument) -> None:
    """Refuse the forming command unless its report was begun."""
    if emu.state.shift_document != document:
        raise DeviceError(E_FN_STATE)
    emu.check_printer()


def begin_state_report(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """FF37."""
    _begin(emu, FnDocument.SETTLEMENT_REPORT)
    return EmptyAnswer()


def state_report(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """FF38: the ФН forms the settlement-state report; the answer carries its OFD queue."""
    _require(emu, FnDocument.SETTLEMENT_REPORT)
    queue = emu.fn.ofd_status()
    doc = emu.fn.state_report()
    emu.finish_document()
    emu.state.print_line(f"ОТЧЕТ О СОСТОЯНИИ РАСЧЕТОВ ФД {doc.number} ФП {doc.fiscal_sign}")
    return cmd_registers.StateReportAnswer(
        fd_number=doc.number,
        fiscal_sign=doc.fiscal_sign,
        unconfirmed=queue.unsent,
        first_unconfirmed_date=None if queue.oldest is None else queue.oldest.date(),
        datetime=doc.moment.replace(second=0) if emu.extended_answers else None,
    )


def begin_close_fn(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """FF3D."""
    _begin(emu, FnDocument.FN_CLOSE)
    return EmptyAnswer()


def close_fn(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """FF3E: the ФН forms the close-FN report; nothing is formed afterwards."""
    _require(emu, FnDocument.FN_CLOSE)
    doc = emu.fn.close_fn(emu.state.tags.cashier_data())
    return _formed(emu, doc, "ЗАКРЫТИЕ ФН", cmd_registers.CloseFnAnswer)


def begin_registration(
    emu: ShtrihEmulator, request: cmd_registers.BeginRegistration, operator: int
) -> Answer:
    """FF05: begin a registration (type 0), a re-registration with an FN change (1) or without.

    Types 0 and 1 need a ФН waiting for fiscalisation. For type 1 a closed ФН is swapped for a
    new one first, standing in for the technician, so ``ChangeFN`` works over the wire alone.
    """
    kind = request.report_type
    if kind == cmd_registers.RegistrationReport.REREGISTRATION_FN_CHANGE and emu.fn.closed:
        emu.install_fn()
    document = _REGISTRATION_DOCUMENTS.get(kind)
    if document is None:
        raise DeviceError(E_BAD_PARAMS)
    if (document is FnDocument.REREGISTRATION) != emu.fn.fiscalised:
        raise DeviceError(E_FN_STATE)
    _begin(emu, document)
    return EmptyAnswer()


_REGISTRATION_DOCUMENTS: Final[dict[int, FnDocument]] = {
    cmd_registers.RegistrationReport.REGISTRATION: FnDocument.REGISTRATION,
    cmd_registers.RegistrationReport.REREGISTRATION_FN_CHANGE: FnDocument.REREGISTRATION_FN_CHANGE,
    cmd_registers.RegistrationReport.REREGISTRATION: FnDocument.REREGISTRATION,
}


def register(emu: ShtrihEmulator, request: cmd_registers.Register, operator: int) -> Answer:
    """FF06: the ФН forms its registration report (FD 1) from FF06's fields and the tags."""
    _require(emu, FnDocument.REGISTRATION)
    doc = emu.fn.fiscalise(_registration(emu, request), cashier=emu.state.tags.cashier_data())
    return _formed(emu, doc, "ОТЧЕТ О РЕГИСТРАЦИИ", cmd_registers.RegistrationAnswer)


def reregister(emu: ShtrihEmulator, request: cmd_registers.Reregister, operator: int) -> Answer:
    """FF34: the ФН forms the re-registration report from FF34's fields and the FF0C tags.

    What no tag changed stays as registered; the reasons are 1205 when written (FFD 1.1+, a
    u32 mask FF34's byte cannot hold), else FF34's reason byte. After FF05 type 1 the report is
    the new ФН's FD 1.
    """
    changing_fn = emu.state.shift_document == FnDocument.REREGISTRATION_FN_CHANGE
    _require(emu, FnDocument.REREGISTRATION_FN_CHANGE if changing_fn
             else FnDocument.REREGISTRATION)
    tags = emu.state.tags
    data = _registration(emu, request)
    reason = request.reason if tags.reasons is None else tags.reasons
    if changing_fn:
        doc = emu.fn.fiscalise(data, cashier=tags.cashier_data(), reason=reason)
    else:
        doc = emu.fn.reregister(data, reason, tags.cashier_data())
    return _formed(emu, doc, "ИЗМЕНЕНИЕ ПАРАМЕТРОВ РЕГИСТРАЦИИ", cmd_registers.RegistrationAnswer)


def _formed(emu: ShtrihEmulator, doc: ArchivedDocument, title: str, answer: type[A]) -> A:
    """End the report just formed: print its line, answer its FD, FP and (extended) minute."""
    emu.finish_document()
    emu.state.print_line(f"{title} ФД {doc.number} ФП {doc.fiscal_sign}")
    return answer(
        fd_number=doc.number,
        fiscal_sign=doc.fiscal_sign,
        datetime=doc.moment.replace(second=0) if emu.extended_answers else None,
    )


def _registration(
    emu: ShtrihEmulator, request: cmd_registers.Register | cmd_registers.Reregister
) -> RegistrationData:
    """The registration FF06/FF34 and the FF0C tags describe; the rest stays as it was."""
    current, tags = emu.fn.registration, emu.state.tags
    return replace(
        current,
        inn=request.inn.strip(),
        reg_number=request.reg_number.strip(),
        tax_systems=tuple(
            bit for bit in range(TAX_SYSTEM_BITS) if request.tax_systems >> bit & 1
        ),
        autonomous=bool(request.work_mode & WORK_MODE_AUTONOMOUS),
        organization=tags.organization or current.organization,
        address=tags.settlement_address or current.address,
        place=tags.settlement_place or current.place,
        sender_email=tags.sender_email or current.sender_email,
        ofd_inn=tags.ofd_inn or current.ofd_inn,
        ofd_name=tags.ofd_name or current.ofd_name,
        ffd=tags.ffd or current.ffd,
    )
