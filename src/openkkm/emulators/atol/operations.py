"""Command handlers of the emulated ATOL register, dispatched by request class."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from openkkm.fiscal.marking import parse as parse_code
from openkkm.fiscal.types import DocumentType, ReceiptKind, ShiftState
from openkkm.layout.raster import paper_width
from openkkm.protocol.atol import cmd_fn, cmd_receipt, cmd_register, cmd_state
from openkkm.protocol.atol.codes import (
    DEFAULT_MODE_PASSWORD,
    FnShiftState,
    Mode,
    PrinterFlags,
    PropsFlags,
    ReportType,
    StateFlags,
)
from openkkm.protocol.atol.errors import ErrorCode
from openkkm.protocol.atol.messages import Answer, Request

from .receipts import (
    CORRECTION_KINDS,
    RECEIPT_KINDS,
    DeviceError,
    Props,
    ReceiptSession,
    item_of,
    with_item_props,
)
from .registration import change_fn, close_fn, register, reregister

if TYPE_CHECKING:
    from .device import AtolEmulator

SERIAL: Final = 12345678
MODEL: Final = 69  #: a model number for the 0x3F/0xA5 answers (openkkm's emulator)
NAME: Final = "АТОЛ openkkm"
FISCAL_MODES: Final = {
    cmd_receipt.OpenShift: Mode.REGISTRATION, cmd_receipt.OpenReceipt: Mode.REGISTRATION,
    cmd_receipt.RegisterItem: Mode.REGISTRATION, cmd_receipt.WriteProps: Mode.REGISTRATION,
    cmd_receipt.Payment: Mode.REGISTRATION, cmd_receipt.CloseReceipt: Mode.REGISTRATION,
    cmd_receipt.CancelReceipt: Mode.REGISTRATION, cmd_receipt.CashIn: Mode.REGISTRATION,
    cmd_receipt.CashOut: Mode.REGISTRATION, cmd_receipt.Report: Mode.X_REPORTS,
    cmd_receipt.ZReport: Mode.Z_REPORTS,
}
PRINTING: Final = (cmd_receipt.OpenShift, cmd_receipt.OpenReceipt, cmd_receipt.ZReport,
                   cmd_receipt.Report, cmd_state.PrintString, cmd_state.PrintPictureLine)


def dispatch(emu: AtolEmulator, request: Request) -> bytes:
    """Run ``request`` on ``emu``; a refusal raises ``DeviceError`` or ``FnError``."""
    mode = FISCAL_MODES.get(type(request))
    if mode is not None and emu.mode != mode:
        raise DeviceError(ErrorCode.NOT_IN_THIS_MODE)
    if isinstance(request, PRINTING) and not emu.paper:
        raise DeviceError(ErrorCode.NO_PAPER)
    emu.picture_open = emu.picture_open and isinstance(request, cmd_state.PrintPictureLine)
    handler = HANDLERS[type(request)]
    return handler(emu, request)


def _state(emu: AtolEmulator, _request: Request) -> bytes:
    fn = emu.fn
    flags = StateFlags.FN_ACTIVE | (StateFlags.FISCAL if fn.fiscalised else 0)
    if fn.shift_state() is not ShiftState.CLOSED:
        flags |= StateFlags.SHIFT_OPEN
    if emu.paper:
        flags |= StateFlags.PAPER_PRESENT
    receipt = emu.receipt
    return cmd_state.DeviceStateAnswer(
        moment=fn.clock(), flags=flags, serial=SERIAL, model=MODEL, mode=emu.mode,
        receipt_number=fn.receipt_number, shift_number=fn.shift_number,
        receipt_state=0 if receipt is None else int(receipt.receipt_type),
        receipt_sum=fn.open_receipt_total).encode()


def _state_code(emu: AtolEmulator, _request: Request) -> bytes:
    flags = PrinterFlags.NONE if emu.paper else PrinterFlags.NO_PAPER
    return cmd_state.StateCodeAnswer(mode=emu.mode, flags=flags).encode()


def _device_type(_emu: AtolEmulator, _request: Request) -> bytes:
    return cmd_state.DeviceTypeAnswer(protocol=3, model=MODEL, version=b"\x03\x01\x00\x00\x01",
                                      name=NAME).encode()


def _enter_mode(emu: AtolEmulator, request: cmd_state.EnterMode) -> bytes:
    if emu.mode != Mode.SELECT:
        raise DeviceError(ErrorCode.NOT_IN_THIS_MODE)
    if request.password != DEFAULT_MODE_PASSWORD:
        raise DeviceError(ErrorCode.WRONG_PASSWORD)
    emu.mode = request.mode
    return Answer().encode()


def _leave_mode(emu: AtolEmulator, _request: Request) -> bytes:
    if emu.receipt is not None:
        raise DeviceError(ErrorCode.RECEIPT_OPEN)
    emu.mode = Mode.SELECT
    return Answer().encode()


def _print(emu: AtolEmulator, request: Request) -> bytes:
    if isinstance(request, cmd_state.PrintString):
        emu.print_line(request.text)
    elif isinstance(request, cmd_state.Cut):
        emu.print_line("-" * 8 + " cut")
    elif isinstance(request, cmd_state.OpenDrawer):
        emu.drawer_openings += 1
    return Answer().encode()


def _print_picture(emu: AtolEmulator, request: cmd_state.PrintPictureLine) -> bytes:
    """0x8E: one row across the head, ``repeat`` times, shifted right by whole bytes."""
    width = paper_width(emu.config.line_length) // 8
    shift = request.offset // 8
    if not 1 <= request.repeat <= cmd_state.PICTURE_REPEAT_LIMIT or not request.data:
        raise DeviceError(ErrorCode.WRONG_FORMAT)
    if shift + len(request.data) > width:
        raise DeviceError(ErrorCode.WRONG_LENGTH)
    row = (bytes(shift) + request.data).ljust(width, b"\0")
    emu.print_rows([row] * request.repeat)
    return Answer().encode()


def _open_shift(emu: AtolEmulator, _request: Request) -> bytes:
    emu.fn.open_shift(emu.props.cashier())
    emu.props = Props()
    emu.print_line(f"ОТЧЕТ ОБ ОТКРЫТИИ СМЕНЫ {emu.fn.shift_number}")
    return Answer().encode()


def _z_report(emu: AtolEmulator, _request: Request) -> bytes:
    emu.fn.close_shift(emu.props.cashier())
    emu.props = Props()
    emu.print_line(f"ОТЧЕТ О ЗАКРЫТИИ СМЕНЫ {emu.fn.shift_number}")
    return Answer().encode()


def _report(emu: AtolEmulator, request: cmd_receipt.Report) -> bytes:
    if request.report_type == ReportType.FN_STATE:
        document = emu.fn.state_report()
        emu.props = Props()
        emu.print_line(f"ОТЧЕТ О ТЕКУЩЕМ СОСТОЯНИИ РАСЧЕТОВ ФД {document.number}")
        return Answer().encode()
    if request.report_type != ReportType.X:
        raise DeviceError(ErrorCode.WRONG_REPORT_TYPE)
    totals = emu.fn.shift_totals()
    emu.print_line(f"X-ОТЧЕТ смена {emu.fn.shift_number}: {sum(totals.values())}")
    return Answer().encode()


def _open_receipt(emu: AtolEmulator, request: cmd_receipt.OpenReceipt) -> bytes:
    if emu.receipt is not None or emu.fn.receipt_open:
        raise DeviceError(ErrorCode.RECEIPT_OPEN)
    correction = None
    kind = RECEIPT_KINDS.get(request.receipt_type)
    if kind is None:
        kind = CORRECTION_KINDS.get(request.receipt_type)
        correction = emu.props.correction()
        if kind is None:
            raise DeviceError(ErrorCode.WRONG_RECEIPT_TYPE)
        if correction is None:  # 1173/1174 must be written before a correction opens
            raise DeviceError(ErrorCode.FN_BAD_PARAMETERS)
    emu.fn.begin_receipt(kind, correction)
    emu.receipt = ReceiptSession(request.receipt_type)
    return Answer().encode()


def _register_item(emu: AtolEmulator, request: cmd_receipt.RegisterItem) -> bytes:
    receipt = _receipt(emu)
    item = item_of(request)
    _flush(emu, receipt)
    receipt.pending = item
    return Answer().encode()


def _write_props(emu: AtolEmulator, request: cmd_receipt.WriteProps) -> bytes:
    if request.flags & PropsFlags.ITEM:
        receipt = _receipt(emu)
        if receipt.pending is None:
            raise DeviceError(ErrorCode.FN_BAD_PARAMETERS)
        receipt.pending = with_item_props(receipt.pending, request.tlv)
    else:
        emu.props.write(request.tlv)
    return Answer().encode()


def _payment(emu: AtolEmulator, request: cmd_receipt.Payment | cmd_receipt.CloseReceipt) -> bytes:
    receipt = _receipt(emu)
    _flush(emu, receipt)
    if request.amount:
        receipt.pay(request.payment_type, request.amount)
    return Answer().encode()


def _close_receipt(emu: AtolEmulator, request: cmd_receipt.CloseReceipt) -> bytes:
    receipt = _receipt(emu)
    _payment(emu, request)
    document = emu.fn.close_receipt(receipt.tendered(), emu.props.details())
    incoming = document.kind in (ReceiptKind.SALE, ReceiptKind.PURCHASE_RETURN)
    emu.cash += (1 if incoming else -1) * (receipt.tendered().cash - document.change)
    emu.receipt = None
    emu.props = Props()
    emu.print_line(f"ЧЕК {document.receipt_number} ФД {document.number} ИТОГ {document.total}")
    return Answer().encode()


def _cancel_receipt(emu: AtolEmulator, _request: Request) -> bytes:
    if emu.receipt is None and not emu.fn.receipt_open:
        raise DeviceError(ErrorCode.RECEIPT_CLOSED)
    emu.fn.cancel_receipt()
    emu.receipt = None
    emu.props = Props()
    return Answer().encode()


def _cash(emu: AtolEmulator, request: cmd_receipt.CashIn | cmd_receipt.CashOut) -> bytes:
    if emu.receipt is not None:
        raise DeviceError(ErrorCode.RECEIPT_OPEN)
    shift = emu.fn.shift_state()
    if shift is not ShiftState.OPEN:
        raise DeviceError(ErrorCode.WRONG_FN_STATE if shift is ShiftState.CLOSED
                          else ErrorCode.SHIFT_OVER_24H)
    sign = 1 if isinstance(request, cmd_receipt.CashIn) else -1
    if emu.cash + sign * request.amount < 0:
        raise DeviceError(ErrorCode.NO_CASH)
    emu.cash += sign * request.amount
    return Answer().encode()


def _cash_balance(emu: AtolEmulator, _request: Request) -> bytes:
    return cmd_receipt.CashBalanceAnswer(amount=emu.cash).encode()


def _fn_shift(emu: AtolEmulator, _request: Request) -> bytes:
    state = {ShiftState.CLOSED: FnShiftState.CLOSED, ShiftState.OPEN: FnShiftState.OPEN,
             ShiftState.EXPIRED: FnShiftState.EXPIRED}[emu.fn.shift_state()]
    return cmd_fn.FnShiftStateAnswer(state=state, shift_number=emu.fn.shift_number,
                                     receipt_number=emu.fn.receipt_number).encode()


def _fn_ofd(emu: AtolEmulator, _request: Request) -> bytes:
    queue = emu.fn.ofd_status()
    return cmd_fn.FnOfdStateAnswer(unsent=queue.unsent, first_unsent=queue.first or 0,
                                   first_unsent_at=queue.oldest).encode()


def _fn_status(emu: AtolEmulator, _request: Request) -> bytes:
    fn = emu.fn
    return cmd_fn.FnStatusAnswer(
        phase=(0x07 if fn.closed else 0x03) if fn.fiscalised else 0x01, document=0x00 if not fn.receipt_open else 0x04,
        shift_open=fn.shift_state() is not ShiftState.CLOSED, moment=fn.clock(),
        fn_number=fn.fn_number, last_document=fn.last_number).encode()


def _fn_document(emu: AtolEmulator, request: cmd_fn.FnFindDocument) -> bytes:
    document = emu.fn.document(request.number)
    return cmd_fn.FnDocumentAnswer(
        type=document.type, moment=document.moment, number=document.number,
        fiscal_sign=document.fiscal_sign, kind=document.kind, total=document.total,
        shift_number=document.shift_number
        if document.type in (DocumentType.SHIFT_OPEN, DocumentType.SHIFT_CLOSE) else 0).encode()


def _fn_document_tlv(emu: AtolEmulator, request: cmd_fn.FnDocumentTlv) -> bytes:
    data = emu.fn.document(request.number).tlv
    if request.offset > len(data):
        raise DeviceError(ErrorCode.FN_BAD_PARAMETERS)
    return cmd_fn.FnDocumentTlvAnswer(
        size=len(data), piece=data[request.offset:request.offset + cmd_fn.TLV_CHUNK]).encode()


def _check_marking(emu: AtolEmulator, request: cmd_fn.FnCheckMarking) -> bytes:
    try:
        code = request.marking_code.decode("ascii")
    except UnicodeDecodeError:
        raise DeviceError(ErrorCode.FN_BAD_PARAMETERS) from None
    result = emu.fn.check_marking(code, checkable=parse_code(code).checkable,
                                  planned_status=request.planned_status)
    return cmd_fn.FnCheckMarkingAnswer(result=result).encode()


def _receipt(emu: AtolEmulator) -> ReceiptSession:
    if emu.receipt is None:
        raise DeviceError(ErrorCode.RECEIPT_CLOSED)
    return emu.receipt


def _flush(emu: AtolEmulator, receipt: ReceiptSession) -> None:
    """Hand the pending item to the ФН."""
    if receipt.pending is not None:
        item, receipt.pending = receipt.pending, None
        emu.fn.add_item(item)
        receipt.items += 1


HANDLERS: Final[dict[type[Request], Callable[[AtolEmulator, Any], bytes]]] = {
    cmd_state.DeviceState: _state, cmd_state.StateCode: _state_code,
    cmd_state.DeviceType: _device_type, cmd_state.EnterMode: _enter_mode,
    cmd_state.LeaveMode: _leave_mode, cmd_state.PrintString: _print, cmd_state.Cut: _print,
    cmd_state.PrintPictureLine: _print_picture,
    cmd_state.OpenDrawer: _print, cmd_state.Beep: _print, cmd_receipt.OpenShift: _open_shift,
    cmd_receipt.ZReport: _z_report, cmd_receipt.Report: _report,
    cmd_receipt.OpenReceipt: _open_receipt, cmd_receipt.RegisterItem: _register_item,
    cmd_receipt.WriteProps: _write_props, cmd_receipt.Payment: _payment,
    cmd_receipt.CloseReceipt: _close_receipt, cmd_receipt.CancelReceipt: _cancel_receipt,
    cmd_receipt.CashIn: _cash, cmd_receipt.CashOut: _cash,
    cmd_receipt.CashBalance: _cash_balance, cmd_fn.FnShift: _fn_shift,
    cmd_fn.FnOfdState: _fn_ofd, cmd_fn.FnStatus: _fn_status,
    cmd_fn.FnFindDocument: _fn_document, cmd_fn.FnDocumentTlv: _fn_document_tlv,
    cmd_fn.FnCheckMarking: _check_marking, cmd_register.FnReregister: reregister,
    cmd_register.FnClose: close_fn, cmd_register.FnRegister: register,
    cmd_register.FnChangeFn: change_fn,
}
