"""Both exchanges under random loss and damage in both directions: a command never runs twice.

Hypothesis draws, for each transmission, whether it passes, is lost or has a byte damaged. The
host either gets the right answer or gives up with ``DeviceTimeout`` (unknown outcome); the
device runs each task at most once either way.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from openkkm.errors import DeviceTimeout, LinkLost
from openkkm.protocol.atol.exchange import DeviceExchange, HostExchange
from openkkm.protocol.atol.exchange_v2 import DeviceExchangeV2, HostExchangeV2

PASS, DROP, DAMAGE = 0, 1, 2
faults = st.lists(st.sampled_from([PASS, PASS, PASS, DROP, DAMAGE]), max_size=120)


def result_for(message: bytes) -> bytes:
    """The device's answer to ``message``: ``55 00 00`` + the message's last byte."""
    return bytes((0x55, 0, 0, message[-1]))


class Channel:
    """Applies the drawn faults to each transmission in turn."""

    def __init__(self, plan: list[int]) -> None:
        self.plan = plan
        self.sent = 0

    def carry(self, data: bytes) -> bytes:
        """What arrives of ``data``."""
        fault = self.plan[self.sent] if self.sent < len(self.plan) else PASS
        self.sent += 1
        if not data or fault == PASS:
            return data
        if fault == DROP:
            return b""
        middle = len(data) // 2
        return data[:middle] + bytes((data[middle] ^ 0x5A,)) + data[middle + 1 :]


@settings(max_examples=150, deadline=None)
@given(faults)
def test_tasks_run_at_most_once_and_answers_are_right(plan: list[int]) -> None:
    channel = Channel(plan)
    host, device = HostExchange(max_retries=4), DeviceExchange()
    runs: Counter[bytes] = Counter()
    answered = 0
    for index in range(6):
        message = bytes((0, 0, 0x3F, index))
        step = host.begin(message, 10.0)
        for _ in range(300):
            if step.answer is not None:
                assert step.answer == result_for(message)
                answered += 1
                break
            reply = device.receive(channel.carry(step.write))
            out = reply.write
            for task_id, task in reply.tasks:
                runs[task] += 1
                out += device.complete(task_id, result_for(task))
            arrived = channel.carry(out)
            try:
                step = host.receive(arrived) if arrived else host.expire()
            except DeviceTimeout:
                break
        else:
            raise AssertionError("the exchange neither finished nor gave up")
        assert runs[message] <= 1
    if not plan:
        assert answered == 6


@settings(max_examples=150, deadline=None)
@given(faults)
def test_v2_commands_run_at_most_once_and_answers_are_right(plan: list[int]) -> None:
    channel = Channel(plan)
    host, device = HostExchangeV2(max_retries=4), DeviceExchangeV2()
    runs: Counter[bytes] = Counter()
    for index in range(6):
        message = bytes((0, 0, 0x3F, index))
        step = host.begin(message, 10.0)
        for _ in range(300):
            if step.answer is not None:
                assert step.answer == result_for(message)
                device.receive(channel.carry(step.write))  # the final ACK
                break
            reply = device.receive(channel.carry(step.write))
            out = reply.write
            for command in reply.commands:
                runs[command] += 1
                out += device.respond(result_for(command))
            arrived = channel.carry(out)
            try:
                step = host.receive(arrived) if arrived else host.expire()
            except (DeviceTimeout, LinkLost):
                break
        else:
            raise AssertionError("the exchange neither finished nor gave up")
        assert runs[message] <= 1
