"""The simulated ФН's drawer counter, marking checks and their persistence."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from fn_helpers import item, new_drive

from openkkm.emulators.fn.drive import FiscalDrive
from openkkm.emulators.fn.errors import FnError, Refusal
from openkkm.emulators.fn.persist import StateFile
from openkkm.emulators.fn.setup import install_fn, state_path
from openkkm.emulators.fn.state import OpenReceipt
from openkkm.fiscal.types import DocumentType, Payments, ReceiptKind

GS = "\x1d"
CODE = f"0104601234567890215Abc1234567{GS}91EE10{GS}92dGVzdA=="


def test_cash_moves_need_an_open_shift_and_enough_cash(tmp_path: Path) -> None:
    drive = new_drive(tmp_path / "fn.json")
    with pytest.raises(FnError) as caught:
        drive.cash_in(100)
    assert caught.value.refusal is Refusal.SHIFT_CLOSED
    drive.open_shift()
    assert drive.cash_in(10_000) == 10_000
    with pytest.raises(FnError) as caught:
        drive.cash_out(10_001)
    assert caught.value.refusal is Refusal.CASH_SHORT and caught.value.ru.endswith("(100.00)")
    assert drive.cash == 10_000
    drive.begin_receipt(ReceiptKind.PURCHASE)
    drive.add_items([item(price=2_500)])
    drive.close_receipt(Payments(cash=2_500))
    assert drive.cash_out(7_500) == 0
    assert FiscalDrive.load(StateFile(tmp_path / "fn.json")).cash == 0


def test_marking_check_is_deterministic_with_a_reject_knob() -> None:
    drive = new_drive()
    assert drive.check_marking(CODE, checkable=True) == 3
    assert drive.check_marking(CODE, checkable=False) == 0
    drive.rejected_codes.add(CODE)
    assert drive.check_marking(CODE, checkable=True) == 1
    old = new_drive(ffd="1.05")
    with pytest.raises(FnError) as caught:
        old.check_marking(CODE, checkable=True)
    assert caught.value.refusal is Refusal.MARKING_NEEDS_FFD_12


def test_an_open_receipt_keeps_its_codes_across_a_restart(tmp_path: Path) -> None:
    drive = new_drive(tmp_path / "fn.json")
    drive.open_shift()
    drive.begin_receipt(ReceiptKind.SALE)
    drive.add_items([item(price=1000, marking_code=CODE)])
    again = FiscalDrive.load(StateFile(tmp_path / "fn.json"))
    with pytest.raises(FnError) as caught:
        again.add_items([item(price=1000, marking_code=CODE)])
    assert caught.value.refusal is Refusal.MARKING_CODE_REPEATED


def test_an_open_receipt_saved_before_marking_loads() -> None:
    receipt = OpenReceipt.from_json({"kind": 1, "correction": None,
                                     "items": [["00", 100, 11, 18]]})
    assert receipt.items[0].marking_code == ""


def test_a_closed_fn_is_swapped_for_a_blank_one_and_its_files_kept(tmp_path: Path) -> None:
    path = state_path(tmp_path, 1)
    drive = new_drive(path)
    with pytest.raises(FnError) as caught:
        install_fn(drive, path)
    assert caught.value.refusal is Refusal.FN_NOT_CLOSED
    drive.confirm_ofd()
    drive.close_fn()
    new = install_fn(drive, path, clock=drive.clock)
    assert int(new.fn_number) == int(drive.fn_number) + 1
    assert not new.fiscalised and new.last_number == 0
    assert (tmp_path / f"fn-1.{drive.fn_number}.json").exists()
    assert (tmp_path / f"fn-1.{drive.fn_number}.archive").exists()
    again = FiscalDrive.load(StateFile(path))
    assert again.fn_number == new.fn_number and not again.fiscalised
    document = again.fiscalise(replace(drive.registration, fn_number=new.fn_number), reason=1)
    assert document.number == 1 and document.type is DocumentType.REREGISTRATION
    assert FiscalDrive.load(StateFile(path)).fiscalised
