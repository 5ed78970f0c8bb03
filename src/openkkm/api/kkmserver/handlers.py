"""Dispatch of the report, cash and lookup commands: request in, operation queued, answer out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from openkkm.api.envelope import Status, envelope
from openkkm.api.kkmserver import device_commands as dc
from openkkm.api.kkmserver.marking_commands import (
    GoodCodeDataRequest,
    ValidationRequest,
    code_text,
    good_code_fields,
    validation_codes,
)
from openkkm.api.kkmserver.reg_ofd import RegOfdRequest, build_change
from openkkm.api.kkmserver.render import REGISTRATION_KEY, registration_note
from openkkm.api.kkmserver.report_commands import CashRequest, DataCheckRequest
from openkkm.errors import NotSupportedError, ValidationError
from openkkm.fiscal.marking import parse
from openkkm.fiscal.types import FfdVersion
from openkkm.jobs.operations import (
    ChangeRegistration,
    CheckMarking,
    MoveCash,
    OfdReport,
    OpenDrawer,
    Operation,
    ReadCounters,
    ReadDocument,
    ReadInfo,
    XReport,
)

if TYPE_CHECKING:
    from openkkm.api.kkmserver.dispatch import Call, Dispatcher
    from openkkm.jobs.devices import DeviceHandle

Handler = Callable[["Call"], Awaitable[dict[str, Any]]]


class ReportCommands:
    """Handlers of reports, cash, drawer, lookups, ``KkmRegOfd`` and the marking commands."""

    def __init__(self, dispatcher: Dispatcher, digest: Callable[[Any], str]) -> None:
        self._dispatcher = dispatcher
        self._digest = digest

    def handlers(self) -> dict[str, Handler]:
        """The handlers by command name."""
        return {"XReport": self._report, "OfdReport": self._report,
                "DepositingCash": self._cash, "PaymentCash": self._cash,
                "OpenCashDrawer": self._plain, "RequestCash": self._plain,
                "GetCounters": self._counters, "GetDataCheck": self._data_check,
                "KkmRegOfd": self._registration, "ValidationMarkingCode": self._validation,
                "GetGoodCodeData": self._good_code}

    async def _queue(self, call: Call, operation: Operation, warnings: list[str],
                     request: dict[str, Any] | None = None,
                     device: DeviceHandle | None = None) -> dict[str, Any]:
        """Queue ``operation`` on ``device`` (default: the one the call selects)."""
        dispatcher = self._dispatcher
        wait, notes = dispatcher.wait(call)
        device = device or dispatcher.select(call)
        body = call.body if request is None else request
        if request is not None and device.registration is not None:
            body = {**request, REGISTRATION_KEY: registration_note(device.registration)}
        return await dispatcher.submit(call, device, operation, request=body,
                                       digest=self._digest(call.body), warnings=[*notes, *warnings],
                                       wait=wait)

    async def _report(self, call: Call) -> dict[str, Any]:
        request = dc.parse_model(dc.ShiftRequest, call.body)
        cashier, notes = request.cashier(self._dispatcher.language)
        operation: Operation = (XReport(cashier) if call.command == "XReport"
                                else OfdReport(cashier))
        return await self._queue(call, operation, notes)

    async def _cash(self, call: Call) -> dict[str, Any]:
        request = dc.parse_model(CashRequest, call.body)
        amount = request.kopecks()
        cashier, notes = request.cashier(self._dispatcher.language)
        sign = 1 if call.command == "DepositingCash" else -1
        return await self._queue(call, MoveCash(sign * amount, cashier), notes)

    async def _plain(self, call: Call) -> dict[str, Any]:
        operation: Operation = OpenDrawer() if call.command == "OpenCashDrawer" else ReadInfo()
        return await self._queue(call, operation, [])

    async def _counters(self, call: Call) -> dict[str, Any]:
        device = self._dispatcher.select(call)
        registration = device.registration
        if registration is not None and registration.ffd < FfdVersion.V1_2:
            raise NotSupportedError(
                f"Команда GetCounters доступна только для ККТ с ФФД 1.2 (у ККТ {device.num} — "
                f"ФФД {registration.ffd.label})",
                f"GetCounters needs an FFD 1.2 register (register {device.num} has FFD "
                f"{registration.ffd.label})")
        return await self._queue(call, ReadCounters(), [])

    async def _data_check(self, call: Call) -> dict[str, Any]:
        request = dc.parse_model(DataCheckRequest, call.body)
        operation = ReadDocument(request.number(), request.copies())
        return await self._queue(call, operation, [], request=call.body)

    async def _registration(self, call: Call) -> dict[str, Any]:
        request = dc.parse_model(RegOfdRequest, call.body)
        device = self._dispatcher.select(call)
        if device.registration is None:
            raise NotSupportedError(
                f"ККТ {device.num} не ответила данными регистрации: проверьте связь (GetDataKKT)",
                f"Register {device.num} gave no registration data: check the link (GetDataKKT)")
        change = build_change(request, device.registration)
        return await self._queue(call, ChangeRegistration(change), [])

    async def _validation(self, call: Call) -> dict[str, Any]:
        request = dc.parse_model(ValidationRequest, call.body)
        codes = validation_codes(request)
        device = self._dispatcher.select(call)
        registration = device.registration
        if registration is not None and registration.ffd < FfdVersion.V1_2:
            raise ValidationError(
                ("GoodCodeDatas",), f"коды маркировки проверяются только ККТ с ФФД 1.2; ККТ "
                f"{device.num} работает по ФФД {registration.ffd.label}",
                f"marking codes are checked only by FFD 1.2 registers; register {device.num} "
                f"uses FFD {registration.ffd.label}")
        return await self._queue(call, CheckMarking(codes), [])

    async def _good_code(self, call: Call) -> dict[str, Any]:
        request = dc.parse_model(GoodCodeDataRequest, call.body)
        code = code_text(request.bar_code, request.marking_code_base64, ())
        parsed = parse(code)
        device = self._marking_device(call, request.num_device or 0)
        if device is not None and parsed.marked:
            return await self._queue(call, CheckMarking(((code, 1),)), [], device=device)
        warnings = [] if device is not None else [
            "Нет ККТ с ФФД 1.2 для маркированных товаров: код не проверен ФН"]
        return envelope(good_code_fields(parsed, None), command=call.command, status=Status.OK,
                        warnings=warnings, id_command=call.client_id)

    def _marking_device(self, call: Call, num: int) -> DeviceHandle | None:
        """The register that checks the code: the one named, else the first FFD 1.2 one
        registered for marked goods and online."""
        if num:
            device = self._dispatcher.select(call)
            return device if _sells_marked(device) else None
        return next((device for device in self._dispatcher.devices()
                     if device.online and _sells_marked(device)), None)


def _sells_marked(device: DeviceHandle) -> bool:
    registration = device.registration
    return (registration is not None and registration.ffd >= FfdVersion.V1_2
            and registration.marking)
