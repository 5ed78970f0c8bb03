"""The ATOL driver reads its registration from the ФН's registration report, not its config."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from atol_bench import Bench

from openkkm.config import DeviceConfig
from openkkm.drivers.atol import AtolDriver
from openkkm.drivers.atol.identity import registration_of
from openkkm.emulators.atol import AtolEmulator
from openkkm.errors import FiscalStateError
from openkkm.fiscal.types import (
    Cashier,
    DocumentType,
    FfdVersion,
    RegistrationAction,
    RegistrationChange,
    TaxSystem,
)


async def test_info_reads_the_registration_report(tmp_path: Path) -> None:
    bench = Bench(tmp_path)
    registered = DeviceConfig(num=1, kind="atol", url="loop://atol", inn="7700000000",
                              organization="ООО Другая", address="г. Тверь, ул. Новая, 1",
                              place="Киоск 7", tax_systems="1,5", ffd="1.05")
    bench.emulator = AtolEmulator(registered, clock=bench.clock)
    await bench.driver.start()
    try:
        info = await bench.driver.info()
    finally:
        await bench.close()
    registration = info.registration
    assert registration.inn == "7700000000"
    assert registration.organization == "ООО Другая"
    assert registration.address == "г. Тверь, ул. Новая, 1"
    assert registration.place == "Киоск 7"
    assert registration.tax_systems == (TaxSystem.USN_INCOME, TaxSystem.PATENT)
    assert registration.ffd is FfdVersion.V1_05
    assert registration.reg_number
    assert bench.config.inn != registration.inn
    assert bench.driver.ffd is FfdVersion.V1_05


def test_config_fills_in_when_the_report_gives_nothing() -> None:
    config = DeviceConfig(num=1, kind="atol", url="loop://atol", kkt_number="")
    registration = registration_of({}, config, fn_number="9999078900001234", serial=42)
    assert registration.inn == config.inn
    assert registration.organization == config.organization
    assert registration.reg_number == ""
    assert registration.kkt_number == "00000042"
    assert registration.fn_number == "9999078900001234"
    assert registration.ffd is FfdVersion.V1_2


async def test_reregistration_changes_the_ofd(bench: Bench) -> None:
    before = (await bench.driver.info()).registration
    wanted = replace(before, ofd_inn="7709364346", ofd_name="ОФД Другой",
                     organization="ООО Новое имя")
    document = await bench.driver.change_registration(
        RegistrationChange(RegistrationAction.CHANGE_OFD, wanted, reason=0b1,
                           cashier=Cashier("Иванов И.И.")))
    assert document.type is DocumentType.REREGISTRATION
    assert bench.emulator.fn.registration.ofd_inn == "7709364346"
    after = (await bench.driver.info()).registration
    assert after.ofd_inn == "7709364346"
    assert after.ofd_name == "ОФД Другой"
    assert after.organization == "ООО Новое имя"
    assert after.inn == before.inn
    assert after.reg_number == before.reg_number


async def test_close_fn(bench: Bench) -> None:
    bench.emulator.fn.confirm_ofd()
    document = await bench.driver.change_registration(
        RegistrationChange(RegistrationAction.CLOSE, None))
    assert document.type is DocumentType.FN_CLOSE
    assert bench.emulator.fn.closed
    with pytest.raises(FiscalStateError):
        await bench.driver.open_shift(None)


async def test_an_fn_change_before_the_close_is_refused_and_after_it_forms_fd_1(
        bench: Bench) -> None:
    before = (await bench.driver.info()).registration
    change = RegistrationChange(RegistrationAction.CHANGE_FN, before, reason=1,
                                cashier=Cashier("Иванов И.И."))
    last = bench.emulator.fn.last_number
    with pytest.raises(FiscalStateError):
        await bench.driver.change_registration(change)
    assert bench.emulator.fn.last_number == last
    bench.emulator.fn.confirm_ofd()
    await bench.driver.change_registration(RegistrationChange(RegistrationAction.CLOSE, None))
    document = await bench.driver.change_registration(change)
    fn = bench.emulator.fn
    assert (document.number, document.type) == (1, DocumentType.REREGISTRATION)
    assert document.fn_number == fn.fn_number != before.fn_number
    info = await bench.driver.info()
    assert info.fn_fiscal and info.registration.fn_number == fn.fn_number
    assert info.registration.reg_number == before.reg_number


async def test_first_registration_of_an_unregistered_register(tmp_path: Path) -> None:
    bench = Bench(tmp_path)
    blank = bench.config.model_copy(update={"registered": False})
    bench.emulator = AtolEmulator(blank, clock=bench.clock)
    await bench.driver.start()
    try:
        info = await bench.driver.info()
        assert not info.fn_fiscal and not info.status.registered
        wanted = replace(info.registration, organization="ООО Первое",
                         reg_number=bench.emulator.fn.registration.reg_number,
                         tax_systems=(TaxSystem.USN_INCOME,))
        document = await bench.driver.change_registration(
            RegistrationChange(RegistrationAction.OPEN, wanted, cashier=Cashier("Иванов И.И.")))
        assert (document.number, document.type) == (1, DocumentType.REGISTRATION)
        after = await bench.driver.info()
    finally:
        await bench.close()
    assert after.fn_fiscal and after.status.registered
    assert after.registration.organization == "ООО Первое"
    assert after.registration.tax_systems == (TaxSystem.USN_INCOME,)
    assert bench.emulator.fn.registration.organization == "ООО Первое"


async def test_a_restarted_driver_reads_the_last_reregistration_not_fd_1(tmp_path: Path) -> None:
    bench = Bench(tmp_path)
    await bench.driver.start()
    try:
        before = (await bench.driver.info()).registration
        wanted = replace(before, ofd_inn="7709364346", ofd_name="ОФД Другой")
        await bench.driver.change_registration(
            RegistrationChange(RegistrationAction.CHANGE_OFD, wanted, reason=0b10))
        await bench.driver.stop()
        restarted = AtolDriver(bench.config, data_dir=str(tmp_path), hub=bench.hub)
        await restarted.start()
        after = (await restarted.info()).registration
        await restarted.stop()
        forgotten = AtolDriver(bench.config, data_dir=str(tmp_path / "elsewhere"), hub=bench.hub)
        await forgotten.start()
        from_fd_1 = (await forgotten.info()).registration
        await forgotten.stop()
    finally:
        await bench.close()
    assert (after.ofd_inn, after.ofd_name) == ("7709364346", "ОФД Другой")
    assert from_fd_1.ofd_inn == before.ofd_inn  # without the note, FD 1 is all there is
