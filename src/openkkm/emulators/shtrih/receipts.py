"""Receipt commands of the emulated register over the simulated ФН.

0x8D open, FF46 line, FF0C/FF4D tags, FF45 close, 0x88 cancel, 0x89 subtotal and the legacy
0x80…0x83 lines with the 0x85 close. The register checks its own state first (receipt already
open 0x4A, shift closed 0x3D, over 24 h 0x4E, paper), then hands the work to the ФН, whose
refusals ``device`` maps to Shtrih codes. It never opens a shift by itself.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Final

from openkkm.emulators.fn.receipt import ReceiptDetails
from openkkm.fiscal import tlv
from openkkm.fiscal.types import (
    Item,
    Measure,
    PaymentMethod,
    PaymentObject,
    Payments,
    ReceiptKind,
    ShiftState,
    TaxSystem,
    VatRate,
)
from openkkm.protocol.shtrih import cmd_misc, cmd_receipt
from openkkm.protocol.shtrih.cmd_receipt import CLASSIC_QUANTITY_SCALE, QUANTITY_SCALE
from openkkm.protocol.shtrih.messages import Answer, EmptyAnswer, OperatorAnswer
from openkkm.protocol.shtrih.values import VAT_RATES, VatCode

from .state import Checked, DeviceError, PendingLine, ReceiptSession

if TYPE_CHECKING:
    from openkkm.emulators.fn.state import ArchivedDocument

    from .device import ShtrihEmulator

E_BAD_PARAMS: Final = 0x33
E_SHIFT_CLOSED: Final = 0x3D
E_RECEIPT_OPEN: Final = 0x4A
E_SHIFT_OVER_24H: Final = 0x4E
E_NO_RECEIPT: Final = 0x55
E_BAD_OPERATION: Final = 0x5E
E_NO_CASH: Final = 0x46
E_ZERO_TOTAL: Final = 0x8E

#: 0x8D type (low bits) -> tag 1054
RECEIPT_KINDS: Final = {
    0: ReceiptKind.SALE,
    1: ReceiptKind.PURCHASE,
    2: ReceiptKind.SALE_RETURN,
    3: ReceiptKind.PURCHASE_RETURN,
}
#: legacy line command -> 0x8D type
LEGACY_TYPES: Final = {0x80: 0, 0x81: 1, 0x82: 2, 0x83: 3}
#: receipts that pay cash out of the drawer
CASH_OUT_KINDS: Final = frozenset({ReceiptKind.SALE_RETURN, ReceiptKind.PURCHASE})
#: legacy tax group (table 6 row) -> rate; group 1 follows the 2026 change of the basic rate
TAX_GROUPS: Final = {
    0: VatRate.NONE,
    2: VatRate.VAT10,
    3: VatRate.VAT0,
    4: VatRate.NONE,
}


def check_can_open(emu: ShtrihEmulator) -> None:
    """Refuse a new receipt as the register would, before asking the ФН."""
    if emu.state.receipt is not None or emu.fn.receipt_open:
        raise DeviceError(E_RECEIPT_OPEN)
    shift = emu.fn.shift_state()
    if shift is ShiftState.CLOSED:
        raise DeviceError(E_SHIFT_CLOSED)
    if shift is ShiftState.EXPIRED:
        raise DeviceError(E_SHIFT_OVER_24H)
    emu.check_printer()


def start(emu: ShtrihEmulator, receipt_type: int) -> ReceiptSession:
    """Open a receipt of 0x8D type ``receipt_type``; a correction waits for its tags."""
    kind = RECEIPT_KINDS.get(receipt_type & 0x7F)
    if kind is None or receipt_type & 0x7C:
        raise DeviceError(E_BAD_PARAMS)
    check_can_open(emu)
    session = ReceiptSession(
        kind=kind, receipt_type=receipt_type, correction=bool(receipt_type & 0x80)
    )
    if not session.correction:
        emu.fn.begin_receipt(kind)
        session.begun = True
    emu.state.receipt = session
    return session


def session_of(emu: ShtrihEmulator) -> ReceiptSession:
    """Return the open receipt; one left open in the ФN by a reboot is adopted."""
    if emu.state.receipt is None:
        if not emu.fn.receipt_open:
            raise DeviceError(E_NO_RECEIPT)
        emu.state.receipt = ReceiptSession(kind=None, begun=True)
    return emu.state.receipt


def flush(emu: ShtrihEmulator, session: ReceiptSession) -> None:
    """Hand the pending line to the ФН (beginning a correction receipt first)."""
    line = session.pending
    if line is None:
        return
    if not session.begun and session.kind is not None:
        emu.fn.begin_receipt(session.kind, emu.state.tags.correction())
        session.begun = True
    checked = session.checked
    if checked is not None and checked[0] is line:
        emu.fn.add_item(checked[1], checked[2])
    else:
        emu.fn.add_item(to_item(line))
    session.pending = session.checked = None


def to_item(line: PendingLine) -> Item:
    """Build the domain item of a line; bad codes are the register's 0x33."""
    try:
        vat = VatRate(line.vat)
        method, subject = PaymentMethod(line.method), PaymentObject(line.subject)
        measure = line.extra.get("measure")
        extra = dict(line.extra)
        extra["measure"] = None if measure is None else Measure(int(str(measure)))
    except ValueError as exc:
        raise DeviceError(E_BAD_PARAMS) from exc
    return Item(
        name=line.name,
        price=line.price,
        quantity=line.quantity,
        amount=line.amount,
        vat=vat,
        method=method,
        subject=subject,
        department=line.department,
        **extra,  # type: ignore[arg-type]
    )


def add_line(emu: ShtrihEmulator, session: ReceiptSession, line: PendingLine) -> None:
    """Flush the previous line and keep ``line`` pending."""
    emu.check_printer()
    checked = check_line(emu, line)
    flush(emu, session)
    session.pending, session.checked = line, checked
    session.lines += 1


def check_line(emu: ShtrihEmulator, line: PendingLine) -> Checked:
    """Refuse a line now, as the ФН would refuse it when it is handed over.

    Returns the line with its item and the ФН's encoding of it: kept as the receipt's
    ``checked``, they spare the hand-over building and encoding the same line again.
    """
    item = to_item(line)
    return line, item, emu.fn.check_item(item)


def amount_of(price: int, quantity: Decimal) -> int:
    """Price × quantity in kopecks, rounded half up as the register does."""
    return int((Decimal(price) * quantity).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def open_receipt(
    emu: ShtrihEmulator, request: cmd_receipt.OpenReceipt, operator: int
) -> Answer:
    """0x8D."""
    start(emu, request.receipt_type)
    return OperatorAnswer(operator=operator)


def operation(
    emu: ShtrihEmulator, request: cmd_receipt.OperationV2, operator: int
) -> Answer:
    """FF46: a line; with no receipt open it opens one of the operation's type."""
    if not 1 <= request.operation <= 4:
        raise DeviceError(E_BAD_PARAMS)
    kind = ReceiptKind(request.operation)
    if emu.state.receipt is None and not emu.fn.receipt_open:
        start(emu, {v: k for k, v in RECEIPT_KINDS.items()}[kind])
    session = session_of(emu)
    if session.kind is not None and session.kind is not kind:
        raise DeviceError(E_BAD_OPERATION)
    try:
        vat = VAT_RATES[VatCode(request.vat)]
    except ValueError as exc:
        raise DeviceError(E_BAD_PARAMS) from exc
    quantity = Decimal(request.quantity) / QUANTITY_SCALE
    amount = (
        amount_of(request.price, quantity) if request.amount is None else request.amount
    )
    name = request.name.removeprefix("//")
    line = PendingLine(
        name=name,
        price=request.price,
        quantity=quantity,
        amount=amount,
        vat=int(vat),
        method=request.payment_method,
        subject=request.payment_subject,
        department=request.department,
    )
    add_line(emu, session, line)
    return EmptyAnswer()


def write_tlv(
    emu: ShtrihEmulator, request: cmd_receipt.WriteTlv, operator: int
) -> Answer:
    """FF0C: tags of the current (or next) document."""
    try:
        emu.state.tags.write(request.tlv)
    except (tlv.TlvError, ValueError) as exc:
        raise DeviceError(E_BAD_PARAMS) from exc
    return EmptyAnswer()


def write_operation_tlv(
    emu: ShtrihEmulator, request: cmd_receipt.WriteOperationTlv, operator: int
) -> Answer:
    """FF4D: tags of the last line."""
    session = session_of(emu)
    if session.pending is None:
        raise DeviceError(E_BAD_OPERATION)
    line = replace(session.pending, extra=dict(session.pending.extra))
    try:
        line.write(request.tlv)
    except (tlv.TlvError, ValueError) as exc:
        raise DeviceError(E_BAD_PARAMS) from exc
    session.checked = check_line(emu, line)
    session.pending = line
    return EmptyAnswer()


def close(emu: ShtrihEmulator, tendered: Payments, tax_bits: int) -> ArchivedDocument:
    """Close the open receipt; returns its fiscal document."""
    session = session_of(emu)
    emu.check_printer()
    if tax_bits & (tax_bits - 1) or tax_bits >= 1 << len(TaxSystem):
        raise DeviceError(E_BAD_PARAMS)
    tax_system = TaxSystem(tax_bits.bit_length() - 1) if tax_bits else None
    flush(emu, session)
    if not session.begun:
        raise DeviceError(E_ZERO_TOTAL)
    total = emu.fn.open_receipt_total
    change = max(0, tendered.total - total)
    cash_moved = max(0, tendered.cash - change)
    if session.kind in CASH_OUT_KINDS and cash_moved > emu.fn.cash:
        raise DeviceError(E_NO_CASH)
    tags = emu.state.tags
    details = ReceiptDetails(
        tax_system=tax_system,
        cashier=tags.cashier_data(),
        customer_contact=tags.customer_contact,
        customer_name=tags.customer_name,
        customer_inn=tags.customer_inn,
        settlement_address=tags.settlement_address,
        settlement_place=tags.settlement_place,
        agent_role=tags.agent_role,
        sender_email=tags.sender_email,
        internet=tags.internet,
        user_attribute=tags.user_attribute,
        attribute=tags.attribute,
    )
    doc = emu.fn.close_receipt(tendered, details)
    emu.state.cash = emu.fn.cash
    emu.finish_document()
    emu.state.print_line(
        f"ЧЕК {doc.receipt_number} ФД {doc.number} ФП {doc.fiscal_sign} "
        f"ИТОГ {doc.total / 100:.2f}"
    )
    return doc


def close_ext(
    emu: ShtrihEmulator, request: cmd_receipt.CloseReceiptExt, operator: int
) -> Answer:
    """FF45: payment 1 cash, 2…13 electronic, 14 prepayment, 15 credit, 16 provision."""
    sums = request.payments
    tendered = Payments(
        cash=sums[0],
        electronic=sum(sums[1:13]),
        prepayment=sums[13],
        credit=sums[14],
        provision=sums[15],
    )
    doc = close(emu, tendered, request.tax_system)
    return cmd_receipt.CloseReceiptExtAnswer(
        change=doc.change,
        fd_number=doc.number,
        fiscal_sign=doc.fiscal_sign,
        datetime=doc.moment.replace(second=0) if emu.extended_answers else None,
    )


def cancel(
    emu: ShtrihEmulator, request: cmd_receipt.CancelReceipt, operator: int
) -> Answer:
    """0x88."""
    if emu.state.receipt is None and not emu.fn.receipt_open:
        raise DeviceError(E_NO_RECEIPT)
    emu.fn.cancel_receipt()
    emu.state.receipt = None
    emu.finish_document()
    emu.state.print_line("ЧЕК АННУЛИРОВАН")
    return OperatorAnswer(operator=operator)


def subtotal(emu: ShtrihEmulator, request: cmd_misc.Subtotal, operator: int) -> Answer:
    """0x89: hands the pending line to the ФН and reports the ФН's sum."""
    session = session_of(emu)
    flush(emu, session)
    return cmd_misc.SubtotalAnswer(
        operator=operator, subtotal=emu.fn.open_receipt_total
    )


def legacy_line(
    emu: ShtrihEmulator, request: cmd_receipt.Sale, operator: int
) -> Answer:
    """0x80…0x83: a line with 3-decimal quantity and a tax group; opens a receipt if needed."""
    receipt_type = LEGACY_TYPES[request.code]
    if emu.state.receipt is None and not emu.fn.receipt_open:
        start(emu, receipt_type)
    session = session_of(emu)
    if session.kind is not None and session.kind is not RECEIPT_KINDS[receipt_type]:
        raise DeviceError(E_BAD_OPERATION)
    quantity = Decimal(request.quantity) / CLASSIC_QUANTITY_SCALE
    group = request.tax_groups[0]
    if group == 1:
        vat = VatRate.VAT22 if emu.now().year >= 2026 else VatRate.VAT20
    elif group in TAX_GROUPS:
        vat = TAX_GROUPS[group]
    else:
        raise DeviceError(E_BAD_PARAMS)
    line = PendingLine(
        name=request.text,
        price=request.price,
        quantity=quantity,
        amount=amount_of(request.price, quantity),
        vat=int(vat),
        department=request.department,
    )
    add_line(emu, session, line)
    return OperatorAnswer(operator=operator)


def legacy_close(
    emu: ShtrihEmulator, request: cmd_receipt.CloseReceipt, operator: int
) -> Answer:
    """0x85: cash and payment types 2–4 (electronic); a discount is not supported here."""
    if request.discount:
        raise DeviceError(E_BAD_PARAMS)
    cash, *others = request.payments
    doc = close(emu, Payments(cash=cash, electronic=sum(others)), 0)
    return cmd_receipt.CloseReceiptAnswer(operator=operator, change=doc.change)
