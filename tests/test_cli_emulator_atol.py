"""``openkkm emulator atol``: the address first on stdout, a clean stop on SIGTERM."""

from __future__ import annotations

import select
import signal
import subprocess
import sys
from pathlib import Path


def test_atol_emulator_cli_prints_address_and_stops_cleanly(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "openkkm.cli.main", "emulator", "atol", "--listen", "tcp://127.0.0.1:0",
         "--state", str(tmp_path / "fn.json")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        line = proc.stdout.readline().strip() if ready else ""
        assert line.startswith("tcp://127.0.0.1:") and not line.endswith(":0"), line
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        assert (tmp_path / "fn.json").exists(), "the ФН is kept for the next run"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
