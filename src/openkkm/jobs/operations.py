"""What a worker can be asked to do on a device, and what it reports back.

An ``Operation`` is already validated (the API edge built it); the worker only runs it. Fiscal
operations change the fiscal drive and follow the journal's ``sent`` discipline; the others
read or print and may simply fail on a transport error.
"""

from __future__ import annotations

from dataclasses import dataclass

from openkkm.errors import (
    DeviceRejected,
    FiscalStateError,
    NotSupportedError,
    OpenKKMError,
    ValidationError,
)
from openkkm.fiscal.types import Cashier, DeviceInfo, FiscalDocument, Receipt, Slip


@dataclass(frozen=True, slots=True)
class RegisterReceipt:
    """Register a fiscal receipt (or correction receipt); fiscal."""

    receipt: Receipt


@dataclass(frozen=True, slots=True)
class PrintSlip:
    """Print a non-fiscal document; not fiscal."""

    slip: Slip


@dataclass(frozen=True, slots=True)
class OpenShift:
    """Form the shift-open report; fiscal."""

    cashier: Cashier | None


@dataclass(frozen=True, slots=True)
class CloseShift:
    """Form the shift-close report (Z); fiscal."""

    cashier: Cashier | None


@dataclass(frozen=True, slots=True)
class ReadInfo:
    """Read the register's state (``GetDataKKT``, ``GetLineLength``); not fiscal."""


Operation = RegisterReceipt | PrintSlip | OpenShift | CloseShift | ReadInfo


@dataclass(frozen=True, slots=True)
class ReceiptDone:
    """A registered receipt, with the shift-open report formed for it if any."""

    document: FiscalDocument
    shift_opened: FiscalDocument | None
    line_length: int


@dataclass(frozen=True, slots=True)
class ShiftDone:
    """A shift report and the register's state read right after it (None if unreadable)."""

    document: FiscalDocument
    info: DeviceInfo | None


Outcome = ReceiptDone | ShiftDone | DeviceInfo | None


def is_fiscal(operation: Operation) -> bool:
    """Tell whether the operation forms a fiscal document."""
    return isinstance(operation, RegisterReceipt | OpenShift | CloseShift)


def operation_kind(operation: Operation) -> str:
    """Return the journal's name for an operation's kind."""
    return _KINDS[type(operation)]


_KINDS: dict[type, str] = {
    RegisterReceipt: "receipt",
    PrintSlip: "slip",
    OpenShift: "open_shift",
    CloseShift: "close_shift",
    ReadInfo: "info",
}


class QueueExpired(OpenKKMError):
    """The command waited longer than ``queue.expiry_seconds``; nothing was sent."""

    code = "queue_expired"

    def __init__(self) -> None:
        super().__init__("Истек срок ожидания команды в очереди. Команда отменена.",
                         "The command waited too long in the queue and was cancelled.")


class NotPerformed(OpenKKMError):
    """The fiscal drive proves the command left no document; a resend runs it again."""

    code = "not_performed"


class InternalFailure(OpenKKMError):
    """An unexpected exception, reported with an incident code that is also in the log."""

    code = "internal"

    def __init__(self, incident: str) -> None:
        super().__init__(f"Внутренняя ошибка openkkm (код инцидента {incident})",
                         f"Internal openkkm error (incident code {incident})")
        self.incident = incident


def not_performed(kind: str) -> NotPerformed:
    """Build the proven-failure error for a kind whose fiscal step left no document."""
    if kind == "open_shift":
        return NotPerformed(
            "Смена не была открыта (связь с ККТ прервалась); отправьте команду повторно",
            "The shift was not opened (the link to the register broke); send the command again")
    if kind == "close_shift":
        return NotPerformed(
            "Смена не была закрыта (связь с ККТ прервалась); отправьте команду повторно",
            "The shift was not closed (the link to the register broke); send the command again")
    return NotPerformed(
        "Чек не был зарегистрирован (связь с ККТ прервалась до его закрытия); "
        "отправьте команду повторно",
        "The receipt was not registered (the link to the register broke before it was "
        "closed); send the command again")


def interrupted_by_restart() -> NotPerformed:
    """Build the proven-failure error for a command queued when the server died."""
    return NotPerformed(
        "Команда не выполнялась: сервер openkkm был перезапущен до ее отправки на ККТ; "
        "отправьте команду повторно",
        "The command did not run: the openkkm server restarted before sending it to the "
        "register; send the command again")


def stopped_before_run() -> NotPerformed:
    """Build the proven-failure error for a command queued when the server was stopped."""
    return NotPerformed(
        "Команда не выполнялась: сервер openkkm останавливается; отправьте команду повторно",
        "The command did not run: the openkkm server is stopping; send the command again")


#: Errors by which a device refuses a step without changing anything: a proven failure.
REFUSALS = (DeviceRejected, FiscalStateError, ValidationError, NotSupportedError)


def shift_expired() -> FiscalStateError:
    """Build the refusal for a receipt in a shift older than 24 h (clients look for «смена»)."""
    return FiscalStateError("Открытая смена превысила 24 часа: закройте смену",
                            "The open shift is older than 24 hours: close the shift")


def shift_closed() -> FiscalStateError:
    """Build the refusal for a receipt in a closed shift when auto-open is off."""
    return FiscalStateError("Смена не открыта: откройте смену (OpenShift)",
                            "The shift is not open: open it first (OpenShift)")
