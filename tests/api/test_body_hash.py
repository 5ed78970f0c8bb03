"""The IdCommand comparison hash (API.md §9d): key order, Timeout and IdCommand do not count."""

from __future__ import annotations

from decimal import Decimal

from openkkm.api.kkmserver.dispatch import body_hash


def test_key_order_at_any_depth_timeout_and_id_do_not_change_the_hash() -> None:
    one = {"command": "RegisterCheck", "cash": Decimal("10.5"), "idcommand": "a", "timeout": 5,
           "checkstrings": [{"register": {"name": "Хлеб", "price": 10, "tax": 22}}]}
    other = {"checkstrings": [{"register": {"tax": 22, "price": 10, "name": "Хлеб"}}],
             "idcommand": "b", "cash": Decimal("10.5"), "command": "RegisterCheck"}
    assert body_hash(one) == body_hash(other)
    assert body_hash(one) != body_hash({**one, "cash": Decimal("10.6")})
    assert body_hash(one) != body_hash({**one, "checkstrings": []})


def test_a_decimal_too_long_for_a_float_is_hashed_exactly() -> None:
    long = {"amount": Decimal("123456789012345678.5"), "b": {"y": 1, "x": 2}}
    assert body_hash(long) == body_hash({"b": {"x": 2, "y": 1}, "amount": long["amount"]})
    assert body_hash(long) != body_hash({**long, "amount": Decimal("123456789012345678.6")})
