"""Building devices from config: in-process emulators behind ``emulator://`` URLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from openkkm.config import load
from openkkm.devices import Devices
from openkkm.drivers.shtrih import ShtrihDriver
from openkkm.drivers.virtual import VirtualDriver
from openkkm.errors import ConfigError


async def test_default_register_is_the_shtrih_emulator_over_the_real_protocol(tmp_path: Path) -> None:
    devices = Devices(load(None, {"server.data_dir": str(tmp_path)}))
    drivers = await devices.start()
    driver = drivers[1]
    try:
        assert isinstance(driver, ShtrihDriver)
        await driver.start()
        status = await driver.status()
        emulator = devices.emulators[1]
        assert status.fn_number == emulator.fn.fn_number
        assert status.last_document == emulator.fn.last_number == 1, "a fresh ФН holds its registration"
    finally:
        await driver.stop()
        await devices.stop()


async def test_virtual_device_stays_available(tmp_path: Path) -> None:
    config = load(None, {"server.data_dir": str(tmp_path), "devices": [{"num": 2, "kind": "virtual"}]})
    drivers = await Devices(config).start()
    assert isinstance(drivers[2], VirtualDriver)


@pytest.mark.parametrize(("kind", "url"), [("shtrih", "emulator://atol"), ("virtual", "emulator://shtrih"),
                                           ("virtual", "loop://x")])
async def test_mismatched_url_is_a_config_error(tmp_path: Path, kind: str, url: str) -> None:
    config = load(None, {"server.data_dir": str(tmp_path), "devices": [{"num": 1, "kind": kind, "url": url}]})
    with pytest.raises(ConfigError, match="url"):
        await Devices(config).start()


async def test_atol_emulator_behind_an_emulator_url(tmp_path: Path) -> None:
    from openkkm.drivers.atol import AtolDriver

    config = load(None, {"server.data_dir": str(tmp_path),
                         "devices": [{"num": 5, "kind": "atol", "url": "emulator://atol"}]})
    devices = Devices(config)
    driver = (await devices.start())[5]
    try:
        assert isinstance(driver, AtolDriver)
        await driver.start()
        status = await driver.status()
        assert status.fn_number == devices.emulators[5].fn.fn_number
    finally:
        await driver.stop()
        await devices.stop()
