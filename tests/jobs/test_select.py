"""Device selection (API.md §5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from openkkm.errors import NotFoundError
from openkkm.jobs.devices import DeviceHandle, Selection, select_device
from openkkm.jobs.service import JobService

from .fakes import FakeDriver, Rendered, make_config


def handles(tmp_path: Path) -> list[DeviceHandle]:
    """Three registers: two of one INN, one switched off."""
    config = make_config(tmp_path, devices=[
        {"num": 1, "inn": "7700000009", "kkt_number": "111", "tax_systems": "0"},
        {"num": 2, "inn": "7700000009", "kkt_number": "222", "tax_systems": "1,2"},
        {"num": 3, "inn": "5000000001", "kkt_number": "333", "enabled": False},
    ])
    items = [DeviceHandle(device) for device in config.devices]
    for item in items:
        item.online = True
    return items


def test_by_number_inn_serial_and_tax_variant(tmp_path: Path) -> None:
    items = handles(tmp_path)
    assert select_device(items, Selection(num_device=2)).num == 2
    assert select_device(items, Selection(kkt_number="222")).num == 2
    assert select_device(items, Selection(tax_variant="2")).num == 2
    assert select_device(items, Selection(num_device=1, inn="7700000009")).num == 1
    assert select_device(items, Selection(id_device=items[1].id_device.upper())).num == 2


def test_inn_alone_with_num_zero_ignores_other_fields(tmp_path: Path) -> None:
    items = handles(tmp_path)
    assert select_device(items, Selection(inn="7700000009", kkt_number="999")).num in (1, 2)


def test_switched_off_and_missing_devices_are_not_found(tmp_path: Path) -> None:
    items = handles(tmp_path)
    with pytest.raises(NotFoundError) as caught:
        select_device(items, Selection(num_device=3))
    assert caught.value.ru == ("Устройство (с параметрами NumDevice=3, InnKkm=, KktNumber=) "
                               "не найдено: не настроено или отключено.")
    with pytest.raises(NotFoundError):
        select_device(items, Selection(inn="1234567890"))


def test_order_online_then_free_then_least_recently_used(tmp_path: Path) -> None:
    items = handles(tmp_path)
    items[0].online = False
    assert select_device(items, Selection()).num == 2
    items[0].online = True
    items[0].last_used, items[1].last_used = 5.0, 1.0
    assert select_device(items, Selection()).num == 2
    items[1].busy = True
    assert select_device(items, Selection()).num == 1


def test_id_device_is_stable_and_distinct(tmp_path: Path) -> None:
    first, second = handles(tmp_path)[:2]
    assert first.id_device == handles(tmp_path)[0].id_device
    assert first.id_device != second.id_device


async def test_service_lists_all_and_selects_enabled(tmp_path: Path) -> None:
    config = make_config(tmp_path, devices=[{"num": 1}, {"num": 2, "enabled": False}])
    service = JobService(config, render=Rendered(),
                         drivers={1: FakeDriver(config.devices[0])})
    await service.start()
    try:
        assert [device.num for device in service.devices()] == [1, 2]
        assert service.select(Selection()).num == 1
        with pytest.raises(NotFoundError):
            service.select(Selection(num_device=2))
    finally:
        await service.stop()
