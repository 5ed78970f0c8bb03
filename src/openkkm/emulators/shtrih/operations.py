"""Shift, report, cash, printer and service commands of the emulated register.

0xE0, FF41/FF0B, FF42/FF43, FF08, 0x40, 0x41, 0x50/0x51, 0x28, 0x17/0x2F, 0x13, 0x25, 0x29,
0x8C, 0xB0, 0x1E/0x1F, 0x21–0x23, 0x14/0x15. Printing commands need paper and a closed cover.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Final

from openkkm.fiscal.types import ShiftState
from openkkm.protocol.shtrih import cmd_misc, cmd_shift
from openkkm.protocol.shtrih.messages import (
    Answer,
    EmptyAnswer,
    OperatorAnswer,
    Request,
)
from openkkm.protocol.shtrih.status import FnDocument

from .state import DeviceError

if TYPE_CHECKING:
    from openkkm.emulators.fn.state import ArchivedDocument

    from .device import ShtrihEmulator

E_FN_STATE: Final = 0x02
E_BAD_PARAMS: Final = 0x33
E_RECEIPT_OPEN: Final = 0x4A
E_SHIFT_OVER_24H: Final = 0x4E
E_MODE: Final = 0x73
E_SHIFT_CLOSED: Final = 0x3D


def _no_receipt(emu: ShtrihEmulator) -> None:
    """Refuse while a receipt is open."""
    if emu.state.receipt is not None or emu.fn.receipt_open:
        raise DeviceError(E_RECEIPT_OPEN)


def _shift_document(emu: ShtrihEmulator, doc: ArchivedDocument, title: str) -> None:
    """Account and print a shift report."""
    emu.finish_document()
    emu.state.print_line(
        f"{title} СМЕНА {doc.shift_number} ФД {doc.number} ФП {doc.fiscal_sign}"
    )


def open_shift(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """0xE0: the ФН forms the shift-open report."""
    _no_receipt(emu)
    emu.check_printer()
    doc = emu.fn.open_shift(emu.state.tags.cashier_data())
    _shift_document(emu, doc, "ОТКРЫТИЕ")
    return cmd_shift.OpenShiftAnswer(operator=operator)


def z_report(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """0x41: the shift report with clearing; the ФН forms the shift-close report."""
    _no_receipt(emu)
    emu.check_printer()
    doc = emu.fn.close_shift(emu.state.tags.cashier_data())
    _shift_document(emu, doc, "ЗАКРЫТИЕ")
    return OperatorAnswer(operator=operator)


def x_report(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """0x40: prints the shift counters; no fiscal document."""
    _no_receipt(emu)
    emu.check_printer()
    emu.state.nonfiscal_documents += 1
    totals = ", ".join(f"{k}={v}" for k, v in sorted(emu.fn.shift_totals().items()))
    emu.state.print_line(f"X-ОТЧЕТ СМЕНА {emu.fn.shift_number} {totals}".rstrip())
    return OperatorAnswer(operator=operator)


def begin_shift(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """FF41 / FF42: start a shift document; FF0C tags may follow."""
    _no_receipt(emu)
    opening = request.code == cmd_shift.BeginOpenShift.code
    if (emu.fn.shift_opened_at is not None) == opening:
        raise DeviceError(E_FN_STATE)
    emu.state.shift_document = (
        FnDocument.SHIFT_OPEN if opening else FnDocument.SHIFT_CLOSE
    )
    return EmptyAnswer()


def finish_shift(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """FF0B / FF43: form the shift document begun with FF41 / FF42."""
    opening = request.code == cmd_shift.FnOpenShift.code
    wanted = FnDocument.SHIFT_OPEN if opening else FnDocument.SHIFT_CLOSE
    if emu.state.shift_document != wanted:
        raise DeviceError(E_FN_STATE)
    emu.check_printer()
    cashier = emu.state.tags.cashier_data()
    doc = emu.fn.open_shift(cashier) if opening else emu.fn.close_shift(cashier)
    _shift_document(emu, doc, "ОТКРЫТИЕ" if opening else "ЗАКРЫТИЕ")
    return cmd_shift.FnShiftAnswer(
        shift_number=doc.shift_number,
        fd_number=doc.number,
        fiscal_sign=doc.fiscal_sign,
        datetime=doc.moment.replace(second=0) if emu.extended_answers else None,
    )


def cancel_document(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """FF08: drop the document open in the ФН (a begun shift document or a receipt)."""
    emu.state.shift_document = 0
    if emu.fn.receipt_open or emu.state.receipt is not None:
        emu.fn.cancel_receipt()
    emu.finish_document()
    return EmptyAnswer()


def cash(emu: ShtrihEmulator, request: cmd_shift.CashIn, operator: int) -> Answer:
    """0x50 / 0x51: cash in and out, counted by the ФН's drawer; out beyond it is 0x46."""
    _no_receipt(emu)
    shift = emu.fn.shift_state()
    if shift is ShiftState.CLOSED:
        raise DeviceError(E_SHIFT_CLOSED)
    if shift is ShiftState.EXPIRED:
        raise DeviceError(E_SHIFT_OVER_24H)
    emu.check_printer()
    outgoing = request.code == cmd_shift.CashOut.code
    if outgoing:
        emu.fn.cash_out(request.amount)
    else:
        emu.fn.cash_in(request.amount)
    emu.state.cash = emu.fn.cash
    emu.state.nonfiscal_documents += 1
    title = "ВЫПЛАТА" if outgoing else "ВНЕСЕНИЕ"
    emu.state.print_line(f"{title} {request.amount / 100:.2f}")
    return cmd_shift.CashAnswer(
        operator=operator, document_number=emu.document_number() & 0xFFFF
    )


def open_drawer(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """0x28."""
    emu.state.drawer_openings += 1
    return OperatorAnswer(operator=operator)


def print_text(
    emu: ShtrihEmulator, request: cmd_shift.PrintString, operator: int
) -> Answer:
    """0x17 / 0x2F: the line goes to the journal."""
    emu.check_printer()
    emu.state.print_line(request.text)
    return OperatorAnswer(operator=operator)


def printer(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """0x13 beep, 0x25 cut, 0x29 feed, 0x8C repeat: accepted; paper moves, ending a picture."""
    if request.code != cmd_misc.Beep.code:
        emu.check_printer()
        emu.state.raster_open = False
    return OperatorAnswer(operator=operator)


def continue_print(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """0xB0: leave submode 3 once paper is back."""
    emu.state.waiting_continue = False
    emu.check_printer()
    return OperatorAnswer(operator=operator)


def write_table(
    emu: ShtrihEmulator, request: cmd_misc.WriteTable, operator: int
) -> Answer:
    """0x1E: kept as raw bytes."""
    emu.state.tables[(request.table, request.row, request.field)] = request.value
    emu.save_device()
    return EmptyAnswer()


def read_table(
    emu: ShtrihEmulator, request: cmd_misc.ReadTable, operator: int
) -> Answer:
    """0x1F: what was written, or a zero byte."""
    value = emu.state.tables.get((request.table, request.row, request.field), b"\0")
    return cmd_misc.ReadTableAnswer(value=value)


def set_time(emu: ShtrihEmulator, request: cmd_misc.SetTime, operator: int) -> Answer:
    """0x21: move the register clock (the ФН refuses documents older than its last one)."""
    _no_receipt(emu)
    if request.time is None:  # an impossible time decodes to None
        raise DeviceError(E_BAD_PARAMS)
    now = emu.now()
    target = dt.datetime.combine(now.date(), request.time)
    emu.state.clock_offset += target - now
    emu.save_device()
    return EmptyAnswer()


def set_date(emu: ShtrihEmulator, request: cmd_misc.SetDate, operator: int) -> Answer:
    """0x22 enters mode 6; 0x23 with the same date applies it."""
    _no_receipt(emu)
    if request.date is None:  # an impossible date decodes to None
        raise DeviceError(E_BAD_PARAMS)
    if request.code == cmd_misc.SetDate.code:
        emu.state.pending_date = request.date
        return EmptyAnswer()
    if emu.state.pending_date is None:
        raise DeviceError(E_MODE)
    if emu.state.pending_date != request.date:
        raise DeviceError(E_BAD_PARAMS)
    now = emu.now()
    emu.state.clock_offset += dt.datetime.combine(request.date, now.time()) - now
    emu.state.pending_date = None
    emu.save_device()
    return EmptyAnswer()


def set_exchange(
    emu: ShtrihEmulator, request: cmd_misc.SetExchange, operator: int
) -> Answer:
    """0x14: remembered and reported by 0x15; the link itself does not change."""
    emu.state.baud_code = request.baudrate_code
    emu.state.byte_timeout_code = request.byte_timeout_code
    return EmptyAnswer()


def read_exchange(emu: ShtrihEmulator, request: Request, operator: int) -> Answer:
    """0x15."""
    return cmd_misc.ReadExchangeAnswer(
        baudrate_code=emu.state.baud_code, byte_timeout_code=emu.state.byte_timeout_code
    )
