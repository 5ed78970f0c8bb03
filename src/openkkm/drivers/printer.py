"""What every non-fiscal printer has in common: it lays out slips and refuses fiscal steps.

A printer kind (``escpos``, ``screen``, ``cups``) subclasses :class:`PrinterDriver` and implements
``print_document``; laying out, copies, ``NotPrint`` and the fiscal refusals are written once
here. The last printed document and its warnings stay on the driver for the preview and the
answer's ``Warning``. With ``emulate_fiscal = true`` the printer takes a register's commands
instead of refusing them and prints non-fiscal imitations (:mod:`.imitation`).
"""

from __future__ import annotations

import datetime as dt
from abc import abstractmethod
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from openkkm.drivers.base import Driver
from openkkm.drivers.imitation import CASH_SIGN, ImitationBook, imitated_registration
from openkkm.errors import NotSupportedError
from openkkm.fiscal.types import DeviceInfo, DocumentType
from openkkm.layout.document import Document, layout_slip
from openkkm.layout.receipt import layout_receipt
from openkkm.layout.reports import (
    layout_cash_move,
    layout_fiscal_report,
    layout_x_report,
)

if TYPE_CHECKING:
    from openkkm.config import DeviceConfig
    from openkkm.fiscal.types import (
        Cashier,
        DeviceStatus,
        FiscalDocument,
        Receipt,
        Slip,
    )


@dataclass(frozen=True, slots=True)
class Printed:
    """A document as it was printed (or only previewed) and the warnings printing it raised."""

    document: Document
    warnings: tuple[tuple[str, str], ...] = ()  #: (ru, en) texts
    on_paper: bool = True

    def warning(self, language: str = "ru") -> str:
        """The warnings joined for the answer's ``Warning`` field."""
        return "; ".join(en if language == "en" else ru for ru, en in self.warnings)


class PrinterDriver(Driver):
    """A receipt, label or system printer: prints documents, has no fiscal drive."""

    fiscal: bool = False

    def __init__(self, config: DeviceConfig, *, data_dir: str) -> None:
        super().__init__(config, data_dir=data_dir)
        self.last_printed: Printed | None = None
        self.fiscal = config.emulate_fiscal
        self._book = (ImitationBook(Path(data_dir) / f"imitation-{config.num}.json")
                      if config.emulate_fiscal else None)

    def _imitating(self, what_ru: str, what_en: str) -> ImitationBook:
        """The imitation's book; a printer without ``emulate_fiscal`` refuses instead."""
        if self._book is None:
            self._not_fiscal(what_ru, what_en)
        return self._book

    def _not_fiscal(self, what_ru: str, what_en: str) -> NoReturn:
        name = self.config.unit_name
        raise NotSupportedError(
            f"Устройство «{name}» — принтер без фискального накопителя: {what_ru} невозможно. "
            "Выберите ККТ или отправьте документ с IsFiscalCheck: false.",
            f"Device '{name}' is a printer without a fiscal drive: cannot {what_en}. "
            "Choose a fiscal register or send the document with IsFiscalCheck: false.",
        )

    async def status(self) -> DeviceStatus:
        """The imitation's shift and counters; a plain printer refuses."""
        return self._imitating("чтение состояния смены", "read the shift state").status(_now())

    async def info(self) -> DeviceInfo:
        """The imitation's registration keys (from the config) and counters."""
        book = self._imitating("чтение данных ККТ", "read fiscal register data")
        return DeviceInfo(registration=imitated_registration(self.config),
                          status=book.status(_now()), clock=_now(),
                          line_length=self.line_length, cash_balance=book.cash, fn_fiscal=False)

    async def open_shift(self, cashier: Cashier | None) -> FiscalDocument:
        """Print the imitation of a shift-open report."""
        book = self._imitating("открытие смены", "open a shift")
        return await self._report(book, DocumentType.SHIFT_OPEN, cashier)

    async def close_shift(self, cashier: Cashier | None) -> FiscalDocument:
        """Print the imitation of a shift-close report."""
        book = self._imitating("закрытие смены", "close a shift")
        return await self._report(book, DocumentType.SHIFT_CLOSE, cashier)

    async def register(self, receipt: Receipt,
                       journaled: Awaitable[None] | None = None) -> FiscalDocument:
        """Print the imitation of a receipt; it counts only once printed."""
        book = self._imitating("регистрация фискального чека", "register a fiscal receipt")
        document = book.next_document(receipt.document_type, _now(), receipt=receipt.kind,
                                      total=receipt.total)
        laid_out = layout_receipt(receipt, document, self.line_length,
                                  registration=imitated_registration(self.config))
        if journaled is not None:
            await journaled
        if receipt.print_paper:
            self.last_printed = await self.print_document(laid_out, copies=1 + receipt.copies)
        else:
            self.last_printed = Printed(laid_out, on_paper=False)
        book.count(document, CASH_SIGN.get(receipt.kind, 0) * receipt.payments.cash)
        return document

    async def cancel_receipt(self) -> None:
        """Nothing to cancel: a printer never has a receipt open."""

    async def read_document(self, number: int) -> FiscalDocument | None:
        """A document the imitation printed (its last ones are remembered)."""
        return self._imitating("чтение фискального документа",
                               "read a fiscal document").find(number)

    async def x_report(self, cashier: Cashier | None) -> None:
        """Print the X report's heading; nothing is counted."""
        self._imitating("X-отчет", "print an X report")
        registration = imitated_registration(self.config)
        self.last_printed = await self.print_document(
            layout_x_report(self.line_length, registration=registration, cashier=cashier))

    async def cash_balance(self) -> int:
        """The drawer's cash by the imitation's book."""
        return self._imitating("чтение наличности", "read the cash balance").cash

    async def cash_in(self, amount: int, cashier: Cashier | None) -> int:
        """Print a deposit slip and count it; return the new balance."""
        return await self._move_cash(amount, cashier)

    async def cash_out(self, amount: int, cashier: Cashier | None) -> int:
        """Print a payout slip and count it; return the new balance."""
        return await self._move_cash(-amount, cashier)

    async def _move_cash(self, delta: int, cashier: Cashier | None) -> int:
        book = self._imitating("внесение и выплата", "move cash")
        book.check_cash(delta, _now())
        self.last_printed = await self.print_document(layout_cash_move(
            delta, book.cash + delta, self.line_length,
            registration=imitated_registration(self.config), cashier=cashier))
        book.count(None, delta)
        return book.cash

    async def _report(self, book: ImitationBook, kind: DocumentType,
                      cashier: Cashier | None) -> FiscalDocument:
        document = book.next_document(kind, _now())
        self.last_printed = await self.print_document(layout_fiscal_report(
            document, self.line_length, registration=imitated_registration(self.config),
            cashier=cashier))
        book.count(document)
        return document

    async def print_slip(self, slip: Slip) -> None:
        """Lay the slip out at this printer's width and print it ``1 + copies`` times.

        With ``NotPrint`` the slip is only laid out, for the preview. Bad fonts or barcodes raise
        ``ValidationError`` before anything is sent.
        """
        document = self.framed(layout_slip(slip.elements, self.line_length))
        if not slip.print_paper:
            self.last_printed = Printed(document, on_paper=False)
            return
        self.last_printed = await self.print_document(document, copies=1 + slip.copies)

    def framed(self, document: Document) -> Document:
        """The document fitted to this printer's fixed pages (labels); as is on continuous paper."""
        return document

    @abstractmethod
    async def print_document(self, document: Document, *, copies: int = 1) -> Printed:
        """Print a laid-out document; raise ``TransportError`` or ``DeviceRejected`` if not printed."""

    async def open_drawer(self) -> None:
        """Kick the cash drawer (``OpenCashDrawer``); only printers with a drawer port do it."""
        raise NotSupportedError(
            f"Устройство «{self.config.unit_name}» не открывает денежный ящик",
            f"Device '{self.config.unit_name}' cannot open a cash drawer",
        )


def _now() -> dt.datetime:
    """The printer's clock: the machine's local time, as a register's clock reads it."""
    return dt.datetime.now()
