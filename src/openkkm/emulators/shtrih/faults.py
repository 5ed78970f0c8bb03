"""Wire-level fault plan of the Shtrih emulator: scripted misbehaviour on the link and the device.

A spec is comma-separated items ``name[@CMD][=value][*count]``: ``@CMD`` (hex, e.g. ``@ff45``)
limits the fault to one command, ``=value`` is seconds for ``delay`` and a byte count for
``cut_at``, ``*count`` how many times it fires (default: every time). Every fault leaves the
link and the ФН in a state a real register could be in:

- ``drop_byte`` — the answer frame loses its last byte (the host times out, ENQ gets it again);
- ``cut_at=N`` — the link closes after the device received N bytes of the connection;
- ``lose_reply`` — the command is executed, its answer not sent (ENQ gets it);
- ``nak_frame`` — a good frame is answered NAK and not executed;
- ``bad_lrc`` — the answer frame goes out with a wrong LRC (ENQ gets a good copy);
- ``delay=S`` — the answer comes S seconds late; meanwhile ENQ is answered ACK (busy);
- ``paper_out`` / ``cover_open`` — printer conditions, from the moment the plan is set;
- ``power_loss`` — at a receipt close (or at ``@CMD``) the power fails: the command is not
  executed, the lines given so far stay in the ФН's open receipt, the link drops and the
  device restarts with a fresh memory.

The parentheses above describe protocol 1. Under protocol 2 (numbered frames) the host has no
ENQ: after its timeout it repeats the same numbered frame, and the register answers a number it
already ran with the stored answer. So ``drop_byte``, ``lose_reply`` and ``bad_lrc`` (there the
CRC is wrong) cost the host one repeat; during ``delay`` its repeats go unanswered; ``cut_at``
and ``power_loss`` act as above, and a power loss also starts the numbering again from 0.
``nak_frame`` has no meaning in protocol 2, which has no NAK: the rule never fires there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from openkkm.errors import ConfigError

MAX_DELAY: Final = 3600.0
DEFAULT_POWER_LOSS_AT: Final = frozenset({0xFF45, 0x85})


class WireFault(StrEnum):
    """Known faults."""

    DROP_BYTE = "drop_byte"
    CUT_AT = "cut_at"
    LOSE_REPLY = "lose_reply"
    NAK_FRAME = "nak_frame"
    BAD_LRC = "bad_lrc"
    DELAY = "delay"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
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

    def matches(self, command: int | None) -> bool:
        """Tell whether this rule applies to ``command`` (None: not tied to a command)."""
        if self.remaining == 0:
            return False
        if self.command is not None:
            return self.command == command
        if self.fault is WireFault.POWER_LOSS:
            return command in DEFAULT_POWER_LOSS_AT
        return True


class WirePlan:
    """The faults the emulated register applies, first matching rule wins."""

    def __init__(self, rules: list[WireRule] | None = None) -> None:
        self.rules = rules or []

    @classmethod
    def parse(cls, spec: str) -> WirePlan:
        """Parse a spec; ``ConfigError`` names the first bad item."""
        return cls(
            [_parse_item(item.strip()) for item in spec.split(",") if item.strip()]
        )

    def fire(self, fault: WireFault, command: int | None = None) -> WireRule | None:
        """Return the first rule for ``fault`` that applies, counted down; None otherwise."""
        for rule in self.rules:
            if rule.fault is fault and rule.matches(command):
                if rule.remaining is not None:
                    rule.remaining -= 1
                return rule
        return None

    def has(self, fault: WireFault) -> bool:
        """Tell whether any active rule is ``fault``."""
        return any(rule.fault is fault and rule.remaining != 0 for rule in self.rules)


def _bad(item: str, ru: str, en: str) -> ConfigError:
    return ConfigError(
        f"Неверный элемент плана сбоев {item!r}: {ru}",
        f"Bad fault plan item {item!r}: {en}",
    )


def _parse_item(item: str) -> WireRule:
    head, star, count_text = item.partition("*")
    head, equals, value_text = head.partition("=")
    name, at, command_text = head.partition("@")
    try:
        fault = WireFault(name.strip())
    except ValueError:
        known = ", ".join(fault.value for fault in WireFault)
        raise _bad(
            item,
            f"неизвестный сбой; известны: {known}",
            f"unknown fault; known: {known}",
        ) from None
    rule = WireRule(fault)
    if star:
        if not count_text.strip().isdigit() or int(count_text) < 1:
            raise _bad(
                item,
                "после * нужно целое число не меньше 1",
                "'*' must be followed by a whole number of at least 1",
            )
        rule.remaining = int(count_text)
    if at:
        try:
            rule.command = int(command_text, 16)
        except ValueError:
            raise _bad(
                item,
                "после @ нужен код команды, например @ff45",
                "'@' must be followed by a command code, e.g. @ff45",
            ) from None
    if fault.takes_value != bool(equals):
        raise _bad(
            item,
            "значение нужно только для delay и cut_at",
            "only delay and cut_at take a value",
        )
    if equals:
        try:
            rule.value = float(value_text)
        except ValueError:
            raise _bad(item, "нужно число", "a number is needed") from None
        if not math.isfinite(rule.value) or not 0 <= rule.value <= MAX_DELAY * 1000:
            raise _bad(item, "значение вне допустимого диапазона", "value out of range")
        if fault is WireFault.DELAY and rule.value > MAX_DELAY:
            raise _bad(
                item,
                f"задержка больше {MAX_DELAY:g} с",
                f"the delay exceeds {MAX_DELAY:g} s",
            )
    return rule
