"""Domain checks on a built receipt."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from openkkm.errors import ValidationError
from openkkm.fiscal import rules
from openkkm.fiscal.types import (
    Correction,
    CorrectionType,
    FfdVersion,
    Item,
    PaymentMethod,
    PaymentObject,
    Payments,
    Receipt,
    ReceiptKind,
    Registration,
    TaxSystem,
    VatRate,
)

REG = Registration(inn="7700000009", organization="ООО", tax_systems=(TaxSystem.OSN, TaxSystem.USN_INCOME),
                   reg_number="1", kkt_number="1", fn_number="7380440700012345", ffd=FfdVersion.V1_2)
DAY_2026 = dt.date(2026, 3, 1)


def _receipt(vat: VatRate = VatRate.VAT22, **kw: object) -> Receipt:
    item = Item("x", 10000, Decimal(1), 10000, vat, kw.pop("method", PaymentMethod.FULL_PAYMENT))  # type: ignore[arg-type]
    base: dict[str, object] = dict(kind=ReceiptKind.SALE, items=(item,), payments=Payments(cash=10000))
    base.update(kw)
    return Receipt(**base)  # type: ignore[arg-type]


def test_settle_cash_change() -> None:
    payments, change = rules.settle_payments(1, Payments(cash=80000, electronic=1))
    assert payments == Payments(cash=0, electronic=1)
    assert change == 80000


def test_settle_short() -> None:
    with pytest.raises(ValidationError) as err:
        rules.settle_payments(10000, Payments(cash=5000))
    assert err.value.ru == "Сумма оплат (50.00) меньше суммы по строкам чека (100.00)"


def test_settle_change_only_from_cash() -> None:
    with pytest.raises(ValidationError) as err:
        rules.settle_payments(10000, Payments(cash=1000, electronic=12000))
    assert err.value.ru == ("Сдача (30.00) больше оплаты наличными (Cash = 10.00): "
                            "сдачу можно выдать только наличными")


def test_vat_dates() -> None:
    with pytest.raises(ValidationError, match="2026"):
        rules.check_vat_date(VatRate.VAT22, dt.date(2025, 12, 31), ("x",))
    with pytest.raises(ValidationError, match="2025"):
        rules.check_vat_date(VatRate.VAT7, dt.date(2024, 12, 31), ("x",))
    rules.check_vat_date(VatRate.VAT7, dt.date(2025, 1, 1), ("x",))
    rules.check_vat_date(VatRate.VAT20, dt.date(2026, 1, 1), ("x",))


@pytest.mark.parametrize(("kind", "method", "correction", "outdated"), [
    (ReceiptKind.SALE, PaymentMethod.FULL_PAYMENT, False, True),
    (ReceiptKind.PURCHASE, PaymentMethod.FULL_PREPAYMENT, False, True),
    (ReceiptKind.SALE_RETURN, PaymentMethod.FULL_PAYMENT, False, False),
    (ReceiptKind.SALE, PaymentMethod.CREDIT_PAYMENT, False, False),
    (ReceiptKind.SALE, PaymentMethod.FULL_PAYMENT, True, False),
])
def test_outdated_general_rate(kind: ReceiptKind, method: PaymentMethod, correction: bool,
                               outdated: bool) -> None:
    assert rules.outdated_general_rate(VatRate.VAT20, method, kind=kind, correction=correction,
                                       on=DAY_2026) is outdated
    assert not rules.outdated_general_rate(VatRate.VAT20, method, kind=kind, correction=correction,
                                           on=dt.date(2025, 12, 31))


def test_tax_system_resolution() -> None:
    assert rules.resolve_tax_system(None, REG, ("t",)) is TaxSystem.OSN
    assert rules.resolve_tax_system(TaxSystem.USN_INCOME, REG, ("t",)) is TaxSystem.USN_INCOME
    with pytest.raises(ValidationError, match="0, 1"):
        rules.resolve_tax_system(TaxSystem.PATENT, REG, ("t",))


def test_ffd12_objects_and_excise() -> None:
    old = replace(REG, ffd=FfdVersion.V1_05)
    with pytest.raises(ValidationError, match="1.05"):
        rules.check_subject(PaymentObject.MARKED_WITH_CODE, old, ("s",))
    with pytest.raises(ValidationError) as err:
        rules.check_subject(PaymentObject.EXCISE_GOODS, REG, ("s",))
    assert "подакцизн" in err.value.ru
    rules.check_subject(PaymentObject.EXCISE_GOODS, replace(REG, excise=True), ("s",))
    rules.check_subject(PaymentObject.MARKED_WITH_CODE, REG, ("s",))


def test_check_receipt_warns_and_refuses() -> None:
    remarks = rules.check_receipt(_receipt(VatRate.VAT20), REG, today=DAY_2026)
    assert [r.loc for r in remarks] == [("items", 0, "vat")]
    assert "22 %" in remarks[0].ru
    with pytest.raises(ValidationError) as err:
        rules.check_receipt(_receipt(VatRate.VAT20), REG, today=DAY_2026, strict_vat=True)
    assert err.value.loc == ("items", 0, "vat")
    assert rules.check_receipt(_receipt(VatRate.VAT22), REG, today=DAY_2026) == []
    with pytest.raises(ValidationError) as early:
        rules.check_receipt(_receipt(VatRate.VAT22), REG, today=dt.date(2025, 6, 1))
    assert early.value.loc == ("items", 0, "vat")


def test_check_receipt_payments_and_correction() -> None:
    with pytest.raises(ValidationError) as err:
        rules.check_receipt(_receipt(payments=Payments(cash=100)), REG, today=DAY_2026)
    assert "меньше" in err.value.ru
    correction = Correction(CorrectionType.OWN, dt.date(2025, 5, 1), "1")
    old = replace(REG, ffd=FfdVersion.V1_05)
    with pytest.raises(ValidationError) as kind:
        rules.check_receipt(_receipt(VatRate.VAT20, kind=ReceiptKind.SALE_RETURN, correction=correction),
                            old, today=DAY_2026)
    assert kind.value.loc == ("kind",)
    assert rules.check_receipt(_receipt(VatRate.VAT20, correction=correction), REG, today=DAY_2026) == []
