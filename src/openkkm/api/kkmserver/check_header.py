"""Receipt-level steps of ``RegisterCheck``: type, cashier, buyer, correction, credit, СНО."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from openkkm.api.kkmserver.check_common import (
    Notice,
    blank,
    fail,
    kopecks,
    notice,
    parse_date,
)
from openkkm.api.kkmserver.check_lines import LineContext, vat_rate
from openkkm.api.kkmserver.check_schema import CheckRequestBase
from openkkm.errors import Loc
from openkkm.fiscal import rules
from openkkm.fiscal.inn import is_personal_inn, is_valid_inn
from openkkm.fiscal.money import format_rubles
from openkkm.fiscal.types import (
    Cashier,
    Correction,
    CorrectionType,
    FfdVersion,
    Item,
    Measure,
    PaymentMethod,
    PaymentObject,
    Payments,
    ReceiptKind,
    Registration,
    TaxSystem,
)

MAX_CASHIER = 64
CORRECTION_LINE = "Чек корректировки"

#: ``TypeCheck`` -> (tag 1054, is a correction) (``API.md`` §6.3.6).
TYPE_CHECK: dict[int, tuple[ReceiptKind, bool]] = {
    0: (ReceiptKind.SALE, False), 1: (ReceiptKind.SALE_RETURN, False),
    2: (ReceiptKind.SALE, True), 3: (ReceiptKind.SALE_RETURN, True),
    10: (ReceiptKind.PURCHASE, False), 11: (ReceiptKind.PURCHASE_RETURN, False),
    12: (ReceiptKind.PURCHASE, True), 13: (ReceiptKind.PURCHASE_RETURN, True),
}
EGAIS_ONLY = frozenset({8, 9})


def receipt_type(value: int | None, registration: Registration) -> tuple[ReceiptKind, bool]:
    """Step 3: ``TypeCheck`` as (kind, correction); 8/9 and unknown values are errors."""
    code = 0 if value is None else value
    if code in EGAIS_ONLY:
        raise fail(("TypeCheck",), f"{code} (только ЕГАИС, без фискального чека) не поддерживается: "
                   "openkkm не формирует документы только для ЕГАИС",
                   f"{code} (EGAIS only, no fiscal receipt) is not supported: openkkm makes no "
                   "EGAIS-only documents")
    if code not in TYPE_CHECK:
        allowed = ", ".join(str(c) for c in TYPE_CHECK)
        raise fail(("TypeCheck",), f"недопустимое значение {code}; допустимо {allowed}",
                   f"invalid value {code}; allowed {allowed}")
    kind, correction = TYPE_CHECK[code]
    rules.check_kind(kind, correction, registration, ("TypeCheck",))
    return kind, correction


def cashier(req: CheckRequestBase, registration: Registration,
            notices: list[Notice]) -> Cashier | None:
    """Step 4: the cashier (required unless automatic) and the cashier INN per ``API.md`` §9i."""
    name = (req.cashier_name or "").strip()
    if not name:
        if registration.automatic:
            return None
        raise fail(("CashierName",), "Не указан кассир (поле {path})",
                   "No cashier given (field {path})")
    if len(name) > MAX_CASHIER:
        notices.append(notice(("CashierName",), f"длиннее {MAX_CASHIER} символов, обрезано",
                              f"longer than {MAX_CASHIER} characters, cut"))
        name = name[:MAX_CASHIER]
    inn = (req.cashier_vatin or "").strip()
    if inn and not is_personal_inn(inn):
        notices.append(notice(
            ("CashierVATIN",),
            f"'{inn}' не является ИНН физического лица (12 цифр с верным контрольным числом), "
            "не передается",
            f"'{inn}' is not a personal INN (12 digits with a valid check digit), not sent"))
        inn = ""
    return Cashier(name, inn or None)


def client_inn(req: CheckRequestBase) -> str | None:
    """Step 4: the buyer INN, 10 or 12 digits with a valid checksum (``API.md`` §9i)."""
    inn = (req.client_inn or "").strip()
    if inn and not is_valid_inn(inn):
        raise fail(("ClientINN",),
                   f"недействительный ИНН '{inn}': нужно 10 или 12 цифр с верным контрольным числом",
                   f"invalid INN '{inn}': 10 or 12 digits with a valid check digit expected")
    return inn or None


def correction_data(req: CheckRequestBase, today: dt.date) -> Correction:
    """Step 8: ``CorrectionType``, ``CorrectionBaseDate`` and ``CorrectionBaseNumber``."""
    code = 1 if req.correction_type is None else req.correction_type
    if code not in CorrectionType._value2member_map_:
        raise fail(("CorrectionType",), f"недопустимое значение {code}; допустимо 0, 1",
                   f"invalid value {code}; allowed 0, 1")
    if blank(req.correction_base_date):
        raise fail(("CorrectionBaseDate",), "обязательно для чека коррекции",
                   "required for a correction receipt")
    base_date = parse_date(req.correction_base_date or "", ("CorrectionBaseDate",))
    if base_date > today:
        raise fail(("CorrectionBaseDate",), f"{base_date:%d.%m.%Y} позже даты чека коррекции",
                   f"{base_date:%Y-%m-%d} is after the correction receipt's date")
    number = (req.correction_base_number or "").strip()
    if not number:
        raise fail(("CorrectionBaseNumber",), "обязательно для чека коррекции",
                   "required for a correction receipt")
    return Correction(CorrectionType(code), base_date, number)


def correction_line(req: CheckRequestBase, ctx: LineContext, notices: list[Notice]) -> Item | None:
    """Step 8: the line «Чек корректировки» of ``Amount``, taxed by the first non-zero ``SumTax*``."""
    amount = kopecks(req.amount, ("Amount",))
    if not amount:
        return None
    tax, loc = -1, ("Amount",)
    for wire_name, value, total in req.sum_tax():
        if kopecks(total, (wire_name,)):
            tax, loc = value, (wire_name,)
            break
    vat = vat_rate(tax, PaymentMethod.FULL_PAYMENT, ctx, loc, notices)
    measure = Measure.PIECE if ctx.registration.ffd >= FfdVersion.V1_2 else None
    return Item(CORRECTION_LINE, amount, Decimal(1), amount, vat,
                PaymentMethod.FULL_PAYMENT, PaymentObject.GOODS, measure)


def credit_methods(items: list[Item], origins: list[Loc], tendered: Payments,
                   notices: list[Notice]) -> list[Item]:
    """Step 11: ``SignMethodCalculation`` follows ``Credit`` (4 -> 6 or 5; 5, 6 -> 4)."""
    credit = tendered.credit
    others = tendered.total - credit
    result: list[Item] = []
    noted: set[Loc] = set()
    for item, origin in zip(items, origins, strict=True):
        new = item.method
        if credit and item.method == PaymentMethod.FULL_PAYMENT:
            new = PaymentMethod.PARTIAL_PAYMENT_CREDIT if others else PaymentMethod.CREDIT_TRANSFER
        elif not credit and item.method in (PaymentMethod.PARTIAL_PAYMENT_CREDIT,
                                            PaymentMethod.CREDIT_TRANSFER):
            new = PaymentMethod.FULL_PAYMENT
        if new != item.method and origin not in noted:
            noted.add(origin)
            why = (f"Credit = {format_rubles(credit)}" if credit else "Credit = 0")
            notices.append(notice(origin + ("SignMethodCalculation",),
                                  f"{int(item.method)} → {int(new)} ({why})",
                                  f"{int(item.method)} → {int(new)} ({why})"))
        result.append(replace(item, method=new) if new != item.method else item)
    return result


def tax_system(value: str | None, registration: Registration) -> TaxSystem:
    """Step 13: ``TaxVariant`` ("" = the register's first) among the registered systems."""
    text = (value or "").strip()
    system = None
    if text:
        if text not in {str(int(s)) for s in TaxSystem}:
            raise fail(("TaxVariant",), f"недопустимое значение '{text}'; допустимо 0, 1, 2, 3, 4, 5",
                       f"invalid value '{text}'; allowed 0, 1, 2, 3, 4, 5")
        system = TaxSystem(int(text))
    return rules.resolve_tax_system(system, registration, ("TaxVariant",))


def check_not_print(req: CheckRequestBase) -> None:
    """Step 12: a receipt not printed must go to the buyer's phone or e-mail."""
    if req.not_print and blank(req.client_address):
        raise fail(("ClientAddress",),
                   "обязательно при NotPrint = true: чек без печати отправляется покупателю",
                   "required with NotPrint = true: an unprinted receipt is sent to the buyer")
