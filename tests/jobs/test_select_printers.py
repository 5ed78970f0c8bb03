"""Device classes in selection (API.md §5 rule 1): registers, receipt printers, or either."""

from __future__ import annotations

from pathlib import Path

import pytest

import openkkm.drivers  # noqa: F401 -- registers the printer kinds
from openkkm.errors import NotFoundError
from openkkm.jobs.devices import Accepts, DeviceHandle, Selection, select_device

from .fakes import make_config


def handles(tmp_path: Path, *, printers_only: bool = False) -> list[DeviceHandle]:
    """Register 1, screen 2 and ESC/POS printer 3 (or the printers alone), all online."""
    devices = [{"num": 1, "kind": "virtual", "name": "Касса 1"},
               {"num": 2, "kind": "screen", "name": "Экран"},
               {"num": 3, "kind": "escpos", "name": "Кухня", "url": "tcp://127.0.0.1:9100"}]
    config = make_config(tmp_path, devices=devices[1:] if printers_only else devices)
    items = [DeviceHandle(device) for device in config.devices]
    for item in items:
        item.online = True
    return items


def test_printer_kinds_are_not_fiscal(tmp_path: Path) -> None:
    assert [item.fiscal for item in handles(tmp_path)] == [True, False, False]


def test_each_class_picks_its_devices(tmp_path: Path) -> None:
    items = handles(tmp_path)
    assert select_device(items, Selection()).num == 1
    assert select_device(items, Selection(accepts=Accepts.PRINTER)).num == 2
    assert select_device(items, Selection(accepts=Accepts.EITHER)).num == 1
    assert select_device(items, Selection(num_device=3, accepts=Accepts.EITHER)).num == 3
    items[1].busy = True
    assert select_device(items, Selection(accepts=Accepts.PRINTER)).num == 3


def test_an_inn_selects_registers_only(tmp_path: Path) -> None:
    items = handles(tmp_path)
    items[0].online = False
    assert [item.inn for item in items] == ["7700000009", "", ""]
    assert select_device(items, Selection(inn="7700000009", accepts=Accepts.EITHER)).num == 1


def test_either_prefers_an_online_printer_to_an_offline_register(tmp_path: Path) -> None:
    items = handles(tmp_path)
    items[0].online = False
    assert select_device(items, Selection(accepts=Accepts.EITHER)).num == 2
    assert select_device(items, Selection()).num == 1  # fiscal: the register, online or not


def test_a_named_device_of_the_wrong_class_is_refused_by_name(tmp_path: Path) -> None:
    items = handles(tmp_path)
    with pytest.raises(NotFoundError) as caught:
        select_device(items, Selection(num_device=2, command="OpenShift"))
    assert caught.value.ru == ("Устройство 2 «Экран» — принтер чеков без фискального накопителя: "
                               "команда OpenShift на нем невозможна. Выберите ККТ (NumDevice) или "
                               "отправьте документ с IsFiscalCheck: false.")
    with pytest.raises(NotFoundError) as caught:
        select_device(items, Selection(num_device=1, accepts=Accepts.PRINTER,
                                       command="PrintDocument"))
    assert caught.value.en.startswith("Device 1 'Касса 1' is a fiscal register, and "
                                      "PrintDocument runs on a receipt printer.")


def test_no_device_of_the_class_at_all(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError) as caught:
        select_device(handles(tmp_path, printers_only=True), Selection(command="XReport"))
    assert caught.value.ru.startswith("Нет включенной ККТ, а команда XReport выполняется только ею")
    registers = handles(tmp_path)[:1]
    with pytest.raises(NotFoundError) as caught:
        select_device(registers, Selection(accepts=Accepts.PRINTER, command="PrintDocument"))
    assert caught.value.ru.startswith("Нет включенного принтера чеков, а команда PrintDocument")
