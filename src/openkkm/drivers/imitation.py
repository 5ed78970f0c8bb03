"""A printer's imitation of a fiscal register (``emulate_fiscal = true``, ``API.md`` §5).

KkmServer lets a plain receipt printer stand in for a register: it takes the register's
commands and prints look-alike documents that are plainly not fiscal. The book here keeps what
a cashier expects of a register (shifts with the 24-hour rule, receipt numbers in the shift, one
document counter, the cash in the drawer) in ``<data_dir>/imitation-<num>.json``, so numbers
survive a restart. Its documents carry no ФН number and no fiscal sign, which is how the layout
and the answers tell them from fiscal ones.

A document is counted only after it printed: a printer that is offline or out of paper leaves
the book as it was, and the command fails. The last documents are kept so that a command whose
answer was lost is settled by its number instead of printed again.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from openkkm.emulators.fn.persist import atomic_write
from openkkm.errors import FiscalStateError
from openkkm.fiscal.types import (
    DeviceStatus,
    DocumentType,
    FfdVersion,
    FiscalDocument,
    ReceiptKind,
    Registration,
    ShiftState,
    TaxSystem,
)

if TYPE_CHECKING:
    from openkkm.config import DeviceConfig

SHIFT_LIMIT: Final = dt.timedelta(hours=24)
KEPT: Final = 1000  #: documents remembered for settling lost answers
FFD_BY_LABEL: Final = {version.label: version for version in FfdVersion}
#: how a receipt's cash moves the drawer, by its kind
CASH_SIGN: Final = {ReceiptKind.SALE: 1, ReceiptKind.SALE_RETURN: -1,
                    ReceiptKind.PURCHASE: -1, ReceiptKind.PURCHASE_RETURN: 1}


@dataclass(slots=True)
class _State:
    last_number: int = 0
    shift_number: int = 0
    shift_open: bool = False
    opened_at: str | None = None
    receipt_number: int = 0
    cash: int = 0
    documents: list[dict[str, Any]] = field(default_factory=list)


class ImitationBook:
    """The counters of an imitated register, saved after every document."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._state = _State()
        if path.exists():
            self._state = _State(**json.loads(path.read_text(encoding="utf-8")))

    @property
    def cash(self) -> int:
        """Kopecks in the drawer by the book."""
        return self._state.cash

    def status(self, now: dt.datetime) -> DeviceStatus:
        """The shift and document counters as a register reports them (no ФН number)."""
        state = self._state
        return DeviceStatus(fn_number="", last_document=state.last_number,
                            shift=self._shift(now), shift_number=state.shift_number,
                            shift_opened_at=self._opened_at())

    def next_document(self, kind: DocumentType, now: dt.datetime, *,
                      receipt: ReceiptKind | None = None, total: int = 0) -> FiscalDocument:
        """The document ``kind`` would be now, refused as a register would; not yet counted."""
        state, shift = self._state, self._shift(now)
        if kind is DocumentType.SHIFT_OPEN:
            if shift is not ShiftState.CLOSED:
                raise _refusal("Смена уже открыта: сначала закройте смену",
                               "A shift is already open: close it first")
            shift_number, receipt_number = state.shift_number + 1, 0
        else:
            if shift is ShiftState.CLOSED:
                raise _refusal("Смена не открыта: откройте смену",
                               "The shift is not open: open a shift")
            if shift is ShiftState.EXPIRED and kind is not DocumentType.SHIFT_CLOSE:
                raise _refusal("Открытая смена превысила 24 часа: закройте смену",
                               "The shift is over 24 hours: close the shift")
            shift_number = state.shift_number
            receipt_number = state.receipt_number + (1 if receipt is not None else 0)
        return FiscalDocument(number=state.last_number + 1, fiscal_sign=0,
                              moment=now.replace(second=0, microsecond=0), type=kind,
                              fn_number="", shift_number=shift_number,
                              receipt_number=receipt_number, kind=receipt, total=total)

    def check_cash(self, delta: int, now: dt.datetime) -> None:
        """Refuse a cash move outside an open shift or larger than the drawer holds."""
        if self._shift(now) is not ShiftState.OPEN:
            raise _refusal("Смена не открыта: откройте смену", "The shift is not open: open a shift")
        if self._state.cash + delta < 0:
            raise _refusal(f"Не хватает наличности в кассе ({self._state.cash / 100:.2f})",
                           f"There is not enough cash in the drawer ({self._state.cash / 100:.2f})")

    def count(self, document: FiscalDocument | None, cash: int = 0) -> None:
        """Count a printed document (and the cash it moved) and save the book."""
        state = replace(self._state, documents=list(self._state.documents))
        state.cash += cash
        if document is not None:
            state.last_number = document.number
            if document.type is DocumentType.SHIFT_OPEN:
                state.shift_number, state.receipt_number = document.shift_number, 0
                state.shift_open, state.opened_at = True, document.moment.isoformat()
            elif document.type is DocumentType.SHIFT_CLOSE:
                state.shift_open, state.opened_at = False, None
            elif document.kind is not None:
                state.receipt_number = document.receipt_number
            state.documents = [*state.documents[-(KEPT - 1):], _to_json(document)]
        atomic_write(self.path, json.dumps(asdict(state), ensure_ascii=False).encode("utf-8"))
        self._state = state

    def find(self, number: int) -> FiscalDocument | None:
        """A document still remembered, by number."""
        for data in reversed(self._state.documents):
            if data["number"] == number:
                return _from_json(data)
        return None

    def _opened_at(self) -> dt.datetime | None:
        opened = self._state.opened_at
        return dt.datetime.fromisoformat(opened) if self._state.shift_open and opened else None

    def _shift(self, now: dt.datetime) -> ShiftState:
        opened = self._opened_at()
        if not self._state.shift_open:
            return ShiftState.CLOSED
        if opened is not None and now - opened > SHIFT_LIMIT:
            return ShiftState.EXPIRED
        return ShiftState.OPEN


def imitated_registration(config: DeviceConfig) -> Registration:
    """The imitation's "registration": the device's user keys, and no РН, serial or ФН."""
    return Registration(
        inn=config.inn, organization=config.organization,
        tax_systems=tuple(TaxSystem(int(code)) for code in config.tax_systems.split(",")),
        reg_number="", kkt_number="", fn_number="", ffd=FFD_BY_LABEL[config.ffd],
        address=config.address, place=config.place, sender_email=config.sender_email)


def _refusal(ru: str, en: str) -> FiscalStateError:
    return FiscalStateError(ru, en)


def _to_json(document: FiscalDocument) -> dict[str, Any]:
    return {"number": document.number, "moment": document.moment.isoformat(),
            "type": int(document.type), "shift": document.shift_number,
            "receipt": document.receipt_number,
            "kind": None if document.kind is None else int(document.kind),
            "total": document.total}


def _from_json(data: dict[str, Any]) -> FiscalDocument:
    kind = data["kind"]
    return FiscalDocument(number=data["number"], fiscal_sign=0,
                          moment=dt.datetime.fromisoformat(data["moment"]),
                          type=DocumentType(data["type"]), fn_number="",
                          shift_number=data["shift"], receipt_number=data["receipt"],
                          kind=None if kind is None else ReceiptKind(kind), total=data["total"])
