"""The simulated fiscal drive: one state machine shared by the virtual driver and protocol fronts.

Every operation first checks and builds everything it needs, then changes the state in one
step and saves it before returning. A refusal (``FnError``) therefore changes nothing, and a
failed save reloads the state from the file, which holds either the old or the new state.
Receipts are built step by step, as a real ФН receives them: ``begin_receipt``, ``add_item``
(any number), then ``close_receipt`` or ``cancel_receipt``; only a successful close forms an FD.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from dataclasses import replace

from openkkm.emulators.fn import documents, ofd
from openkkm.emulators.fn.counters import add_receipt
from openkkm.emulators.fn.errors import FnError, Refusal
from openkkm.emulators.fn.identity import reg_number_valid
from openkkm.emulators.fn.persist import StateFile
from openkkm.emulators.fn.receipt import (
    EXCISE_SUBJECTS,
    ReceiptDetails,
    check_vat_date,
    closing_parts,
    encode_item,
    settle,
    vat_of,
)
from openkkm.emulators.fn.state import (
    ArchivedDocument,
    FnState,
    OpenItem,
    OpenReceipt,
    RegistrationData,
)
from openkkm.emulators.fn.tags import Tag
from openkkm.fiscal import tlv
from openkkm.fiscal.marking import BAD_RESULTS
from openkkm.fiscal.marking import parse as parse_code
from openkkm.fiscal.types import (
    Cashier,
    Correction,
    DocumentType,
    FfdVersion,
    Item,
    Measure,
    Payments,
    ReceiptKind,
    ShiftState,
    VatRate,
)

Clock = Callable[[], dt.datetime]
SHIFT_LIMIT = dt.timedelta(hours=24)
CAPACITY = 250_000  #: documents; "about 250 000" is only a common figure (FISCAL.md §10.2)


#: How a receipt's cash payment moves the drawer, by 1054.
_CASH_SIGN: dict[ReceiptKind, int] = {ReceiptKind.SALE: 1, ReceiptKind.SALE_RETURN: -1,
                                      ReceiptKind.PURCHASE: -1, ReceiptKind.PURCHASE_RETURN: 1}


def system_clock() -> dt.datetime:
    """Return the machine's local time, naive, as a register's clock reads it."""
    return dt.datetime.now()


class FiscalDrive:
    """One simulated ФН with its archive, counters and OFD queue."""

    def __init__(self, state: FnState, store: StateFile | None = None, *,
                 clock: Clock = system_clock) -> None:
        self._state = state
        self._store = store
        self.clock = clock
        #: marking codes the ФН's check answers as bad (a test knob, not persisted)
        self.rejected_codes: set[str] = set()

    @classmethod
    def create(cls, registration: RegistrationData, store: StateFile | None = None, *,
               clock: Clock = system_clock, key: bytes | None = None,
               cashier: Cashier | None = None, capacity: int = CAPACITY,
               reason: int | None = None) -> FiscalDrive:
        """Create a fresh ФН and fiscalise it at once: FD 1 is formed and saved.

        ``capacity`` is the archive size in documents (a setting: the real figure is unknown).
        With ``reason`` FD 1 is a re-registration report instead: a ФН replacing a closed one
        (``FISCAL.md`` §12.2).
        """
        drive = cls(_blank_state(registration, clock, key, capacity), store, clock=clock)
        drive.fiscalise(registration, cashier=cashier, reason=reason)
        return drive

    @classmethod
    def blank(cls, identity: RegistrationData, store: StateFile | None = None, *,
              clock: Clock = system_clock, key: bytes | None = None,
              capacity: int = CAPACITY) -> FiscalDrive:
        """Create a new ФН ready for fiscalisation, as it leaves the factory, and save it.

        It knows its own number and the register's (``identity``); the rest of ``identity``
        is a placeholder. It forms nothing until :meth:`fiscalise` forms its FD 1.
        """
        drive = cls(_blank_state(identity, clock, key, capacity), store, clock=clock)
        drive._save()
        return drive

    def fiscalise(self, registration: RegistrationData, *, cashier: Cashier | None = None,
                  reason: int | None = None) -> ArchivedDocument:
        """Form FD 1 of a ФН ready for fiscalisation; the key life starts now.

        Without ``reason`` it is the registration report (form 1) of a first registration;
        with it, a re-registration report (form 11) whose reason says the ФН was replaced.
        """
        state = self._state
        if state.fiscalised:
            raise FnError(Refusal.ALREADY_FISCALISED)
        if registration.fn_number != self.fn_number:
            raise FnError(Refusal.BAD_VALUE, "1041")
        if not reg_number_valid(registration.reg_number, registration.inn,
                                registration.kkt_number):
            raise FnError(Refusal.BAD_VALUE, "1037")
        now = self._now().replace(microsecond=0)
        if state.last_moment is not None and now < state.last_moment:
            raise FnError(Refusal.CLOCK_BACKWARDS, state.last_moment.isoformat(sep=" "))
        parts = documents.registration_parts(registration, registration.key_days)
        form = DocumentType.REGISTRATION
        if reason is not None:
            parts += documents.reason_tags(FfdVersion(registration.ffd), reason)
            form = DocumentType.REREGISTRATION
        return self._form(form, now, parts + documents.cashier_tags(cashier),
                          registration=registration)

    @classmethod
    def load(cls, store: StateFile, *, clock: Clock = system_clock) -> FiscalDrive:
        """Load the ФН saved in ``store``."""
        return cls(store.load(), store, clock=clock)

    # --- reading -------------------------------------------------------------------------

    @property
    def registration(self) -> RegistrationData:
        """Registration data fixed by FD 1 or the last re-registration."""
        return self._state.registration

    @property
    def fn_number(self) -> str:
        """1041."""
        return self._state.registration.fn_number

    @property
    def last_number(self) -> int:
        """The last FD number (1040); 0 before registration."""
        return self._state.last_number

    @property
    def shift_number(self) -> int:
        """1038 of the open shift, or of the last one."""
        return self._state.shift_number

    @property
    def shift_opened_at(self) -> dt.datetime | None:
        """When the open shift was opened; None when closed."""
        return self._state.shift_opened_at if self._state.shift_open else None

    @property
    def receipt_number(self) -> int:
        """1042 of the last receipt in the shift."""
        return self._state.receipt_number

    @property
    def receipt_open(self) -> bool:
        """True while a receipt is begun and not closed or cancelled."""
        return self._state.receipt is not None

    @property
    def open_receipt_total(self) -> int:
        """Σ1043 of the open receipt; 0 when none is open."""
        return 0 if self._state.receipt is None else self._state.receipt.total

    @property
    def activated_at(self) -> dt.datetime:
        """Start of the key life."""
        return self._state.activated_at

    @property
    def valid_to(self) -> dt.datetime:
        """End of the key life."""
        return self._state.activated_at + dt.timedelta(days=self.registration.key_days)

    @property
    def memory_full(self) -> bool:
        """1052: the archive is over 99 % full."""
        return self._state.last_number * 100 > self._state.capacity * 99

    @property
    def fiscalised(self) -> bool:
        """False while the ФН waits for its FD 1 (a new register, or a replacement ФН)."""
        return self._state.fiscalised

    @property
    def closed(self) -> bool:
        """True after the ФН close report."""
        return self._state.fn_closed

    @property
    def cash(self) -> int:
        """Kopecks in the drawer by the register's count."""
        return self._state.cash

    def shift_totals(self) -> dict[str, int]:
        """Counters of the current (or last) shift; see ``counters``."""
        return dict(self._state.shift_totals)

    def fn_totals(self) -> dict[str, int]:
        """Counters over the ФН's life; see ``counters``."""
        return dict(self._state.fn_totals)

    def shift_state(self) -> ShiftState:
        """Tell whether the shift is closed, open, or open for more than 24 hours."""
        if not self._state.shift_open:
            return ShiftState.CLOSED
        opened = self._state.shift_opened_at
        if opened is not None and self._now() - opened > SHIFT_LIMIT:
            return ShiftState.EXPIRED
        return ShiftState.OPEN

    def document(self, number: int) -> ArchivedDocument:
        """Return the archived FD ``number``; ``FnError`` (no data) when there is none."""
        if not 1 <= number <= len(self._state.archive):
            raise FnError(Refusal.NO_DOCUMENT, str(number))
        return self._state.archive[number - 1]

    def ofd_status(self) -> ofd.QueueStatus:
        """Report the OFD queue: unsent count, first unsent number and date, warning flags."""
        return ofd.status(self._state, self._now())

    def key_days_left(self) -> int:
        """Whole days of key life left (1213); 0 after expiry."""
        return max(0, (self.valid_to - self._now()).days)

    # --- shifts --------------------------------------------------------------------------

    def open_shift(self, cashier: Cashier | None = None) -> ArchivedDocument:
        """Form the shift-open report (form 2)."""
        now = self._check_can_form()
        if self._state.shift_open:
            raise FnError(Refusal.SHIFT_ALREADY_OPEN)
        number = self._state.shift_number + 1
        parts = [*documents.user_tags(self.registration), *documents.place_tags(self.registration),
                 *documents.cashier_tags(cashier),
                 tlv.tlv(Tag.SHIFT_NUMBER, tlv.u32(number)),
                 tlv.tlv(Tag.KEY_DAYS, tlv.u16(self.key_days_left()))]
        return self._form(DocumentType.SHIFT_OPEN, now, parts, shift_number=number)

    def close_shift(self, cashier: Cashier | None = None) -> ArchivedDocument:
        """Form the shift-close report (form 5); allowed after 24 hours too."""
        now = self._check_can_form()
        if not self._state.shift_open:
            raise FnError(Refusal.SHIFT_CLOSED)
        if self._state.receipt is not None:
            raise FnError(Refusal.RECEIPT_OPEN)
        queue = ofd.status(self._state, now)
        parts = [*documents.user_tags(self.registration), *documents.place_tags(self.registration),
                 *documents.cashier_tags(cashier),
                 tlv.tlv(Tag.SHIFT_NUMBER, tlv.u32(self._state.shift_number)),
                 tlv.tlv(Tag.SHIFT_DOCUMENTS, tlv.u32(self._state.shift_documents)),
                 tlv.tlv(Tag.SHIFT_RECEIPTS, tlv.u32(self._state.receipt_number)),
                 *documents.queue_tags(queue.unsent, queue.oldest),
                 *documents.warning_tags(self._warnings(queue)),
                 tlv.tlv(Tag.KEY_DAYS, tlv.u16(self.key_days_left()))]
        return self._form(DocumentType.SHIFT_CLOSE, now, parts,
                          shift_number=self._state.shift_number)

    def state_report(self) -> ArchivedDocument:
        """Form the current-state report (form 21), allowed in either shift state."""
        now = self._check_can_form()
        queue = ofd.status(self._state, now)
        parts = [*documents.user_tags(self.registration),
                 *documents.queue_tags(queue.unsent, queue.oldest, first=queue.first),
                 *documents.warning_tags(self._warnings(queue))]
        if self._state.shift_open:
            parts.append(tlv.tlv(Tag.SHIFT_NUMBER, tlv.u32(self._state.shift_number)))
        return self._form(DocumentType.STATUS_REPORT, now, parts,
                          shift_number=self._state.shift_number)

    def reregister(self, registration: RegistrationData, reason: int,
                   cashier: Cashier | None = None) -> ArchivedDocument:
        """Form a re-registration report (form 11) that changes the registration data.

        ``reason`` is written as given: the 1101 code in FFD 1.05, the 1205 bitmask in 1.1 and
        1.2 (its bit list is unconfirmed, so the ФН does not interpret it). The ФН number and
        key life stay; a ФН replacement is a new drive. An FFD version change must directly
        follow a current-state report that showed an empty OFD queue (``FISCAL.md`` §2).
        """
        now = self._check_can_form()
        if self._state.shift_open:
            raise FnError(Refusal.SHIFT_ALREADY_OPEN)
        if registration.fn_number != self.fn_number:
            raise FnError(Refusal.BAD_VALUE, "1041")
        if not reg_number_valid(registration.reg_number, registration.inn,
                                registration.kkt_number):
            raise FnError(Refusal.BAD_VALUE, "1037")
        if registration.ffd != self.registration.ffd and not self._after_clean_state_report():
            raise FnError(Refusal.FFD_CHANGE_SEQUENCE)
        registration = replace(registration, key_days=self.registration.key_days)
        parts = documents.registration_parts(registration, self.key_days_left())
        parts += [*documents.reason_tags(FfdVersion(registration.ffd), reason),
                  *documents.cashier_tags(cashier)]
        return self._form(DocumentType.REREGISTRATION, now, parts,
                          shift_number=self._state.shift_number, registration=registration)

    def close_fn(self, cashier: Cashier | None = None) -> ArchivedDocument:
        """Form the ФН close report (form 6); afterwards nothing more is formed."""
        now = self._check_can_form(allow_expired=True)
        if self._state.shift_open:
            raise FnError(Refusal.SHIFT_ALREADY_OPEN)
        if ofd.status(self._state, now).unsent:
            raise FnError(Refusal.OFD_QUEUE_NOT_EMPTY)
        parts = [*documents.user_tags(self.registration), *documents.place_tags(self.registration),
                 *documents.cashier_tags(cashier)]
        return self._form(DocumentType.FN_CLOSE, now, parts, shift_number=self._state.shift_number)

    def confirm_ofd(self, up_to: int | None = None) -> int:
        """Confirm documents up to ``up_to`` (default: all) as the OFD would; return how many."""
        count = ofd.confirm(self._state, self._state.last_number if up_to is None else up_to)
        if count:
            self._save()
        return count

    # --- cash ----------------------------------------------------------------------------

    def cash_in(self, amount: int) -> int:
        """Count a cash deposit (no fiscal document); return the new balance."""
        return self._move_cash(amount)

    def cash_out(self, amount: int) -> int:
        """Count a cash payout; refused when the drawer holds less. Return the new balance."""
        if amount > self._state.cash:
            raise FnError(Refusal.CASH_SHORT, f"{self._state.cash / 100:.2f}")
        return self._move_cash(-amount)

    def _move_cash(self, delta: int) -> int:
        if delta == 0:
            raise FnError(Refusal.BAD_VALUE, "0")
        if not self._state.fiscalised:
            raise FnError(Refusal.NOT_FISCALISED)
        if self._state.fn_closed:
            raise FnError(Refusal.FN_CLOSED)
        self._check_shift_for_receipt()
        if self._state.receipt is not None:
            raise FnError(Refusal.RECEIPT_OPEN)
        self._state.cash += delta
        self._save()
        return self._state.cash

    # --- marking -------------------------------------------------------------------------

    def check_marking(self, code: str, *, checkable: bool, planned_status: int = 1) -> int:
        """Check a marking code with the ФН key; return tag 2106.

        The ФН can check only a code that carries its crypto tail (``checkable``); it answers
        bit 0 (checked) and bit 1 (the result is good). The simulated ФН finds every code good
        unless told otherwise through ``rejected_codes``; it has no OFD link, so bits 2 and 3
        stay clear. ``planned_status`` (2003) does not change the simulated answer.
        """
        if not self._state.fiscalised:
            raise FnError(Refusal.NOT_FISCALISED)
        if self._state.fn_closed:
            raise FnError(Refusal.FN_CLOSED)
        if FfdVersion(self.registration.ffd) < FfdVersion.V1_2:
            raise FnError(Refusal.MARKING_NEEDS_FFD_12)
        if not checkable:
            return 0
        return 1 if code in self.rejected_codes else 3

    # --- receipts ------------------------------------------------------------------------

    def begin_receipt(self, kind: ReceiptKind, correction: Correction | None = None) -> None:
        """Open a receipt (or a correction receipt); it is no fiscal document yet."""
        now = self._check_can_form()
        self._check_shift_for_receipt()
        if self._state.receipt is not None:
            raise FnError(Refusal.RECEIPT_OPEN)
        if kind not in tuple(ReceiptKind):
            raise FnError(Refusal.BAD_VALUE, f"1054={kind}")
        if correction is not None and correction.base_date > now.date():
            raise FnError(Refusal.BAD_VALUE, "1178")
        if (correction is not None and self.registration.ffd < FfdVersion.V1_1
                and kind not in (ReceiptKind.SALE, ReceiptKind.PURCHASE)):
            raise FnError(Refusal.CORRECTION_KIND)
        saved = None if correction is None else {
            "type": int(correction.type), "base_date": correction.base_date.isoformat(),
            "base_number": correction.base_number}
        self._state.receipt = OpenReceipt(kind=int(ReceiptKind(kind)), correction=saved)
        self._save()

    def add_item(self, item: Item, checked: bytes | None = None) -> None:
        """Add one item to the open receipt; ``checked`` is :meth:`check_item`'s answer for it."""
        self._add(((item, checked),))

    def add_items(self, items: Iterable[Item]) -> None:
        """Add items to the open receipt in one step: all are accepted, or none."""
        self._add((item, None) for item in items)

    def check_item(self, item: Item) -> bytes:
        """Refuse ``item`` now as :meth:`add_item` would (``FnError``); return its encoding.

        A register checks a line when it arrives and hands it over later: given back to
        :meth:`add_item`, the encoding is not made a second time.
        """
        return encode_item(item, FfdVersion(self.registration.ffd))

    def _add(self, items: Iterable[tuple[Item, bytes | None]]) -> None:
        """Accept every item or none; a marked item is encoded anew with its check result."""
        receipt = self._open_receipt()
        ffd = FfdVersion(self.registration.ffd)
        accepted = []
        codes = {item.marking_code for item in receipt.items if item.marking_code}
        for item, checked in items:
            result = None
            if item.marking_code:
                result = self._check_item_code(item, receipt, codes)
            if item.subject in EXCISE_SUBJECTS and not self.registration.excise:
                raise FnError(Refusal.EXCISE_NOT_REGISTERED, item.name)
            if item.agent_role is not None:
                if item.agent_role not in self.registration.agent_roles:
                    raise FnError(Refusal.AGENT_NOT_REGISTERED, item.name)
                if item.supplier is None:
                    raise FnError(Refusal.AGENT_WITHOUT_SUPPLIER, item.name)
            encoded = checked if checked is not None and result is None else encode_item(
                item, ffd, result)
            accepted.append(OpenItem(encoded, item.amount, int(item.vat),
                                     vat_of(item.amount, item.vat), item.marking_code or ""))
        receipt.items.extend(accepted)
        self._save()

    def _check_item_code(self, item: Item, receipt: OpenReceipt, codes: set[str]) -> int:
        """Check a marked item's code for this receipt; refuse a repeated or a bad one."""
        code = item.marking_code or ""
        if code in codes:
            raise FnError(Refusal.MARKING_CODE_REPEATED, item.name)
        codes.add(code)
        measured = item.measure not in (None, Measure.PIECE)
        returned = receipt.kind in (ReceiptKind.SALE_RETURN, ReceiptKind.PURCHASE_RETURN)
        planned = (3 if returned else 1) + (1 if measured else 0)
        result = self.check_marking(code, checkable=parse_code(code).checkable,
                                    planned_status=planned)
        if result in BAD_RESULTS and not item.marking_accept_on_bad:
            raise FnError(Refusal.MARKING_CODE_BAD, item.name)
        return result

    def cancel_receipt(self) -> bool:
        """Drop the open receipt; no FD is formed. Returns False when none was open."""
        if self._state.receipt is None:
            return False
        self._state.receipt = None
        self._save()
        return True

    def close_receipt(self, tendered: Payments,
                      details: ReceiptDetails | None = None) -> ArchivedDocument:
        """Check and close the open receipt; it becomes the next FD.

        ``tendered`` are the payments as given: cash may exceed what is due, and the
        archived document keeps it net of the change.
        """
        receipt = self._open_receipt()
        now = self._check_can_form()
        self._check_shift_for_receipt()
        details = details or ReceiptDetails()
        registration = self.registration
        if not receipt.items:
            raise FnError(Refusal.NO_ITEMS)
        for item in receipt.items:
            check_vat_date(VatRate(item.vat), now.date())
        tax_system = registration.tax_systems[0] if details.tax_system is None \
            else int(details.tax_system)
        if tax_system not in registration.tax_systems:
            raise FnError(Refusal.TAX_SYSTEM_NOT_REGISTERED, str(tax_system))
        if details.agent_role is not None and details.agent_role not in registration.agent_roles:
            raise FnError(Refusal.AGENT_NOT_REGISTERED)
        total = receipt.total
        payments, change = settle(total, tendered)
        number = self._state.receipt_number + 1
        parts = closing_parts(registration, receipt, details, payments, tax_system=tax_system,
                              receipt_number=number, shift_number=self._state.shift_number)
        form = DocumentType.RECEIPT if receipt.correction is None else DocumentType.CORRECTION
        lines = [(item.vat, item.amount) for item in receipt.items]
        kind = ReceiptKind(receipt.kind)
        return self._form(form, now, parts, shift_number=self._state.shift_number,
                          receipt_number=number, kind=kind, total=total, change=change,
                          payments=payments, lines=lines)

    # --- internals -----------------------------------------------------------------------

    def _now(self) -> dt.datetime:
        return self.clock().replace(microsecond=0)

    def _open_receipt(self) -> OpenReceipt:
        if self._state.receipt is None:
            raise FnError(Refusal.NO_RECEIPT_OPEN)
        return self._state.receipt

    def _check_shift_for_receipt(self) -> None:
        state = self.shift_state()
        if state is ShiftState.CLOSED:
            raise FnError(Refusal.SHIFT_CLOSED)
        if state is ShiftState.EXPIRED:
            raise FnError(Refusal.SHIFT_EXPIRED)

    def _check_can_form(self, *, allow_expired: bool = False) -> dt.datetime:
        """Refusals common to every FD-forming operation; returns the document time."""
        state = self._state
        now = self._now()
        if not state.fiscalised:
            raise FnError(Refusal.NOT_FISCALISED)
        if state.fn_closed:
            raise FnError(Refusal.FN_CLOSED)
        if not allow_expired and now >= self.valid_to:
            raise FnError(Refusal.KEY_EXPIRED)
        if state.last_number >= state.capacity:
            raise FnError(Refusal.ARCHIVE_FULL)
        if ofd.status(state, now).blocked:
            raise FnError(Refusal.OFD_BLOCKED)
        if state.last_moment is not None and now < state.last_moment:
            raise FnError(Refusal.CLOCK_BACKWARDS, state.last_moment.isoformat(sep=" "))
        return now

    def _after_clean_state_report(self) -> bool:
        """Tell whether the last FD is a current-state report with 1097 = 0."""
        last = self._state.archive[-1]
        if last.type is not DocumentType.STATUS_REPORT:
            return False
        [(_form, body)] = tlv.iter_tlv(last.tlv)
        unsent = dict(tlv.iter_tlv(body)).get(Tag.UNCONFIRMED_COUNT)
        return unsent is not None and tlv.read_vln(unsent) == 0

    def _warnings(self, queue: ofd.QueueStatus) -> dict[Tag, bool]:
        days = self.key_days_left()
        return {Tag.KEY_LESS_30_DAYS: days < 30, Tag.KEY_LESS_3_DAYS: days < 3,
                Tag.MEMORY_FULL: self.memory_full,
                Tag.OFD_TIMEOUT: queue.late}

    def _form(self, form: DocumentType, now: dt.datetime, parts: list[bytes], *,
              shift_number: int = 0, receipt_number: int = 0, kind: ReceiptKind | None = None,
              total: int = 0, change: int = 0, payments: Payments | None = None,
              lines: list[tuple[int, int]] | None = None,
              registration: RegistrationData | None = None) -> ArchivedDocument:
        """Sign a document and apply it to the state in one step, then save.

        ``registration`` is the new registration a re-registration report brings; the report
        already carries it (its 1037 and 1209).
        """
        state = self._state
        number = state.last_number + 1
        registration = registration or state.registration
        try:
            signed = documents.sign_document(state.key, registration, form, number, now, parts)
        except tlv.TlvError as exc:
            raise FnError(Refusal.BAD_VALUE, str(exc)) from exc
        doc = ArchivedDocument(number=number, type=form, moment=now, sign=signed.sign,
                               tlv=signed.tlv, shift_number=shift_number,
                               receipt_number=receipt_number, kind=kind, total=total,
                               change=change)
        state.archive.append(doc)
        if not state.fiscalised:
            state.fiscalised = True
            state.activated_at = now
        state.registration = registration
        state.last_number = number
        state.last_moment = now
        state.shift_documents += 1
        if form is DocumentType.SHIFT_OPEN:
            state.shift_number = shift_number
            state.shift_open = True
            state.shift_opened_at = now
            state.receipt_number = 0
            state.shift_documents = 1
            state.shift_totals = {}
        elif form is DocumentType.SHIFT_CLOSE:
            state.shift_open = False
        elif form is DocumentType.FN_CLOSE:
            state.fn_closed = True
        elif kind is not None and payments is not None and lines is not None:
            state.receipt_number = receipt_number
            state.receipt = None
            state.cash += _CASH_SIGN[kind] * payments.cash
            for totals in (state.shift_totals, state.fn_totals):
                add_receipt(totals, form, kind, total, payments, lines)
        self._save()
        return doc

    def _save(self) -> None:
        if self._store is None:
            return
        try:
            self._store.save(self._state)
        except BaseException:
            self._state = self._store.load() if self._store.exists() else self._state
            raise


def _blank_state(identity: RegistrationData, clock: Clock, key: bytes | None,
                 capacity: int) -> FnState:
    return FnState(registration=identity, key=key or secrets.token_bytes(32),
                   activated_at=clock().replace(microsecond=0), capacity=capacity,
                   fiscalised=False)
