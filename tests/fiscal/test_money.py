"""Money and quantity conversions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openkkm.fiscal.money import (
    MoneyError,
    check_quantity,
    format_rubles,
    json_number,
    round_kopecks,
    to_kopecks,
    to_rubles,
)


@pytest.mark.parametrize(("rubles", "kopecks"), [
    ("0", 0), ("0.01", 1), ("100", 10000), ("98.80", 9880), ("1.230", 123), ("1E+2", 10000),
])
def test_to_kopecks_accepts_two_decimals(rubles: str, kopecks: int) -> None:
    assert to_kopecks(Decimal(rubles)) == kopecks


@pytest.mark.parametrize("rubles", ["0.001", "1.234", "-0.01", "NaN", "Infinity"])
def test_to_kopecks_refuses(rubles: str) -> None:
    with pytest.raises(MoneyError):
        to_kopecks(Decimal(rubles))


def test_negative_allowed_on_request() -> None:
    assert to_kopecks(Decimal("-1.50"), allow_negative=True) == -150


def test_round_half_away_from_zero() -> None:
    assert round_kopecks(Decimal("0.5")) == 1
    assert round_kopecks(Decimal("-0.5")) == -1
    assert round_kopecks(Decimal("2.4999")) == 2


def test_format_and_back() -> None:
    assert format_rubles(29999) == "299.99"
    assert format_rubles(80000) == "800.00"
    assert format_rubles(1) == "0.01"
    assert to_rubles(123) == Decimal("1.23")


def test_quantity_places_and_sign() -> None:
    assert check_quantity(Decimal("0.123456")) == Decimal("0.123456")
    with pytest.raises(MoneyError, match="6"):
        check_quantity(Decimal("0.1234567"))
    with pytest.raises(MoneyError) as zero:
        check_quantity(Decimal(0))
    assert "больше нуля" in zero.value.ru
    with pytest.raises(MoneyError):
        check_quantity(Decimal(-1))


def test_json_number() -> None:
    assert json_number(Decimal("800.00")) == 800 and isinstance(json_number(Decimal("800.00")), int)
    assert json_number(Decimal("0.010")) == Decimal("0.01")
