"""What a worker can be asked to do on a device, and what it reports back.

An ``Operation`` is already validated (the API edge built it); the worker only runs it. Fiscal
operations change the fiscal drive and follow the journal's ``sent`` discipline; the others
read or print and may simply fail on a transport error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from openkkm.errors import (
    DeviceRejected,
    FiscalStateError,
    NotSupportedError,
    OpenKKMError,
    ValidationError,
)
from openkkm.fiscal.types import (
    Cashier,
    Counters,
    DeviceInfo,
    FiscalDocument,
    MarkingCheck,
    Receipt,
    RegistrationChange,
    Slip,
)

if TYPE_CHECKING:
    from openkkm.layout.document import Document


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


@dataclass(frozen=True, slots=True)
class XReport:
    """Print the shift's X report (no fiscal document); not fiscal."""

    cashier: Cashier | None


@dataclass(frozen=True, slots=True)
class OfdReport:
    """Form the current-state report (form 21); fiscal."""

    cashier: Cashier | None


@dataclass(frozen=True, slots=True)
class MoveCash:
    """Deposit (``amount`` > 0) or pay out (``amount`` < 0) cash; a closed shift is opened first.

    Not fiscal, but it changes the drawer's counter: a lost answer is settled by reading the
    counter again, never by sending it twice.
    """

    amount: int
    cashier: Cashier | None


@dataclass(frozen=True, slots=True)
class OpenDrawer:
    """Open the cash drawer; not fiscal."""


@dataclass(frozen=True, slots=True)
class ReadDocument:
    """Read a fiscal document from the ФН archive (0 = the last) and print ``copies``; not fiscal."""

    number: int
    copies: int = 0


@dataclass(frozen=True, slots=True)
class ReadCounters:
    """Read the ФН's shift and lifetime counters; not fiscal."""


@dataclass(frozen=True, slots=True)
class CheckMarking:
    """Check marking codes with the ФН before a sale; not fiscal (no document is formed).

    ``codes`` pairs each code with its planned status (2003: 1/2 sale, 3/4 return).
    """

    codes: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class ChangeRegistration:
    """Register, re-register, or close the ФН; fiscal."""

    change: RegistrationChange


@dataclass(frozen=True, slots=True)
class Forward:
    """A whole command passed to another server (a ``remote`` device): its JSON body."""

    content: bytes


Operation = (RegisterReceipt | PrintSlip | OpenShift | CloseShift | ReadInfo | XReport | OfdReport
             | MoveCash | OpenDrawer | ReadDocument | ReadCounters | CheckMarking
             | ChangeRegistration | Forward)


@dataclass(frozen=True, slots=True)
class ReceiptDone:
    """A registered receipt, with the shift-open report formed for it if any.

    ``marking`` holds the ФН's check (2106) of each marked line in order, when it was read back.
    """

    document: FiscalDocument
    shift_opened: FiscalDocument | None
    line_length: int
    marking: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ShiftDone:
    """A shift report and the register's state read right after it (None if unreadable)."""

    document: FiscalDocument
    info: DeviceInfo | None


@dataclass(frozen=True, slots=True)
class CashDone:
    """Cash moved: the drawer's balance after it, and the shift-open report formed for it."""

    balance: int
    shift_opened: FiscalDocument | None


@dataclass(frozen=True, slots=True)
class DocumentRead:
    """A fiscal document read back from the ФН archive, with its TLV as the ФН keeps it.

    ``copy`` is the slip printed as its copy, when copies were asked for (for the preview).
    """

    document: FiscalDocument
    tlv: bytes
    line_length: int
    copy: Slip | None = None


@dataclass(frozen=True, slots=True)
class SlipPrinted:
    """A non-fiscal document printed (or only laid out, with ``NotPrint``).

    ``document`` is what was printed, for the preview (None if it could not be laid out);
    ``warnings`` are (ru, en) texts such as characters the printer's code page lacks.
    """

    document: Document | None
    warnings: tuple[tuple[str, str], ...] = ()

    def warning(self, language: str = "ru") -> list[str]:
        """The warnings in ``language``."""
        return [en if language == "en" else ru for ru, en in self.warnings]


@dataclass(frozen=True, slots=True)
class MarkingChecked:
    """The ФН's answers to the codes of a ``CheckMarking``, in order."""

    checks: tuple[MarkingCheck, ...]


Outcome = (ReceiptDone | ShiftDone | DeviceInfo | CashDone | DocumentRead | Counters
           | MarkingChecked | SlipPrinted | None)


def is_fiscal(operation: Operation) -> bool:
    """Tell whether the operation forms a fiscal document."""
    return isinstance(operation, RegisterReceipt | OpenShift | CloseShift | OfdReport
                      | ChangeRegistration)


def operation_kind(operation: Operation) -> str:
    """Return the journal's name for an operation's kind."""
    return _KINDS[type(operation)]


_KINDS: dict[type, str] = {
    Forward: "remote",
    RegisterReceipt: "receipt",
    PrintSlip: "slip",
    OpenShift: "open_shift",
    CloseShift: "close_shift",
    ReadInfo: "info",
    XReport: "x_report",
    OfdReport: "ofd_report",
    MoveCash: "cash",
    OpenDrawer: "drawer",
    ReadDocument: "read_document",
    ReadCounters: "counters",
    CheckMarking: "marking",
    ChangeRegistration: "registration",
}


class QueueExpired(OpenKKMError):
    """The command waited longer than ``queue.expiry_seconds``; nothing was sent."""

    code = "queue_expired"

    def __init__(self) -> None:
        super().__init__("Истек срок ожидания команды в очереди. Команда отменена.",
                         "The command waited too long in the queue and was cancelled.")


class CommandCancelled(OpenKKMError):
    """``CancelCommand`` stopped the running command before anything was sent to the device."""

    code = "cancelled"

    def __init__(self) -> None:
        super().__init__("Команда отменена (CancelCommand): в устройство ничего не отправлено",
                         "The command was cancelled (CancelCommand): nothing was sent to the device")


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
    if kind == "ofd_report":
        return NotPerformed(
            "Отчет о текущем состоянии расчетов не сформирован (связь с ККТ прервалась); "
            "отправьте команду повторно",
            "The current-state report was not formed (the link to the register broke); "
            "send the command again")
    if kind == "registration":
        return NotPerformed(
            "Отчет о регистрации не сформирован (связь с ККТ прервалась); "
            "отправьте команду повторно",
            "The registration report was not formed (the link to the register broke); "
            "send the command again")
    if kind == "cash":
        return NotPerformed(
            "Внесение или выплата не выполнены (связь с ККТ прервалась; сумма в кассе не "
            "изменилась); отправьте команду повторно",
            "The cash was not moved (the link to the register broke; the drawer balance is "
            "unchanged); send the command again")
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


def not_registered() -> FiscalStateError:
    """Build the refusal for a fiscal step on a register whose ФН waits for fiscalisation."""
    return FiscalStateError(
        "ККТ не зарегистрирована: ФН не фискализирован; зарегистрируйте ККТ (KkmRegOfd, "
        "Command = Open) или после замены ФН перерегистрируйте (Command = ChangeFN)",
        "The register is not registered: its fiscal drive is not fiscalised; register it "
        "(KkmRegOfd, Command = Open) or, after an FN change, re-register (Command = ChangeFN)")


def shift_closed() -> FiscalStateError:
    """Build the refusal for a receipt in a closed shift when auto-open is off."""
    return FiscalStateError("Смена не открыта: откройте смену (OpenShift)",
                            "The shift is not open: open it first (OpenShift)")
