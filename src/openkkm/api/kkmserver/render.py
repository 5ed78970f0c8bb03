"""The renderer JobService calls: a finished command's outcome as its complete wire answer.

The answer is stored in the journal and returned again on a replay or a ``GetRezult``, so it is
built once, here, from the command's stored request and what the device reported.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from openkkm.api.envelope import Status, envelope
from openkkm.api.kkmserver.device_commands import (
    data_kkt_fields,
    parse_model,
    shift_fields,
)
from openkkm.api.kkmserver.fields import error_text
from openkkm.api.kkmserver.marking_commands import (
    GoodCodeDataRequest,
    ValidationRequest,
    code_text,
    good_code_fields,
    validation_fields,
)
from openkkm.api.kkmserver.register_check import (
    CheckRequest,
    parse_register_check,
    render_check_fields,
)
from openkkm.api.kkmserver.report_commands import (
    cash_fields,
    counters_fields,
    data_check_fields,
    registration_fields,
    report_fields,
)
from openkkm.config import Config
from openkkm.errors import DeviceRejected, FiscalStateError, OpenKKMError
from openkkm.fiscal.marking import describe, parse
from openkkm.fiscal.types import Counters, DeviceInfo, Registration
from openkkm.jobs.devices import fiscal_kind
from openkkm.jobs.model import Renderer, StoredCommand
from openkkm.jobs.operations import (
    CashDone,
    DocumentRead,
    MarkingChecked,
    Outcome,
    ReceiptDone,
    ShiftDone,
    SlipPrinted,
)

log = logging.getLogger(__name__)

SHIFT_COMMANDS = frozenset({"OpenShift", "CloseShift", "ZReport"})
#: Key of the journalled RegisterCheck request under which the device's registration is noted
#: (the OFD link needs it, also after a restart); request models ignore unknown keys.
REGISTRATION_KEY = "_openkkm_registration"


def device_error_text(exc: OpenKKMError, language: str, *, register: bool = True) -> str:
    """The ``Error`` of a failed command: «Ошибка регистрации ( NN : ККТ: … )» for a register's
    vendor codes; a printer's refusal is its plain text."""
    code = getattr(exc, "vendor_code", 0) if isinstance(exc, DeviceRejected | FiscalStateError) else 0
    if not register:
        code = 0
    if code:
        if language == "en":
            return f"Registration error ( {code} : KKT: {exc.text('en')} )"
        return f"Ошибка регистрации ( {code} : ККТ: {exc.text('ru')} )"
    return error_text(exc, language)


def _shift_state(exc: OpenKKMError) -> bool:
    """True for a shift-state refusal: every such text holds «смена» (``API.md`` §8.2)."""
    return isinstance(exc, FiscalStateError) and "мена" in exc.text("ru")


def registration_note(registration: Registration) -> dict[str, str]:
    """What the receipt's OFD link needs of the registration, journalled with the request."""
    return {"ofd_inn": registration.ofd_inn, "inn": registration.inn,
            "reg_number": registration.reg_number}


def _receipt_fields(stored: StoredCommand, outcome: Outcome) -> dict[str, Any]:
    request = stored.parsed if isinstance(stored.parsed, CheckRequest) else parse_register_check(
        stored.request, lowered=True)
    if not isinstance(outcome, ReceiptDone):
        return render_check_fields(request, None, line_length=-1)
    note = stored.request.get(REGISTRATION_KEY) or {}
    fields = render_check_fields(request, outcome.document, line_length=outcome.line_length,
                                 ofd_inn=note.get("ofd_inn", ""), inn=note.get("inn", ""),
                                 reg_number=note.get("reg_number", ""))
    codes = fields.get("MarkingCodeValidation") or []
    if codes and len(codes) == len(outcome.marking):
        fields["MarkingCodeValidation"] = [
            _with_kkt(entry, result) for entry, result in zip(codes, outcome.marking, strict=True)]
    return fields


def _with_kkt(entry: dict[str, Any], result: int) -> dict[str, Any]:
    """A ``MarkingCodeValidation`` entry with the ФН's check placed before ``ValidationPR``."""
    kkt = {"ValidationResult": result, "DecryptionResult": describe(result)}
    head = {key: value for key, value in entry.items() if key != "ValidationPR"}
    return {**head, "ValidationKKT": kkt, "ValidationPR": entry.get("ValidationPR")}


def _shift_fields(stored: StoredCommand, outcome: Outcome) -> dict[str, Any]:
    if isinstance(outcome, ShiftDone):
        return shift_fields(outcome.document, outcome.info)
    return shift_fields(None, None)


def _data_kkt_fields(stored: StoredCommand, outcome: Outcome) -> dict[str, Any]:
    if isinstance(outcome, DeviceInfo):
        return data_kkt_fields(outcome)
    return {}


def _ofd_report_fields(stored: StoredCommand, outcome: Outcome) -> dict[str, Any]:
    if isinstance(outcome, ShiftDone):
        return report_fields(outcome.document, outcome.info)
    return report_fields(None, None)


def _registration_fields(stored: StoredCommand, outcome: Outcome) -> dict[str, Any]:
    if isinstance(outcome, ShiftDone):
        return registration_fields(outcome.document, outcome.info)
    return registration_fields(None, None)


def _validation_fields(stored: StoredCommand, outcome: Outcome) -> dict[str, Any]:
    request = parse_model(ValidationRequest, stored.request)
    checks = outcome.checks if isinstance(outcome, MarkingChecked) else ()
    return validation_fields(request, checks)


def _good_code_fields(stored: StoredCommand, outcome: Outcome) -> dict[str, Any]:
    request = parse_model(GoodCodeDataRequest, stored.request)
    parsed = parse(code_text(request.bar_code, request.marking_code_base64, ()))
    checks = outcome.checks if isinstance(outcome, MarkingChecked) else ()
    return good_code_fields(parsed, checks[0] if checks else None)


def _request_cash_fields(stored: StoredCommand, outcome: Outcome) -> dict[str, Any]:
    return cash_fields(outcome.cash_balance if isinstance(outcome, DeviceInfo) else None)


def _cash_fields(stored: StoredCommand, outcome: Outcome) -> dict[str, Any]:
    if isinstance(outcome, CashDone):
        fields = cash_fields(outcome.balance)
        if outcome.shift_opened is not None:
            fields["SessionNumber"] = outcome.shift_opened.shift_number
        return fields
    return {}


def _counters_fields(stored: StoredCommand, outcome: Outcome) -> dict[str, Any]:
    return counters_fields(outcome) if isinstance(outcome, Counters) else {}


def _data_check_fields(stored: StoredCommand, outcome: Outcome) -> dict[str, Any]:
    if not isinstance(outcome, DocumentRead):
        return {}
    note = stored.request.get(REGISTRATION_KEY) or {}
    return data_check_fields(outcome, ofd_inn=note.get("ofd_inn", ""), inn=note.get("inn", ""),
                             reg_number=note.get("reg_number", ""))


_FIELDS: dict[str, Callable[[StoredCommand, Outcome], dict[str, Any]]] = {
    "RegisterCheck": _receipt_fields,
    "OpenShift": _shift_fields,
    "CloseShift": _shift_fields,
    "ZReport": _shift_fields,
    "GetDataKKT": _data_kkt_fields,
    "OfdReport": _ofd_report_fields,
    "RequestCash": _request_cash_fields,
    "DepositingCash": _cash_fields,
    "PaymentCash": _cash_fields,
    "GetCounters": _counters_fields,
    "GetDataCheck": _data_check_fields,
    "KkmRegOfd": _registration_fields,
    "ValidationMarkingCode": _validation_fields,
    "GetGoodCodeData": _good_code_fields,
}


def make_renderer(config: Config) -> Renderer:
    """A renderer answering in ``server.language`` and honouring ``shift.open_close_no_error``."""
    language = config.server.language
    lenient_shift = config.shift.open_close_no_error
    printers = frozenset(device.num for device in config.effective_devices
                         if not fiscal_kind(device.kind))

    def render(stored: StoredCommand, outcome: Outcome | OpenKKMError) -> dict[str, Any]:
        """The final answer (``Status`` 0 or 2) of ``stored`` given its outcome."""
        common: dict[str, Any] = {"command": stored.command, "id_command": stored.id_command,
                                  "num_device": stored.num_device, "unit_name": stored.unit_name}
        warnings = list(stored.warnings)
        if isinstance(outcome, OpenKKMError):
            text = device_error_text(outcome, language,
                                     register=stored.num_device not in printers)
            if lenient_shift and stored.command in SHIFT_COMMANDS and _shift_state(outcome):
                return journal_safe(envelope(shift_fields(None, None), status=Status.OK,
                                             warnings=[*warnings, text], **common))
            return journal_safe(envelope(None, status=Status.ERROR, error=text,
                                         warnings=warnings, **common))
        if isinstance(outcome, SlipPrinted):  # e.g. characters the code page lacks
            warnings += outcome.warning(language)
        build = _FIELDS.get(stored.command)
        try:
            fields = build(stored, outcome) if build else {}
        except Exception:
            incident = secrets.token_hex(4).upper()
            log.exception("incident %s: rendering the answer of %s (IdCommand %s) failed",
                          incident, stored.command, stored.id_command)
            fields = _minimal_fields(outcome)
            warnings.append(_render_failure(incident, language))
        return journal_safe(envelope(fields, status=Status.OK, warnings=warnings, **common))

    return render


def _minimal_fields(outcome: Outcome) -> dict[str, Any]:
    """What is certainly known of a document when the full answer could not be built."""
    if isinstance(outcome, ReceiptDone | ShiftDone):
        document = outcome.document
        return {"CheckNumber": document.number, "SessionNumber": document.shift_number,
                "SessionCheckNumber": document.receipt_number}
    return {}


def _render_failure(incident: str, language: str) -> str:
    if language == "en":
        return (f"the command was performed, but openkkm could not build its full answer "
                f"(incident code {incident})")
    return (f"команда выполнена, но openkkm не смог сформировать полный ответ "
            f"(код инцидента {incident})")


def journal_safe(value: Any) -> Any:
    """``value`` with decimals as int or float, which the journal's stdlib json can store.

    A decimal of at most 15 significant digits (every amount and quantity) survives the float
    round trip with the same shortest text, so the wire shows the same digits after a replay.
    """
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: journal_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [journal_safe(item) for item in value]
    return value


render: Renderer = make_renderer(Config())
