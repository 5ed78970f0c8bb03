"""The worker runs the report, cash and registration operations on the virtual register; lost
answers of fiscal ones are reconciled from the ФН, those of cash moves from the cash counter."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from openkkm.drivers.virtual import VirtualDriver
from openkkm.errors import LinkLost, NotSupportedError
from openkkm.fiscal.types import (
    Cashier,
    DocumentType,
    FiscalDocument,
    RegistrationAction,
    RegistrationChange,
)
from openkkm.jobs.devices import Selection
from openkkm.jobs.journal import Journal
from openkkm.jobs.model import State, Step, StoredCommand
from openkkm.jobs.operations import (
    CashDone,
    ChangeRegistration,
    MoveCash,
    NotPerformed,
    OfdReport,
    Operation,
    ShiftDone,
)
from openkkm.jobs.reads import CashUnknown
from openkkm.jobs.service import Answer, AnswerKind, JobService

from .fakes import FakeDriver, Rendered, make_config, settled

CASHIER = Cashier("Иванова А.А.")


class Lossy(VirtualDriver):
    """A virtual register that loses answers on demand, after or before doing the step."""

    kind = ""  # not registered: the service is handed the driver
    lose_after: set[str]
    lose_before: set[str]
    unreadable_cash: bool = False

    async def state_report(self, cashier: Cashier | None) -> FiscalDocument:
        """Form the report, then maybe lose its answer."""
        if "report" in self.lose_before:
            self.lose_before.discard("report")
            raise LinkLost("обрыв")
        document = await super().state_report(cashier)
        if "report" in self.lose_after:
            self.lose_after.discard("report")
            raise LinkLost("обрыв")
        return document

    async def cash_in(self, amount: int, cashier: Cashier | None) -> int:
        """Count the deposit, then maybe lose its answer."""
        if "cash" in self.lose_before:
            self.lose_before.discard("cash")
            raise LinkLost("обрыв")
        balance = await super().cash_in(amount, cashier)
        if "cash" in self.lose_after:
            self.lose_after.discard("cash")
            self.unreadable_cash = "unreadable" in self.lose_after
            raise LinkLost("обрыв")
        return balance

    async def cash_balance(self) -> int:
        """The counter, unless the test made it unreadable after the loss."""
        if self.unreadable_cash:
            raise LinkLost("нет связи")
        return await super().cash_balance()


async def started(data_dir: Path) -> tuple[JobService, Lossy, Rendered]:
    """A service over a lossy virtual register."""
    config = make_config(data_dir, kind="virtual")
    driver = Lossy(config.devices[0], data_dir=str(data_dir))
    driver.lose_after, driver.lose_before = set(), set()
    rendered = Rendered()
    service = JobService(config, render=rendered, drivers={1: driver}, backoff=0.01)
    await service.start()
    return service, driver, rendered


async def run(service: JobService, id_command: str, operation: Operation) -> Answer:
    """Submit ``operation`` and wait for it."""
    return await service.submit(id_command=id_command, command="Test", request={},
                                body_hash=id_command, device=service.select(Selection()),
                                operation=operation, wait=30)


async def test_lost_report_answer_is_reconciled_to_the_formed_report(tmp_path: Path) -> None:
    service, driver, rendered = await started(tmp_path)
    try:
        driver.lose_after.add("report")
        answer = await run(service, "r-1", OfdReport(CASHIER))
        [outcome] = rendered.outcomes["r-1"]
        assert isinstance(outcome, ShiftDone), outcome
        assert outcome.document.type is DocumentType.STATUS_REPORT
        assert answer.response is not None and answer.response["Status"] == 0
        assert (await driver.status()).last_document == outcome.document.number
    finally:
        await service.stop()


async def test_report_lost_before_forming_is_proven_not_performed(tmp_path: Path) -> None:
    service, driver, rendered = await started(tmp_path)
    try:
        last = (await driver.status()).last_document
        driver.lose_before.add("report")
        await run(service, "r-2", OfdReport(CASHIER))
        [outcome] = rendered.outcomes["r-2"]
        assert isinstance(outcome, NotPerformed)
        assert "Отчет о текущем состоянии расчетов не сформирован" in outcome.ru
        assert (await driver.status()).last_document == last
    finally:
        await service.stop()


async def test_cash_lost_after_counting_is_done_once(tmp_path: Path) -> None:
    service, driver, rendered = await started(tmp_path)
    try:
        driver.lose_after.add("cash")
        await run(service, "c-1", MoveCash(5000, CASHIER))
        [outcome] = rendered.outcomes["c-1"]
        assert isinstance(outcome, CashDone) and outcome.balance == 5000
        assert outcome.shift_opened is not None  # the shift was opened for it
        assert await driver.cash_balance() == 5000
    finally:
        await service.stop()


async def test_cash_lost_before_counting_may_be_resent(tmp_path: Path) -> None:
    service, driver, rendered = await started(tmp_path)
    try:
        driver.lose_before.add("cash")
        await run(service, "c-2", MoveCash(5000, CASHIER))
        assert isinstance(rendered.outcomes["c-2"][0], NotPerformed)
        again = await run(service, "c-2", MoveCash(5000, CASHIER))
        assert again.kind is AnswerKind.DONE
        assert isinstance(rendered.outcomes["c-2"][1], CashDone)
        assert await driver.cash_balance() == 5000
    finally:
        await service.stop()


async def test_cash_of_unknown_outcome_is_never_sent_again(tmp_path: Path) -> None:
    service, driver, rendered = await started(tmp_path)
    try:
        driver.lose_after.update({"cash", "unreadable"})
        await run(service, "c-3", MoveCash(5000, CASHIER))
        [outcome] = rendered.outcomes["c-3"]
        assert isinstance(outcome, CashUnknown)
        driver.unreadable_cash = False
        again = await run(service, "c-3", MoveCash(5000, CASHIER))
        assert again.kind is AnswerKind.REPLAY
        assert len(rendered.outcomes["c-3"]) == 1
        assert await driver.cash_balance() == 5000
    finally:
        await service.stop()


async def test_registration_change_is_a_journalled_fiscal_step(tmp_path: Path) -> None:
    service, driver, rendered = await started(tmp_path)
    try:
        current = (await driver.info()).registration
        change = RegistrationChange(RegistrationAction.CHANGE_OFD, current, 2, CASHIER)
        await run(service, "g-1", ChangeRegistration(change))
        [outcome] = rendered.outcomes["g-1"]
        assert isinstance(outcome, ShiftDone)
        assert outcome.document.type is DocumentType.REREGISTRATION
    finally:
        await service.stop()


async def test_a_driver_without_the_operation_says_so(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    driver = FakeDriver(config.devices[0])
    with pytest.raises(NotSupportedError) as caught:
        await driver.cash_in(100, None)
    assert caught.value.ru == "Устройство типа FakeDriver: внесение наличных пока не поддерживается"


async def test_cash_recovered_after_its_shift_opened_is_unknown_not_resent(
        tmp_path: Path) -> None:
    """A crash after the shift was opened for a cash move leaves the move unprovable."""
    config = make_config(tmp_path, kind="virtual")
    driver = VirtualDriver(config.devices[0], data_dir=str(tmp_path))
    await driver.start()
    status = await driver.status()
    step = Step(DocumentType.SHIFT_OPEN, status.fn_number, status.last_document + 1)
    await driver.open_shift(CASHIER)  # the shift step happened; then the server died
    await driver.stop()
    journal = Journal(tmp_path / "journal.sqlite3")
    await journal.open()
    stored = StoredCommand("c-9", "DepositingCash", {"Amount": 50}, (), 1, "Касса 1",
                           datetime.now())
    await journal.put(stored, body_hash="c-9", kind="cash", state=State.QUEUED)
    await journal.mark_sent("c-9", step)
    await journal.close()
    rendered = Rendered()
    service = JobService(config, render=rendered, drivers={1: driver}, backoff=0.01)
    await service.start()
    try:
        answer = await settled(service, "c-9")
        assert isinstance(rendered.outcomes["c-9"][0], CashUnknown)
        assert answer.response is not None and answer.response["Status"] == 2
        again = await run(service, "c-9", MoveCash(5000, CASHIER))
        assert again.kind is AnswerKind.REPLAY
        assert await driver.cash_balance() == 0
    finally:
        await service.stop()
