"""Every KkmServer command name (``API.md`` §6.1) with its device class and admin flag.

Names are case-sensitive, as in KkmServer. A name absent here is unknown (HTTP 501); a name
present but not built yet answers ``Status`` 2 saying so, never 501 (§9f).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from openkkm.jobs.devices import Accepts


class CommandClass(IntEnum):
    """Which kind of device a command runs on (``API.md`` §6.1 «Class»)."""

    SERVER = 0
    KKT = 1
    PRINTER = 2
    TERMINAL = 3
    DISPLAY = 4
    SCANNER = 5
    SCALES = 6
    ANY = 7
    SERVER_KKT = 8
    OUTBOUND = 9


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command: its KkmServer name, class and whether only an admin may run it."""

    name: str
    kind: CommandClass
    admin: bool = False


def _specs(kind: CommandClass, names: str, *, admin: bool = False) -> list[CommandSpec]:
    return [CommandSpec(name, kind, admin) for name in names.split()]


_S, _K = CommandClass.SERVER, CommandClass.KKT
_ALL: list[CommandSpec] = [
    *_specs(_S, "List GetServerData Version GetRezult CancelCommand TrackingStatusCommand"),
    *_specs(_S, "OnOffUnut GetSettingsServer SetSettingsServer", admin=True),
    *_specs(_S, "GetTypesDevice GetDeviceParamets"),
    *_specs(_S, "GetDeviceSettings SetDeviceSettings", admin=True),
    *_specs(_S, "GetDataLicense GetLicense FreeLicense AddInGetSettings"),
    *_specs(CommandClass.SERVER_KKT, "GetGoodCodeData"),
    *_specs(CommandClass.ANY, "InitDevice"),
    *_specs(CommandClass.ANY, "DoAdditionalAction", admin=True),
    *_specs(_K, "RegisterCheck ValidationMarkingCode OpenShift CloseShift ZReport XReport "
                "OfdReport DepositingCash PaymentCash OpenCashDrawer GetLineLength GetDataKKT "
                "GetDataCheck GetCounters RequestCash"),
    *_specs(_K, "KkmRegOfd", admin=True),
    *_specs(CommandClass.PRINTER, "PrintDocument PrintLineLength PrintOpenCashDrawer"),
    *_specs(CommandClass.DISPLAY,
            "OutputOnCustomerDisplay ClearCustomerDisplay OptionsCustomerDisplay"),
    *_specs(CommandClass.SCANNER, "OpenBarcode GetBarcode CloseBarcode"),
    *_specs(CommandClass.SCALES, "GetWeight Calibrate"),
    *_specs(CommandClass.TERMINAL,
            "PayByPaymentCard ReturnPaymentByPaymentCard CancelPaymentByPaymentCard "
            "AuthorisationByPaymentCard AuthConfirmationByPaymentCard "
            "CancelAuthorisationByPaymentCard EmergencyReversal Settlement TerminalReport "
            "TransactionDetails PrintSlipOnTerminal"),
    *_specs(CommandClass.OUTBOUND, "GetCommand"),
]

COMMANDS: dict[str, CommandSpec] = {spec.name: spec for spec in _ALL}
ALIASES: dict[str, str] = {"GetСounters": "GetCounters"}  # Cyrillic «С» (§9g)


def lookup(name: str) -> CommandSpec | None:
    """The command called ``name`` (aliases resolved), or None when it is unknown."""
    return COMMANDS.get(ALIASES.get(name, name))


#: ККТ commands a receipt printer runs too (``API.md`` §5 rule 1); ``RegisterCheck`` with
#: ``IsFiscalCheck: false`` is decided by its handler.
EITHER_DEVICE = frozenset({"GetLineLength", "OpenCashDrawer", "GetDataKKT"})


def accepts(name: str) -> Accepts:
    """Which devices may run the command called ``name``."""
    spec = lookup(name)
    if spec is not None and spec.kind is CommandClass.PRINTER:
        return Accepts.PRINTER
    return Accepts.EITHER if name in EITHER_DEVICE else Accepts.FISCAL
