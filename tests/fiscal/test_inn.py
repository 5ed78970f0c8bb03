"""INN check digits."""

from __future__ import annotations

import pytest

from openkkm.fiscal.inn import is_personal_inn, is_valid_inn


@pytest.mark.parametrize("inn", [
    "7707083893",  # ПАО Сбербанк
    "7728168971",  # АО «Альфа-Банк»
    "7736207543",  # ООО «Яндекс»
    "7700000009",  # the emulator's default registration
    "500100732259",  # a 12-digit personal INN
])
def test_valid(inn: str) -> None:
    assert is_valid_inn(inn)


@pytest.mark.parametrize("inn", [
    "7707083894",  # last digit changed
    "7700000008",
    "500100732258",  # second check digit wrong
    "500100732269",  # first check digit wrong
    "770708389",  # 9 digits
    "77070838930",  # 11 digits
    "77O7083893",  # letter O
    "0000000000",
    "",
    "７７０７０８３８９３",  # full-width digits
])
def test_invalid(inn: str) -> None:
    assert not is_valid_inn(inn)


def test_personal_inn_is_twelve_digits() -> None:
    assert is_personal_inn("500100732259")
    assert not is_personal_inn("7707083893")
