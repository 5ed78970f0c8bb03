"""What a device printed, laid out for ``GET /preview/{IdCommand}``: built once, stored as JSON.

Why best effort: the preview is built after the device has done its work (a receipt is already
fiscalised); a layout failure is logged and leaves the command without a preview, never failed.
"""

from __future__ import annotations

import logging

from openkkm.drivers.base import Driver
from openkkm.drivers.printer import PrinterDriver
from openkkm.errors import OpenKKMError
from openkkm.fiscal.types import Cashier, FiscalDocument, Registration, Slip
from openkkm.jobs.link import DeviceLink
from openkkm.jobs.operations import (
    CashDone,
    ChangeRegistration,
    CloseShift,
    DocumentRead,
    MoveCash,
    OfdReport,
    OpenShift,
    Operation,
    Outcome,
    ReceiptDone,
    RegisterReceipt,
    ShiftDone,
    SlipPrinted,
    XReport,
)
from openkkm.layout.document import Document, layout_slip
from openkkm.layout.receipt import layout_receipt
from openkkm.layout.reports import (
    layout_cash_move,
    layout_fiscal_report,
    layout_x_report,
)
from openkkm.layout.store import dump_document

log = logging.getLogger(__name__)

#: Font-0 characters per line when the outcome does not tell the device's (``line_length``'s
#: default in the device config, an 80 mm register).
DEFAULT_LINE_LENGTH = 48


async def print_slip(link: DeviceLink, driver: Driver, slip: Slip) -> SlipPrinted:
    """Print ``slip`` and return the document as the driver printed it, with its warnings.

    A printer keeps what it printed; a register's slip is laid out here at its line length.
    """
    if isinstance(driver, PrinterDriver):
        driver.last_printed = None
    await link.call(driver.print_slip(slip))
    if isinstance(driver, PrinterDriver) and driver.last_printed is not None:
        printed = driver.last_printed
        return SlipPrinted(printed.document, printed.warnings)
    try:
        return SlipPrinted(layout_slip(slip.elements, driver.line_length))
    except (OpenKKMError, ValueError) as exc:
        log.warning("device %s: the printed slip has no preview: %s", driver.config.num, exc)
        return SlipPrinted(None)


def preview_text(operation: Operation | None, outcome: Outcome,
                 registration: Registration | None,
                 line_length: int = DEFAULT_LINE_LENGTH) -> str | None:
    """The stored form of the document a finished command printed; None when it printed none.

    ``line_length`` is the device's, for the documents whose outcome does not carry it.
    """
    try:
        document = _document(operation, outcome, registration, line_length)
        return None if document is None else dump_document(document)
    except Exception:  # the command is done already; only its preview is lost
        log.exception("laying out the preview failed")
        return None


def _document(operation: Operation | None, outcome: Outcome,
              registration: Registration | None, line_length: int) -> Document | None:
    if isinstance(outcome, SlipPrinted):
        return outcome.document
    if isinstance(outcome, DocumentRead) and outcome.copy is not None:
        return layout_slip(outcome.copy.elements, outcome.line_length)
    if isinstance(outcome, ReceiptDone) and isinstance(operation, RegisterReceipt):
        receipt = operation.receipt
        return _after_shift_opened(
            outcome.shift_opened, receipt.cashier, registration,
            layout_receipt(receipt, outcome.document, outcome.line_length,
                           registration=registration))
    return _report(operation, outcome, registration, line_length)


def _after_shift_opened(shift_opened: FiscalDocument | None, cashier: Cashier | None,
                        registration: Registration | None, document: Document) -> Document:
    """``document`` after the shift-open report formed for it, as the device printed both."""
    if shift_opened is None:
        return document
    report = layout_fiscal_report(shift_opened, document.line_length, registration=registration,
                                  cashier=cashier)
    return Document(document.line_length, (*report.blocks, *document.blocks))


def _report(operation: Operation | None, outcome: Outcome,
            registration: Registration | None, line_length: int) -> Document | None:
    """A report or cash move; a fiscal report is laid out at the width read with it, if any."""
    if isinstance(outcome, ShiftDone) and isinstance(operation, OpenShift | CloseShift | OfdReport
                                                     | ChangeRegistration):
        if isinstance(operation, ChangeRegistration):
            cashier = operation.change.cashier
            fresh = outcome.info.registration if outcome.info is not None else None
            registration = fresh or operation.change.registration or registration
        else:
            cashier = operation.cashier
        width = line_length if outcome.info is None else outcome.info.line_length
        return layout_fiscal_report(outcome.document, width, registration=registration,
                                    cashier=cashier, info=outcome.info)
    if isinstance(operation, XReport):
        return layout_x_report(line_length, registration=registration, cashier=operation.cashier)
    if isinstance(outcome, CashDone) and isinstance(operation, MoveCash):
        return _after_shift_opened(
            outcome.shift_opened, operation.cashier, registration,
            layout_cash_move(operation.amount, outcome.balance, line_length,
                             registration=registration, cashier=operation.cashier))
    return None
