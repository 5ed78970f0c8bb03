"""The renderer JobService stores answers with, and the JSON envelope (API.md §2.4)."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

import pytest

from api.fakes import FN, MOMENT
from openkkm.api.envelope import dumps, envelope, rubles
from openkkm.api.kkmserver.dispatch import journal_request
from openkkm.api.kkmserver.register_check import parse_register_check
from openkkm.api.kkmserver.render import journal_safe, make_renderer
from openkkm.config import Config
from openkkm.errors import ValidationError
from openkkm.fiscal.types import DocumentType, FiscalDocument, ReceiptKind
from openkkm.jobs.model import StoredCommand
from openkkm.jobs.operations import InternalFailure, ReceiptDone

DOCUMENT = FiscalDocument(number=57, fiscal_sign=3528941127, moment=MOMENT,
                          type=DocumentType.RECEIPT, fn_number=FN, shift_number=4,
                          receipt_number=12, kind=ReceiptKind.SALE, total=45000)


def stored(request: dict[str, object], command: str = "RegisterCheck") -> StoredCommand:
    """A stored command on device 1."""
    return StoredCommand("id-1", command, request, ("note",), 1, "Касса 1", MOMENT)


@pytest.mark.parametrize(("value", "text"), [
    (Decimal(800), "800"), (Decimal("0.01"), "0.01"), (Decimal("0.7500"), "0.75"),
    (Decimal("12345678901234567.89"), "12345678901234567.89"),
    (Decimal("1E+3"), "1000"), (Decimal("-0"), "0"), (Decimal("NaN"), "null"), (0.01, "0.01"),
    (True, "true"), (None, "null"), ("«Смена»\n", '"«Смена»\\n"')])
def test_dumps_writes_decimals_as_numbers(value: object, text: str) -> None:
    assert dumps({"a": value}).decode() == '{"a":' + text + "}"


def test_rubles() -> None:
    assert [rubles(k) for k in (80000, 1, 54050, 0)] == [800, Decimal("0.01"), Decimal("540.5"), 0]
    assert dumps([rubles(80000), rubles(1), rubles(54050), rubles(0)]) == b"[800,0.01,540.5,0]"


def test_envelope_order_without_device() -> None:
    answer = envelope({"X": 1}, command="C", status=2, error="e", warnings=["a", "", "b"],
                      id_command="i")
    assert list(answer) == ["X", "Command", "Error", "Warning", "Message", "Status", "IdCommand"]
    assert answer["Warning"] == "a; b"


def test_journal_safe_keeps_the_digits_through_stdlib_json() -> None:
    value = {"a": Decimal(800), "b": [Decimal("0.01"), Decimal("12345678901.23")]}
    safe = journal_safe(value)
    assert dumps(json.loads(json.dumps(safe))) == b'{"a":800,"b":[0.01,12345678901.23]}'


def test_receipt_answer() -> None:
    render = make_renderer(Config())
    request = {"command": "RegisterCheck", "cash": "450", "idcommand": "id-1"}
    answer = render(stored(request), ReceiptDone(DOCUMENT, None, 48))
    assert answer["Status"] == 0 and answer["CheckNumber"] == 57
    assert answer["URL"] == f"t=20260115T154700&s=450.00&fn={FN}&i=57&fp=3528941127&n=1"
    assert answer["Warning"] == "note" and answer["NumDevice"] == 1
    assert answer["Cash"] == 450 and isinstance(answer["Cash"], int)


def test_a_receipt_whose_answer_cannot_be_built_still_reports_its_document(
        caplog: pytest.LogCaptureFixture) -> None:
    render = make_renderer(Config())
    answer = render(stored({"checkstrings": "not a list"}), ReceiptDone(DOCUMENT, None, 48))
    assert answer["Status"] == 0 and answer["Error"] == ""
    assert (answer["CheckNumber"], answer["SessionNumber"], answer["SessionCheckNumber"]) == (
        57, 4, 12)
    assert "код инцидента" in answer["Warning"]
    assert "rendering the answer of RegisterCheck" in caplog.text


def test_errors() -> None:
    render = make_renderer(Config())
    failed = render(stored({}, "OpenShift"), InternalFailure("ABCD1234"))
    assert failed["Status"] == 2
    assert failed["Error"] == "Внутренняя ошибка openkkm (код инцидента ABCD1234)"
    invalid = render(stored({}), ValidationError(("CheckStrings", 0, "Register", "Tax"), "плохо"))
    assert invalid["Error"] == "Поле CheckStrings[0].Register.Tax: плохо"


def test_an_answer_from_the_parsed_request_is_the_one_from_the_journalled_request() -> None:
    body = {"cash": "300.5", "electronicpayment": Decimal(150), "isfiscalcheck": True,
            "typecheck": 0, "checkstrings": [{"register": {
                "name": "Сыр", "quantity": 1, "price": Decimal("450.5"), "amount": "450.5",
                "tax": 22}}]}
    journalled = journal_request(body)
    render = make_renderer(Config())
    outcome = ReceiptDone(DOCUMENT, None, 48, ())
    from_text = render(stored(journalled), outcome)
    parsed = parse_register_check(body, lowered=True)
    live = render(replace(stored(journalled), parsed=parsed), outcome)
    assert live == from_text and live["Cash"] == 300.5 and live["ElectronicPayment"] == 150
