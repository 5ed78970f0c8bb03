"""Fault plans: scripted misbehaviour of an emulated device, for training and tests.

A plan is data, parsed from a spec string such as
``"lose_reply_after_commit*1,delay_before_commit=2.5"``: comma-separated items, each a fault
name, ``=seconds`` for the delays, and an optional ``*count`` (how many times it fires; without
it the fault fires every time). The device asks the plan at each point of a fiscal step
(``fire``), and the plan counts down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from openkkm.errors import ConfigError

MAX_DELAY = 3600.0  #: seconds; a longer delay is surely a typo


class Fault(StrEnum):
    """Known faults, named by what happens and when relative to the ФН commit."""

    FAIL_BEFORE_COMMIT = "fail_before_commit"  #: the link drops; nothing is fiscalised
    LEAVE_RECEIPT_OPEN = "leave_receipt_open"  #: power lost mid-receipt: it stays open
    LOSE_REPLY_AFTER_COMMIT = "lose_reply_after_commit"  #: fiscalised, but the answer is lost
    DELAY_BEFORE_COMMIT = "delay_before_commit"  #: the device is slow before committing
    DELAY_AFTER_COMMIT = "delay_after_commit"  #: committed, the answer comes late

    @property
    def is_delay(self) -> bool:
        """True for the faults that take a number of seconds."""
        return self in (Fault.DELAY_BEFORE_COMMIT, Fault.DELAY_AFTER_COMMIT)


@dataclass(slots=True)
class FaultRule:
    """One item of a plan; ``remaining`` None means it fires every time."""

    fault: Fault
    seconds: float = 0.0
    remaining: int | None = None

    def __str__(self) -> str:
        text = str(self.fault)
        if self.fault.is_delay:
            text += f"={self.seconds:g}"
        if self.remaining is not None:
            text += f"*{self.remaining}"
        return text


class FaultPlan:
    """The faults an emulated device applies, in the order given."""

    def __init__(self, rules: list[FaultRule] | None = None) -> None:
        self.rules = rules or []

    @classmethod
    def parse(cls, spec: str) -> FaultPlan:
        """Parse a spec string; ``ConfigError`` names the first bad item."""
        return cls([_parse_item(item.strip()) for item in spec.split(",") if item.strip()])

    def fire(self, fault: Fault) -> FaultRule | None:
        """Return the first active rule for ``fault``, counted down; None if it does not fire."""
        for rule in self.rules:
            if rule.fault is fault and rule.remaining != 0:
                if rule.remaining is not None:
                    rule.remaining -= 1
                return rule
        return None

    def __str__(self) -> str:
        return ",".join(str(rule) for rule in self.rules if rule.remaining != 0)

    def __bool__(self) -> bool:
        return any(rule.remaining != 0 for rule in self.rules)


def _bad(item: str, why_ru: str, why_en: str) -> ConfigError:
    return ConfigError(f"Неверный элемент плана сбоев {item!r}: {why_ru}",
                       f"Bad fault plan item {item!r}: {why_en}")


def _parse_item(item: str) -> FaultRule:
    head, star, count_text = item.partition("*")
    name, equals, value_text = head.partition("=")
    try:
        fault = Fault(name.strip())
    except ValueError:
        known = ", ".join(fault.value for fault in Fault)
        raise _bad(item, f"неизвестный сбой; известны: {known}",
                   f"unknown fault; known: {known}") from None
    remaining = None
    if star:
        if not count_text.strip().isdigit() or int(count_text) < 1:
            raise _bad(item, "после * нужно целое число не меньше 1",
                       "'*' must be followed by a whole number of at least 1")
        remaining = int(count_text)
    if not fault.is_delay:
        if equals:
            raise _bad(item, "у этого сбоя нет значения", "this fault takes no value")
        return FaultRule(fault, remaining=remaining)
    try:
        seconds = float(value_text)
    except ValueError:
        raise _bad(item, "нужна задержка в секундах, например =2.5",
                   "a delay in seconds is needed, e.g. =2.5") from None
    if not math.isfinite(seconds) or not 0 <= seconds <= MAX_DELAY:
        raise _bad(item, f"задержка должна быть от 0 до {MAX_DELAY:g} с",
                   f"the delay must be 0 to {MAX_DELAY:g} s")
    return FaultRule(fault, seconds=seconds, remaining=remaining)
