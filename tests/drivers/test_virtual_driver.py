"""The ``virtual`` driver: the simulated ФН behind the driver contract, with fault plans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from openkkm.config import DeviceConfig
from openkkm.drivers.base import driver_class
from openkkm.drivers.virtual import VirtualDriver
from openkkm.emulators.fn.identity import reg_number_valid
from openkkm.errors import ConfigError, DeviceRejected, FiscalStateError, LinkLost
from openkkm.fiscal.types import (
    Cashier,
    DocumentType,
    FfdVersion,
    Item,
    Payments,
    PrintText,
    Receipt,
    ReceiptKind,
    ShiftState,
    Slip,
    TaxSystem,
    VatRate,
)


class Clock:
    """A virtual clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 24, 10, 0, 0)

    def __call__(self) -> dt.datetime:
        """Read the clock."""
        return self.now


def sale(amount: int = 12500, *, vat: VatRate = VatRate.VAT22, change: int = 0) -> Receipt:
    line = Item(name="Молоко", price=amount, quantity=Decimal(1), amount=amount, vat=vat)
    return Receipt(kind=ReceiptKind.SALE, items=(line,), payments=Payments(cash=amount),
                   cashier=Cashier("Иванова"), change=change)


async def started(tmp_path: Path, clock: Clock | None = None, **config: object) -> VirtualDriver:
    driver = VirtualDriver(DeviceConfig(num=1, **config),  # type: ignore[arg-type]
                           data_dir=str(tmp_path), clock=clock or Clock())
    await driver.start()
    return driver


def test_registered_under_its_kind() -> None:
    assert driver_class("virtual") is VirtualDriver


async def test_fresh_register_has_registration_report(tmp_path: Path) -> None:
    driver = await started(tmp_path)
    status = await driver.status()
    assert (status.last_document, status.shift, status.receipt_open) == (1, ShiftState.CLOSED,
                                                                        False)
    info = await driver.info()
    reg = info.registration
    assert (reg.inn, reg.ffd, reg.tax_systems) == (
        "7700000009", FfdVersion.V1_2, (TaxSystem.OSN, TaxSystem.USN_INCOME))
    assert reg_number_valid(reg.reg_number, reg.inn, reg.kkt_number)
    assert reg.fn_number == status.fn_number and info.ofd_unsent == 1
    assert (tmp_path / "fn-1.json").exists()
    first = await driver.read_document(1)
    assert first is not None and first.type is DocumentType.REGISTRATION


async def test_sale_reads_back_from_the_archive(tmp_path: Path) -> None:
    driver = await started(tmp_path)
    opened = await driver.open_shift(Cashier("Иванова"))
    document = await driver.register(sale(change=500))
    assert (opened.number, document.number, document.receipt_number) == (2, 3, 1)
    assert (document.kind, document.total, document.shift_number) == (ReceiptKind.SALE, 12500, 1)
    assert await driver.read_document(3) == document
    assert await driver.read_document(4) is None
    status = await driver.status()
    assert (status.last_document, status.shift, status.receipt_open) == (3, ShiftState.OPEN, False)


async def test_restart_keeps_the_fn(tmp_path: Path) -> None:
    driver = await started(tmp_path)
    await driver.open_shift(None)
    document = await driver.register(sale())
    await driver.stop()
    again = await started(tmp_path)
    assert (await again.status()).last_document == 3
    assert await again.read_document(3) == document


async def test_receipt_in_closed_shift_is_a_state_error(tmp_path: Path) -> None:
    driver = await started(tmp_path)
    with pytest.raises(FiscalStateError) as exc:
        await driver.register(sale())
    assert exc.value.vendor_code == 0x02
    assert not (await driver.status()).receipt_open


async def test_refused_content_is_rejected_and_leaves_no_receipt(tmp_path: Path) -> None:
    clock = Clock()
    clock.now = dt.datetime(2025, 12, 30, 12, 0)
    driver = await started(tmp_path, clock)
    await driver.open_shift(None)
    with pytest.raises(DeviceRejected) as exc:
        await driver.register(sale(vat=VatRate.VAT22))
    assert exc.value.vendor_code == 0x09 and "НДС" in exc.value.ru
    status = await driver.status()
    assert (status.last_document, status.receipt_open) == (2, False)
    assert (await driver.register(sale(vat=VatRate.VAT20))).number == 3


async def test_expired_shift_is_reported_and_refuses_receipts(tmp_path: Path) -> None:
    clock = Clock()
    driver = await started(tmp_path, clock)
    await driver.open_shift(None)
    clock.now += dt.timedelta(hours=25)
    assert (await driver.status()).shift is ShiftState.EXPIRED
    with pytest.raises(FiscalStateError) as exc:
        await driver.register(sale())
    assert "смена" in exc.value.ru and exc.value.vendor_code == 0x16
    closed = await driver.close_shift(None)
    assert closed.type is DocumentType.SHIFT_CLOSE


async def test_lost_reply_after_commit_leaves_the_receipt_fiscalised(tmp_path: Path) -> None:
    driver = await started(tmp_path, faults="lose_reply_after_commit*1")
    await driver.open_shift(None)
    with pytest.raises(LinkLost):
        await driver.register(sale())
    status = await driver.status()
    assert (status.last_document, status.receipt_open) == (3, False)
    lost = await driver.read_document(3)
    assert lost is not None and (lost.type, lost.total) == (DocumentType.RECEIPT, 12500)
    assert (await driver.register(sale())).number == 4


async def test_fail_before_commit_fiscalises_nothing(tmp_path: Path) -> None:
    driver = await started(tmp_path, faults="fail_before_commit*1")
    await driver.open_shift(None)
    with pytest.raises(LinkLost):
        await driver.register(sale())
    status = await driver.status()
    assert (status.last_document, status.receipt_open) == (2, False)
    assert await driver.read_document(3) is None
    document = await driver.register(sale())
    assert (document.number, document.receipt_number) == (3, 1)


async def test_faults_change_at_run_time(tmp_path: Path) -> None:
    driver = await started(tmp_path)
    await driver.open_shift(None)
    driver.set_faults("delay_before_commit=0,delay_after_commit=0,lose_reply_after_commit*1")
    with pytest.raises(LinkLost):
        await driver.register(sale())
    assert (await driver.register(sale())).number == 4
    with pytest.raises(ConfigError):
        driver.set_faults("lose_everything")


def test_bad_fault_spec_in_config_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="delay_after_commit"):
        VirtualDriver(DeviceConfig(num=1, faults="delay_after_commit"), data_dir=str(tmp_path))


async def test_damaged_state_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "fn-1.json").write_text("{not json", encoding="utf-8")
    driver = VirtualDriver(DeviceConfig(num=1), data_dir=str(tmp_path))
    with pytest.raises(ConfigError, match=r"fn-1\.json"):
        await driver.start()


async def test_cancel_receipt_and_slip_are_harmless(tmp_path: Path) -> None:
    driver = await started(tmp_path)
    await driver.cancel_receipt()
    slip = Slip(elements=(PrintText("Привет"),))
    await driver.print_slip(slip)
    assert list(driver.slips) == [slip]
    assert (await driver.status()).last_document == 1


async def test_not_started_is_link_lost(tmp_path: Path) -> None:
    driver = VirtualDriver(DeviceConfig(num=1), data_dir=str(tmp_path))
    with pytest.raises(LinkLost):
        await driver.status()


async def test_configured_numbers_are_used(tmp_path: Path) -> None:
    driver = await started(tmp_path, fn_number="9999078900009999", kkt_number="0499000000001234",
                           tax_systems="1", ffd="1.05")
    reg = (await driver.info()).registration
    assert (reg.fn_number, reg.kkt_number) == ("9999078900009999", "0499000000001234")
    assert (reg.tax_systems, reg.ffd) == ((TaxSystem.USN_INCOME,), FfdVersion.V1_05)
    assert reg_number_valid(reg.reg_number, reg.inn, reg.kkt_number)
    assert reg.fn_valid_to is not None and reg.fn_valid_from is not None
    assert (reg.fn_valid_to - reg.fn_valid_from).days == 1110


async def test_power_loss_mid_receipt_leaves_it_open_until_cancelled(tmp_path: Path) -> None:
    driver = await started(tmp_path, faults="leave_receipt_open*1")
    await driver.open_shift(None)
    with pytest.raises(LinkLost):
        await driver.register(sale())
    status = await driver.status()
    assert (status.last_document, status.receipt_open) == (2, True)
    with pytest.raises(FiscalStateError):
        await driver.register(sale())
    await driver.cancel_receipt()
    assert (await driver.register(sale())).number == 3
