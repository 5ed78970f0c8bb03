"""Operations that form no fiscal document: reads, reports on paper, the drawer, cash moves.

They need no ``sent`` journaling: a lost answer changes nothing on the fiscal drive. Cash moves
are the exception that is not fiscal yet changes a counter, so a lost answer is settled by
reading the counter again, never by sending the move twice.
"""

from __future__ import annotations

import logging

from openkkm.drivers.base import Driver
from openkkm.errors import NotFoundError, OpenKKMError, TransportError
from openkkm.fiscal.readback import decode, slip_lines
from openkkm.fiscal.types import PrintText, Slip
from openkkm.jobs.link import DeviceLink
from openkkm.jobs.operations import (
    REFUSALS,
    CheckMarking,
    DocumentRead,
    MarkingChecked,
    MoveCash,
    OpenDrawer,
    Outcome,
    ReadCounters,
    ReadDocument,
    XReport,
    not_performed,
)

log = logging.getLogger(__name__)

PlainOperation = XReport | OpenDrawer | ReadDocument | ReadCounters | CheckMarking


class CashUnknown(OpenKKMError):
    """A cash move's answer was lost and the counter could not prove either outcome.

    The command is finished, not failed, so that a resend with the same ``IdCommand`` repeats
    this answer instead of moving the cash a second time.
    """

    code = "cash_unknown"

    def __init__(self) -> None:
        super().__init__(
            "Связь с ККТ прервалась во время внесения или выплаты, и результат проверить не "
            "удалось: сверьте сумму в кассе (RequestCash) и при необходимости отправьте новую "
            "команду с новым IdCommand",
            "The link broke during the cash move and its result could not be checked: compare "
            "the drawer balance (RequestCash) and if needed send a new command with a new "
            "IdCommand")


def document_missing(number: int) -> NotFoundError:
    """Build the refusal for a document number the ФН archive does not hold."""
    return NotFoundError(f"Документ с номером {number} в ФН не найден",
                         f"The fiscal drive holds no document number {number}")


async def run_plain(link: DeviceLink, driver: Driver, operation: PlainOperation) -> Outcome:
    """Run one operation that forms no fiscal document."""
    if isinstance(operation, XReport):
        await link.call(driver.x_report(operation.cashier))
        return None
    if isinstance(operation, OpenDrawer):
        await link.call(driver.open_drawer())
        return None
    if isinstance(operation, ReadCounters):
        return await link.call(driver.counters())
    if isinstance(operation, CheckMarking):
        checks = [await link.call(driver.check_marking(code, planned))
                  for code, planned in operation.codes]
        return MarkingChecked(tuple(checks))
    return await _read_document(link, driver, operation)


async def _read_document(link: DeviceLink, driver: Driver, operation: ReadDocument) -> Outcome:
    number = operation.number or (await link.status()).last_document
    found = await link.call(driver.read_document_tlv(number))
    if found is None:
        raise document_missing(number)
    document, tlv = found
    copy = None
    if operation.copies:
        lines = slip_lines(decode(tlv), document.number, document.fiscal_sign,
                           document.fn_number)
        copy = Slip(tuple(PrintText(line) for line in lines))
        for _ in range(operation.copies):
            await link.call(driver.print_slip(copy))
    return DocumentRead(document, tlv, driver.line_length, copy)


async def move_cash(link: DeviceLink, driver: Driver, operation: MoveCash) -> int:
    """Deposit or pay out; after a lost answer compare the counter with its value before."""
    before = await link.call(driver.cash_balance())
    amount = operation.amount
    try:
        if amount > 0:
            return await link.call(driver.cash_in(amount, operation.cashier))
        return await link.call(driver.cash_out(-amount, operation.cashier))
    except REFUSALS:
        raise
    except Exception as exc:  # the answer is lost: read the counter to learn what happened
        log.warning("cash move of %s kopecks: answer lost (%r); reading the counter", amount, exc)
        if isinstance(exc, TransportError):
            link.offline(exc)
        try:
            await link.connect()
            after = await link.call(driver.cash_balance())
        except Exception as again:
            raise CashUnknown() from again
        if after == before + amount:
            return after
        if after == before:
            raise not_performed("cash") from exc
        raise CashUnknown() from exc


async def marking_results(link: DeviceLink, driver: Driver, number: int) -> tuple[int, ...]:
    """The 2106 of each marked line of receipt ``number``, read back; () when unreadable.

    Best effort: the receipt is registered already, and its answer must not fail for this.
    """
    try:
        found = await link.call(driver.read_document_tlv(number))
        if found is None:
            return ()
        return tuple(line.marking_result for line in decode(found[1]).lines
                     if line.marking_result is not None)
    except (OpenKKMError, ValueError) as exc:
        log.warning("marking results of FD %s not read back: %s", number, exc)
        return ()
