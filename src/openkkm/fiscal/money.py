"""Money and quantity arithmetic: rubles as ``Decimal`` at the edges, integer kopecks inside.

Rounding is half away from zero (``ROUND_HALF_UP`` on ``Decimal``), as fiscal drives round
(``FISCAL.md`` §4). Binary floats never appear.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

KOPECK = Decimal("0.01")
QUANTITY_PLACES = 6
_QUANTUM = Decimal(1).scaleb(-QUANTITY_PLACES)


class MoneyError(ValueError):
    """A money or quantity value cannot be represented; ``ru``/``en`` say why."""

    def __init__(self, ru: str, en: str) -> None:
        super().__init__(en)
        self.ru = ru
        self.en = en


def round_kopecks(value: Decimal) -> int:
    """Round a kopeck amount (possibly fractional) to whole kopecks, half away from zero."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_kopecks(rubles: Decimal, *, allow_negative: bool = False) -> int:
    """Convert rubles with at most two decimals to kopecks; anything else is a ``MoneyError``."""
    if not rubles.is_finite():
        raise MoneyError(f"недопустимое значение {rubles}", f"invalid value {rubles}")
    if rubles != rubles.quantize(KOPECK, rounding=ROUND_HALF_UP):
        raise MoneyError(f"{rubles}: больше двух знаков после точки (копейки)",
                         f"{rubles}: more than two decimals (kopecks)")
    if rubles < 0 and not allow_negative:
        raise MoneyError(f"отрицательная сумма {rubles}", f"negative amount {rubles}")
    return int(rubles * 100)


def to_rubles(kopecks: int) -> Decimal:
    """Kopecks as a two-decimal ``Decimal`` of rubles."""
    return (Decimal(kopecks) / 100).quantize(KOPECK)


def format_rubles(kopecks: int) -> str:
    """Kopecks as rubles with a dot and exactly two decimals: ``29999`` -> ``"299.99"``."""
    return f"{to_rubles(kopecks):.2f}"


def check_quantity(quantity: Decimal) -> Decimal:
    """Return a positive quantity with at most six decimals, else raise ``MoneyError``."""
    if not quantity.is_finite():
        raise MoneyError(f"недопустимое значение {quantity}", f"invalid value {quantity}")
    if quantity != quantity.quantize(_QUANTUM, rounding=ROUND_HALF_UP):
        raise MoneyError(f"{quantity}: больше {QUANTITY_PLACES} знаков после точки",
                         f"{quantity}: more than {QUANTITY_PLACES} decimals")
    if quantity <= 0:
        raise MoneyError(f"количество должно быть больше нуля (передано {quantity})",
                         f"the quantity must be greater than zero (got {quantity})")
    return quantity


def json_number(rubles: Decimal) -> int | Decimal:
    """A ruble value for a JSON answer: an int when whole (``800``), else the Decimal (``0.01``)."""
    if rubles == rubles.to_integral_value():
        return int(rubles)
    return rubles.normalize()
