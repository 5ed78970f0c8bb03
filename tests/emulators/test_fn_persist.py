"""The simulated ФН survives restarts and crashes: one atomically replaced state file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fn_helpers import ManualClock, item, new_drive

from openkkm.emulators.fn import persist
from openkkm.emulators.fn.drive import FiscalDrive
from openkkm.emulators.fn.errors import FnError
from openkkm.emulators.fn.persist import StateFile
from openkkm.fiscal.types import Payments, ReceiptKind, ShiftState


def test_reloaded_drive_keeps_counter_shift_archive_and_open_receipt(tmp_path: Path) -> None:
    path = tmp_path / "fn-1.json"
    clock = ManualClock()
    drive = new_drive(path, clock)
    drive.open_shift()
    drive.begin_receipt(ReceiptKind.SALE)
    drive.add_item(item())
    first = drive.close_receipt(Payments(cash=10000))
    drive.begin_receipt(ReceiptKind.SALE_RETURN)
    drive.add_item(item(price=700))

    again = FiscalDrive.load(StateFile(path), clock=clock)
    assert again.last_number == 3
    assert again.shift_state() is ShiftState.OPEN and again.shift_number == 1
    assert again.document(3) == first
    assert again.receipt_open and again.open_receipt_total == 700
    assert again.registration == drive.registration
    doc = again.close_receipt(Payments(cash=700))
    assert (doc.number, doc.receipt_number) == (4, 2)
    assert doc.sign == drive_sign_for(path, clock, doc.number)


def drive_sign_for(path: Path, clock: ManualClock, number: int) -> bytes:
    """Read the sign of FD ``number`` as a third instance reads it from the file."""
    return FiscalDrive.load(StateFile(path), clock=clock).document(number).sign


def test_open_receipt_left_by_a_crash_can_be_cancelled(tmp_path: Path) -> None:
    path = tmp_path / "fn-1.json"
    drive = new_drive(path)
    drive.open_shift()
    drive.begin_receipt(ReceiptKind.SALE)
    drive.add_item(item())
    del drive
    again = FiscalDrive.load(StateFile(path), clock=ManualClock())
    assert again.cancel_receipt()
    assert not FiscalDrive.load(StateFile(path), clock=ManualClock()).receipt_open
    assert again.last_number == 2


def test_failed_save_leaves_memory_as_the_file(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "fn-1.json"
    drive = new_drive(path)
    drive.open_shift()

    def broken(_path: Path, _data: bytes, *, durable: bool = True) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(persist, "atomic_write", broken)
    with pytest.raises(OSError):
        drive.state_report()
    with pytest.raises(OSError):
        drive.begin_receipt(ReceiptKind.SALE)
    monkeypatch.undo()
    assert drive.last_number == 2 and not drive.receipt_open
    assert drive.state_report().number == 3


def test_state_file_and_archive_lines_with_no_temporary_left(tmp_path: Path) -> None:
    path = tmp_path / "fn-1.json"
    drive = new_drive(path)
    drive.open_shift()
    assert json.loads(path.read_text(encoding="utf-8"))["last_number"] == 2
    archive = tmp_path / "fn-1.archive"
    lines = archive.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["number"] for line in lines] == [1, 2]
    assert sorted(tmp_path.iterdir()) == [archive, path]


def test_archive_line_the_state_does_not_count_is_cut_off(tmp_path: Path) -> None:
    path = tmp_path / "fn-1.json"
    drive = new_drive(path)
    drive.open_shift()
    before = path.read_bytes()
    drive.state_report()
    path.write_bytes(before)  # as if killed between the archive append and the state replace
    again = FiscalDrive.load(StateFile(path), clock=ManualClock())
    assert again.last_number == 2
    archive = (tmp_path / "fn-1.archive").read_text(encoding="utf-8")
    assert len(archive.splitlines()) == 2
    assert again.state_report().number == 3


def test_archive_shorter_than_the_state_is_damage(tmp_path: Path) -> None:
    path = tmp_path / "fn-1.json"
    new_drive(path).open_shift()
    archive = tmp_path / "fn-1.archive"
    archive.write_bytes(archive.read_bytes().splitlines(keepends=True)[0])
    with pytest.raises(ValueError, match="the state counts 2"):
        StateFile(path).load()


WRITER = """
import sys
from fn_helpers import ManualClock, item, new_drive
from openkkm.fiscal.types import Payments, ReceiptKind
from pathlib import Path
from openkkm.emulators.fn.drive import FiscalDrive
from openkkm.emulators.fn.persist import StateFile
from openkkm.fiscal.types import ShiftState
path = Path(sys.argv[1])
# The helpers' clock, not the system's: the shift opened at its fixed date must not expire.
drive = FiscalDrive.load(StateFile(path), clock=ManualClock()) if path.exists() else new_drive(path)
if drive.shift_state() is not ShiftState.OPEN:
    drive.open_shift()
print("ready", flush=True)
while True:
    drive.cancel_receipt()
    drive.begin_receipt(ReceiptKind.SALE)
    drive.add_items([item(), item(price=100)])
    drive.close_receipt(Payments(cash=5100))
"""


@pytest.mark.parametrize("pause", [0.05, 0.13, 0.21])
def test_killed_writer_leaves_a_consistent_state(tmp_path: Path, pause: float) -> None:
    path = tmp_path / "fn-1.json"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    for _round in range(2):
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], env=env,
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None
        try:
            assert child.stdout.readline() == "ready\n"
            time.sleep(pause)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
            child.stdout.close()
        drive = FiscalDrive.load(StateFile(path), clock=ManualClock())
        archive = [drive.document(number) for number in range(1, drive.last_number + 1)]
        assert [doc.number for doc in archive] == list(range(1, drive.last_number + 1))
        with pytest.raises(FnError):
            drive.document(drive.last_number + 1)
        receipts = [doc for doc in archive if doc.kind is not None]
        assert [doc.receipt_number for doc in receipts] == list(range(1, len(receipts) + 1))
        assert drive.receipt_number == len(receipts)


def test_only_saves_that_form_documents_are_fsynced(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "fn-1.json"
    drive = new_drive(path)
    drive.open_shift()
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(persist.os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    drive.begin_receipt(ReceiptKind.SALE)
    assert synced == []
    drive.cancel_receipt()
    assert synced == []
    report = drive.state_report()
    assert len(synced) == 3  # archive line, state file, directory
    reloaded = FiscalDrive.load(StateFile(path), clock=ManualClock())
    assert reloaded.document(report.number).number == report.number
