"""Wire-level fault plan of the ATOL emulator: scripted misbehaviour on the link and the device.

A spec is comma-separated items ``name[@CMD][=value][*count]``: ``@CMD`` (hex, e.g. ``@4a``)
limits the fault to one command, ``=value`` is seconds for ``delay`` and a byte count for
``cut_at``, ``*count`` how many times it fires (default: every time). Each leaves the link and
the ФН in a state a real register could be in:

- ``lose_reply`` — the task runs, its asynchronous result packet is not sent (``REQ`` gets it);
- ``cut_after`` — the task runs, then the link closes before the result is sent;
- ``cut_at=N`` — the link closes after the device received N bytes of the connection;
- ``nak`` — a received packet is taken as damaged: the device asks for it again;
- ``delay=S`` — the result comes S seconds late (``REQ`` meanwhile answers "in progress");
- ``paper_out`` — the printer has no paper from the moment the plan is set;
- ``power_loss`` — the power fails as the command arrives: it does not run, the link drops and
  the register restarts in mode 0 with an empty task buffer; a receipt begun in the ФН stays
  open there (and is cancellable), as on a real register.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from openkkm.errors import ConfigError

MAX_DELAY: Final = 3600.0


class WireFault(StrEnum):
    """Known faults."""

    LOSE_REPLY = "lose_reply"
    CUT_AFTER = "cut_after"
    CUT_AT = "cut_at"
    NAK = "nak"
    DELAY = "delay"
    PAPER_OUT = "paper_out"
    POWER_LOSS = "power_loss"

    @property
    def takes_value(self) -> bool:
        """True for the faults that need ``=value``."""
        return self in (WireFault.DELAY, WireFault.CUT_AT)


@dataclass(slots=True)
class WireRule:
    """One item of a plan; ``remaining`` None fires every time, ``command`` None on any."""

    fault: WireFault
    value: float = 0.0
    command: int | None = None
    remaining: int | None = None


class WirePlan:
    """The faults the emulated register applies; the first matching rule wins."""

    def __init__(self, rules: list[WireRule] | None = None) -> None:
        self.rules = rules or []

    @classmethod
    def parse(cls, spec: str) -> WirePlan:
        """Parse a spec; ``ConfigError`` names the first bad item."""
        return cls([_parse_item(item.strip()) for item in spec.split(",") if item.strip()])

    def fire(self, fault: WireFault, command: int | None = None) -> WireRule | None:
        """Return the first rule for ``fault`` that applies to ``command``, counted down."""
        for rule in self.rules:
            if rule.fault is not fault or rule.remaining == 0:
                continue
            if rule.command is not None and rule.command != command:
                continue
            if rule.remaining is not None:
                rule.remaining -= 1
            return rule
        return None

    def has(self, fault: WireFault) -> bool:
        """Tell whether an active rule is ``fault``."""
        return any(rule.fault is fault and rule.remaining != 0 for rule in self.rules)

    def cut_position(self) -> int | None:
        """The byte count of the first active ``cut_at`` rule, without counting it down."""
        for rule in self.rules:
            if rule.fault is WireFault.CUT_AT and rule.remaining != 0:
                return int(rule.value)
        return None


def _bad(item: str, ru: str, en: str) -> ConfigError:
    return ConfigError(f"Неверный элемент плана сбоев {item!r}: {ru}",
                       f"Bad fault plan item {item!r}: {en}")


def _parse_item(item: str) -> WireRule:
    head, star, count_text = item.partition("*")
    head, equals, value_text = head.partition("=")
    name, at, command_text = head.partition("@")
    try:
        rule = WireRule(WireFault(name.strip()))
    except ValueError:
        known = ", ".join(fault.value for fault in WireFault)
        raise _bad(item, f"неизвестный сбой; известны: {known}",
                   f"unknown fault; known: {known}") from None
    if star:
        if not count_text.strip().isdigit() or int(count_text) < 1:
            raise _bad(item, "после * нужно целое число не меньше 1",
                       "'*' must be followed by a whole number of at least 1")
        rule.remaining = int(count_text)
    if at:
        try:
            rule.command = int(command_text, 16)
        except ValueError:
            raise _bad(item, "после @ нужен код команды, например @4a",
                       "'@' must be followed by a command code, e.g. @4a") from None
    if rule.fault.takes_value != bool(equals):
        raise _bad(item, "значение нужно только для delay и cut_at",
                   "only delay and cut_at take a value")
    if equals:
        try:
            rule.value = float(value_text)
        except ValueError:
            raise _bad(item, "нужно число", "a number is needed") from None
        limit = MAX_DELAY if rule.fault is WireFault.DELAY else 1e9
        if not math.isfinite(rule.value) or not 0 <= rule.value <= limit:
            raise _bad(item, "значение вне допустимого диапазона", "value out of range")
    return rule
