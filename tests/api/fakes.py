"""A small JobService stand-in: real device selection and renderer, canned device outcomes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from openkkm.config import Config, DeviceConfig
from openkkm.fiscal.types import (
    DeviceInfo,
    DeviceStatus,
    DocumentType,
    FfdVersion,
    FiscalDocument,
    Registration,
    ShiftState,
    TaxSystem,
)
from openkkm.jobs.devices import DeviceHandle, Selection, select_device
from openkkm.jobs.model import StoredCommand
from openkkm.jobs.operations import CloseShift, OpenShift, ReadInfo, ShiftDone
from openkkm.jobs.pools import Pool

MOMENT = dt.datetime(2026, 1, 15, 15, 47, 0)
FN = "7380440700012345"


def registration(**changes: Any) -> Registration:
    """The registration of the sample register of ``API.md`` §6.7."""
    values: dict[str, Any] = {
        "inn": "7700000009", "organization": 'ООО "Ромашка"',
        "tax_systems": (TaxSystem.OSN, TaxSystem.USN_INCOME), "reg_number": "0000000001012345",
        "kkt_number": "0000000000012345", "fn_number": FN, "ffd": FfdVersion.V1_2,
        "address": "г. Москва", "ofd_inn": "7704211201", "ofd_name": "Такском",
        "fn_valid_to": dt.datetime(2027, 3, 1), "fn_valid_from": dt.datetime(2026, 1, 1, 9, 30),
    }
    values.update(changes)
    return Registration(**values)


def device_info(shift: ShiftState = ShiftState.OPEN, **changes: Any) -> DeviceInfo:
    """A register state with 118 documents, shift 23."""
    status = DeviceStatus(fn_number=FN, last_document=118, shift=shift, shift_number=23)
    values: dict[str, Any] = {"registration": registration(), "status": status,
                              "clock": dt.datetime(2026, 1, 15, 15, 50, 11), "line_length": 48,
                              "firmware": "1.0", "cash_balance": 80000, "ofd_unsent": 3,
                              "ofd_oldest_unsent": dt.datetime(2026, 1, 14, 10, 0)}
    values.update(changes)
    return DeviceInfo(**values)


def handle(num: int = 1, *, online: bool = True, **config: Any) -> DeviceHandle:
    """A configured, initialised virtual register."""
    device = DeviceHandle(DeviceConfig(num=num, kind=config.pop("kind", "virtual"), **config))
    device.online = online
    device.registration = registration()
    device.info = device_info()
    return device


class FakeJobs:
    """Records submissions; answers DONE with the real renderer over a canned outcome."""

    def __init__(self, devices: list[DeviceHandle], render: Callable[..., dict[str, Any]],
                 config: Config | None = None) -> None:
        from openkkm.jobs.service import Answer, AnswerKind

        self.answer_type, self.kinds = Answer, AnswerKind
        self.handles = devices
        self.render = render
        self.config = config or Config()
        self.submitted: list[dict[str, Any]] = []
        self.failures: list[dict[str, Any]] = []
        self.results: dict[str, Any] = {}
        self.outcome: Any = None  # a forced outcome (or error) for the next submissions
        self.kind: Any = None  # a forced AnswerKind for the next submissions
        self.raise_on_submit: Exception | None = None
        self.cancelled: list[int] = []  # the NumDevice of each CancelCommand

    def devices(self) -> list[DeviceHandle]:
        """All devices."""
        return self.handles

    def pools(self) -> list[Pool]:
        """No pools behind the fake."""
        return []

    on_reconciled: Callable[[int, str], None] | None = None

    def queue_depth(self, num: int) -> int | None:
        """Nothing waits behind the fake."""
        return 0

    def select(self, selection: Selection) -> DeviceHandle:
        """The real selection rules."""
        return select_device(self.handles, selection)

    def _outcome(self, operation: Any) -> Any:
        if self.outcome is not None:
            return self.outcome
        if isinstance(operation, OpenShift | CloseShift):
            kind = DocumentType.SHIFT_OPEN if isinstance(operation, OpenShift) else DocumentType.SHIFT_CLOSE
            document = FiscalDocument(number=119, fiscal_sign=12345, moment=MOMENT, type=kind,
                                      fn_number=FN, shift_number=24)
            return ShiftDone(document, device_info())
        if isinstance(operation, ReadInfo):
            return device_info()
        return None

    async def submit(self, *, id_command: str, command: str, request: dict[str, Any],
                     body_hash: str, device: DeviceHandle, operation: Any,
                     warnings: tuple[str, ...] = (), wait: float | None,
                     parsed: Any = None, time_limit: float = 0.0) -> Any:
        """Record the call and answer it."""
        if self.raise_on_submit is not None:
            raise self.raise_on_submit
        call = {"id_command": id_command, "command": command, "request": request,
                "body_hash": body_hash, "device": device, "operation": operation,
                "warnings": warnings, "wait": wait, "time_limit": time_limit}
        self.submitted.append(call)
        kind = self.kind or self.kinds.DONE
        stored = StoredCommand(id_command, command, request, warnings, device.num,
                               device.config.unit_name, MOMENT)
        outcome = self._outcome(operation)
        response = self.render(stored, outcome) if kind in (self.kinds.DONE, self.kinds.REPLAY) else None
        answer = self.answer_type(kind, id_command, response, first_command=command,
                                  first_at=MOMENT, num_device=device.num,
                                  unit_name=device.config.unit_name)
        self.results[id_command] = answer
        return answer

    def cancel_running(self, num_device: int) -> bool:
        """Record a ``CancelCommand``; an unknown device number is not found."""
        from openkkm.errors import NotFoundError

        if num_device and num_device not in {handle.num for handle in self.handles}:
            raise NotFoundError(f"Устройство {num_device} не найдено", f"Device {num_device} not found")
        self.cancelled.append(num_device)
        return False

    async def result(self, id_command: str) -> Any:
        """What ``submit`` answered for ``id_command``."""
        return self.results.get(id_command)

    def finished_response(self, id_command: str) -> dict[str, Any] | None:
        """The stored answer when ``submit`` finished ``id_command``."""
        answer = self.results.get(id_command)
        done = answer is not None and answer.kind is self.kinds.DONE
        return answer.response if done else None

    async def record_failure(self, *, id_command: str, command: str, request: dict[str, Any],
                             body_hash: str, response: dict[str, Any]) -> str:
        """Record a failed command."""
        self.failures.append({"id_command": id_command, "command": command, "request": request,
                              "body_hash": body_hash, "response": response})
        return id_command

