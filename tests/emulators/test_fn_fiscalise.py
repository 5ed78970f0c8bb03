"""A ФН fresh from the factory: it forms nothing before its registration report (FD 1)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from fn_helpers import KEY, ManualClock, item

from openkkm.config import DeviceConfig
from openkkm.emulators.fn.drive import FiscalDrive
from openkkm.emulators.fn.errors import FnError, Refusal
from openkkm.emulators.fn.persist import StateFile
from openkkm.emulators.fn.setup import default_registration, load_or_new
from openkkm.emulators.fn.tags import Tag
from openkkm.fiscal import tlv
from openkkm.fiscal.types import DocumentType, Payments, ReceiptKind


def blank(path: Path, clock: ManualClock) -> FiscalDrive:
    identity = default_registration(DeviceConfig(num=1))
    return FiscalDrive.blank(identity, StateFile(path), clock=clock, key=KEY)


def refusal(call: object, *args: object) -> Refusal:
    with pytest.raises(FnError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value.refusal


def test_a_blank_fn_refuses_every_fiscal_step(tmp_path: Path) -> None:
    drive = blank(tmp_path / "fn.json", ManualClock())
    assert not drive.fiscalised and drive.last_number == 0
    assert refusal(drive.open_shift) is Refusal.NOT_FISCALISED
    assert refusal(drive.begin_receipt, ReceiptKind.SALE) is Refusal.NOT_FISCALISED
    assert refusal(drive.state_report) is Refusal.NOT_FISCALISED
    assert refusal(drive.close_fn) is Refusal.NOT_FISCALISED
    assert refusal(drive.reregister, drive.registration, 1) is Refusal.NOT_FISCALISED
    assert refusal(drive.cash_in, 100) is Refusal.NOT_FISCALISED
    assert refusal(drive.document, 1) is Refusal.NO_DOCUMENT
    assert "не зарегистрирована" in FnError(Refusal.NOT_FISCALISED).ru


def test_fiscalising_forms_fd_1_starts_the_key_life_and_persists(tmp_path: Path) -> None:
    clock = ManualClock()
    drive = blank(tmp_path / "fn.json", clock)
    clock.advance(days=3)
    registration = replace(drive.registration, organization='ООО "Новая"')
    document = drive.fiscalise(registration)
    assert (document.number, document.type) == (1, DocumentType.REGISTRATION)
    assert drive.fiscalised and drive.activated_at == clock.now
    [(_form, body)] = tlv.iter_tlv(document.tlv)
    assert dict(tlv.iter_tlv(body))[Tag.USER_NAME].decode("cp866") == 'ООО "Новая"'
    assert refusal(drive.fiscalise, registration) is Refusal.ALREADY_FISCALISED
    again = FiscalDrive.load(StateFile(tmp_path / "fn.json"), clock=clock)
    assert again.fiscalised and again.registration.organization == 'ООО "Новая"'
    again.open_shift()
    again.begin_receipt(ReceiptKind.SALE)
    again.add_item(item(price=1000))
    assert again.close_receipt(Payments(cash=1000)).number == 3


def test_fiscalising_checks_the_numbers_and_refuses_nothing_half_done(tmp_path: Path) -> None:
    drive = blank(tmp_path / "fn.json", ManualClock())
    other_fn = replace(drive.registration, fn_number="9999078900000777")
    assert refusal(drive.fiscalise, other_fn) is Refusal.BAD_VALUE
    bad_rn = replace(drive.registration, reg_number="00000000010000ZZ")
    assert refusal(drive.fiscalise, bad_rn) is Refusal.BAD_VALUE
    assert not FiscalDrive.load(StateFile(tmp_path / "fn.json")).fiscalised


def test_an_unregistered_device_config_makes_a_blank_fn(tmp_path: Path) -> None:
    store = StateFile(tmp_path / "fn.json")
    drive = load_or_new(DeviceConfig(num=2, registered=False), store, clock=ManualClock())
    assert not drive.fiscalised and store.exists()
    assert load_or_new(DeviceConfig(num=2), store).fiscalised is False  # the file wins
    assert load_or_new(DeviceConfig(num=3), None).fiscalised
