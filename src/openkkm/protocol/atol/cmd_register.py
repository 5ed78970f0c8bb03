"""Registration (``A4 B4``), re-registration without (``A4 B2``) and with an ФН change
(``A4 B5``), and the ФН close (``A4 B3``).

No open source gives ATOL's layouts of these, so both are openkkm's own (*unconfirmed*, see
``README.md``): the driver and the emulator agree on them, a real register may not. Each forms
its report in the ФН and answers nothing; the host reads the report back by number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from ...errors import ProtocolError
from .codes import Command
from .messages import Request, need, read_u, u


@dataclass(frozen=True, slots=True)
class FnReregister(Request):
    """A4 B2: form a re-registration report of the registration the ``tags`` describe.

    ``tags`` is a run of TLVs (1018, 1048, 1062, 1209, 1009, 1187, 1117, 1046, 1017, 1037)
    with the complete new registration; ``reason`` is the 1101 code (FFD 1.05) or the 1205
    bitmask (1.1, 1.2).
    """

    code: ClassVar[Command] = Command.FN_REREGISTER
    reason: int = 0
    tags: bytes = b""

    def params(self) -> bytes:
        """``reason u32 LE, TLVs``."""
        return u(self.reason, 4) + self.tags

    @classmethod
    def from_params(cls, params: bytes) -> Self:
        """``reason u32 LE, TLVs``."""
        need(params, 4, "A4 B2")
        if len(params) == 4:
            raise ProtocolError("Команда A4 B2 без реквизитов регистрации",
                                "A4 B2 carries no registration tags")
        return cls(reason=read_u(params, 0, 4, "reason"), tags=bytes(params[4:]))


@dataclass(frozen=True, slots=True)
class FnChangeFn(FnReregister):
    """A4 B5: form FD 1 of a new ФН, a re-registration report whose reason is the ФН change.

    Same parameters as A4 B2; the register must hold a ФН waiting for fiscalisation.
    """

    code: ClassVar[Command] = Command.FN_CHANGE_FN


@dataclass(frozen=True, slots=True)
class FnRegister(Request):
    """A4 B4: form the registration report (FD 1) of a ФН waiting for fiscalisation.

    ``tags`` is the complete registration as for A4 B2.
    """

    code: ClassVar[Command] = Command.FN_REGISTER
    tags: bytes = b""

    def params(self) -> bytes:
        """``TLVs``."""
        return self.tags

    @classmethod
    def from_params(cls, params: bytes) -> Self:
        """``TLVs``."""
        if not params:
            raise ProtocolError("Команда A4 B4 без реквизитов регистрации",
                                "A4 B4 carries no registration tags")
        return cls(tags=bytes(params))


@dataclass(frozen=True, slots=True)
class FnClose(Request):
    """A4 B3: form the ФН close report; afterwards the ФН forms nothing more."""

    code: ClassVar[Command] = Command.FN_CLOSE
