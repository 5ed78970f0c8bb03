"""The discount split (API.md §6.3.9, FISCAL.md §4)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from openkkm.fiscal.split import LinePart, line_sum, split_line


def test_exact_line_is_kept() -> None:
    result = split_line(9880, Decimal(3), 29640)
    assert result.parts == (LinePart(9880, Decimal(3), 29640),)
    assert result.adjustment == 0


def test_rounded_product_is_exact() -> None:
    # 100.00 × 0.333 = 33.30 exactly as rounded: registered as given.
    assert split_line(10000, Decimal("0.333"), 3330).parts == (LinePart(10000, Decimal("0.333"), 3330),)


def test_specification_sample() -> None:
    result = split_line(10000, Decimal(3), 1)
    assert result.parts == (LinePart(0, Decimal(2), 0), LinePart(1, Decimal(1), 1))
    assert result.adjustment == 29999


def test_fiscal_example_four_units() -> None:
    result = split_line(300, Decimal(4), 1002)
    assert result.parts == (LinePart(250, Decimal(3), 750), LinePart(252, Decimal(1), 252))
    assert result.adjustment == 198


def test_one_line_discount() -> None:
    result = split_line(1000, Decimal(2), 1800)
    assert result.parts == (LinePart(900, Decimal(2), 1800),)
    assert result.adjustment == 200


def test_markup_is_negative() -> None:
    result = split_line(1000, Decimal(1), 1100)
    assert result.parts == (LinePart(1100, Decimal(1), 1100),)
    assert result.adjustment == -100


def test_fractional_quantity_one_line() -> None:
    result = split_line(12345, Decimal("0.75"), 9000)
    assert len(result.parts) == 1
    assert result.parts[0].amount == 9000


@given(
    price=st.integers(min_value=0, max_value=10_000_000),
    quantity=st.decimals(min_value=Decimal("0.000001"), max_value=Decimal(1000), places=6),
    amount=st.integers(min_value=0, max_value=100_000_000),
)
def test_split_invariants(price: int, quantity: Decimal, amount: int) -> None:
    result = split_line(price, quantity, amount)
    assert 1 <= len(result.parts) <= 2
    assert sum(part.amount for part in result.parts) == amount
    assert sum(part.quantity for part in result.parts) == quantity
    for part in result.parts:
        assert part.price >= 0
        assert part.quantity > 0
        assert line_sum(part.price, part.quantity) == part.amount
