"""Runs one parsed ``/Execute`` command: names, roles, ``Timeout``, device selection, answers.

The HTTP layer hands over the body (keys lower-cased) and the caller's role; this module turns
it into a ``JobService`` call and the outcome into the KkmServer answer and HTTP code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from openkkm.api.auth import Role
from openkkm.api.envelope import Encoded, Status, add_warning, dumps, envelope
from openkkm.api.kkmserver import device_commands as dc
from openkkm.api.kkmserver.commands import CommandSpec, accepts, lookup
from openkkm.api.kkmserver.fields import error_text
from openkkm.api.kkmserver.forwarding import Forwarding
from openkkm.api.kkmserver.handlers import ReportCommands
from openkkm.api.kkmserver.printer_commands import PrinterCommands
from openkkm.api.kkmserver.register_check import (
    build_receipt,
    build_slip,
    parse_register_check,
)
from openkkm.api.kkmserver.render import REGISTRATION_KEY, registration_note
from openkkm.config import Config
from openkkm.errors import NotFoundError, OpenKKMError, ValidationError
from openkkm.fiscal.types import Receipt, Slip
from openkkm.jobs.devices import Accepts, Selection
from openkkm.jobs.operations import (
    CloseShift,
    OpenShift,
    Operation,
    PrintSlip,
    ReadInfo,
    RegisterReceipt,
)
from openkkm.jobs.service import Answer, AnswerKind

if TYPE_CHECKING:
    from openkkm.api.kkmserver.check_common import Notice
    from openkkm.jobs.devices import DeviceHandle
    from openkkm.jobs.service import JobService

DEFAULT_WAIT = 60.0
MAX_TIMEOUT = 600
FINISHED_ANSWERS = 1024  #: encoded GetRezult answers kept (about 1 KB each)
NOT_DEFINED = "<Не определено>"

_TEXTS: dict[str, tuple[str, str]] = {
    "no_command": ("Не указана команда (поле Command)", "No command given (field Command)"),
    "unknown": ("Неопознанная команда: {0}", "Unknown command: {0}"),
    "admin": ("Команда {0} доступна только администратору", "Command {0} is for administrators only"),
    "unsupported": ("Команда {0} пока не поддерживается openkkm",
                    "Command {0} is not supported by openkkm yet"),
    "timeout": ("недопустимое значение {0}; допустимо число секунд от 0 до 600",
                "invalid value {0}; allowed: seconds from 0 to 600"),
    "timeout_clamped": ("Timeout {0} больше {1}: ожидание ограничено {1} с",
                        "Timeout {0} exceeds {1}: the wait is limited to {1} s"),
    "queued": ("Команда поставлена в очередь и еще не начата; результат — командой GetRezult",
               "The command is queued and has not started; get the result with GetRezult"),
    "running": ("Команда выполняется; результат — командой GetRezult",
                "The command is running; get the result with GetRezult"),
    "already": ("Команда уже была выполнена или выполняется в текущий момент",
                "The command has already been performed or is running now"),
    "replay": ("Повтор команды: возвращен сохраненный результат от {0}, новый документ не создан",
               "Repeated command: the stored result of {0} is returned, no new document was made"),
    "mismatch": (("IdCommand '{0}' уже использован для другой команды ({1} от {2}); "
                  "укажите новый IdCommand"),
                 ("IdCommand '{0}' was already used for another command ({1} of {2}); "
                  "give a new IdCommand")),
    "no_id": ("Не указан IdCommand (поле IdCommand)", "No IdCommand given (field IdCommand)"),
    "not_ready": ("ККТ {0} ({1}) не готова к работе: {2}", "Register {0} ({1}) is not ready: {2}"),
    "no_link": ("нет связи с ККТ", "no link to the register"),
    "rezult_not_found": ("Команда с таким IdCommand не найдена",
                         "No command with this IdCommand was found"),
}


@dataclass(slots=True)
class Call:
    """One command being dispatched (not frozen: built once per request, never changed)."""

    body: dict[str, Any]
    command: str
    client_id: str
    id_command: str  # the client's, or a new UUID when it sent none (§9d)
    role: Role
    force_async: bool


def body_hash(value: Any) -> str:
    """A stable hash of a request without ``Timeout`` and ``IdCommand`` (key order ignored)."""
    if isinstance(value, dict):
        value = {key: item for key, item in value.items() if key not in ("timeout", "idcommand")}
    return hashlib.sha256(dumps(value, sort_keys=True)).hexdigest()


def _text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return dumps(value).decode("utf-8")


class Dispatcher:
    """Runs commands against a ``JobService`` and shapes the KkmServer answers."""

    def __init__(self, config: Config, jobs: JobService) -> None:
        self._jobs = jobs
        self.language = config.server.language
        self._printers = PrinterCommands(self, body_hash)
        self._forwarding = Forwarding(self, body_hash)
        #: ``GetRezult`` answers of finished commands, valid while the journal's stored
        #: answer is the same object (a refused command may be run again under its id)
        self._finished: dict[str, tuple[dict[str, Any], Encoded]] = {}
        self._handlers: dict[str, Callable[[Call], Awaitable[dict[str, Any]]]] = {
            "List": self._list,
            "GetRezult": self._get_rezult,
            "TrackingStatusCommand": self._tracking_status,
            "CancelCommand": self._cancel_command,
            "RegisterCheck": self._register_check,
            "OpenShift": self._shift,
            "CloseShift": self._shift,
            "ZReport": self._shift,
            "GetDataKKT": self._data_kkt,
            "GetLineLength": self._line_length,
            **ReportCommands(self, body_hash).handlers(),
            **self._printers.handlers(),
        }

    def still_current(self, answer: Encoded) -> bool:
        """Tell whether a ``GetRezult`` answer given earlier is still what it would be now."""
        return self._remembered(answer["IdCommand"]) is answer

    def _remembered(self, wanted: str) -> Encoded | None:
        """The encoded ``GetRezult`` answer for ``wanted`` while the journal's answer is the same."""
        hit = self._finished.get(wanted)
        final = self._jobs.finished_response(wanted) if hit is not None else None
        return hit[1] if hit is not None and final is hit[0] else None

    def text(self, key: str, *args: object) -> str:
        """An openkkm text in the configured language."""
        ru, en = _TEXTS[key]
        return (en if self.language == "en" else ru).format(*args)

    async def execute(self, body: dict[str, Any], *, role: Role,
                      force_async: bool = False) -> tuple[int, dict[str, Any]]:
        """The HTTP code and answer for one command body."""
        name = body.get("command")
        client_id = _text_of(body.get("idcommand"))
        if not isinstance(name, str) or not name.strip():
            return 200, self.error(_text_of(name), client_id, self.text("no_command"))
        spec = lookup(name)
        if spec is None:
            return 501, self.error(name, client_id, self.text("unknown", name))
        call = Call(body, spec.name, client_id, client_id or str(uuid.uuid4()), role, force_async)
        return 200, await self._run(spec, call)

    async def _run(self, spec: CommandSpec, call: Call) -> dict[str, Any]:
        if spec.admin and call.role is not Role.ADMIN:
            return self.error(call.command, call.client_id, self.text("admin", call.command))
        handler = self._handlers.get(spec.name)
        if handler is None:
            return self.error(call.command, call.client_id, self.text("unsupported", call.command))
        try:
            remote = self._forwarding.target(spec, call)
            if remote is not None:
                return await self._forwarding.forward(call, remote)
            return await handler(call)
        except NotFoundError as exc:
            return self.error(call.command, call.client_id, exc.text(self.language),
                              status=Status.NOT_FOUND)
        except ValidationError as exc:
            return self.error(call.command, call.client_id, error_text(exc, self.language))
        except OpenKKMError as exc:
            return self.error(call.command, call.client_id, exc.text(self.language))

    def error(self, command: str, id_command: str, text: str, *,
              status: Status = Status.ERROR) -> dict[str, Any]:
        """An answer with no device fields: ``Status`` 2 (or ``status``) and ``text``."""
        return envelope(None, command=command, status=status, error=text, id_command=id_command)

    def wait(self, call: Call) -> tuple[float, list[str]]:
        """Seconds to wait for the result (§4.1) and a warning if ``Timeout`` was clamped."""
        seconds, warnings = self._timeout(call)
        if call.force_async or seconds == 1:
            return 0.0, warnings
        if seconds == 0:
            return DEFAULT_WAIT, warnings
        return float(max(seconds - 1, Decimal(0))), warnings

    def _timeout(self, call: Call) -> tuple[Decimal, list[str]]:
        """``Timeout`` in seconds (0 when absent), clamped, with a warning if it was."""
        raw = call.body.get("timeout")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            seconds = Decimal(0)
        elif isinstance(raw, bool) or not isinstance(raw, int | Decimal | str):
            raise _bad_timeout(raw)
        else:
            try:
                seconds = Decimal(raw.strip() if isinstance(raw, str) else raw)
            except InvalidOperation as exc:
                raise _bad_timeout(raw) from exc
            if not seconds.is_finite() or seconds < 0:
                raise _bad_timeout(raw)
        warnings: list[str] = []
        if seconds > MAX_TIMEOUT:
            warnings.append(self.text("timeout_clamped", _text_of(raw), MAX_TIMEOUT))
            seconds = Decimal(MAX_TIMEOUT)
        return seconds, warnings

    async def submit(self, call: Call, device: DeviceHandle, operation: Operation, *,
                     request: dict[str, Any], digest: str, warnings: list[str],
                     wait: float, parsed: Any = None) -> dict[str, Any]:
        """Journal and queue ``operation`` on ``device``; the answer once done or waited out.

        Its device calls may run as long as the request's ``Timeout`` when that exceeds the
        server's limit (§4.3); ``wait`` validated it already.
        """
        answer = await self._jobs.submit(
            id_command=call.id_command, command=call.command, request=journal_request(request),
            body_hash=digest, device=device, operation=operation, warnings=tuple(warnings),
            wait=wait, parsed=parsed, time_limit=float(self._timeout(call)[0]))
        return self.answer(answer, call.command)

    def answer(self, answer: Answer, command: str) -> dict[str, Any]:
        """The wire answer for a ``JobService`` answer to a submitted command."""
        kind = answer.kind
        num_device, unit_name = answer.num_device or None, answer.unit_name
        if kind is AnswerKind.DONE and answer.response is not None:
            return answer.response
        if kind is AnswerKind.REPLAY and answer.response is not None:
            return add_warning(answer.response, self.text("replay", _when(answer.first_at)))
        if kind is AnswerKind.MISMATCH:
            text = self.text("mismatch", answer.id_command, answer.first_command or command,
                             _when(answer.first_at, seconds=False))
            return envelope(None, command=command, status=Status.ERROR, error=text,
                            id_command=answer.id_command)
        if kind is AnswerKind.ALREADY_RUNNING:
            return envelope(None, command=command, status=Status.ALREADY_DONE,
                            error=self.text("already"), id_command=answer.id_command,
                            num_device=num_device, unit_name=unit_name)
        if kind is AnswerKind.QUEUED:
            return envelope(None, command=command, status=Status.NOT_RUN,
                            error=self.text("queued"), id_command=answer.id_command,
                            num_device=num_device, unit_name=unit_name)
        return envelope(None, command=command, status=Status.RUN, error=self.text("running"),
                        id_command=answer.id_command, num_device=num_device, unit_name=unit_name)

    async def _list(self, call: Call) -> dict[str, Any]:
        request = dc.parse_model(dc.ListRequest, call.body)
        units = [dc.list_unit(handle) for handle in self._jobs.devices() if request.admits(handle)]
        units += [dc.pool_unit(pool) for pool in self._jobs.pools() if request.admits_pool(pool)]
        return envelope({"ListUnit": units}, command=call.command, status=Status.OK,
                        id_command=call.client_id)

    async def _tracking_status(self, call: Call) -> dict[str, Any]:
        """§4.4: the current ``Status`` and ``Error`` of the command named by ``IdCommand``."""
        wanted = call.client_id
        if not wanted.strip():
            return self.error(call.command, call.client_id, self.text("no_id"))
        found = await self._jobs.result(wanted)
        if found is None:
            return self.error(call.command, wanted, self.text("rezult_not_found"),
                              status=Status.NOT_FOUND)
        tracked = self.answer(found, found.first_command or NOT_DEFINED)
        return envelope(None, command=call.command, status=Status(int(tracked["Status"])),
                        error=str(tracked.get("Error") or ""), id_command=wanted)

    async def _cancel_command(self, call: Call) -> dict[str, Any]:
        """§4.4: ask ``NumDevice``'s running command (absent or 0: every device's) to stop."""
        number = call.body.get("numdevice")
        try:
            num = int(number or 0)
        except (TypeError, ValueError):
            num = -1
        if num < 0 or isinstance(number, bool):
            raise ValidationError(("NumDevice",), f"недопустимое значение {number!r}",
                                  f"invalid value {number!r}")
        self._jobs.cancel_running(num)
        return envelope(None, command=call.command, status=Status.OK, id_command=call.id_command)

    async def _get_rezult(self, call: Call) -> dict[str, Any]:
        wanted = call.client_id
        if not wanted.strip():
            return self.error(call.command, call.client_id, self.text("no_id"))
        remembered = self._remembered(wanted)
        if remembered is not None:
            return remembered
        found = await self._jobs.result(wanted)
        if found is None:
            rezult = {"IdCommand": wanted, "Status": int(Status.NOT_FOUND), "Command": NOT_DEFINED,
                      "Error": NOT_DEFINED}
            return envelope({"Rezult": rezult}, command=call.command, status=Status.NOT_FOUND,
                            error=self.text("rezult_not_found"), id_command=wanted)
        final = found.response if found.kind is AnswerKind.DONE else None
        rezult = self.answer(found, found.first_command or NOT_DEFINED)
        answer = envelope({"Rezult": rezult}, command=call.command, status=Status.OK,
                          id_command=wanted)
        if final is None:
            return answer
        encoded = Encoded(answer)
        if len(self._finished) >= FINISHED_ANSWERS:
            del self._finished[next(iter(self._finished))]
        self._finished[wanted] = (final, encoded)
        return encoded

    def devices(self) -> list[DeviceHandle]:
        """All configured devices, by number."""
        return self._jobs.devices()

    @property
    def jobs(self) -> JobService:
        """The job service behind this dispatcher."""
        return self._jobs

    def select(self, call: Call, device_class: Accepts | None = None) -> DeviceHandle:
        """The device a command's selection fields name, of a class that runs it (§5)."""
        request = dc.parse_model(dc.SelectionRequest, call.body)
        return self._jobs.select(Selection(
            num_device=request.num_device or 0, inn=request.inn_kkm or "",
            kkt_number=request.kkt_number or "", tax_variant=request.tax_variant or "",
            id_device=request.id_device or "",
            accepts=device_class or accepts(call.command), command=call.command))

    async def _register_check(self, call: Call) -> dict[str, Any]:
        digest = ""  # the parsed body's hash; the raw body's only if parsing fails
        try:
            wait, warnings = self.wait(call)
            request = parse_register_check(call.body, lowered=True)
            digest = body_hash(request.body_for_hash())
            fiscal = bool(request.is_fiscal_check)
            device = self.select(call, Accepts.FISCAL if fiscal else Accepts.EITHER)
            document: Receipt | Slip
            if not fiscal:
                notices: list[Notice] = []
                document = build_slip(request, notices)
            elif device.registration is None:
                return self._not_ready(call, device)
            else:
                document, notices = build_receipt(request, device.registration, device.config,
                                                  today=dt.date.today())
        except ValidationError as exc:
            return await self.refuse(call, exc, digest)
        operation: Operation = (RegisterReceipt(document) if isinstance(document, Receipt)
                                else PrintSlip(document))
        warnings += [item.text(self.language) for item in notices]
        if fiscal and device.config.emulate_fiscal:
            warnings.append(imitation_notice(device.config.unit_name, self.language))
        journalled = dict(call.body)
        if device.registration is not None:
            journalled[REGISTRATION_KEY] = registration_note(device.registration)
        return await self.submit(call, device, operation, request=journalled, digest=digest,
                                  warnings=warnings, wait=wait, parsed=request)

    async def refuse(self, call: Call, exc: ValidationError, digest: str) -> dict[str, Any]:
        """The answer to a request that failed validation, journalled so GetRezult finds it."""
        failed = self.error(call.command, call.id_command, error_text(exc, self.language))
        failed["IdCommand"] = await self._jobs.record_failure(
            id_command=failed["IdCommand"], command=call.command,
            request=journal_request(call.body), body_hash=digest or body_hash(call.body),
            response=failed)
        return failed

    def _not_ready(self, call: Call, device: DeviceHandle) -> dict[str, Any]:
        reason = device.last_error or self.text("no_link")
        return envelope(None, command=call.command, status=Status.ERROR,
                        error=self.text("not_ready", device.num, device.config.unit_name, reason),
                        id_command=call.client_id, num_device=device.num,
                        unit_name=device.config.unit_name)

    async def _shift(self, call: Call) -> dict[str, Any]:
        wait, warnings = self.wait(call)
        request = dc.parse_model(dc.ShiftRequest, call.body)
        cashier, notes = request.cashier(self.language)
        device = self.select(call)
        operation: Operation = (OpenShift(cashier) if call.command == "OpenShift"
                                else CloseShift(cashier))
        return await self.submit(call, device, operation, request=call.body,
                                  digest=body_hash(call.body), warnings=[*warnings, *notes],
                                  wait=wait)

    async def _data_kkt(self, call: Call) -> dict[str, Any]:
        wait, warnings = self.wait(call)
        device = self.select(call)
        if not device.fiscal:
            return self._printers.data_kkt(call, device)
        return await self.submit(call, device, ReadInfo(), request=call.body,
                                  digest=body_hash(call.body), warnings=warnings, wait=wait)

    async def _line_length(self, call: Call) -> dict[str, Any]:
        return self.line_length_answer(call, self.select(call))

    def line_length_answer(self, call: Call, device: DeviceHandle) -> dict[str, Any]:
        """The ``GetLineLength`` / ``PrintLineLength`` answer for ``device`` (§6.6)."""
        length = device.info.line_length if device.info is not None else device.config.line_length
        return envelope(dc.line_length_fields(length), command=call.command, status=Status.OK,
                        id_command=call.client_id, num_device=device.num,
                        unit_name=device.config.unit_name)


def _bad_timeout(raw: Any) -> ValidationError:
    ru, en = _TEXTS["timeout"]
    value = _text_of(raw)
    return ValidationError(("Timeout",), ru.format(value), en.format(value))


def journal_request(body: dict[str, Any]) -> dict[str, Any]:
    """The request as the journal stores it: decimals as text, which the models read back."""
    return _decimals_as_text(body)


def _decimals_as_text(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: _decimals_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decimals_as_text(item) for item in value]
    return value


def _when(moment: dt.datetime | None, *, seconds: bool = True) -> str:
    if moment is None:
        return "?"
    return moment.strftime("%d.%m.%Y %H:%M:%S" if seconds else "%d.%m.%Y %H:%M")


def imitation_notice(unit_name: str, language: str) -> str:
    """The ``Warning`` of a receipt an imitating printer (``emulate_fiscal``) printed."""
    if language == "en":
        return (f"The document is not fiscal: '{unit_name}' is a printer imitating a register "
                "(emulate_fiscal)")
    return (f"Документ не фискальный: «{unit_name}» — принтер, имитирующий ККТ "
            "(emulate_fiscal)")
