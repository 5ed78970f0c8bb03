"""Reconciliation: decide from the fiscal drive itself whether a sent fiscal step happened.

A step whose answer was lost (link drop, timeout, crash) is never retried blindly. The drive is
asked for its last document number and the documents from the step's ``expected_fd`` on; the
one the step would have formed (same type; receipts also the same kind and total) proves it
happened, and its real fiscal data become the result. Their absence proves it did not, and only
then is a receipt left open cancelled and the command allowed to run again.
"""

from __future__ import annotations

import asyncio
import logging

from openkkm.errors import LinkLost, OpenKKMError
from openkkm.fiscal.types import FiscalDocument
from openkkm.jobs.journal import Journal, JournalRow
from openkkm.jobs.link import DeviceLink
from openkkm.jobs.model import Renderer, State, Step, safe_render
from openkkm.jobs.operations import interrupted_by_restart

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0


class DriveReplaced(OpenKKMError):
    """The register now holds another fiscal drive: the step cannot be proven either way."""

    code = "drive_replaced"


async def reconcile_once(link: DeviceLink, step: Step) -> FiscalDocument | None:
    """One reconciliation attempt: the formed document, or None if the drive proves there is none."""
    driver = link.driver
    status = await link.status()
    if step.fn_number and status.fn_number and status.fn_number != step.fn_number:
        raise DriveReplaced(
            f"В ККТ установлен другой ФН ({status.fn_number} вместо {step.fn_number}): "
            "результат команды не удается проверить",
            f"The register holds another fiscal drive ({status.fn_number} instead of "
            f"{step.fn_number}): the command's result cannot be checked")
    for number in range(step.expected_fd, status.last_document + 1):
        document = await link.call(driver.read_document(number))
        if document is not None and step.matches(document):
            return document
    if status.receipt_open:
        await link.call(driver.cancel_receipt())
    return None


async def reconcile(link: DeviceLink, step: Step, *, backoff: float) -> FiscalDocument | None:
    """Reconcile ``step``, reconnecting and retrying with growing pauses while the device is unreadable.

    Any failure to read is retried (it is never a reason to guess); only ``DriveReplaced``
    ends the attempt without an answer. Cancel the calling task to give up (on shutdown).
    """
    delay = backoff
    logged = False
    while True:
        try:
            await link.connect()
            return await reconcile_once(link, step)
        except DriveReplaced:
            raise
        except Exception as exc:  # noqa: BLE001 - every read failure means "ask again later"
            level = logging.DEBUG if logged else logging.ERROR
            log.log(level, "reconciling FD %s on device %s: cannot read it (%s); retrying",
                    step.expected_fd, link.handle.num, exc)
            logged = True
            link.offline(exc if isinstance(exc, OpenKKMError) else LinkLost(str(exc)))
        await asyncio.sleep(delay)
        delay = min(delay * 2, MAX_BACKOFF)


async def recover_journal(journal: Journal, render: Renderer,
                          unit_names: dict[int, str]) -> list[JournalRow]:
    """Start-up recovery from the on-disk state alone; return the rows to reconcile.

    ``queued`` rows never reached a device: they end ``failed`` (proven, so a resend runs).
    ``sent`` rows become ``unknown`` (durably) and, with older ``unknown`` ones, are returned
    for their device's worker to reconcile before it takes new commands.
    """
    for row in await journal.rows([State.QUEUED]):
        stored = row.stored(unit_names.get(row.num_device, ""))
        await journal.finish(row.id_command, State.FAILED,
                             safe_render(render, stored, interrupted_by_restart()))
        log.warning("command %s was queued when the server stopped: marked failed",
                    row.id_command)
    for row in await journal.rows([State.SENT]):
        await journal.mark_unknown(row.id_command)
    unknown = await journal.rows([State.UNKNOWN])
    for row in unknown:
        log.warning("command %s (%s) was sent to device %s before the server stopped: "
                    "reconciling with the fiscal drive", row.id_command, row.command,
                    row.num_device)
    return unknown

