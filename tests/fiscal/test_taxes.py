"""VAT of a line (FISCAL.md §4 worked values) and code validity dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from openkkm.fiscal.taxes import valid_from, vat_of
from openkkm.fiscal.types import Item, VatRate


@pytest.mark.parametrize(("rate", "vat"), [
    (VatRate.VAT22, 1803), (VatRate.VAT22_122, 1803),
    (VatRate.VAT20, 1667), (VatRate.VAT20_120, 1667),
    (VatRate.VAT10, 909), (VatRate.VAT10_110, 909),
    (VatRate.VAT7, 654), (VatRate.VAT7_107, 654),
    (VatRate.VAT5, 476), (VatRate.VAT5_105, 476),
    (VatRate.VAT0, 0), (VatRate.NONE, 0),
])
def test_vat_of_100_rubles(rate: VatRate, vat: int) -> None:
    assert vat_of(10000, rate) == vat


def test_vat_rounds_half_up() -> None:
    # 0.06 at 20 %: 6 × 20 / 120 = 1.0 kop; 3 kop at 20 %: 0.5 -> 1 (half away from zero).
    assert vat_of(6, VatRate.VAT20) == 1
    assert vat_of(3, VatRate.VAT20) == 1
    assert vat_of(2, VatRate.VAT20) == 0


def test_item_vat_amount_uses_vat_of() -> None:
    item = Item("x", 10000, Decimal(1), 10000, VatRate.VAT22)
    assert item.vat_amount == 1803


def test_validity_dates() -> None:
    assert valid_from(VatRate.VAT22) == dt.date(2026, 1, 1)
    assert valid_from(VatRate.VAT7_107) == dt.date(2025, 1, 1)
    assert valid_from(VatRate.VAT20) is None
