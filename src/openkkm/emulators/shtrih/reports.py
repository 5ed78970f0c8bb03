"""Registers and FN reports of the emulated register: 0x1A, FF37/FF38 (form 21), FF05/FF34
(re-registration), FF3D/FF3E (close FN).

Each report is begun (FF37, FF05, FF3D), may take FF0C tags, and is formed by the ФН on the
second command, which answers its FD and FP.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Final

from openkkm.protocol.shtrih import cmd_registers
from openkkm.protocol.shtrih.messages import Answer, EmptyAnswer, Request
from openkkm.protocol.shtrih.status import FnDocument

from .state import DeviceError

if TYPE_CHECKING:
    from .device import ShtrihEmulator

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
    emu.finish_document()
    emu.state.print_line(f"ЗАКРЫТИЕ ФН ФД {doc.number} ФП {doc.fiscal_sign}")
    return cmd_registers.CloseFnAnswer(
        fd_number=doc.number,
        fiscal_sign=doc.fiscal_sign,
        datetime=doc.moment.replace(second=0) if emu.extended_answers else None,
    )


def begin_registration(
    emu: ShtrihEmulator, request: cmd_registers.BeginRegistration, operator: int
) -> Answer:
    """FF05: only a re-registration without an FN change; the emulated ФН is already fiscal."""
    if request.report_type != cmd_registers.RegistrationReport.REREGISTRATION:
        raise DeviceError(E_FN_STATE)
    _begin(emu, FnDocument.REREGISTRATION)
    return EmptyAnswer()


def reregister(emu: ShtrihEmulator, request: cmd_registers.Reregister, operator: int) -> Answer:
    """FF34: the ФН forms the re-registration report from FF34's fields and the FF0C tags.

    What no tag changed stays as registered; the reasons are 1205 when written (FFD 1.1+, a
    u32 mask FF34's byte cannot hold), else FF34's reason byte.
    """
    _require(emu, FnDocument.REREGISTRATION)
    current, tags = emu.fn.registration, emu.state.tags
    data = replace(
        current,
        inn=request.inn,
        reg_number=request.reg_number,
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
    )
    reason = request.reason if tags.reasons is None else tags.reasons
    doc = emu.fn.reregister(data, reason, tags.cashier_data())
    emu.finish_document()
    emu.state.print_line(f"ИЗМЕНЕНИЕ ПАРАМЕТРОВ РЕГИСТРАЦИИ ФД {doc.number} ФП {doc.fiscal_sign}")
    return cmd_registers.ReregisterAnswer(
        fd_number=doc.number,
        fiscal_sign=doc.fiscal_sign,
        datetime=doc.moment.replace(second=0) if emu.extended_answers else None,
    )
