"""The ``atol`` device kind: an ATOL register (protocol 3.1, lower layer v3) over any transport.

Status is 0x3F (receipt open, paper, fiscal flag) + A4 30 (ФН number, last FD) + A4 10 (shift
state and number). Every fiscal step reads the formed document back by number (A4 40), so the
result carries the ФН's own number, time and fiscal sign; a failure after the step's command
may have reached the device is a ``TransportError``, for the worker to reconcile.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable
from dataclasses import replace
from typing import TYPE_CHECKING, Final

from openkkm.drivers.base import Driver
from openkkm.errors import (
    DeviceRejected,
    DeviceTimeout,
    FiscalStateError,
    OpenKKMError,
    ProtocolError,
    TransportError,
)
from openkkm.fiscal import tlv
from openkkm.fiscal.types import (
    Cashier,
    Counters,
    DeviceInfo,
    DeviceStatus,
    FfdVersion,
    FiscalDocument,
    MarkingCheck,
    Receipt,
    RegistrationAction,
    RegistrationChange,
    ShiftState,
    Slip,
)
from openkkm.protocol.atol import cmd_fn, cmd_receipt, cmd_register, cmd_state
from openkkm.protocol.atol.codes import (
    FnShiftState,
    Mode,
    PropTag,
    ReportType,
    StateFlags,
)
from openkkm.protocol.atol.errors import ErrorCode
from openkkm.protocol.atol.messages import Request

from . import mapping, marking
from .archive import ArchiveTally, read_tlv
from .identity import (
    REGISTRATION_FD,
    LastReport,
    read_report_tags,
    registration_of,
    registration_tags,
)
from .link import AtolLink, after_commit
from .printing import elements_before, in_receipt, print_requests, send

if TYPE_CHECKING:
    from openkkm.config import DeviceConfig
    from openkkm.transport import LoopHub

log = logging.getLogger(__name__)
NO_PRINT: Final = 0x02  #: 0x92 flag: form the receipt without printing it (H)
FN_PHASE_POST_FISCAL: Final = 0x04  #: A4 30 phase bit: the ФН is closed

SHIFT_STATES: Final = {FnShiftState.CLOSED: ShiftState.CLOSED, FnShiftState.OPEN: ShiftState.OPEN,
                       FnShiftState.EXPIRED: ShiftState.EXPIRED}
FFD_LABELS: Final = {version.label: version for version in FfdVersion}


class AtolDriver(Driver):
    """An ATOL register with a ФН, driven by protocol 3.1 over any transport URL."""

    kind = "atol"
    wire = True

    def __init__(self, config: DeviceConfig, *, data_dir: str,
                 hub: LoopHub | None = None) -> None:
        super().__init__(config, data_dir=data_dir)
        self.link = AtolLink(config.url, hub)
        self.fn_number = ""
        self.firmware = ""
        self.ffd = FFD_LABELS[config.ffd]
        self._tally: ArchiveTally | None = None
        self._tags: dict[int, bytes] = {}
        self._fn_closed = False  #: the ФН's phase at the last status: closed (post-fiscal)
        self._last_report = LastReport(data_dir, config.num)

    async def start(self) -> None:
        """Open the link and read what the register is, which ФН it holds and how it is
        registered (FD 1's tags, see :mod:`.identity`)."""
        await self.link.open()
        try:
            kind = await self.link.execute(cmd_state.DeviceType(), cmd_state.DeviceTypeAnswer)
            fn = await self.link.execute(cmd_fn.FnStatus(), cmd_fn.FnStatusAnswer)
        except BaseException:
            await self.link.close()
            raise
        self.firmware = f"{kind.name} {'.'.join(str(b) for b in kind.version)}"
        self.fn_number = fn.fn_number
        self._tags = {}
        report = self._last_report.number(fn.fn_number)
        if fn.last_document >= report:
            self._tags = await read_report_tags(self.link, report)
        if not self._tags and report != REGISTRATION_FD and fn.last_document >= REGISTRATION_FD:
            self._tags = await read_report_tags(self.link, REGISTRATION_FD)
        self.ffd = registration_of(self._tags, self.config, fn_number=self.fn_number,
                                   serial=0).ffd

    async def stop(self) -> None:
        """Close the link."""
        await self.link.close()

    async def status(self) -> DeviceStatus:
        """Shift, last FD and open-receipt state."""
        await self.link.ready()
        state = await self.link.execute(cmd_state.DeviceState(), cmd_state.DeviceStateAnswer)
        fn = await self.link.execute(cmd_fn.FnStatus(), cmd_fn.FnStatusAnswer)
        shift = await self.link.execute(cmd_fn.FnShift(), cmd_fn.FnShiftStateAnswer)
        self.fn_number = fn.fn_number
        self._fn_closed = bool(fn.phase & FN_PHASE_POST_FISCAL)
        return DeviceStatus(
            fn_number=fn.fn_number, last_document=fn.last_document,
            shift=SHIFT_STATES[shift.state], shift_number=shift.shift_number,
            receipt_open=bool(state.receipt_state or fn.document),
            registered=bool(state.flags & StateFlags.FISCAL),
            paper_out=not state.flags & StateFlags.PAPER_PRESENT)

    async def info(self) -> DeviceInfo:
        """Registration (the registration report's, the config filling gaps), status, clock,
        the OFD queue and the cash in the drawer."""
        status = await self.status()
        state = await self.link.execute(cmd_state.DeviceState(), cmd_state.DeviceStateAnswer)
        ofd = await self.link.execute(cmd_fn.FnOfdState(), cmd_fn.FnOfdStateAnswer)
        cash = await self.cash_balance()
        registration = registration_of(self._tags, self.config, fn_number=status.fn_number,
                                       serial=state.serial)
        return DeviceInfo(registration=registration, status=status, clock=state.moment,
                          line_length=self.line_length, firmware=self.firmware,
                          ofd_unsent=ofd.unsent,
                          ofd_oldest_unsent=ofd.first_unsent_at if ofd.unsent else None,
                          fn_fiscal=status.registered and not self._fn_closed,
                          cash_balance=cash)

    async def open_shift(self, cashier: Cashier | None) -> FiscalDocument:
        """Form the shift-open report (0x9A in mode 1)."""
        await self.link.ready()
        await self.link.enter(Mode.REGISTRATION)
        await self._cashier(cashier)
        await self._fiscal_step(cmd_receipt.OpenShift())
        return await after_commit(self._last_document())

    async def close_shift(self, cashier: Cashier | None) -> FiscalDocument:
        """Form the shift-close report (0x5A in mode 3); the cashier is written in mode 1."""
        await self.link.ready()
        if cashier is not None:
            await self.link.enter(Mode.REGISTRATION)
            await self._cashier(cashier)
        await self.link.enter(Mode.Z_REPORTS)
        await self._fiscal_step(cmd_receipt.ZReport())
        return await after_commit(self._last_document())

    async def register(self, receipt: Receipt,
                       journaled: Awaitable[None] | None = None) -> FiscalDocument:
        """Open, fill and close one receipt; see the module docstring for the error rules."""
        opening = cmd_receipt.OpenReceipt(receipt_type=mapping.receipt_type(receipt),
                                          flags=0 if receipt.print_paper else NO_PRINT)
        body: list[Request] = list(mapping.receipt_props(receipt))
        body += in_receipt(receipt, receipt.header, self.line_length)
        for index, item in enumerate(receipt.items):
            body += in_receipt(receipt, elements_before(receipt, index), self.line_length)
            body += [mapping.item_request(item, index),
                     *mapping.item_props(item, self.ffd, index)]
        body += in_receipt(receipt, elements_before(receipt, len(receipt.items)),
                           self.line_length)
        body += mapping.payments(receipt)
        close = cmd_receipt.CloseReceipt()
        correction = mapping.correction_props(receipt)
        checks = marking.checks(receipt, self.ffd)
        for request in (*correction, *(step[1] for step in checks), opening, *body, close):
            request.encode()  # a value that does not fit fails before anything is sent
        await self.link.ready()
        await marking.check_all(self.link, checks)  # a bad code refuses with nothing open
        await self.link.enter(Mode.REGISTRATION)
        for request in correction:
            await self.link.execute(request)
        await self.link.execute(opening)
        try:
            for request in body:
                await send(self.link, request)
            if journaled is not None:
                await journaled
        except Exception:
            await self._cancel_quietly()
            raise
        try:
            await self._fiscal_step(close)
        except (DeviceRejected, FiscalStateError):
            await self._cancel_quietly()  # refused: nothing was fiscalised
            raise
        document = await after_commit(self._receipt_document())
        await self._footer(receipt)
        return document

    async def cancel_receipt(self) -> None:
        """Cancel a receipt left open; no-op when none is open."""
        await self.link.ready()
        state = await self.link.execute(cmd_state.DeviceState(), cmd_state.DeviceStateAnswer)
        fn = await self.link.execute(cmd_fn.FnStatus(), cmd_fn.FnStatusAnswer)
        if state.receipt_state or fn.document:
            await self.link.enter(Mode.REGISTRATION)
            await self.link.execute(cmd_receipt.CancelReceipt())

    async def read_document(self, number: int) -> FiscalDocument | None:
        """Read FD ``number`` from the ФН archive; None if there is none."""
        await self.link.ready()
        try:
            answer = await self.link.execute(cmd_fn.FnFindDocument(number=number),
                                             cmd_fn.FnDocumentAnswer)
        except DeviceRejected as exc:
            if exc.vendor_code == ErrorCode.FN_NO_DATA:
                return None
            raise
        return FiscalDocument(
            number=answer.number, fiscal_sign=answer.fiscal_sign,
            moment=answer.moment or dt.datetime(2000, 1, 1), type=answer.type,
            fn_number=self.fn_number, shift_number=answer.shift_number, kind=answer.kind,
            total=answer.total)

    async def print_slip(self, slip: Slip) -> None:
        """Print a slip (see :mod:`.printing` for what prints), with its extra copies."""
        if not slip.print_paper:
            return
        requests = print_requests(slip.elements, self.line_length)
        await self.link.ready()
        for request in requests * (1 + slip.copies):
            await send(self.link, request)

    async def x_report(self, cashier: Cashier | None) -> None:
        """Print the X report (0x67 type 1 in mode 2); it forms no fiscal document."""
        await self.link.ready()
        if cashier is not None:
            await self.link.enter(Mode.REGISTRATION)
            await self._cashier(cashier)
        await self.link.enter(Mode.X_REPORTS)
        await self.link.execute(cmd_receipt.Report())

    async def state_report(self, cashier: Cashier | None) -> FiscalDocument:
        """Form the settlement-state report, form 21 (0x67 type 0x15 in mode 2: openkkm's
        own layout, see protocol/atol/README.md)."""
        await self.link.ready()
        if cashier is not None:
            await self.link.enter(Mode.REGISTRATION)
            await self._cashier(cashier)
        await self.link.enter(Mode.X_REPORTS)
        await self._fiscal_step(cmd_receipt.Report(report_type=ReportType.FN_STATE))
        return await after_commit(self._last_document())

    async def read_document_tlv(self, number: int) -> tuple[FiscalDocument, bytes] | None:
        """FD ``number`` with its form's STLV (A4 40, then A4 46); None if there is none."""
        document = await self.read_document(number)
        if document is None:
            return None
        data = await read_tlv(self.link, number)
        if data is None:
            raise ProtocolError(f"ФН не отдал документ {number}",
                                f"The FN did not give document {number}")
        return document, data

    async def change_registration(self, change: RegistrationChange) -> FiscalDocument:
        """Register (A4 B4), re-register (A4 B2; into a new ФН A4 B5) or close the ФН (A4 B3),
        openkkm's own layouts (*unconfirmed*, protocol/atol/README.md).

        Afterwards the report is read back and its tags become the registration ``info``
        answers; after an ФН change the ФН number is read again too.
        """
        await self.link.ready()
        if change.cashier is not None:
            await self.link.enter(Mode.REGISTRATION)
            await self._cashier(change.cashier)
        if change.action is RegistrationAction.CLOSE:
            await self._fiscal_step(cmd_register.FnClose())
            return await after_commit(self._last_document())
        if change.registration is None:
            raise ValueError("a registration needs the registration data")
        tags = registration_tags(change.registration)
        if change.action is RegistrationAction.OPEN:
            await self._fiscal_step(cmd_register.FnRegister(tags=tags))
        elif change.action is RegistrationAction.CHANGE_FN:
            await self._fiscal_step(cmd_register.FnChangeFn(reason=change.reason, tags=tags))
        else:
            await self._fiscal_step(cmd_register.FnReregister(reason=change.reason, tags=tags))
        document = await after_commit(self._last_document())
        self._tags = await read_report_tags(self.link, document.number)
        self._last_report.remember(document.fn_number, document.number)
        self.ffd = registration_of(self._tags, self.config, fn_number=self.fn_number,
                                   serial=0).ffd
        return document

    async def counters(self) -> Counters:
        """The ФН's receipt counters, summed from its archive (see :mod:`.archive` for why)."""
        status = await self.status()
        tally = self._tally
        if tally is None or tally.fn_number != status.fn_number or (
                tally.last_fd > status.last_document):
            tally = self._tally = ArchiveTally(status.fn_number)
        await tally.update(self.link, status.last_document)
        return tally.counters(status.shift_number)

    async def check_marking(self, code: str, planned_status: int) -> MarkingCheck:
        """Check a marking code with the ФН (A4 B1: openkkm's own layout)."""
        request = cmd_fn.FnCheckMarking(planned_status=planned_status,
                                        marking_code=marking.code_bytes(code, ("code",)))
        await self.link.ready()
        result = await marking.check(self.link, request)
        return MarkingCheck(code=code, result=result, checked=bool(result & 1),
                            good=bool(result & 2))

    async def cash_balance(self) -> int:
        """Kopecks in the drawer by the register's count (0x4D)."""
        await self.link.ready()
        answer = await self.link.execute(cmd_receipt.CashBalance(), cmd_receipt.CashBalanceAnswer)
        return answer.amount

    async def cash_in(self, amount: int, cashier: Cashier | None) -> int:
        """Deposit ``amount`` kopecks (0x49); return the new balance."""
        return await self._cash(cmd_receipt.CashIn(amount=amount), cashier)

    async def cash_out(self, amount: int, cashier: Cashier | None) -> int:
        """Pay out ``amount`` kopecks (0x4F); return the new balance."""
        return await self._cash(cmd_receipt.CashOut(amount=amount), cashier)

    async def open_drawer(self) -> None:
        """Open the cash drawer (0x80)."""
        await self.link.ready()
        await self.link.execute(cmd_state.OpenDrawer())

    async def _cash(self, request: Request, cashier: Cashier | None) -> int:
        request.encode()
        await self.link.ready()
        await self.link.enter(Mode.REGISTRATION)
        await self._cashier(cashier)
        await self.link.execute(request)
        return await after_commit(self.cash_balance())

    async def _cashier(self, cashier: Cashier | None) -> None:
        if cashier is not None:
            part = tlv.tlv(PropTag.CASHIER, tlv.string(cashier.name, 64))
            await self.link.execute(cmd_receipt.WriteProps(tlv=part))

    async def _footer(self, receipt: Receipt) -> None:
        """Print the footer after the close; the receipt is fiscalised, so failures only log."""
        if not receipt.print_paper or not receipt.footer:
            return
        try:
            for request in print_requests(receipt.footer, self.line_length):
                await send(self.link, request)
        except OpenKKMError as exc:
            log.warning("receipt fiscalised, but its footer did not print on %s: %s",
                        self.link.url, exc.en)

    async def _fiscal_step(self, request: Request) -> None:
        """Send a command that forms a document; an unreadable answer means "reconcile"."""
        try:
            await self.link.execute(request)
        except (DeviceRejected, FiscalStateError):
            raise
        except ProtocolError as exc:  # the answer is garbled: the step may have happened
            raise unknown_outcome(exc) from exc

    async def _receipt_document(self) -> FiscalDocument:
        """The receipt just closed, with its shift and receipt numbers (A4 10)."""
        document = await self._last_document()
        shift = await self.link.execute(cmd_fn.FnShift(), cmd_fn.FnShiftStateAnswer)
        return replace(document, shift_number=shift.shift_number,
                       receipt_number=shift.receipt_number)

    async def _last_document(self) -> FiscalDocument:
        """The FD the last step formed."""
        fn = await self.link.execute(cmd_fn.FnStatus(), cmd_fn.FnStatusAnswer)
        self.fn_number = fn.fn_number  # a new one after an ФН change
        document = await self.read_document(fn.last_document)
        if document is None:
            raise ProtocolError(f"ФН не нашел документ {fn.last_document}",
                                f"The FN did not find document {fn.last_document}")
        return document

    async def _cancel_quietly(self) -> None:
        """Cancel the receipt this call opened, reconnecting if the link broke.

        A failure is only logged: the worker finds the receipt open and cancels it later.
        """
        try:
            await self.cancel_receipt()
        except OpenKKMError as exc:
            log.warning("cannot cancel the open receipt on %s: %s", self.link.url, exc.en)


def unknown_outcome(exc: Exception) -> TransportError:
    """The error for a fiscal step whose answer is unreadable: the worker must reconcile."""
    return DeviceTimeout(f"Ответ ККТ на фискальную команду не прочитан ({exc}): результат "
                         f"проверяется по ФН", f"The register's answer to a fiscal command is "
                         f"unreadable ({exc}): checking the FN")
