"""Russian taxpayer numbers (ИНН): 10 digits for organizations, 12 for persons, with check digits."""

from __future__ import annotations

_WEIGHTS_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def check_digit(digits: str, weights: tuple[int, ...]) -> int:
    """The FNS check digit of ``digits`` under ``weights``: weighted sum mod 11 mod 10."""
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10


def is_valid_inn(inn: str, *, lengths: tuple[int, ...] = (10, 12)) -> bool:
    """True when ``inn`` is all digits, of an allowed length, not all zeros, with right check digits."""
    if not inn.isascii() or not inn.isdigit() or len(inn) not in lengths or not inn.strip("0"):
        return False
    if len(inn) == 10:
        return check_digit(inn[:9], _WEIGHTS_10) == int(inn[9])
    if len(inn) == 12:
        return (check_digit(inn[:10], _WEIGHTS_11) == int(inn[10])
                and check_digit(inn[:11], _WEIGHTS_12) == int(inn[11]))
    return False


def is_personal_inn(inn: str) -> bool:
    """True for a valid 12-digit INN (a person or an entrepreneur, e.g. a cashier, tag 1203)."""
    return is_valid_inn(inn, lengths=(12,))
