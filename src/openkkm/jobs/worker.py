"""The per-device worker: the only code that talks to its driver, one command at a time, FIFO.

Before anything else on its device the worker settles commands whose fiscal outcome is unknown
(recovered at start-up or lost mid-step): a device is never used while the journal does not
know what it last did.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from openkkm.drivers.base import Driver
from openkkm.errors import OpenKKMError, TransportError
from openkkm.fiscal.types import (
    Cashier,
    DeviceStatus,
    DocumentType,
    FiscalDocument,
    RegistrationAction,
    ShiftState,
)
from openkkm.jobs.devices import DeviceHandle
from openkkm.jobs.journal import Journal
from openkkm.jobs.link import DeviceLink
from openkkm.jobs.model import Job, Renderer, State, Step, safe_render
from openkkm.jobs.operations import (
    REFUSALS,
    CashDone,
    ChangeRegistration,
    CloseShift,
    CommandCancelled,
    InternalFailure,
    MoveCash,
    OfdReport,
    OpenShift,
    Outcome,
    PrintSlip,
    QueueExpired,
    ReadInfo,
    ReceiptDone,
    RegisterReceipt,
    ShiftDone,
    not_performed,
    not_registered,
    shift_closed,
    shift_expired,
    stopped_before_run,
)
from openkkm.jobs.preview import preview_text, print_slip
from openkkm.jobs.reads import (
    CashUnknown,
    PlainOperation,
    marking_results,
    move_cash,
    run_plain,
)
from openkkm.jobs.recovery import DriveReplaced, reconcile
from openkkm.logs import command_context

log = logging.getLogger(__name__)
#: the registration steps a register whose ФН waits for fiscalisation may take
FISCALISING = frozenset({RegistrationAction.OPEN, RegistrationAction.CHANGE_FN})

class DeviceWorker:
    """Runs the commands of one device."""

    def __init__(self, handle: DeviceHandle, driver: Driver, journal: Journal, render: Renderer,
                 *, finished: Callable[[Job], None], expiry: float, backoff: float,
                 call_timeout: float, probe_interval: float,
                 reconciled: Callable[[int, str], None] | None = None) -> None:
        self.handle = handle
        self._reconciled = reconciled
        self.driver = driver
        self._journal = journal
        self._render = render
        self._finished = finished
        self._expiry = expiry
        self._backoff = backoff
        self._probe_interval = probe_interval
        self.link = DeviceLink(handle, driver, call_timeout)
        self._queue: deque[Job] = deque()
        self._recovered: deque[Job] = deque()
        self._wakeup = asyncio.Event()
        self._closing = False
        self.reconciling = False  # only reading the drive: safe to cancel at once on stop
        self.running: Job | None = None  #: the command being executed
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def depth(self) -> int:
        """Commands waiting, not counting the running one."""
        return sum(1 for job in self._queue if not job.cancelled)

    def enqueue(self, job: Job) -> None:
        """Queue a new command; it fails if not started within the queue expiry."""
        if self._closing:  # admitted while the server began to stop: it never runs
            job.cancelled = True
            self._spawn(self._finish(job, State.FAILED, stopped_before_run()))
            return
        job.expiry = asyncio.get_running_loop().call_later(self._expiry, self._expire, job)
        self._queue.append(job)
        self._wakeup.set()

    def adopt(self, job: Job) -> None:
        """Take a recovered command whose fiscal step must be reconciled before anything else."""
        self._recovered.append(job)
        self._wakeup.set()

    def close(self) -> None:
        """Take no more commands; ``run`` returns after the current one."""
        self._closing = True
        self._wakeup.set()

    async def run(self) -> None:
        """Run recovered commands first, then the queue, until closed."""
        while True:
            if self._recovered and not self._closing:
                await self._settle(self._recovered[0])
                self._recovered.popleft()
                continue
            job = await self._take()
            if job is None:
                if self._closing:
                    return
                continue
            self.handle.busy = True
            self.handle.last_used = time.monotonic()
            self.running = job
            try:
                await self._execute(job)
            finally:
                self.handle.busy = False
                self.running = None

    def cancel_running(self) -> bool:
        """Ask the running command to stop where nothing of it was sent yet; tell if one runs.

        A command that already sent a step goes on: a receipt whose data reached the ФН is
        completed or reconciled, never abandoned (API.md §4.4).
        """
        if self.running is None:
            return False
        self.running.cancel_requested = True
        return True

    async def drain(self) -> None:
        """After ``run`` ended: fail what is still queued (nothing of it was sent)."""
        while self._queue:
            job = self._queue.popleft()
            if job.state is State.QUEUED and not job.cancelled:
                job.cancelled = True
                await self._finish(job, State.FAILED, stopped_before_run())
        if self._tasks:
            await asyncio.gather(*self._tasks)

    async def _take(self) -> Job | None:
        while True:
            if self._closing or self._recovered:
                return None
            while self._queue:
                job = self._queue.popleft()
                if not job.cancelled:
                    if job.expiry is not None:
                        job.expiry.cancel()
                    job.state = State.RUNNING
                    return job
            self._wakeup.clear()
            if self.handle.online and not (self.handle.blocked or self.handle.pooled):
                await self._wakeup.wait()
                continue
            try:
                await asyncio.wait_for(self._wakeup.wait(), self._probe_interval)
            except TimeoutError:
                with contextlib.suppress(OpenKKMError):
                    await self.link.probe()  # idle: offline, blocked or pooled, now and then

    def _expire(self, job: Job) -> None:
        if job.state is not State.QUEUED or job.cancelled:
            return
        job.cancelled = True
        self._spawn(self._finish(job, State.FAILED, QueueExpired()))

    def _spawn(self, finishing: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(finishing)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _finish(self, job: Job, state: State, outcome: Outcome | OpenKKMError) -> None:
        """Settle the job, then journal its final state.

        The waiting client is answered before the journal write starts (and the preview is
        laid out later, see ``Journal.defer_preview``): the result is in memory (a resend or GetRezult
        finds it there), the journal thread writes in order, and a final state lost to a crash
        leaves the row ``sent`` for reconciliation to rebuild.
        """
        response = safe_render(self._render, job.stored, outcome)
        if state is State.DONE and not isinstance(outcome, OpenKKMError):
            self._journal.defer_preview(job.id_command, functools.partial(
                preview_text, job.operation, outcome, self.handle.registration,
                self.driver.line_length))
        job.state = state
        job.response = response
        job.settled.set()
        self._finished(job)
        # The device is free once the answer exists: the next command need not wait for this
        # write (the journal's thread keeps the order of the writes it is given).
        self._spawn(self._journal_final(job.id_command, state, response))

    async def _journal_final(self, id_command: str, state: State,
                             response: dict[str, Any]) -> None:
        await asyncio.sleep(0)  # the waiting request sends its answer before the write is encoded
        try:
            await self._journal.finish(id_command, state, response)
        except Exception:  # answered already; a sent row reconciles at restart
            log.exception("journal write failed for %s (%s)", id_command, state)

    async def _execute(self, job: Job) -> None:
        with command_context(job.id_command, self.handle.num), self.link.allowing(job.time_limit):
            log.debug("%s started on device %s", job.stored.command, self.handle.num)
            await self._execute_logged(job)
            log.debug("%s ended: %s", job.stored.command, job.state.value)

    async def _execute_logged(self, job: Job) -> None:
        try:
            outcome = await self._perform(job)
        except CommandCancelled as exc:  # nothing was sent: not the device's failure
            await self._finish(job, State.FAILED, exc)
        except DriveReplaced as exc:
            log.error("command %s stays unknown: %s", job.id_command, exc.en)
            job.settled.set()
        except CashUnknown as exc:  # finished, not failed: a resend must not move cash again
            await self._finish(job, State.DONE, exc)
        except OpenKKMError as exc:
            if isinstance(exc, TransportError):
                self.link.offline(exc)
            self.link.block(exc)
            await self._finish(job, State.FAILED, exc)
        except Exception:  # never kill the worker; report an incident
            incident = uuid.uuid4().hex[:8].upper()
            log.exception("incident %s: command %s failed", incident, job.id_command)
            await self._finish(job, State.FAILED, InternalFailure(incident))
        else:
            self.handle.blocked = False
            await self._finish(job, State.DONE, outcome)

    async def _perform(self, job: Job) -> Outcome:
        operation = job.operation
        await self.link.connect()
        _checkpoint(job)
        if isinstance(operation, ReadInfo):
            return await self.link.info()
        if isinstance(operation, PrintSlip):
            return await print_slip(self.link, self.driver, operation.slip)
        if isinstance(operation, PlainOperation):
            return await run_plain(self.link, self.driver, operation)
        status = await self.link.status()
        _checkpoint(job)
        if not status.registered and not (
                isinstance(operation, ChangeRegistration)
                and operation.change.action in FISCALISING):
            raise not_registered()
        if status.receipt_open:
            # Proven not fiscalised: an open receipt is not a document, and every unknown step
            # on this device was reconciled before this command was taken.
            await self.link.call(self.driver.cancel_receipt())
            status = await self.link.status()
        if isinstance(operation, OpenShift):
            document = await self._step(job, _step(DocumentType.SHIFT_OPEN, status),
                                        lambda: self.driver.open_shift(operation.cashier))
            return ShiftDone(document, await self.link.info_or_none())
        if isinstance(operation, CloseShift):
            document = await self._step(job, _step(DocumentType.SHIFT_CLOSE, status),
                                        lambda: self.driver.close_shift(operation.cashier))
            return ShiftDone(document, await self.link.info_or_none())
        if isinstance(operation, OfdReport):
            document = await self._step(job, _step(DocumentType.STATUS_REPORT, status),
                                        lambda: self.driver.state_report(operation.cashier))
            return ShiftDone(document, await self.link.info_or_none())
        if isinstance(operation, ChangeRegistration):
            change = operation.change
            document = await self._step(job, _step(REGISTRATION_FORMS[change.action], status),
                                        lambda: self.driver.change_registration(change))
            return ShiftDone(document, await self.link.info_or_none())
        if isinstance(operation, MoveCash):
            await self._ensure_shift(job, status, operation.cashier)
            return CashDone(await move_cash(self.link, self.driver, operation), job.shift_doc)
        if isinstance(operation, RegisterReceipt):
            return await self._receipt(job, operation, status)
        raise TypeError(f"unknown operation {operation!r}")

    async def _receipt(self, job: Job, operation: RegisterReceipt,
                       status: DeviceStatus) -> ReceiptDone:
        receipt = operation.receipt
        status = await self._ensure_shift(job, status, receipt.cashier)
        _checkpoint(job)
        step = Step(receipt.document_type, status.fn_number, status.last_document + 1,
                    receipt.kind, receipt.total)
        # The receipt is filled while ``sent`` is written; the driver waits before the close.
        sent = self._journal.mark_sent(job.id_command, step, job.shift_doc)
        document = await self._step(job, step, lambda: self.driver.register(receipt, sent),
                                    journaled=sent)
        marking = (await marking_results(self.link, self.driver, document.number)
                   if any(item.marking_code for item in receipt.items) else ())
        return ReceiptDone(document, job.shift_doc, self.driver.line_length, marking)

    async def _ensure_shift(self, job: Job, status: DeviceStatus,
                            cashier: Cashier | None) -> DeviceStatus:
        """Close an expired shift and open a closed one as the config allows; return the status."""
        config = self.handle.config
        if status.shift is ShiftState.EXPIRED:
            if not config.auto_close_expired_shift:
                raise shift_expired()
            await self._step(job, _step(DocumentType.SHIFT_CLOSE, status),
                             lambda: self.driver.close_shift(cashier))
            status = await self.link.status()
        if status.shift is ShiftState.CLOSED:
            if not config.auto_open_shift:
                raise shift_closed()
            job.shift_doc = await self._step(job, _step(DocumentType.SHIFT_OPEN, status),
                                             lambda: self.driver.open_shift(cashier))
            status = await self.link.status()
        return status

    async def _step(self, job: Job, step: Step,
                    action: Callable[[], Awaitable[FiscalDocument]], *,
                    journaled: asyncio.Future[None] | None = None) -> FiscalDocument:
        """Journal ``sent`` durably, then send; a lost answer is reconciled, never retried.

        ``journaled`` is the ``sent`` write already started (see :meth:`_receipt`): the action
        runs at once and its driver waits for the write only before it commits.
        """
        sent = journaled
        if sent is None:
            _checkpoint(job)
            sent = self._journal.mark_sent(job.id_command, step, job.shift_doc)
            await sent
        job.step = step
        job.state = State.SENT
        try:
            document = await self.link.call(action())
        except REFUSALS:
            await _settled(sent)
            raise
        except Exception as exc:  # any other failure leaves the outcome unknown
            if await _settled(sent) is not None:
                raise  # no durable ``sent`` row: the driver never let the receipt commit
            log.warning("fiscal step of %s (FD %s expected) interrupted: %r",
                        job.id_command, step.expected_fd, exc)
            if isinstance(exc, TransportError):
                self.link.offline(exc)
            job.state = State.UNKNOWN
            try:
                await self._journal.mark_unknown(job.id_command)
            except Exception:  # the row is still sent: recovery treats it alike
                log.exception("journal write failed for %s (unknown)", job.id_command)
            found = await self._reconcile(step)
            if found is None:
                raise not_performed(job.kind) from exc
            document = found
        await sent  # done already: the driver waited for it before the commit
        job.state = State.RUNNING
        return document

    async def _settle(self, job: Job) -> None:
        """Reconcile a command recovered from the journal and finish it."""
        step = job.step
        if step is None:
            await self._finish(job, State.FAILED, not_performed(job.kind))
            return
        try:
            document = await self._reconcile(step)
        except DriveReplaced as exc:
            log.error("command %s stays unknown: %s", job.id_command, exc.en)
            job.settled.set()
            return
        main = step.doc_type not in (DocumentType.SHIFT_OPEN, DocumentType.SHIFT_CLOSE)
        if document is not None and job.kind == "cash":
            # The shift was opened for the cash move; whether the move followed is not on the
            # fiscal drive, so it is reported unknown and never run again.
            await self._finish(job, State.DONE, CashUnknown())
        elif document is None or (job.kind == "receipt" and not main):
            await self._finish(job, State.FAILED, not_performed(job.kind))
        elif job.kind == "receipt":
            await self._finish(job, State.DONE,
                               ReceiptDone(document, job.shift_doc, self.driver.line_length))
        else:
            await self._finish(job, State.DONE, ShiftDone(document, await self.link.info_or_none()))

    async def _reconcile(self, step: Step) -> FiscalDocument | None:
        self.reconciling = True
        try:
            document = await reconcile(self.link, step, backoff=self._backoff)
        finally:
            self.reconciling = False
        if self._reconciled is not None:
            self._reconciled(self.handle.num, "failed" if document is None else "done")
        return document


#: The document each registration action forms.
REGISTRATION_FORMS: dict[RegistrationAction, DocumentType] = {
    RegistrationAction.OPEN: DocumentType.REGISTRATION,
    RegistrationAction.CHANGE_FN: DocumentType.REREGISTRATION,
    RegistrationAction.CHANGE_OFD: DocumentType.REREGISTRATION,
    RegistrationAction.CHANGE_ORGANIZATION: DocumentType.REREGISTRATION,
    RegistrationAction.CHANGE_KKT: DocumentType.REREGISTRATION,
    RegistrationAction.CLOSE: DocumentType.FN_CLOSE,
}


async def _settled(write: asyncio.Future[None]) -> BaseException | None:
    """Wait for a journal write to end; return its failure, if any (then consumed)."""
    await asyncio.wait([write])
    return write.exception()


def _step(doc_type: DocumentType, status: DeviceStatus) -> Step:
    return Step(doc_type, status.fn_number, status.last_document + 1)


def _checkpoint(job: Job) -> None:
    """Stop here if ``CancelCommand`` asked to and nothing of the command was sent yet."""
    if job.cancel_requested and job.step is None:
        raise CommandCancelled()
