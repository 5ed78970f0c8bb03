"""What every non-fiscal printer has in common: it lays out slips and refuses fiscal steps.

A printer kind (``escpos``, ``screen``, ``cups``) subclasses :class:`PrinterDriver` and implements
``print_document``; laying out, copies, ``NotPrint`` and the fiscal refusals are written once
here. The last printed document and its warnings stay on the driver for the preview and the
answer's ``Warning``.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, NoReturn

from openkkm.drivers.base import Driver
from openkkm.errors import NotSupportedError
from openkkm.layout.document import Document, layout_slip

if TYPE_CHECKING:
    from openkkm.config import DeviceConfig
    from openkkm.fiscal.types import (
        Cashier,
        DeviceInfo,
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

    fiscal: ClassVar[bool] = False

    def __init__(self, config: DeviceConfig, *, data_dir: str) -> None:
        super().__init__(config, data_dir=data_dir)
        self.last_printed: Printed | None = None

    def _not_fiscal(self, what_ru: str, what_en: str) -> NoReturn:
        name = self.config.unit_name
        raise NotSupportedError(
            f"Устройство «{name}» — принтер без фискального накопителя: {what_ru} невозможно. "
            "Выберите ККТ или отправьте документ с IsFiscalCheck: false.",
            f"Device '{name}' is a printer without a fiscal drive: cannot {what_en}. "
            "Choose a fiscal register or send the document with IsFiscalCheck: false.",
        )

    async def status(self) -> DeviceStatus:
        """Refuse: a printer has no shift or fiscal documents."""
        self._not_fiscal("чтение состояния смены", "read the shift state")

    async def info(self) -> DeviceInfo:
        """Refuse: a printer has no registration data."""
        self._not_fiscal("чтение данных ККТ", "read fiscal register data")

    async def open_shift(self, cashier: Cashier | None) -> FiscalDocument:
        """Refuse: no shifts on a printer."""
        self._not_fiscal("открытие смены", "open a shift")

    async def close_shift(self, cashier: Cashier | None) -> FiscalDocument:
        """Refuse: no shifts on a printer."""
        self._not_fiscal("закрытие смены", "close a shift")

    async def register(self, receipt: Receipt,
                       journaled: Awaitable[None] | None = None) -> FiscalDocument:
        """Refuse: a fiscal receipt needs a fiscal drive."""
        self._not_fiscal("регистрация фискального чека", "register a fiscal receipt")

    async def cancel_receipt(self) -> None:
        """Nothing to cancel: a printer never has a fiscal receipt open."""

    async def read_document(self, number: int) -> FiscalDocument | None:
        """Refuse: no fiscal archive on a printer."""
        self._not_fiscal("чтение фискального документа", "read a fiscal document")

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
