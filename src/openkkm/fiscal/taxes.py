"""VAT (tag 1199) rates, their validity dates and the VAT of a line (``FISCAL.md`` §4, §5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from openkkm.fiscal.money import round_kopecks
from openkkm.fiscal.types import VatRate

#: Percent of each 1199 code; the "r/(100+r)" codes carry the same r (the amount includes VAT).
VAT_PERCENT: dict[VatRate, int] = {
    VatRate.VAT20: 20,
    VatRate.VAT10: 10,
    VatRate.VAT20_120: 20,
    VatRate.VAT10_110: 10,
    VatRate.VAT0: 0,
    VatRate.NONE: 0,
    VatRate.VAT5: 5,
    VatRate.VAT7: 7,
    VatRate.VAT5_105: 5,
    VatRate.VAT7_107: 7,
    VatRate.VAT22: 22,
    VatRate.VAT22_122: 22,
}

#: First settlement date of the codes introduced after 2019 (``FISCAL.md`` §5.2, §5.3).
VAT_VALID_FROM: dict[VatRate, dt.date] = {
    VatRate.VAT5: dt.date(2025, 1, 1),
    VatRate.VAT7: dt.date(2025, 1, 1),
    VatRate.VAT5_105: dt.date(2025, 1, 1),
    VatRate.VAT7_107: dt.date(2025, 1, 1),
    VatRate.VAT22: dt.date(2026, 1, 1),
    VatRate.VAT22_122: dt.date(2026, 1, 1),
}

#: The general rate changed from 20 % to 22 % on this date (425-ФЗ).
GENERAL_RATE_CHANGE = dt.date(2026, 1, 1)

#: The 20 % codes and the 22 % codes that replace them from ``GENERAL_RATE_CHANGE``.
SUCCESSOR: dict[VatRate, VatRate] = {
    VatRate.VAT20: VatRate.VAT22,
    VatRate.VAT20_120: VatRate.VAT22_122,
}

#: How the rate prints: «20 %», «20/120».
VAT_LABEL: dict[VatRate, str] = {
    VatRate.VAT20: "20 %",
    VatRate.VAT10: "10 %",
    VatRate.VAT20_120: "20/120",
    VatRate.VAT10_110: "10/110",
    VatRate.VAT0: "0 %",
    VatRate.NONE: "без НДС",
    VatRate.VAT5: "5 %",
    VatRate.VAT7: "7 %",
    VatRate.VAT5_105: "5/105",
    VatRate.VAT7_107: "7/107",
    VatRate.VAT22: "22 %",
    VatRate.VAT22_122: "22/122",
}


def vat_of(amount_kopecks: int, rate: VatRate) -> int:
    """The VAT inside an amount (tag 1200): round(amount × r / (100 + r)), half away from zero."""
    percent = VAT_PERCENT[rate]
    if percent == 0:
        return 0
    return round_kopecks(Decimal(amount_kopecks) * percent / (100 + percent))


def valid_from(rate: VatRate) -> dt.date | None:
    """The first date a code may be used on, or None for codes valid since 2019."""
    return VAT_VALID_FROM.get(rate)
