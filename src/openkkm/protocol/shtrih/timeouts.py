"""How long the host waits for each command's answer frame (PROTOCOLS.md §1.10)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from .codes import Command

DEFAULT_ANSWER_TIMEOUT: Final = 30.0  #: seconds; javapos default for every other command

#: seconds, from javapos ``PrinterCommand.getDefaultTimeout`` (PROTOCOLS.md §1.10)
ANSWER_TIMEOUTS: Final[Mapping[int, float]] = MappingProxyType(
    {
        Command.SHORT_STATUS: 3.0,
        Command.FULL_STATUS: 3.0,
        Command.TECH_RESET: 60.0,
        Command.X_REPORT: 30.0,
        Command.Z_REPORT: 65.0,
        Command.OPEN_SHIFT: 120.0,
        Command.CHECK_MARKING: 40.0,
        Command.BIND_MARKING: 40.0,
    }
)


def answer_timeout(code: int) -> float:
    """Return the seconds to wait for the answer to command ``code``."""
    return ANSWER_TIMEOUTS.get(code, DEFAULT_ANSWER_TIMEOUT)
