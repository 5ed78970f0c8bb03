"""The ``virtual`` device kind: the simulated ФН driven in process, with no wire protocol.

It is the register a config-less server runs and the fastest target for the worker's tests. A
fault plan (``DeviceConfig.faults``, or ``set_faults`` at run time) wraps the receipt close, so
the worker's reconciliation can be exercised: ``fail_before_commit`` loses the link before the
ФН commits (and the receipt is cancelled), ``lose_reply_after_commit`` after it, and
``leave_receipt_open`` loses it right after the receipt was begun, leaving it open on the ФН as
a power cut would.

Every ФН call runs on the device's own thread: the ФН fsyncs its state on each change, and that
must not stall the event loop, which serves every other device and client. One thread per device
also keeps the calls in order, so a cancel issued after an interrupted close runs after it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from openkkm.drivers.base import Driver
from openkkm.emulators.faults import Fault, FaultPlan
from openkkm.emulators.fn.counters import readout
from openkkm.emulators.fn.drive import Clock, FiscalDrive, system_clock
from openkkm.emulators.fn.errors import FnError, Refusal
from openkkm.emulators.fn.receipt import ReceiptDetails
from openkkm.emulators.fn.setup import (
    install_fn,
    open_drive,
    registration_data,
    state_path,
)
from openkkm.errors import (
    ConfigError,
    DeviceRejected,
    FiscalStateError,
    LinkLost,
    OpenKKMError,
)
from openkkm.fiscal.marking import parse
from openkkm.fiscal.types import (
    AgentRole,
    Cashier,
    Counters,
    DeviceInfo,
    DeviceStatus,
    FfdVersion,
    FiscalDocument,
    MarkingCheck,
    Payments,
    PrintText,
    Receipt,
    Registration,
    RegistrationAction,
    RegistrationChange,
    Slip,
    TaxSystem,
)

if TYPE_CHECKING:
    from openkkm.config import DeviceConfig

log = logging.getLogger(__name__)
T = TypeVar("T")
FIRMWARE = "openkkm virtual ФН"
SLIPS_KEPT = 20  #: slips remembered for inspection; there is no paper


class VirtualDriver(Driver):
    """A register that is only a simulated ФН, kept in ``<data_dir>/fn-<num>.json``."""

    kind = "virtual"

    def __init__(self, config: DeviceConfig, *, data_dir: str, clock: Clock = system_clock) -> None:
        super().__init__(config, data_dir=data_dir)
        self.faults = FaultPlan.parse(config.faults)
        self.slips: deque[Slip] = deque(maxlen=SLIPS_KEPT)
        self._clock = clock
        self._drive: FiscalDrive | None = None
        self._thread: ThreadPoolExecutor | None = None
        #: ФН calls queued or running on the device's thread (added here, removed there)
        self._under_way: set[Future[Any]] = set()

    def set_faults(self, spec: str) -> None:
        """Replace the fault plan at run time; ``ConfigError`` when the spec is bad."""
        self.faults = FaultPlan.parse(spec)

    @property
    def drive(self) -> FiscalDrive:
        """The simulated ФН; ``LinkLost`` before ``start``."""
        if self._drive is None:
            raise LinkLost("Виртуальная касса не запущена", "The virtual register is not started")
        return self._drive

    async def _io(self, func: Callable[..., T], *args: object) -> T:
        """Run ``func`` on the device's thread; ``LinkLost`` before ``start``."""
        if self._thread is None:
            raise LinkLost("Виртуальная касса не запущена", "The virtual register is not started")
        return await asyncio.wrap_future(self._submit(func, *args))

    def _submit(self, func: Callable[..., T], *args: object) -> Future[T]:
        """Queue ``func`` on the device's thread, noted as under way until it has run."""
        assert self._thread is not None
        future = self._thread.submit(func, *args)
        self._under_way.add(future)
        future.add_done_callback(self._under_way.discard)
        return future

    async def start(self) -> None:
        """Load the ФН from its state file, or register a new one."""
        self._thread = self._thread or ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"openkkm-virtual-{self.config.num}")
        try:
            self._drive = await self._io(
                functools.partial(open_drive, self.config, self.data_dir, clock=self._clock))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            path = state_path(self.data_dir, self.config.num)
            raise ConfigError(f"Файл состояния ФН {path} не читается или поврежден: {exc}",
                              f"The ФН state file {path} is unreadable or damaged: {exc}") from exc

    async def stop(self) -> None:
        """Let a running ФН call finish, then forget the ФН object; its state is on disk."""
        if self._thread is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._thread.shutdown, True)
            self._thread = None
        self._drive = None

    async def status(self) -> DeviceStatus:
        """Shift, last FD and open-receipt state.

        Read in place when no ФН call is under way (a few attributes cost less than the hop to
        the device's thread); otherwise on that thread, after the calls before it.
        """
        if self._thread is not None and not self._under_way:
            return self._status()
        return await self._io(self._status)

    def _status(self) -> DeviceStatus:
        drive = self.drive
        return DeviceStatus(
            fn_number=drive.fn_number, last_document=drive.last_number,
            shift=drive.shift_state(), shift_number=drive.shift_number,
            shift_opened_at=drive.shift_opened_at, receipt_open=drive.receipt_open,
            registered=drive.fiscalised)

    async def info(self) -> DeviceInfo:
        """Registration, ФН and OFD state."""
        return await self._io(self._info)

    def _info(self) -> DeviceInfo:
        drive = self.drive
        reg = drive.registration
        queue = drive.ofd_status()
        registration = Registration(
            inn=reg.inn, organization=reg.organization,
            tax_systems=tuple(TaxSystem(code) for code in reg.tax_systems),
            reg_number=reg.reg_number, kkt_number=reg.kkt_number, fn_number=reg.fn_number,
            ffd=FfdVersion(reg.ffd), address=reg.address, place=reg.place,
            sender_email=reg.sender_email, ofd_name=reg.ofd_name, ofd_inn=reg.ofd_inn,
            offline=reg.autonomous, excise=reg.excise, marking=reg.marking,
            agent_roles=tuple(AgentRole(role) for role in reg.agent_roles),
            fn_valid_from=drive.activated_at, fn_valid_to=drive.valid_to)
        return DeviceInfo(
            registration=registration, status=self._status(), clock=drive.clock(),
            line_length=self.line_length, firmware=FIRMWARE, cash_balance=drive.cash,
            ofd_unsent=queue.unsent,
            ofd_oldest_unsent=queue.oldest, fn_memory_full=drive.memory_full,
            fn_fiscal=drive.fiscalised and not drive.closed)

    async def open_shift(self, cashier: Cashier | None) -> FiscalDocument:
        """Form the shift-open report."""
        with _fn_errors():
            document = await self._io(self.drive.open_shift, cashier)
        return document.to_fiscal_document(self.drive.fn_number)

    async def close_shift(self, cashier: Cashier | None) -> FiscalDocument:
        """Form the shift-close report."""
        with _fn_errors():
            document = await self._io(self.drive.close_shift, cashier)
        return document.to_fiscal_document(self.drive.fn_number)

    async def register(self, receipt: Receipt,
                       journaled: Awaitable[None] | None = None) -> FiscalDocument:
        """Begin, fill and close one receipt, applying the fault plan around the close."""
        drive = self.drive
        with _fn_errors():
            await self._io(drive.begin_receipt, receipt.kind, receipt.correction)
        if self.faults.fire(Fault.LEAVE_RECEIPT_OPEN) is not None:
            raise LinkLost("Питание виртуальной кассы пропало посреди чека (сбой по плану)",
                           "The virtual register lost power mid-receipt (planned fault)")
        try:
            with _fn_errors():
                await self._io(drive.add_items, receipt.items)
            if journaled is not None:
                await journaled
            await self._before_commit()
            paid = receipt.payments
            tendered = Payments(cash=paid.cash + receipt.change, electronic=paid.electronic,
                                prepayment=paid.prepayment, credit=paid.credit,
                                provision=paid.provision)
            with _fn_errors():
                document = await self._io(drive.close_receipt, tendered, ReceiptDetails.of(receipt))
        except BaseException:
            self._cancel_quietly()
            raise
        await self._after_commit()
        return document.to_fiscal_document(drive.fn_number)

    async def cancel_receipt(self) -> None:
        """Cancel a receipt left open; no-op when none is open."""
        with _fn_errors():
            await self._io(self.drive.cancel_receipt)

    async def read_document(self, number: int) -> FiscalDocument | None:
        """Return the archived FD ``number``, or None."""
        drive = self.drive
        try:
            document = await self._io(drive.document, number)
        except FnError as exc:
            if exc.refusal is Refusal.NO_DOCUMENT:
                return None
            raise _mapped(exc) from exc
        return document.to_fiscal_document(drive.fn_number)

    async def print_slip(self, slip: Slip) -> None:
        """Remember the slip; a virtual register has no paper."""
        self.slips.append(slip)

    async def x_report(self, cashier: Cashier | None) -> None:
        """Remember an X report of the shift's counters as a slip; nothing is formed."""
        counters = await self.counters()
        lines = [f"X-ОТЧЕТ, смена {counters.shift_number}"]
        for kind in counters.shift:
            lines.append(f"{kind.kind.name}: {kind.count} на {kind.total / 100:.2f}")
            paid = kind.payments
            for name, amount in (("наличными", paid.cash), ("безналичными", paid.electronic),
                                 ("предоплатой", paid.prepayment), ("постоплатой", paid.credit),
                                 ("встречным предоставлением", paid.provision)):
                if amount:
                    lines.append(f"  {name} {amount / 100:.2f}")
            for rate, amount in sorted(kind.vat.items()):
                lines.append(f"  НДС {rate.name} {amount / 100:.2f}")
        if cashier is not None:
            lines.append(f"Кассир {cashier.name}")
        self.slips.append(Slip(tuple(PrintText(line) for line in lines)))

    async def state_report(self, cashier: Cashier | None) -> FiscalDocument:
        """Form the current-state report (form 21)."""
        with _fn_errors():
            document = await self._io(self.drive.state_report)
        return document.to_fiscal_document(self.drive.fn_number)

    async def cash_balance(self) -> int:
        """Kopecks in the drawer."""
        return await self._io(lambda: self.drive.cash)

    async def cash_in(self, amount: int, cashier: Cashier | None) -> int:
        """Count a deposit."""
        with _fn_errors():
            return await self._io(self.drive.cash_in, amount)

    async def cash_out(self, amount: int, cashier: Cashier | None) -> int:
        """Count a payout."""
        with _fn_errors():
            return await self._io(self.drive.cash_out, amount)

    async def open_drawer(self) -> None:
        """A virtual register has no drawer: nothing to do."""

    async def read_document_tlv(self, number: int) -> tuple[FiscalDocument, bytes] | None:
        """Return the archived FD ``number`` with its TLV, or None."""
        drive = self.drive
        try:
            document = await self._io(drive.document, number)
        except FnError as exc:
            if exc.refusal is Refusal.NO_DOCUMENT:
                return None
            raise _mapped(exc) from exc
        return document.to_fiscal_document(drive.fn_number), document.tlv

    async def counters(self) -> Counters:
        """The ФН's shift and lifetime counters."""
        drive = self.drive
        shift, total, number = await self._io(
            lambda: (drive.shift_totals(), drive.fn_totals(), drive.shift_number))
        return Counters(shift_number=number, shift=readout(shift), total=readout(total))

    def reject_marking_code(self, code: str) -> None:
        """Make the simulated ФН answer ``code``'s check as bad (a test knob)."""
        self.drive.rejected_codes.add(code)

    async def check_marking(self, code: str, planned_status: int) -> MarkingCheck:
        """Check one marking code with the simulated ФН."""
        checkable = parse(code).checkable
        with _fn_errors():
            result = await self._io(functools.partial(self.drive.check_marking, code,
                                                      checkable=checkable))
        return MarkingCheck(code=code, result=result, checked=bool(result & 1),
                            good=bool(result & 2))

    async def change_registration(self, change: RegistrationChange) -> FiscalDocument:
        """Register, re-register, replace or close the simulated ФН.

        ``Open`` fiscalises a ФН that waits for it (``registered = false``). ``ChangeFN`` puts
        a new ФН in place of the closed one, as the technician would, and fiscalises it.
        """
        drive = self.drive
        if change.action in (RegistrationAction.OPEN, RegistrationAction.CHANGE_FN):
            return await self._fiscalise(change)
        with _fn_errors():
            if change.action is RegistrationAction.CLOSE:
                document = await self._io(drive.close_fn, change.cashier)
            else:
                if change.registration is None:
                    raise ValueError("a re-registration needs the new registration data")
                data = registration_data(change.registration, drive.registration.key_days)
                document = await self._io(drive.reregister, data, change.reason, change.cashier)
        return document.to_fiscal_document(drive.fn_number)

    async def _fiscalise(self, change: RegistrationChange) -> FiscalDocument:
        """Form FD 1 of a ФН waiting for it; for ``ChangeFN`` swap a closed ФН in first."""
        if change.registration is None:
            raise ValueError("a registration needs the registration data")
        replacing = change.action is RegistrationAction.CHANGE_FN
        if not replacing and self.drive.fiscalised:
            raise FiscalStateError("ККТ уже зарегистрирована: для изменения данных выберите "
                                   "перерегистрацию (ChangeOFD, ChangeOrganization, ChangeKkm)",
                                   "The register is already registered: re-register instead "
                                   "(ChangeOFD, ChangeOrganization, ChangeKkm)")
        data = registration_data(change.registration, self.drive.registration.key_days)
        with _fn_errors():
            if replacing and self.drive.fiscalised:
                self._drive = await self._io(functools.partial(
                    install_fn, self.drive, state_path(self.data_dir, self.config.num),
                    data.fn_number, clock=self._clock))
            drive = self.drive
            data = replace(data, fn_number=drive.fn_number)
            document = await self._io(functools.partial(
                drive.fiscalise, data, cashier=change.cashier,
                reason=change.reason if replacing else None))
        return document.to_fiscal_document(drive.fn_number)

    async def _before_commit(self) -> None:
        delay = self.faults.fire(Fault.DELAY_BEFORE_COMMIT)
        if delay is not None:
            await asyncio.sleep(delay.seconds)
        if self.faults.fire(Fault.FAIL_BEFORE_COMMIT) is not None:
            raise LinkLost("Связь с виртуальной кассой потеряна (сбой по плану, чек не пробит)",
                           "Link to the virtual register lost (planned fault, not fiscalised)")

    async def _after_commit(self) -> None:
        delay = self.faults.fire(Fault.DELAY_AFTER_COMMIT)
        if delay is not None:
            await asyncio.sleep(delay.seconds)
        if self.faults.fire(Fault.LOSE_REPLY_AFTER_COMMIT) is not None:
            raise LinkLost("Ответ виртуальной кассы потерян (сбой по плану, чек пробит)",
                           "The virtual register's answer was lost (planned fault, fiscalised)")

    def _cancel_quietly(self) -> None:
        """Queue a cancel of the receipt this call opened, after any ФН call still running.

        Not awaited: this runs while an exception (perhaps a cancellation) propagates. After a
        close that did commit, the cancel finds no open receipt and does nothing.
        """
        if self._thread is not None:
            self._submit(self._cancel_logged)

    def _cancel_logged(self) -> None:
        try:
            self.drive.cancel_receipt()
        except (OSError, FnError, LinkLost):
            log.exception("cannot cancel the open receipt on virtual device %s", self.config.num)


@contextmanager
def _fn_errors() -> Iterator[None]:
    """Turn ФН refusals and state-file failures into openkkm errors."""
    try:
        yield
    except FnError as exc:
        raise _mapped(exc) from exc
    except OSError as exc:
        raise LinkLost(f"Не удалось сохранить состояние ФН: {exc}",
                       f"Cannot save the ФН state: {exc}") from exc


def _mapped(exc: FnError) -> OpenKKMError:
    if exc.state:
        return FiscalStateError(exc.ru, exc.en, vendor_code=int(exc.code))
    return DeviceRejected(int(exc.code), exc.ru, exc.en)
