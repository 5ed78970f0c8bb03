"""``RegisterCheck``: the request body to a validated ``Receipt`` or ``Slip`` (``API.md`` §6.3).

Interface for the HTTP layer:

* ``CheckRequest`` — the pydantic model of the whole body. ``req.body_for_hash()`` is the
  canonical body for ``IdCommand`` idempotency (§9d): every field except ``HASH_EXCLUDE``
  (``Timeout``, ``IdCommand``), decimals normalised so ``100`` and ``"100.00"`` hash alike.
* ``parse_register_check(body) -> CheckRequest`` — step 1 (types); raises the first
  ``ValidationError`` with a wire ``loc`` such as ``("CheckStrings", 3, "Register", "Quantity")``.
* ``build_receipt(req, registration, device, *, today) -> (Receipt | Slip, list[Notice])`` —
  steps 2–13 in §6.3.10 order. Warnings are ``Notice`` objects carrying both languages
  (``notice.text("ru")``), each already holding its field path; join them with ``"; "``.
  Errors are ``ValidationError`` whose text may hold ``{path}`` (render with ``error_text``).
* ``build_slip(req, notices) -> Slip`` — the non-fiscal document alone (``PrintDocument``).
* ``render_check_fields(req, document, *, line_length, ofd_inn="", inn="", reg_number="")`` —
  the answer fields of §6.3.12 (``check_render``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pydantic

from openkkm.api.kkmserver import check_header as header
from openkkm.api.kkmserver.check_common import Notice, blank, fail, notice
from openkkm.api.kkmserver.check_elements import (
    barcode_element,
    image_element,
    text_element,
)
from openkkm.api.kkmserver.check_legacy import check_props, tendered_payments
from openkkm.api.kkmserver.check_lines import (
    LineContext,
    agent_data,
    agent_role,
    convert_line,
    supplier,
)
from openkkm.api.kkmserver.check_render import render_check_fields
from openkkm.api.kkmserver.check_schema import CheckRequestBase, CheckString
from openkkm.api.kkmserver.fields import canonical
from openkkm.config import DeviceConfig
from openkkm.errors import Loc, ValidationError
from openkkm.fiscal import rules
from openkkm.fiscal.types import (
    AgentData,
    Item,
    PageEnd,
    PrintElement,
    Receipt,
    Registration,
    Slip,
)

__all__ = ["HASH_EXCLUDE", "CheckRequest", "Notice", "build_receipt", "build_slip",
           "parse_register_check", "render_check_fields"]

#: Model fields left out of the idempotency hash (§9d).
HASH_EXCLUDE = frozenset({"timeout", "id_command"})


def _normal(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dict):
        return {key: _normal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normal(item) for item in value]
    return value


class CheckRequest(CheckRequestBase):
    """The ``RegisterCheck`` body, types converted (``API.md`` §6.3.1)."""

    def body_for_hash(self) -> dict[str, Any]:
        """The body as compared for a repeated ``IdCommand``: JSON-ready, decimals normalised.

        Fields left at their defaults (not sent, or sent as null) are left out: the body to
        hash shrinks to about a fifth, and two requests compare equal exactly as before.
        """
        body: dict[str, Any] = _normal(self.model_dump(mode="python", exclude=set(HASH_EXCLUDE),
                                                       exclude_defaults=True))
        return body


def _lower_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key).lower(): _lower_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_lower_keys(item) for item in value]
    return value


_EXPECTED: dict[str, tuple[str, str]] = {
    "decimal": ("ожидается число (дробная часть через точку)", "a number expected (dot decimals)"),
    "int": ("ожидается целое число", "an integer expected"),
    "bool": ("ожидается true или false", "true or false expected"),
    "string": ("ожидается строка", "a string expected"),
    "list": ("ожидается массив", "an array expected"),
    "model": ("ожидается объект", "an object expected"),
    "dict": ("ожидается объект", "an object expected"),
}


def _error(error: Any) -> ValidationError:
    loc: Loc = tuple(part if isinstance(part, int) else canonical(str(part))
                     for part in error["loc"])
    kind = str(error["type"]).split("_")[0]
    ru, en = _EXPECTED.get(kind, ("недопустимое значение", "invalid value"))
    shown = repr(error.get("input"))[:60] if not isinstance(error.get("input"), (dict, list)) else ""
    if shown:
        return ValidationError(loc, f"недопустимое значение {shown}: {ru}", f"invalid value {shown}: {en}")
    return ValidationError(loc, ru, en)


def parse_register_check(body: dict[str, Any], *, lowered: bool = False) -> CheckRequest:
    """Step 1: convert the body's types; the first problem is a ``ValidationError``.

    ``lowered``: the keys are lower case at every depth already, as ``parse_body`` and the
    journal give them, so they are not walked again.
    """
    try:
        return CheckRequest.model_validate(body if lowered else _lower_keys(body))
    except pydantic.ValidationError as exc:
        raise _error(exc.errors()[0]) from exc


def _entries(req: CheckRequest) -> list[tuple[int, CheckString]]:
    return [(index, entry) for index, entry in enumerate(req.check_strings or []) if entry is not None]


def _prints(entry: CheckString, loc: Loc, notices: list[Notice], *,
            fiscal: bool) -> tuple[list[PrintElement], list[PrintElement]]:
    """Step 6 for one entry: the elements before its line (image, text) and after (barcode)."""
    before: list[PrintElement] = []
    after: list[PrintElement] = []
    if entry.print_image is not None:
        image = image_element(entry.print_image, loc + ("PrintImage",))
        if image is not None:
            before.append(image)
    if entry.print_text is not None:
        before.append(text_element(entry.print_text, loc + ("PrintText",), notices))
    if entry.bar_code is not None:
        after.append(barcode_element(entry.bar_code, loc + ("BarCode",)))
    if entry.end_page:
        if fiscal:
            notices.append(notice(loc + ("EndPage",), "в фискальном чеке не используется",
                                  "not used in a fiscal receipt"))
        else:
            after.append(PageEnd())
    return before, after


def _copies(req: CheckRequest) -> int:
    copies = req.number_copies or 0
    if copies < 0:
        raise fail(("NumberCopies",), f"недопустимое значение {copies}", f"invalid value {copies}")
    return copies


def build_slip(req: CheckRequest, notices: list[Notice]) -> Slip:
    """The non-fiscal document of a request (``IsFiscalCheck: false``, ``PrintDocument``)."""
    elements: list[PrintElement] = []
    for index, entry in _entries(req):
        loc: Loc = ("CheckStrings", index)
        before, after = _prints(entry, loc, notices, fiscal=False)
        if entry.line is not None:
            notices.append(notice(loc + ("Register",),
                                  "не регистрируется: нефискальный документ (IsFiscalCheck = false)",
                                  "not registered: a non-fiscal document (IsFiscalCheck = false)"))
        elements += before + after
    return Slip(tuple(elements), print_paper=not req.not_print, copies=_copies(req))


def build_receipt(req: CheckRequest, registration: Registration, device: DeviceConfig, *,
                  today: dt.date) -> tuple[Receipt | Slip, list[Notice]]:
    """Steps 2–13 of §6.3.10: the domain document and the warnings, or a ``ValidationError``."""
    notices: list[Notice] = []
    if not req.is_fiscal_check:
        return build_slip(req, notices), notices
    kind, correction = header.receipt_type(req.type_check, registration)
    cashier = header.cashier(req, registration, notices)
    customer_inn = header.client_inn(req)
    role = agent_role(req.agent_sign, ("AgentSign",))
    receipt_agent = agent_data(req.agent_data, ("AgentData",))
    receipt_supplier = supplier(req.purveyor_data, ("PurveyorData",))
    tendered = tendered_payments(req)
    props = check_props(req, agent=role is not None, correction=correction)
    entries = _entries(req)
    prints = {index: _prints(entry, ("CheckStrings", index), notices, fiscal=True)
              for index, entry in entries}
    ctx = LineContext(kind, correction, today, registration, device.strict_vat)
    items: list[Item] = []
    origins: list[Loc] = []
    elements: list[PrintElement] = []
    positions: list[int] = []
    egais: list[Loc] = []

    def place(element: PrintElement) -> None:
        elements.append(element)
        positions.append(len(items))

    for index, entry in entries:
        before, after = prints[index]
        for element in before:
            place(element)
        if entry.line is not None:
            loc: Loc = ("CheckStrings", index, "Register")
            line = convert_line(entry.line, loc, ctx, notices)
            items += line.items
            origins += [loc] * len(line.items)
            if line.discount is not None:
                place(line.discount)
            if line.egais:
                egais.append(loc + ("EGAIS",))
        for element in after:
            place(element)
    correction_data = header.correction_data(req, today) if correction else None
    if correction and not items:
        synthetic = header.correction_line(req, ctx, notices)
        if synthetic is not None:
            items.append(synthetic)
            origins.append(())
    if not items:
        raise fail(("CheckStrings", "*", "Register"), "В чеке нет фискальных строк ({path})",
                   "The receipt has no fiscal lines ({path})")
    total = sum(item.amount for item in items)
    payments, change = rules.settle_payments(total, tendered)
    items = header.credit_methods(items, origins, tendered, notices)
    header.check_not_print(req)
    system = header.tax_system(req.tax_variant, registration)
    notices += props.notices
    notices += [notice(loc, "не передается", "not sent") for loc in egais]
    receipt = Receipt(
        kind=kind, items=tuple(items), payments=payments, cashier=cashier, tax_system=system,
        correction=correction_data, change=change,
        customer_contact=_text(req.client_address), customer_name=_text(req.client_info),
        customer_inn=customer_inn,
        sender_email=_text(req.sender_email) or props.sender_email or _text(registration.sender_email),
        settlement_address=_text(req.address_settle) or _text(registration.address),
        settlement_place=_text(req.place_market) or _text(registration.place),
        internet=bool(req.internet_mode), agent_role=role,
        agent_data=_merge_agent(receipt_agent, props.agent), supplier=receipt_supplier,
        user_attribute=_user_attribute(req), attribute=_attribute(req),
        header=tuple(props.header), elements=tuple(elements), element_positions=tuple(positions),
        footer=tuple(props.footer), print_paper=not req.not_print, copies=_copies(req),
    )
    return receipt, notices


def _text(value: str | None) -> str | None:
    return None if blank(value) else (value or "").strip()


def _merge_agent(agent: AgentData | None, extra: dict[str, Any]) -> AgentData | None:
    """Receipt agent data with ``CheckProps`` agent tags filling what ``AgentData`` left empty."""
    if not extra:
        return agent
    base = agent or AgentData()
    return replace(base, **{key: value for key, value in extra.items() if not getattr(base, key)})


def _user_attribute(req: CheckRequest) -> tuple[str, str] | None:
    data = req.user_attribute
    if data is None or (blank(data.name) and blank(data.value)):
        return None
    for field, text, limit in (("Name", data.name, 64), ("Value", data.value, 256)):
        if blank(text):
            raise fail(("UserAttribute", field), "не указано", "missing")
        if len((text or "").strip()) > limit:
            raise fail(("UserAttribute", field), f"длиннее {limit} символов",
                       f"longer than {limit} characters")
    return (data.name or "").strip(), (data.value or "").strip()


def _attribute(req: CheckRequest) -> str | None:
    text = _text(req.additional_attribute)
    if text is not None and len(text) > 16:
        raise fail(("AdditionalAttribute",), "длиннее 16 символов", "longer than 16 characters")
    return text
