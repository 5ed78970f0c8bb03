"""A fake driver over an in-memory fiscal drive with fault injection, and test helpers."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openkkm.config import Config
from openkkm.drivers.base import Driver
from openkkm.errors import DeviceRejected, FiscalStateError, LinkLost, OpenKKMError
from openkkm.fiscal.types import (
    Cashier,
    DeviceInfo,
    DeviceStatus,
    DocumentType,
    FfdVersion,
    FiscalDocument,
    Item,
    Payments,
    Receipt,
    ReceiptKind,
    Registration,
    ShiftState,
    Slip,
    TaxSystem,
    VatRate,
)
from openkkm.jobs.model import StoredCommand
from openkkm.jobs.operations import Outcome, ReceiptDone, RegisterReceipt, ShiftDone
from openkkm.jobs.service import Answer, AnswerKind, JobService, Selection

FN_NUMBER = "9999078900001234"


@dataclass
class FakeDrive:
    """The fiscal drive: an archive numbered from 1, a shift and an open-receipt flag."""

    archive: list[FiscalDocument] = field(default_factory=list)
    shift: ShiftState = ShiftState.OPEN
    shift_number: int = 1
    receipt_open: bool = False
    receipts_in_shift: int = 0
    cancelled: int = 0

    def form(self, doc_type: DocumentType, kind: ReceiptKind | None = None,
             total: int = 0) -> FiscalDocument:
        """Sign and archive a document."""
        if doc_type is DocumentType.SHIFT_OPEN:
            self.shift_number += 1
            self.receipts_in_shift = 0
        receipt_number = 0
        if kind is not None:
            self.receipts_in_shift += 1
            receipt_number = self.receipts_in_shift
        document = FiscalDocument(
            number=len(self.archive) + 1, fiscal_sign=1_000_000 + len(self.archive),
            moment=dt.datetime(2026, 1, 15, 15, 47), type=doc_type, fn_number=FN_NUMBER,
            shift_number=self.shift_number, receipt_number=receipt_number, kind=kind,
            total=total)
        self.archive.append(document)
        return document

    def of_type(self, doc_type: DocumentType) -> list[FiscalDocument]:
        """Return the archived documents of one type."""
        return [doc for doc in self.archive if doc.type is doc_type]


@dataclass
class Fault:
    """One injected failure: ``when`` is "before" (nothing committed) or "after" (committed)."""

    when: str
    error: BaseException


class FakeDriver(Driver):
    """A driver over ``FakeDrive``; not registered as a kind."""

    def __init__(self, config: Any, drive: FakeDrive | None = None) -> None:
        super().__init__(config, data_dir="")
        self.drive = drive or FakeDrive()
        self.faults: dict[str, list[Fault]] = {}
        self.calls: list[str] = []
        self.reachable = True
        self.start_failures = 0
        self.status_failures = 0
        self.gate: asyncio.Event | None = None
        self.gate_only: str = ""  # the one method the gate holds; "" = every fiscal step
        self.slips: list[Slip] = []

    def fail(self, method: str, when: str = "before", error: BaseException | None = None) -> None:
        """Make the next call of ``method`` fail ``before`` or ``after`` it commits."""
        self.faults.setdefault(method, []).append(Fault(when, error or LinkLost("link lost")))

    def _fault(self, method: str, when: str) -> None:
        queue = self.faults.get(method)
        if queue and queue[0].when == when:
            raise queue.pop(0).error

    def _check_link(self) -> None:
        if not self.reachable:
            raise LinkLost("unreachable")

    async def start(self) -> None:
        """Open the link (fails ``start_failures`` times)."""
        self.calls.append("start")
        if self.start_failures:
            self.start_failures -= 1
            raise LinkLost("cannot open the port")
        self._check_link()

    async def stop(self) -> None:
        """Close the link."""
        self.calls.append("stop")

    async def status(self) -> DeviceStatus:
        """Report the drive's state."""
        self.calls.append("status")
        if self.gate is not None and self.gate_only == "status":  # only when asked for by name
            await self.gate.wait()
        self._check_link()
        if self.status_failures:
            self.status_failures -= 1
            raise LinkLost("no answer")
        self._fault("status", "before")
        drive = self.drive
        return DeviceStatus(FN_NUMBER, len(drive.archive), drive.shift, drive.shift_number,
                            receipt_open=drive.receipt_open)

    async def info(self) -> DeviceInfo:
        """Report registration and state."""
        self.calls.append("info")
        self._check_link()
        registration = Registration(
            inn="7700000009", organization="ООО Ромашка",
            tax_systems=(TaxSystem.OSN, TaxSystem.USN_INCOME), reg_number="0000000001012345",
            kkt_number="0000000000012345", fn_number=FN_NUMBER, ffd=FfdVersion.V1_2)
        return DeviceInfo(registration, await self.status(), dt.datetime(2026, 1, 15, 15, 47),
                          self.line_length)

    async def _wait_gate(self, method: str) -> None:
        if self.gate is not None and self.gate_only in ("", method):
            await self.gate.wait()

    async def open_shift(self, cashier: Cashier | None) -> FiscalDocument:
        """Form a shift-open report."""
        self.calls.append("open_shift")
        self._check_link()
        await self._wait_gate("open_shift")
        self._fault("open_shift", "before")
        if self.drive.shift is not ShiftState.CLOSED:
            raise FiscalStateError("Смена открыта – операция невозможна", vendor_code=0x16)
        self.drive.shift = ShiftState.OPEN
        document = self.drive.form(DocumentType.SHIFT_OPEN)
        self._fault("open_shift", "after")
        return document

    async def close_shift(self, cashier: Cashier | None) -> FiscalDocument:
        """Form a shift-close report."""
        self.calls.append("close_shift")
        self._check_link()
        await self._wait_gate("close_shift")
        self._fault("close_shift", "before")
        if self.drive.shift is ShiftState.CLOSED:
            raise FiscalStateError("Смена не открыта", vendor_code=0x16)
        self.drive.shift = ShiftState.CLOSED
        document = self.drive.form(DocumentType.SHIFT_CLOSE)
        self._fault("close_shift", "after")
        return document

    async def register(self, receipt: Receipt,
                       journaled: Awaitable[None] | None = None) -> FiscalDocument:
        """Register a receipt (the receipt is open while faults strike before the commit).

        Like a real driver it waits for ``journaled`` with the receipt open, before the commit.
        """
        self.calls.append("register")
        self._check_link()
        await self._wait_gate("register")
        drive = self.drive
        if drive.shift is not ShiftState.OPEN:
            raise DeviceRejected(61, "Смена не открыта или смена превысила 24 часа")
        drive.receipt_open = True
        if journaled is not None:
            try:
                await journaled
            except BaseException:
                drive.receipt_open = False
                drive.cancelled += 1
                raise
        self._fault("register", "before")
        drive.receipt_open = False
        document = drive.form(receipt.document_type, receipt.kind, receipt.total)
        self._fault("register", "after")
        return document

    async def cancel_receipt(self) -> None:
        """Cancel an open receipt."""
        self.calls.append("cancel_receipt")
        self._check_link()
        if self.drive.receipt_open:
            self.drive.receipt_open = False
            self.drive.cancelled += 1

    async def read_document(self, number: int) -> FiscalDocument | None:
        """Read an archived document."""
        self.calls.append(f"read_document:{number}")
        self._check_link()
        archive = self.drive.archive
        return archive[number - 1] if 1 <= number <= len(archive) else None

    async def print_slip(self, slip: Slip) -> None:
        """Keep the slip."""
        self.calls.append("print_slip")
        self._check_link()
        self._fault("print_slip", "before")
        self.slips.append(slip)


def receipt(total: int = 10_000, kind: ReceiptKind = ReceiptKind.SALE) -> Receipt:
    """Build a one-line receipt paid in cash."""
    item = Item("Товар", total, Decimal(1), total, VatRate.VAT22)
    return Receipt(kind, (item,), Payments(cash=total), cashier=Cashier("Иванова А.А."))


def make_config(data_dir: Path, *, expiry: float = 30, devices: list[dict[str, Any]] | None = None,
                **device: Any) -> Config:
    """Build a config with one device (num 1) or the given devices, data in ``data_dir``."""
    return Config.model_validate({
        "server": {"data_dir": str(data_dir)},
        "queue": {"expiry_seconds": expiry},
        "devices": devices or [{"num": 1, "name": "Касса 1", **device}],
    })


class Rendered:
    """A renderer that records what it was given and answers a KkmServer-like dict."""

    def __init__(self) -> None:
        self.outcomes: dict[str, list[Outcome | OpenKKMError]] = {}
        self.broken = False

    def __call__(self, stored: StoredCommand, outcome: Outcome | OpenKKMError) -> dict[str, Any]:
        self.outcomes.setdefault(stored.id_command, []).append(outcome)
        if self.broken:
            raise KeyError("renderer bug")
        answer: dict[str, Any] = {"Command": stored.command, "IdCommand": stored.id_command,
                                  "NumDevice": stored.num_device, "Warning": "; ".join(
                                      stored.warnings), "Error": "", "Status": 0}
        if isinstance(outcome, OpenKKMError):
            answer.update(Error=outcome.ru, Status=2)
        elif isinstance(outcome, ReceiptDone | ShiftDone):
            answer.update(CheckNumber=outcome.document.number,
                          SessionNumber=outcome.document.shift_number,
                          FiscalSign=outcome.document.fiscal_sign)
        elif isinstance(outcome, DeviceInfo):
            answer.update(LineLength=outcome.line_length)
        return answer


async def sell(service: JobService, id_command: str | None, total: int = 10_000, *,
               wait: float | None = None, body_hash: str | None = None,
               time_limit: float = 0.0) -> Answer:
    """Submit a sale of ``total`` kopecks; the body hash follows the total unless given."""
    return await service.submit(
        id_command=id_command, command="RegisterCheck", request={"Total": total},
        body_hash=body_hash or f"sale-{total}", device=service.select(Selection()),
        operation=RegisterReceipt(receipt(total)), wait=wait, time_limit=time_limit)


async def settled(service: JobService, id_command: str) -> Answer:
    """Poll ``result`` until the command is finished (the test timeout bounds it)."""
    while True:
        answer = await service.result(id_command)
        if answer is not None and answer.kind is AnswerKind.DONE:
            return answer
        await asyncio.sleep(0.005)
