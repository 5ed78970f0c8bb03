"""The reliability suite's switches and its printed summary (shown with or without ``-s``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "e2e"))  # ServerProcess, shared with the end-to-end tests

from reliability_rig import SUMMARY, mode


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print every count the suite's tests recorded, in the order they ran."""
    if not SUMMARY:
        return
    terminalreporter.section(f"openkkm reliability ({mode()} form)")
    for line in SUMMARY:
        terminalreporter.write_line(line)
