"""The ATOL driver reads its registration from the ФН's registration report, not its config."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from atol_bench import Bench

from openkkm.config import DeviceConfig
from openkkm.drivers.atol.identity import registration_of
from openkkm.emulators.atol import AtolEmulator
from openkkm.errors import FiscalStateError, NotSupportedError
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


async def test_first_registration_is_refused(bench: Bench) -> None:
    before = (await bench.driver.info()).registration
    with pytest.raises(NotSupportedError):
        await bench.driver.change_registration(
            RegistrationChange(RegistrationAction.CHANGE_FN, before))
