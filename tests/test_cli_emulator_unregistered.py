"""``openkkm emulator shtrih|atol --unregistered``: a register fresh from the factory."""

from __future__ import annotations

import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from openkkm.emulators.fn.drive import FiscalDrive
from openkkm.emulators.fn.persist import StateFile


def run_until_ready(kind: str, state: Path, *flags: str) -> None:
    """Start the emulator, wait for its address, stop it with SIGTERM."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "openkkm.cli.main", "emulator", kind, "--listen",
         "tcp://127.0.0.1:0", "--state", str(state), *flags],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        assert ready and proc.stdout.readline().startswith("tcp://127.0.0.1:")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


@pytest.mark.parametrize("kind", ["shtrih", "atol"])
def test_unregistered_starts_a_blank_fn_and_a_saved_one_wins(kind: str, tmp_path: Path) -> None:
    blank = tmp_path / "blank.json"
    run_until_ready(kind, blank, "--unregistered")
    drive = FiscalDrive.load(StateFile(blank))
    assert not drive.fiscalised and drive.last_number == 0
    registered = tmp_path / "registered.json"
    run_until_ready(kind, registered)
    assert FiscalDrive.load(StateFile(registered)).fiscalised
    run_until_ready(kind, registered, "--unregistered")  # the ФН in the file stays as it is
    assert FiscalDrive.load(StateFile(registered)).last_number == 1


def test_num_seeds_the_fn_numbers_of_both_emulators(tmp_path: Path) -> None:
    for kind in ("shtrih", "atol"):
        state = tmp_path / f"{kind}.json"
        run_until_ready(kind, state, "--num", "7")
        assert FiscalDrive.load(StateFile(state)).fn_number.endswith("00000007"), kind
