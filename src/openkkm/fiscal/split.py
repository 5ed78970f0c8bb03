"""The discount split of one line (``API.md`` §6.3.9, ``FISCAL.md`` §4).

Tags 1079 (unit price) and 1043 (line sum) are both "after discounts", and a fiscal drive checks
1043 against 1079 × 1023. A client's discounted amount that no whole-kopeck unit price reproduces
is therefore registered as at most two lines whose sums add up to the amount exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from openkkm.fiscal.money import round_kopecks


@dataclass(frozen=True, slots=True)
class LinePart:
    """One registered line: unit price and sum in kopecks."""

    price: int
    quantity: Decimal
    amount: int


@dataclass(frozen=True, slots=True)
class Split:
    """The parts of a line and the adjustment to print: > 0 a discount, < 0 a markup, kopecks."""

    parts: tuple[LinePart, ...]
    adjustment: int = 0


def line_sum(price: int, quantity: Decimal) -> int:
    """round(price × quantity) in kopecks, half away from zero."""
    return round_kopecks(price * quantity)


def split_line(price: int, quantity: Decimal, amount: int) -> Split:
    """Split a line of ``quantity`` at ``price`` whose final sum is ``amount`` (kopecks, ≥ 0)."""
    if quantity <= 0 or price < 0 or amount < 0:
        raise ValueError("price and amount must be >= 0 and quantity > 0")
    if line_sum(price, quantity) == amount:
        return Split((LinePart(price, quantity, amount),))
    adjustment = round_kopecks(price * quantity - amount)
    unit = round_kopecks(amount / quantity)
    if line_sum(unit, quantity) > amount:
        unit -= 1
    if line_sum(unit, quantity) == amount:
        return Split((LinePart(unit, quantity, amount),), adjustment)
    head = line_sum(unit, quantity - 1)
    tail = amount - head
    return Split((LinePart(unit, quantity - 1, head), LinePart(tail, Decimal(1), tail)), adjustment)
