"""The ATOL driver reads its registration from the ФН's registration report, not its config."""

from __future__ import annotations

from pathlib import Path

from atol_bench import Bench

from openkkm.config import DeviceConfig
from openkkm.drivers.atol.identity import registration_of
from openkkm.emulators.atol import AtolEmulator
from openkkm.fiscal.types import FfdVersion, TaxSystem


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
