"""Fault plans parsed from spec strings."""

from __future__ import annotations

import pytest

from openkkm.emulators.faults import Fault, FaultPlan
from openkkm.errors import ConfigError


def test_empty_spec_is_no_fault() -> None:
    plan = FaultPlan.parse(" ")
    assert not plan
    assert plan.fire(Fault.FAIL_BEFORE_COMMIT) is None


def test_counted_fault_fires_that_many_times() -> None:
    plan = FaultPlan.parse("lose_reply_after_commit*2")
    assert [plan.fire(Fault.LOSE_REPLY_AFTER_COMMIT) is not None for _ in range(3)] == [
        True, True, False]
    assert not plan


def test_uncounted_fault_fires_every_time() -> None:
    plan = FaultPlan.parse("fail_before_commit")
    assert all(plan.fire(Fault.FAIL_BEFORE_COMMIT) for _ in range(5))
    assert plan.fire(Fault.LOSE_REPLY_AFTER_COMMIT) is None


def test_delays_carry_seconds_and_the_plan_prints_back() -> None:
    plan = FaultPlan.parse("delay_before_commit=2.5, delay_after_commit=0*1,fail_before_commit*3")
    rule = plan.fire(Fault.DELAY_BEFORE_COMMIT)
    assert rule is not None and rule.seconds == 2.5
    assert str(plan) == "delay_before_commit=2.5,delay_after_commit=0*1,fail_before_commit*3"
    plan.fire(Fault.DELAY_AFTER_COMMIT)
    assert str(plan) == "delay_before_commit=2.5,fail_before_commit*3"


@pytest.mark.parametrize("bad", [
    "explode", "fail_before_commit=1", "delay_before_commit", "delay_after_commit=soon",
    "delay_after_commit=-1", "delay_after_commit=nan", "lose_reply_after_commit*0",
    "lose_reply_after_commit*x",
])
def test_bad_items_are_config_errors_naming_the_item(bad: str) -> None:
    with pytest.raises(ConfigError) as exc:
        FaultPlan.parse(f"fail_before_commit*1,{bad}")
    assert repr(bad) in exc.value.ru and repr(bad) in exc.value.en


def test_unknown_fault_lists_known_ones() -> None:
    with pytest.raises(ConfigError, match="lose_reply_after_commit"):
        FaultPlan.parse("drop")
