"""Pools: one device number standing for several registers, served round-robin (``API.md`` §5).

A pool only chooses the member; from then on the command belongs to that member's worker and
journal row, so a fiscal command is never moved to another register once it may have reached one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from openkkm.config import PoolConfig
from openkkm.errors import NotFoundError
from openkkm.jobs.devices import DeviceHandle, Selection


class Pool:
    """A configured pool and its round-robin cursor."""

    def __init__(self, config: PoolConfig, members: list[DeviceHandle]) -> None:
        self.config = config
        self.num = config.num
        self.members = members
        for member in members:
            member.pooled = True
        self._next = 0  # index in ``members`` of the member whose turn it is

    @property
    def unit_name(self) -> str:
        """The pool's name (``UnitName``)."""
        return self.config.unit_name

    def select(self, selection: Selection,
               waiting: Callable[[int], int] = lambda num: 0) -> DeviceHandle:
        """The next healthy member in turn, a free one (idle, nothing queued) before a busy one.

        The other selection fields must match the member too (``InnKkm``, ``TaxVariant``...).
        """
        fitting = [h for h in self.members if h.enabled and h.takes(selection.accepts)
                   and h.matches(replace(selection, num_device=h.num))]
        if not fitting:
            raise NotFoundError(
                f"В пуле {self.num} «{self.unit_name}» нет включенной ККТ, подходящей к команде "
                f"(InnKkm={selection.inn}, KktNumber={selection.kkt_number}, "
                f"TaxVariant={selection.tax_variant})",
                f"Pool {self.num} '{self.unit_name}' has no switched-on member fitting the command "
                f"(InnKkm={selection.inn}, KktNumber={selection.kkt_number}, "
                f"TaxVariant={selection.tax_variant})")
        count = len(self.members)
        order = [self.members[(self._next + shift) % count] for shift in range(count)]
        healthy = [h for h in order if h in fitting and h.healthy]
        if not healthy:
            raise self._none_healthy()
        chosen = next((h for h in healthy if not h.busy and not waiting(h.num)), healthy[0])
        self._next = (self.members.index(chosen) + 1) % count
        return chosen

    def _none_healthy(self) -> NotFoundError:
        states = ", ".join(f"{h.num}: {member_state(h)[0]}" for h in self.members)
        states_en = ", ".join(f"{h.num}: {member_state(h)[1]}" for h in self.members)
        return NotFoundError(
            f"В пуле {self.num} «{self.unit_name}» нет исправной ККТ ({states}); "
            "повторите команду позже",
            f"Pool {self.num} '{self.unit_name}' has no healthy member ({states_en}); "
            "try again later")


def member_state(handle: DeviceHandle) -> tuple[str, str]:
    """A member's health in words (Russian, English)."""
    if not handle.enabled:
        return "отключена", "switched off"
    if not handle.online:
        return "нет связи", "no link"
    if handle.blocked:
        return "заблокирована до проверки", "blocked until probed"
    if handle.fn_full:
        return "ФН заполнен", "fiscal drive full"
    return "исправна", "healthy"
