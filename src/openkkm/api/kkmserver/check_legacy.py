"""Step 5 of ``RegisterCheck``: legacy payments and ``CheckProps``, plus ``AdditionalProps`` (§9c)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openkkm.api.kkmserver.check_common import Notice, blank, fail, kopecks, phones
from openkkm.api.kkmserver.check_schema import CheckRequestBase
from openkkm.fiscal.inn import is_valid_inn
from openkkm.fiscal.types import Payments, PrintElement, PrintText

#: (wire name, model attribute) of a modern payment field, of its legacy FFD 1.0 twin if any,
#: and the ``Payments`` attribute both feed.
PAYMENT_FIELDS: tuple[tuple[tuple[str, str], tuple[str, str] | None, str], ...] = (
    (("Cash", "cash"), None, "cash"),
    (("ElectronicPayment", "electronic_payment"), ("CashLessType1", "cash_less_type1"), "electronic"),
    (("AdvancePayment", "advance_payment"), None, "prepayment"),
    (("Credit", "credit"), ("CashLessType2", "cash_less_type2"), "credit"),
    (("CashProvision", "cash_provision"), ("CashLessType3", "cash_less_type3"), "provision"),
)

#: How a ``CheckProps`` tag prints.
TAG_LABELS: dict[int, str] = {
    1005: "Адрес оператора перевода", 1010: "Размер вознаграждения",
    1016: "ИНН оператора перевода", 1026: "Оператор перевода",
    1044: "Операция платежного агента", 1045: "Операция банковского субагента",
    1073: "Телефон платежного агента", 1074: "Телефон оператора по приему платежей",
    1075: "Телефон оператора перевода", 1082: "Телефон банковского субагента",
    1083: "Телефон платежного субагента", 1117: "Эл. адрес отправителя",
    1119: "Телефон оператора по приему платежей",
}
#: Agent tags that go into tag 1223 when the receipt has an ``AgentSign`` (``API.md`` §9c).
AGENT_TAGS = frozenset({1005, 1016, 1026, 1044, 1073, 1074, 1075})
SENDER_EMAIL_TAG = 1117


def tendered_payments(req: CheckRequestBase) -> Payments:
    """The payments as tendered (cash before change), legacy fields mapped to modern kinds."""
    amounts: dict[str, int] = {}
    for (modern, modern_attr), twin, attribute in PAYMENT_FIELDS:
        value = kopecks(getattr(req, modern_attr), (modern,))
        if twin is not None:
            legacy, legacy_attr = twin
            old_value = kopecks(getattr(req, legacy_attr), (legacy,))
            if value and old_value:
                raise fail((modern,), f"Поля {{path}} и {legacy} заданы оба; укажите сумму в одном из них",
                           f"Both {{path}} and {legacy} are set; give the amount in one of them")
            value = value or old_value
        amounts[attribute] = value
    return Payments(**amounts)


@dataclass
class Props:
    """What ``CheckProps`` and ``AdditionalProps`` give a receipt."""

    header: list[PrintElement] = field(default_factory=list)
    footer: list[PrintElement] = field(default_factory=list)
    sender_email: str | None = None
    agent: dict[str, Any] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)


def _agent_value(tag: int, value: str) -> tuple[str, Any] | None:
    attribute = {1005: "transfer_operator_address", 1016: "transfer_operator_inn",
                 1026: "transfer_operator_name", 1044: "operation", 1073: "agent_phones",
                 1074: "operator_phone", 1075: "transfer_operator_phones"}[tag]
    if tag == 1016:
        return (attribute, value) if is_valid_inn(value) else None
    if tag in (1073, 1075):
        return (attribute, phones(value)) if phones(value) else None
    if tag == 1074:
        found = phones(value)
        return (attribute, found[0]) if found else None
    return attribute, value


def check_props(req: CheckRequestBase, *, agent: bool, correction: bool) -> Props:
    """Print and map ``CheckProps`` (send a tag only where valid), print ``AdditionalProps``."""
    result = Props()
    printed_only: list[int] = []
    dropped: list[int] = []
    for index, prop in enumerate(req.check_props or []):
        if prop is None or (prop.teg is None and blank(prop.prop)):
            continue
        if prop.teg is None:
            raise fail(("CheckProps", index, "Teg"), "не указан номер тега", "the tag number is missing")
        value = (prop.prop or "").strip()
        sent = False
        if prop.teg == SENDER_EMAIL_TAG and value and blank(req.sender_email):
            result.sender_email, sent = value, True
        elif prop.teg in AGENT_TAGS and agent and value:
            mapped = _agent_value(prop.teg, value)
            if mapped is not None:
                result.agent.setdefault(*mapped)
                sent = True
        printing = prop.print is not False
        if printing:
            line = PrintText(f"{TAG_LABELS.get(prop.teg, f'Реквизит {prop.teg}')}: {value}")
            (result.header if prop.print_in_header else result.footer).append(line)
        if not sent:
            (printed_only if printing else dropped).append(prop.teg)
    if printed_only:
        tags = ", ".join(str(t) for t in printed_only)
        result.notices.append(Notice(f"CheckProps {tags}: только печать",
                                     f"CheckProps {tags}: printed only"))
    if dropped:
        tags = ", ".join(str(t) for t in dropped)
        result.notices.append(Notice(f"CheckProps {tags}: не передается и не печатается",
                                     f"CheckProps {tags}: neither sent nor printed"))
    extra = [p for p in req.additional_props or [] if p is not None]
    if correction and extra:
        result.notices.append(Notice("AdditionalProps: не печатаются в чеке коррекции",
                                     "AdditionalProps: not printed on a correction receipt"))
        return result
    for extra_prop in extra:
        if extra_prop.print is False or (blank(extra_prop.name_prop) and blank(extra_prop.prop)):
            continue
        line = PrintText(f"{(extra_prop.name_prop or '').strip()}: {(extra_prop.prop or '').strip()}")
        (result.header if extra_prop.print_in_header else result.footer).append(line)
    return result
