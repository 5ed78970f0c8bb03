"""What a device printed, laid out for ``GET /preview/{IdCommand}``: built once, stored as JSON.

Why best effort: the preview is built after the device has done its work (a receipt is already
fiscalised); a layout failure is logged and leaves the command without a preview, never failed.
"""

from __future__ import annotations

import logging

from openkkm.drivers.base import Driver
from openkkm.drivers.printer import PrinterDriver
from openkkm.errors import OpenKKMError
from openkkm.fiscal.types import Registration, Slip
from openkkm.jobs.link import DeviceLink
from openkkm.jobs.operations import (
    DocumentRead,
    Operation,
    Outcome,
    ReceiptDone,
    RegisterReceipt,
    SlipPrinted,
)
from openkkm.layout.document import Document, layout_slip
from openkkm.layout.receipt import layout_receipt
from openkkm.layout.store import dump_document

log = logging.getLogger(__name__)


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
                 registration: Registration | None) -> str | None:
    """The stored form of the document a finished command printed; None when it printed none."""
    try:
        document = _document(operation, outcome, registration)
        return None if document is None else dump_document(document)
    except Exception:  # the command is done already; only its preview is lost
        log.exception("laying out the preview failed")
        return None


def _document(operation: Operation | None, outcome: Outcome,
              registration: Registration | None) -> Document | None:
    if isinstance(outcome, SlipPrinted):
        return outcome.document
    if isinstance(outcome, DocumentRead) and outcome.copy is not None:
        return layout_slip(outcome.copy.elements, outcome.line_length)
    if isinstance(outcome, ReceiptDone) and isinstance(operation, RegisterReceipt):
        return layout_receipt(operation.receipt, outcome.document, outcome.line_length,
                              registration=registration)
    return None
