"""Exactly once across a server killed with SIGKILL in the middle of a receipt.

The ``virtual`` register's fault plan holds the receipt just before or just after the ФН commits;
the test kills the server there, restarts it, and checks the journal's reconciliation against
the ФН: exactly one fiscal document per IdCommand, and its result retrievable.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from e2e_server import ServerProcess, simple_receipt

from openkkm.emulators.fn.drive import FiscalDrive
from openkkm.emulators.fn.persist import StateFile
from openkkm.emulators.fn.setup import state_path
from openkkm.fiscal.types import DocumentType

pytestmark = pytest.mark.process


def device_config(faults: str) -> str:
    return f'[[devices]]\nnum = 1\nkind = "virtual"\nname = "Касса 1"\nfaults = "{faults}"\n'


def last_fd(data_dir: Path) -> int:
    """The ФН's last document number, read from its atomically replaced state file."""
    path = state_path(data_dir, 1)
    return json.loads(path.read_text(encoding="utf-8"))["last_number"] if path.exists() else 0


def journal_state(data_dir: Path, id_command: str) -> str | None:
    with sqlite3.connect(data_dir / "journal.sqlite3") as db:
        row = db.execute("SELECT state FROM commands WHERE id_command = ?", (id_command,)).fetchone()
    return row[0] if row else None


def receipts_in_fn(data_dir: Path) -> list[int]:
    """Numbers of the receipts in the ФН archive (read with the server stopped)."""
    drive = FiscalDrive.load(StateFile(state_path(data_dir, 1)))
    docs = (drive.document(n) for n in range(1, drive.last_number + 1))
    return [doc.number for doc in docs if doc.type == DocumentType.RECEIPT]


def test_killed_after_the_drive_committed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = ServerProcess(data, config=device_config("delay_after_commit=120*1")).start()
    receipt = simple_receipt("kill-after-commit") | {"Timeout": 1}
    assert server.execute(receipt).json()["Status"] in (1, 4)
    # Shift open report (FD 2) and the receipt (FD 3) are in the ФН; the answer is held back.
    server.wait_for(lambda: last_fd(data) == 3)
    assert journal_state(data, "kill-after-commit") == "sent"
    server.kill()

    [fiscalised] = receipts_in_fn(data)
    restarted = ServerProcess(data, config=device_config("")).start()
    try:
        found = restarted.execute({"Command": "GetRezult", "IdCommand": "kill-after-commit"}).json()
        assert found["Status"] == 0
        assert found["Rezult"]["Status"] == 0, found
        assert found["Rezult"]["CheckNumber"] == fiscalised, "the real fiscal data, read from the ФН"
        again = restarted.execute(receipt | {"Timeout": 30}).json()
        assert (again["Status"], again["CheckNumber"]) == (0, fiscalised)
        assert "Повтор команды" in again["Warning"]
    finally:
        restarted.stop()
    assert receipts_in_fn(data) == [fiscalised], "exactly one receipt for the IdCommand"


def test_killed_before_the_drive_committed_with_another_command_queued(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = ServerProcess(data, config=device_config("delay_before_commit=120*1")).start()
    first = simple_receipt("kill-before-commit") | {"Timeout": 1}
    second = simple_receipt("queued-behind", amount="12.00") | {"Timeout": 1}
    assert server.execute(first).json()["Status"] in (1, 4)
    server.wait_for(lambda: journal_state(data, "kill-before-commit") == "sent")
    assert server.execute(second).json()["Status"] == 4
    server.kill()
    assert receipts_in_fn(data) == []

    restarted = ServerProcess(data, config=device_config("")).start()
    try:
        for id_command in ("kill-before-commit", "queued-behind"):
            found = restarted.execute({"Command": "GetRezult", "IdCommand": id_command}).json()
            assert found["Status"] == 0 and found["Rezult"]["Status"] == 2, found
            assert found["Rezult"]["Error"], "a proven failure says why"
        # A proven failure may run again with the same IdCommand: each yields one receipt.
        done_first = restarted.execute(first | {"Timeout": 30}).json()
        done_second = restarted.execute(second | {"Timeout": 30}).json()
        assert done_first["Status"] == 0 and done_second["Status"] == 0, (done_first, done_second)
        assert restarted.execute(first | {"Timeout": 30}).json()["CheckNumber"] == done_first["CheckNumber"]
        info = restarted.execute({"Command": "GetDataKKT", "NumDevice": 1}).json()
        assert info["Info"]["SessionState"] == 2
    finally:
        restarted.stop()
    assert receipts_in_fn(data) == sorted([done_first["CheckNumber"], done_second["CheckNumber"]])
