"""The ``shtrih`` device kind: a Shtrih-M register (ФН-equipped) over serial, TCP, pty or loop.

``start`` reads what the register is (0xFC, 0x11), its ФН (FF01, FF03) and registration (FF09,
and the registration report's own tags where the firmware reads documents as TLV), falling back
on the config's registration keys where the firmware has no answer. Status is 0x10 (mode: shift
expired, receipt open, paper) + FF01 (ФН number, last FD) + FF40 (shift number).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING

from openkkm.drivers.base import Driver
from openkkm.errors import DeviceRejected, OpenKKMError, ProtocolError
from openkkm.fiscal.types import (
    Cashier,
    Counters,
    DeviceInfo,
    DeviceStatus,
    FiscalDocument,
    MarkingCheck,
    Receipt,
    RegistrationAction,
    RegistrationChange,
    Slip,
)
from openkkm.protocol.shtrih.cmd_fn import (
    FnStatus,
    FnStatusAnswer,
    OfdExchangeStatus,
    OfdStatusAnswer,
    ShiftParams,
    ShiftParamsAnswer,
)
from openkkm.protocol.shtrih.cmd_marking import (
    AcceptMarking,
    AcceptMarkingAnswer,
    CheckMarking,
)
from openkkm.protocol.shtrih.cmd_misc import FnCancelDocument, RepeatDocument
from openkkm.protocol.shtrih.cmd_receipt import CancelReceipt
from openkkm.protocol.shtrih.cmd_registers import (
    MoneyRegister,
    MoneyRegisterAnswer,
    ReadMoneyRegister,
)
from openkkm.protocol.shtrih.cmd_shift import (
    CashAnswer,
    CashIn,
    CashOut,
    OpenDrawer,
    XReport,
)
from openkkm.protocol.shtrih.cmd_status import ShortStatus, ShortStatusAnswer
from openkkm.protocol.shtrih.messages import EmptyAnswer, OperatorAnswer
from openkkm.protocol.shtrih.status import (
    EcrFlags,
    FnDocument,
    FnPhase,
    FnWarning,
    Mode,
    Submode,
)

from . import receipt as receipt_flow
from . import reports as report_flow
from . import shift as shift_flow
from .documents import NOT_SUPPORTED, DocumentReader
from .identity import Identity, read_identity
from .link import ShtrihLink, after_commit, forming
from .mapping import shift_state
from .marking import check_code, marking_bytes
from .printing import print_requests, send
from .receipt import Counters as DocumentCounters

if TYPE_CHECKING:
    from openkkm.config import DeviceConfig
    from openkkm.transport import LoopHub

log = logging.getLogger(__name__)
E_BAD_PARAMS = 0x33  #: a model without register 241 refuses the number
PAPER_OUT = frozenset(
    {Submode.PAPER_OUT_PASSIVE, Submode.PAPER_OUT_ACTIVE, Submode.WAITING_CONTINUE}
)


class ShtrihDriver(Driver):
    """A Shtrih-M register with a ФН, driven over any transport URL by the lower level its
    config's ``protocol`` names (1: ENQ/ACK, 2: numbered frames)."""

    kind = "shtrih"
    wire = True

    def __init__(self, config: DeviceConfig, *, data_dir: str, hub: LoopHub | None = None) -> None:
        super().__init__(config, data_dir=data_dir)
        self.link = ShtrihLink(config.url, hub, protocol=config.protocol)
        self.reader = DocumentReader(self.link)
        self.identity: Identity | None = None
        self._shift_opened: dict[int, dt.datetime] = {}
        self._counters: DocumentCounters | None = None  #: FD and receipt counters as last read
        self._tally: report_flow.ArchiveTally | None = None  #: receipt counters summed so far

    async def start(self) -> None:
        """Open the link and read the register's identity and registration."""
        await self.link.open()
        try:
            self.identity = await read_identity(self.link, self.reader, self.config)
        except BaseException:
            await self.link.close()
            raise

    async def stop(self) -> None:
        """Close the link."""
        await self.link.close()

    async def status(self) -> DeviceStatus:
        """Shift, last FD and open-document state."""
        return (await self._status())[0]

    async def _status(self) -> tuple[DeviceStatus, FnStatusAnswer]:
        """The status and the FF01 answer it was read from (clock, warnings)."""
        await self.link.ready()
        short = await self.link.execute(ShortStatus(), ShortStatusAnswer)
        fn = await self.link.execute(FnStatus(), FnStatusAnswer)
        params = await self.link.execute(ShiftParams(), ShiftParamsAnswer)
        shift = shift_state(short.mode, bool(fn.shift_open or params.shift_open))
        receipt_open = short.mode == Mode.DOCUMENT_OPEN or fn.current_document != FnDocument.NONE
        paper_out = (
            not short.ecr_flags & EcrFlags.RECEIPT_ROLL or _submode(short.submode) in PAPER_OUT
        )
        status = DeviceStatus(
            fn_number=fn.fn_number,
            last_document=fn.last_fd_number,
            shift=shift,
            shift_number=params.shift_number,
            shift_opened_at=self._shift_opened.get(params.shift_number),
            receipt_open=receipt_open,
            registered=bool(fn.phase_flags & FnPhase.FISCAL_OPEN),
            paper_out=paper_out,
        )
        self._counters = DocumentCounters(
            fn.fn_number, fn.last_fd_number, params.shift_number, params.receipt_number
        )
        return status, fn

    async def info(self) -> DeviceInfo:
        """Registration (read at start), status, clock and the OFD queue."""
        identity = self._identity()
        status, fn = await self._status()
        ofd = await self.link.execute(OfdExchangeStatus(), OfdStatusAnswer)
        cash = await self._cash_if_counted()
        return DeviceInfo(
            registration=identity.registration,
            status=status,
            clock=fn.datetime or dt.datetime.now().replace(second=0, microsecond=0),
            line_length=self.line_length,
            firmware=identity.firmware,
            cash_balance=cash,
            ofd_unsent=ofd.queue_length,
            ofd_oldest_unsent=ofd.first_unsent_datetime if ofd.queue_length else None,
            fn_memory_full=bool(fn.warning_flags & FnWarning.MEMORY_90_PERCENT),
            fn_fiscal=status.registered and not fn.phase_flags & FnPhase.FISCAL_CLOSED,
        )

    async def open_shift(self, cashier: Cashier | None) -> FiscalDocument:
        """Form the shift-open report."""
        await self.link.ready()
        number = await shift_flow.open_shift(self.link, cashier)
        document = await self._formed(number)
        self._shift_opened[document.shift_number] = document.moment
        return document

    async def close_shift(self, cashier: Cashier | None) -> FiscalDocument:
        """Form the shift-close report (Z)."""
        await self.link.ready()
        number = await shift_flow.close_shift(self.link, cashier)
        return await self._formed(number)

    async def register(self, receipt: Receipt,
                       journaled: Awaitable[None] | None = None) -> FiscalDocument:
        """Open, fill and close one receipt (see :mod:`.receipt` for the error rules)."""
        identity = self._identity()
        registration = identity.registration
        steps = receipt_flow.plan(
            receipt, registration.ffd, registration.tax_systems, self.line_length
        )
        await self.link.ready()
        closed = await receipt_flow.run(self.link, steps, journaled)
        fn_number = identity.registration.fn_number
        document = await after_commit(
            receipt_flow.closed_document(self.link, receipt, closed, fn_number, self._counters)
        )
        self._counters = DocumentCounters(
            fn_number, document.number, document.shift_number, document.receipt_number
        )
        await self._after_receipt(receipt)
        return document

    async def cancel_receipt(self) -> None:
        """Cancel an open receipt (0x88) or an open ФН document (FF08); no-op when none."""
        await self.link.ready()
        short = await self.link.execute(ShortStatus(), ShortStatusAnswer)
        if short.mode == Mode.DOCUMENT_OPEN:
            await self.link.execute(CancelReceipt(), OperatorAnswer)
        fn = await self.link.execute(FnStatus(), FnStatusAnswer)
        if fn.current_document != FnDocument.NONE:
            await self.link.execute(FnCancelDocument(), EmptyAnswer)

    async def read_document(self, number: int) -> FiscalDocument | None:
        """Read FD ``number`` from the ФН archive; None if there is none."""
        await self.link.ready()
        return await self.reader.find(number, self._identity().registration.fn_number)

    async def print_slip(self, slip: Slip) -> None:
        """Print a non-fiscal document, with its extra copies."""
        if not slip.print_paper:
            return
        await self.link.ready()
        requests = print_requests(slip.elements, self.line_length)
        for request in requests * (1 + slip.copies):
            await send(self.link, request)

    async def x_report(self, cashier: Cashier | None) -> None:
        """Print the X report (0x40)."""
        await self.link.ready()
        await self.link.execute(XReport(), OperatorAnswer)

    async def state_report(self, cashier: Cashier | None) -> FiscalDocument:
        """Form the settlement-state report, form 21 (FF37, cashier tags, FF38)."""
        await self.link.ready()
        number = await report_flow.state_report(self.link, cashier)
        return await self._formed(number)

    async def counters(self) -> Counters:
        """The ФН's receipt counters, summed from its archive (see :mod:`.reports` for why)."""
        status = await self.status()
        tally = self._tally
        if tally is None or tally.fn_number != status.fn_number or (
            tally.last_fd > status.last_document
        ):
            tally = self._tally = report_flow.ArchiveTally(status.fn_number)
        await tally.update(self.reader, status.last_document)
        return tally.counters(status.shift_number)

    async def change_registration(self, change: RegistrationChange) -> FiscalDocument:
        """Register (FF05 type 0, FF06), re-register (FF05 type 1 or 2, FF34), close the ФН.

        ``Open`` needs a ФН waiting for fiscalisation; ``ChangeFN`` needs the new ФН in the
        register (the emulator swaps a closed one itself). Afterwards the identity is read
        again: the registration, and for ``ChangeFN`` the ФН number, changed.
        """
        await self.link.ready()
        if change.action is RegistrationAction.CLOSE:
            number = await report_flow.close_fn(self.link, change.cashier)
            return await self._formed(number)
        if change.registration is None:
            raise ValueError("a registration needs the registration data")
        if change.action is RegistrationAction.OPEN:
            number = await report_flow.register(self.link, change.registration, change.cashier)
        else:
            number = await report_flow.reregister(
                self.link, change.registration, change.reason, change.cashier,
                fn_changed=change.action is RegistrationAction.CHANGE_FN)
        self.identity = await after_commit(read_identity(self.link, self.reader, self.config))
        return await self._formed(number)

    async def open_drawer(self) -> None:
        """Open cash drawer 0 (0x28)."""
        await self.link.ready()
        await self.link.execute(OpenDrawer(), OperatorAnswer)

    async def cash_balance(self) -> int:
        """Cash in the drawer: money register 241 (0x1A)."""
        await self.link.ready()
        request = ReadMoneyRegister(register=MoneyRegister.CASH_IN_DRAWER)
        return (await self.link.execute(request, MoneyRegisterAnswer)).value

    async def _cash_if_counted(self) -> int:
        """The drawer's cash, -1 where the firmware has no money register 241 (0x1A refused)."""
        try:
            return await self.cash_balance()
        except DeviceRejected as exc:
            if exc.vendor_code in NOT_SUPPORTED | {E_BAD_PARAMS}:
                return -1
            raise

    async def cash_in(self, amount: int, cashier: Cashier | None) -> int:
        """Deposit ``amount`` kopecks (0x50); return the drawer's new balance."""
        await self.link.ready()
        await forming(self.link, self.link.execute(CashIn(amount=amount), CashAnswer))
        return await after_commit(self.cash_balance())

    async def cash_out(self, amount: int, cashier: Cashier | None) -> int:
        """Pay out ``amount`` kopecks (0x51); return the drawer's new balance."""
        await self.link.ready()
        await forming(self.link, self.link.execute(CashOut(amount=amount), CashAnswer))
        return await after_commit(self.cash_balance())

    async def read_document_tlv(self, number: int) -> tuple[FiscalDocument, bytes] | None:
        """FD ``number`` with its form's STLV (FF0A, then FF3A/FF3B); None if there is none."""
        document = await self.read_document(number)
        if document is None:
            return None
        stlv = await self.reader.read_stlv(number)
        if stlv is None:
            raise self._unsupported("чтение документа из архива ФН", "reading documents back")
        return document, stlv

    async def check_marking(self, code: str, planned_status: int) -> MarkingCheck:
        """Check a marking code with the FN (FF61), then clear the check (FF69 reject)."""
        await self.link.ready()
        check = CheckMarking(planned_status=planned_status, marking_code=marking_bytes(code, 0))
        result = await check_code(self.link, check)
        await self.link.execute(AcceptMarking(accept=0), AcceptMarkingAnswer)
        return MarkingCheck(
            code=code, result=result, checked=bool(result & 1), good=bool(result & 2)
        )

    async def _formed(self, number: int) -> FiscalDocument:
        """Read the report just formed; a failure here means "reconcile", not "refused"."""
        return await after_commit(self._find_formed(number))

    async def _find_formed(self, number: int) -> FiscalDocument:
        """Read FD ``number``, which must exist."""
        document = await self.reader.find(number, self._identity().registration.fn_number)
        if document is None:
            raise ProtocolError(
                f"ФН не нашел документ {number}",
                f"The FN did not find document {number}",
            )
        return document

    async def _after_receipt(self, receipt: Receipt) -> None:
        """Print the extra copies (0x8C); the receipt is fiscalised, so failures only log."""
        if not receipt.print_paper:
            return
        try:
            for _ in range(receipt.copies):
                await self.link.execute(RepeatDocument(), OperatorAnswer)
        except OpenKKMError as exc:
            log.warning("receipt printed, but its copies failed on %s: %s", self.config.url, exc.en)

    def _identity(self) -> Identity:
        """What ``start`` read; ``LinkLost`` before it."""
        if self.identity is None:
            raise self.link.not_open()
        return self.identity


def _submode(value: int) -> Submode | None:
    """The submode as an enum, None for a model-specific value."""
    try:
        return Submode(value)
    except ValueError:
        return None
