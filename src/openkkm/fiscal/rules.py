"""Domain checks of a built receipt against the law, the date and the register's registration.

Each check is its own function taking the ``loc`` to blame, so an API edge can run them at its
own step of validation with its wire paths; ``check_receipt`` runs them all with English paths
for callers that hold only a ``Receipt`` (``FISCAL.md`` §3.5, §4, §5.3).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from openkkm.errors import Loc, ValidationError
from openkkm.fiscal.money import format_rubles
from openkkm.fiscal.taxes import GENERAL_RATE_CHANGE, SUCCESSOR, VAT_LABEL, valid_from
from openkkm.fiscal.types import (
    FfdVersion,
    PaymentMethod,
    PaymentObject,
    Payments,
    Receipt,
    ReceiptKind,
    Registration,
    TaxSystem,
    VatRate,
)

#: Payment objects that exist only in FFD 1.2 (tag 1212 values 20–27, 30–33).
FFD12_OBJECTS = frozenset(PaymentObject(v) for v in (*range(20, 28), 30, 31, 32, 33))
#: Payment objects that need the excise flag (1207) in the registration.
EXCISE_OBJECTS = frozenset({PaymentObject.EXCISE_GOODS, PaymentObject.EXCISE_MARKED_NO_CODE,
                            PaymentObject.EXCISE_MARKED_WITH_CODE})
_RETURNS = frozenset({ReceiptKind.SALE_RETURN, ReceiptKind.PURCHASE_RETURN})


@dataclass(frozen=True, slots=True)
class Remark:
    """A non-fatal finding (a warning), located like a ``ValidationError``."""

    loc: Loc
    ru: str
    en: str


def check_vat_date(rate: VatRate, on: dt.date, loc: Loc) -> None:
    """Refuse a 1199 code used before it existed (22 % before 2026, 5 %/7 % before 2025)."""
    since = valid_from(rate)
    if since is not None and on < since:
        label = VAT_LABEL[rate]
        raise ValidationError(
            loc,
            f"ставка НДС {label} применяется с {since:%d.%m.%Y}, а чек датирован {on:%d.%m.%Y}",
            f"the VAT rate {label} applies from {since:%Y-%m-%d}; the receipt is dated {on:%Y-%m-%d}",
        )


def outdated_general_rate(rate: VatRate, method: PaymentMethod, *, kind: ReceiptKind,
                          correction: bool, on: dt.date) -> bool:
    """True when a 20 % code sits on an ordinary 2026+ settlement (``FISCAL.md`` §5.3).

    Returns, corrections and credit payments (1214 = 7) keep the original settlement's rate.
    """
    return (rate in SUCCESSOR and on >= GENERAL_RATE_CHANGE and not correction
            and kind not in _RETURNS and method != PaymentMethod.CREDIT_PAYMENT)


def check_subject(subject: PaymentObject, registration: Registration, loc: Loc) -> None:
    """FFD-version and registration rules of a payment object: 1.2-only values, excise goods."""
    if subject in FFD12_OBJECTS and registration.ffd < FfdVersion.V1_2:
        raise ValidationError(
            loc,
            f"признак предмета расчета {int(subject)} есть только в ФФД 1.2, "
            f"а ККТ работает по ФФД {registration.ffd.label}",
            f"payment object {int(subject)} exists only in FFD 1.2; "
            f"the register uses FFD {registration.ffd.label}",
        )
    if subject in EXCISE_OBJECTS and not registration.excise:
        raise ValidationError(
            loc,
            f"подакцизный товар ({int(subject)}), а ККТ зарегистрирована без признака "
            "подакцизных товаров",
            f"excise goods ({int(subject)}), but the register is not registered for excise goods",
        )


def check_kind(kind: ReceiptKind, correction: bool, registration: Registration, loc: Loc) -> None:
    """A correction of a return needs FFD 1.1 or later."""
    if correction and kind in _RETURNS and registration.ffd < FfdVersion.V1_1:
        raise ValidationError(
            loc,
            f"коррекция возврата возможна с ФФД 1.1; ККТ работает по ФФД {registration.ffd.label}",
            f"a return correction needs FFD 1.1 or later; the register uses FFD "
            f"{registration.ffd.label}",
        )


def settle_payments(total: int, tendered: Payments, loc: Loc = ()) -> tuple[Payments, int]:
    """Return the payments as registered (cash net of change) and the change, or refuse them.

    Only cash may exceed the total; the change is handed back from it (``FISCAL.md`` §4).
    """
    paid = tendered.total
    if paid < total:
        raise ValidationError(
            loc,
            f"Сумма оплат ({format_rubles(paid)}) меньше суммы по строкам чека ({format_rubles(total)})",
            f"The payments ({format_rubles(paid)}) are less than the receipt total "
            f"({format_rubles(total)})",
        )
    change = paid - total
    if change > tendered.cash:
        raise ValidationError(
            loc,
            f"Сдача ({format_rubles(change)}) больше оплаты наличными "
            f"(Cash = {format_rubles(tendered.cash)}): сдачу можно выдать только наличными",
            f"The change ({format_rubles(change)}) exceeds the cash paid "
            f"(Cash = {format_rubles(tendered.cash)}): change is given in cash only",
        )
    return replace(tendered, cash=tendered.cash - change), change


def resolve_tax_system(system: TaxSystem | None, registration: Registration,
                       loc: Loc) -> TaxSystem:
    """The receipt's tax system: the one asked for if registered, else the register's first."""
    registered = registration.tax_systems
    if system is None:
        if not registered:
            raise ValidationError(loc, "в ККТ не зарегистрирована ни одна СНО",
                                  "the register has no tax system registered")
        return registered[0]
    if system not in registered:
        allowed = ", ".join(str(int(s)) for s in registered)
        raise ValidationError(
            loc,
            f"СНО {int(system)} не зарегистрирована в ККТ; зарегистрированы: {allowed}",
            f"tax system {int(system)} is not registered in the register; registered: {allowed}",
        )
    return system


def check_receipt(receipt: Receipt, registration: Registration, *, today: dt.date,
                  strict_vat: bool = False) -> list[Remark]:
    """Run every domain check on a built receipt; raise the first error, return the warnings."""
    remarks: list[Remark] = []
    correction = receipt.correction is not None
    check_kind(receipt.kind, correction, registration, ("kind",))
    if not receipt.items:
        raise ValidationError(("items",), "в чеке нет предметов расчета", "the receipt has no items")
    for index, item in enumerate(receipt.items):
        loc: Loc = ("items", index)
        check_subject(item.subject, registration, loc + ("subject",))
        check_vat_date(item.vat, today, loc + ("vat",))
        if outdated_general_rate(item.vat, item.method, kind=receipt.kind, correction=correction,
                                 on=today):
            new = SUCCESSOR[item.vat]
            ru = (f"ставка НДС {VAT_LABEL[item.vat]}; с 01.01.2026 основная ставка "
                  f"{VAT_LABEL[new]} (код {int(new)})")
            en = (f"VAT rate {VAT_LABEL[item.vat]}; since 2026-01-01 the general rate is "
                  f"{VAT_LABEL[new]} (code {int(new)})")
            if strict_vat:
                raise ValidationError(loc + ("vat",), ru, en)
            remarks.append(Remark(loc + ("vat",), ru, en))
    tendered = replace(receipt.payments, cash=receipt.payments.cash + receipt.change)
    settle_payments(receipt.total, tendered, ("payments",))
    resolve_tax_system(receipt.tax_system, registration, ("tax_system",))
    return remarks
