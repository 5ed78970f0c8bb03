"""One receipt as Shtrih commands: 0x8D open, FF0C tags, FF46 lines with FF4D tags, FF45 close.

Every command is built (and so validated) before the first one is sent, so a bad value never
leaves a receipt open. A device refusal before the close cancels the receipt with 0x88 and
raises the refusal; a step that may have reached the device twice (a retried exchange) cancels
it and sends it afresh; once the FF45 frame may have reached the device, a lost or unreadable answer
is a ``TransportError`` and FF45 is never sent again: the worker reconciles with the FN.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from openkkm.errors import (
    DeviceRejected,
    FiscalStateError,
    LinkLost,
    OpenKKMError,
    ProtocolError,
    TransportError,
    ValidationError,
)
from openkkm.fiscal.types import (
    FfdVersion,
    FiscalDocument,
    PrintElement,
    Receipt,
    TaxSystem,
)
from openkkm.protocol.shtrih.cmd_fn import (
    FindDocument,
    FindDocumentAnswer,
    ShiftParams,
    ShiftParamsAnswer,
)
from openkkm.protocol.shtrih.cmd_marking import BindMarking, CheckMarking
from openkkm.protocol.shtrih.cmd_misc import Subtotal, SubtotalAnswer
from openkkm.protocol.shtrih.cmd_receipt import (
    CancelReceipt,
    CloseReceiptExt,
    CloseReceiptExtAnswer,
    OpenReceipt,
    OperationV2,
    WriteOperationTlv,
    WriteTlv,
)
from openkkm.protocol.shtrih.messages import OperatorAnswer, Request

from . import tags
from .link import ShtrihLink, unknown_outcome
from .mapping import (
    OPERATION_TYPES,
    payment_slots,
    receipt_type,
    tax_system_bit,
    vat_code,
)
from .marking import MarkingStep, check_step, marking_bytes, planned_status
from .printing import print_requests, send

log = logging.getLogger(__name__)
QUANTITY_SCALE: Final = Decimal(1_000_000)
RESTARTS: Final = 2  #: times a receipt is sent again from its start after a doubtful step


@dataclass(frozen=True, slots=True)
class Counters:
    """The ФН's counters as last read: after FD ``last_fd``, shift and receipt numbers."""

    fn_number: str
    last_fd: int
    shift_number: int
    receipt_number: int


@dataclass(frozen=True, slots=True)
class ReceiptPlan:
    """The commands of one receipt, built and validated up front."""

    open: OpenReceipt
    body: tuple[Request | MarkingStep, ...]  #: tags, checks, lines, line tags, prints, in order
    close: CloseReceiptExt


def plan(
    receipt: Receipt,
    ffd: FfdVersion,
    tax_systems: tuple[TaxSystem, ...],
    line_length: int,
) -> ReceiptPlan:
    """Build every command of ``receipt``; ``ValidationError`` if a value cannot be sent."""
    receipt_tlvs = tags.packed(tags.receipt_tags(receipt, ffd))
    body: list[Request | MarkingStep] = [WriteTlv(tlv=run) for run in receipt_tlvs]
    body += _prints(receipt.header, receipt, line_length)
    positions = receipt.element_positions
    operation = OPERATION_TYPES[receipt.kind]
    for index, item in enumerate(receipt.items):
        before = tuple(
            element for element, at in zip(receipt.elements, positions, strict=False) if at == index
        )
        body += _prints(before, receipt, line_length)
        code = marking_bytes(item.marking_code, index)
        if code:
            check = CheckMarking(planned_status=planned_status(receipt, item), marking_code=code)
            body.append(MarkingStep(check, item.marking_accept_on_bad, index))
        body.append(
            OperationV2(
                operation=operation,
                quantity=_quantity(item.quantity, index),
                price=item.price,
                amount=item.amount,
                tax_amount=None,
                vat=vat_code(item.vat),
                department=item.department,
                payment_method=item.method,
                payment_subject=item.subject,
                name=item.name,
            )
        )
        item_tlvs = tags.packed(tags.item_tags(item, ffd, index))
        body += [WriteOperationTlv(tlv=run) for run in item_tlvs]
        if code:
            body.append(BindMarking(marking_code=code))  # after the line's tags (§1.7)
    trailing = tuple(
        element
        for element, at in zip(receipt.elements, positions, strict=False)
        if at >= len(receipt.items)
    )
    body += _prints(trailing, receipt, line_length)
    body += _prints(receipt.footer, receipt, line_length)  # FF45 prints the totals after it
    close = CloseReceiptExt(
        payments=payment_slots(receipt.payments, receipt.change),
        tax_system=tax_system_bit(receipt.tax_system, tax_systems),
    )
    opening = OpenReceipt(receipt_type=receipt_type(receipt))
    for request in (opening, *body, close):
        _validate(request.check if isinstance(request, MarkingStep) else request)
    return ReceiptPlan(opening, tuple(body), close)


async def run(link: ShtrihLink, steps: ReceiptPlan,
              journaled: Awaitable[None] | None = None) -> CloseReceiptExtAnswer:
    """Send a planned receipt; return FF45's answer (FD number and fiscal sign).

    ``journaled`` is awaited before FF45 (see ``Driver.register``).

    A step that may have gone in twice or not at all (see :func:`_send_body`) cancels the
    receipt and sends it again from the start: nothing is fiscalised before FF45, so a fresh
    copy is safe where a guess is not.
    """
    for attempt in range(RESTARTS + 1):
        try:
            await _send_body(link, steps, journaled)
        except _Doubtful as doubt:
            if attempt == RESTARTS:
                raise doubt.error from None
            log.warning("receipt on %s sent again from the start: %s", link.url, doubt.error.en)
            continue
        break
    try:
        return await link.execute(steps.close, CloseReceiptExtAnswer)
    except (DeviceRejected, FiscalStateError) as exc:
        if link.retried():
            raise unknown_outcome(exc) from exc
        await cancel_quietly(link)  # the device refused FF45: nothing was fiscalised
        raise
    except TransportError as exc:
        if link.frame_written():
            raise unknown_outcome(exc) from exc
        await cancel_quietly(link)
        raise
    except ProtocolError as exc:  # ERR was 0 or unreadable: the receipt may be fiscalised
        raise unknown_outcome(exc) from exc


class _Doubtful(Exception):
    """The open receipt may hold a step twice; it was cancelled."""

    def __init__(self, error: LinkLost) -> None:
        super().__init__(error.en)
        self.error = error


async def _send_body(link: ShtrihLink, steps: ReceiptPlan,
                     journaled: Awaitable[None] | None) -> None:
    """Open the receipt and send every step before the close.

    An exchange that needed retries may have delivered its frame twice: a device that executed
    it and restarted before answering executes the copy too. A line is then proven by the
    subtotal; a tag run cannot be read back, so its receipt is cancelled (``_Doubtful``). Any
    other failure cancels the receipt and propagates. Every step here is followed at once by
    another (the next step, the close or the cancel), so each sends the next one's ENQ early.
    """
    await link.execute(steps.open, OperatorAnswer, then=True)
    try:
        lines_total = 0
        for request in steps.body:
            if isinstance(request, MarkingStep):
                await check_step(link, request)
                continue
            await send(link, request, then=True)
            if isinstance(request, OperationV2):
                lines_total += request.amount or 0
            if not link.retried():
                continue
            if isinstance(request, WriteTlv | WriteOperationTlv):
                raise _Doubtful(LinkLost(
                    f"Реквизиты {request.code:#06x} могли попасть в чек дважды после сбоя связи: "
                    "чек аннулирован",
                    f"Tags {request.code:#06x} may have gone into the receipt twice after a "
                    "link failure: the receipt is cancelled",
                ))
            await _check_subtotal(link, lines_total)
        if journaled is not None:
            await journaled
    except _Doubtful:
        await link.execute(CancelReceipt(), OperatorAnswer)  # must succeed to start afresh
        raise
    except BaseException:
        await cancel_quietly(link)
        raise


async def _check_subtotal(link: ShtrihLink, expected: int) -> None:
    """After a retried exchange, prove from the device that no line went in twice (or not at all).

    The exchange sends a frame again when the device answered neither ACK nor the answer; a
    device that had executed it and restarted then executes the copy too.
    """
    answer = await link.execute(Subtotal(), SubtotalAnswer)
    if answer.subtotal != expected:
        raise _Doubtful(LinkLost(
            f"Подытог чека в ККТ {answer.subtotal} коп. вместо {expected} после сбоя связи: "
            "чек аннулирован",
            f"The register's subtotal is {answer.subtotal} instead of {expected} after a link "
            "failure: the receipt is cancelled",
        ))


async def closed_document(
    link: ShtrihLink,
    receipt: Receipt,
    closed: CloseReceiptExtAnswer,
    fn_number: str,
    known: Counters | None,
) -> FiscalDocument:
    """The receipt's document from FF45's answer, the shift counters and FF0A's moment.

    The shift and receipt numbers need no FF40 when the counters were read right before: an FD
    number one above the last one read proves that no other document came in between, so the
    shift is the same and this is its next receipt. FF0A tells the moment to the minute (as the
    QR code does); reading the whole receipt as TLV for its seconds would double the bytes.
    """
    if (
        known is not None
        and known.fn_number == fn_number
        and known.shift_number
        and (closed.fd_number == known.last_fd + 1)
    ):
        shift, number = known.shift_number, known.receipt_number + 1
    else:
        params = await link.execute(ShiftParams(), ShiftParamsAnswer)
        shift, number = params.shift_number, params.receipt_number
    moment = closed.datetime
    if moment is None:
        found = await link.execute(FindDocument(fd_number=closed.fd_number), FindDocumentAnswer)
        moment = found.datetime
    if moment is None:
        raise ProtocolError("ФН не сообщил время чека", "The FN gave no receipt time")
    return FiscalDocument(
        number=closed.fd_number,
        fiscal_sign=closed.fiscal_sign,
        moment=moment,
        type=receipt.document_type,
        fn_number=fn_number,
        shift_number=shift,
        receipt_number=number,
        kind=receipt.kind,
        total=receipt.total,
    )


async def cancel_quietly(link: ShtrihLink) -> None:
    """Cancel the receipt this run opened; a failure is logged (the worker reconciles later)."""
    if link.broken:
        return
    try:
        await link.execute(CancelReceipt(), OperatorAnswer)
    except OpenKKMError as exc:
        log.warning("cannot cancel the open receipt on %s: %s", link.url, exc.en)


def _prints(
    elements: tuple[PrintElement, ...], receipt: Receipt, line_length: int
) -> list[Request]:
    """Print commands for ``elements`` unless the receipt is not printed."""
    if not receipt.print_paper or not elements:
        return []
    return print_requests(elements, line_length)


def _quantity(quantity: Decimal, index: int) -> int:
    """FF46 quantity: ×10⁶, exact."""
    scaled = quantity * QUANTITY_SCALE
    if scaled != scaled.to_integral_value() or scaled <= 0:
        raise ValidationError(
            ("items", index, "quantity"),
            f"Количество {quantity} нельзя передать в ККТ (не более 6 знаков после запятой)",
            f"Quantity {quantity} cannot be sent (at most 6 decimal places)",
        )
    return int(scaled)


def _validate(request: Request) -> None:
    """Encode ``request`` once so that a value that does not fit fails before anything is sent."""
    request.encode()
