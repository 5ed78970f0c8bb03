"""Protocol-2 exchanges: numbered frames make repeats safe (PROTOCOLS.md §1.1)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openkkm.errors import DeviceTimeout, LinkLost
from openkkm.framing.shtrih import Frame, NumberedFrame, decode_v2, encode_v2
from openkkm.protocol.shtrih.exchange_v2 import (
    DeviceExchangeV2,
    HostExchangeV2,
    next_number,
    protocol_for_first_byte,
)

STATUS = bytes.fromhex("10 1E 00 00 00")
ANSWER = bytes.fromhex("10 00 1E 02 00 04")
BEEP = bytes.fromhex("13 01 00 00 00")
BEEP_ANSWER = bytes.fromhex("13 00 01")


def test_first_byte_selects_protocol() -> None:
    assert protocol_for_first_byte(0x05) == protocol_for_first_byte(0x02) == 1
    assert protocol_for_first_byte(0x8F) == 2
    assert protocol_for_first_byte(0x00) is None
    assert next_number(0xFFFF) == 0 and next_number(1) == 2


def test_host_syncs_then_sends_numbered_frames() -> None:
    host = HostExchangeV2(sync_timeout=0.5)
    step = host.begin(STATUS, 3.0)
    assert step.write == encode_v2(None) and step.timeout == 0.5
    step = host.receive(encode_v2(41))  # type II: nothing pending, last number 41
    assert step.write == encode_v2(42, STATUS) and step.timeout == 0.5  # repeated that often
    step = host.receive(encode_v2(41, BEEP_ANSWER))  # a late answer with another number
    assert step.write == b"" and step.answer is None
    step = host.receive(encode_v2(42, ANSWER))
    assert step.answer == Frame(ANSWER) and host.number == 42
    assert host.begin(BEEP, 3.0).write == encode_v2(43, BEEP)


def test_host_repeats_the_same_frame_on_timeout() -> None:
    host = HostExchangeV2()
    host.begin(STATUS, 3.0)
    first = host.receive(encode_v2(0)).write
    assert host.expire().write == first
    damaged = first[:-1] + bytes((first[-1] ^ 1,))
    assert host.receive(damaged).answer is None


def test_host_retries_exhausted() -> None:
    host = HostExchangeV2(max_retries=1)
    host.begin(STATUS, 3.0)
    host.expire()
    with pytest.raises(LinkLost):
        host.expire()
    host = HostExchangeV2(max_retries=1)
    host.begin(STATUS, 1.0)
    host.receive(encode_v2(0))
    host.expire()
    with pytest.raises(DeviceTimeout):
        host.expire()


def test_host_repeats_a_long_command_every_second_until_its_timeout() -> None:
    host = HostExchangeV2(sync_timeout=1.0, max_retries=10)
    host.begin(STATUS, 30.0)  # FF45's answer timeout
    first = host.receive(encode_v2(0))
    assert first.timeout == 1.0  # a lost frame is sent again after a second, not 30
    for _ in range(30):  # silence for the command's 30 s: still repeating, same number
        step = host.expire()
        assert step.write == first.write and step.timeout == 1.0
    with pytest.raises(DeviceTimeout):  # then the link is reported, not after 330 s
        host.expire()


def test_host_repeats_a_short_command_max_retries_times() -> None:
    host = HostExchangeV2(sync_timeout=1.0, max_retries=10)
    host.begin(STATUS, 3.0)
    host.receive(encode_v2(0))
    for _ in range(10):
        host.expire()
    with pytest.raises(DeviceTimeout):
        host.expire()


def test_device_executes_next_number_once() -> None:
    device = DeviceExchangeV2()
    assert device.receive(encode_v2(None)).write == encode_v2(0)
    step = device.receive(encode_v2(1, STATUS))
    assert step.commands == (Frame(STATUS),) and step.write == b""
    assert device.receive(encode_v2(1, STATUS)).commands == ()  # repeat while executing
    answer = device.respond(ANSWER)
    assert decode_v2(answer) == (len(answer), NumberedFrame(1, ANSWER))
    repeat = device.receive(encode_v2(1, STATUS))
    assert repeat.commands == () and repeat.write == answer
    assert device.receive(encode_v2(5, BEEP)).write == answer  # wrong number: last answer
    assert device.receive(encode_v2(None)).write == answer
    frame = encode_v2(2, BEEP)
    assert device.receive(frame[:3]).commands == ()
    assert device.receive(frame[3:]).commands == (Frame(BEEP),)


Manipulator = Callable[[bytes], bytes]


def run(
    host: HostExchangeV2,
    device: DeviceExchangeV2,
    payload: bytes,
    answer: bytes,
    to_device: Manipulator,
    to_host: Manipulator,
) -> tuple[Frame, int]:
    """Connect the machines; count executions."""
    executed = 0
    step = host.begin(payload, 1.0)
    for _ in range(50):
        dev = device.receive(to_device(step.write))
        out = dev.write
        for _command in dev.commands:
            executed += 1
            out += device.respond(answer)
        reply = to_host(out)
        step = host.receive(reply) if reply else host.expire()
        if step.answer is not None:
            return step.answer, executed
    raise AssertionError("exchange did not finish")


@pytest.mark.parametrize("lose", [0, 1, 2, 3])
def test_lost_answers_never_execute_twice(lose: int) -> None:
    lost: list[bytes] = []

    def drop_answers(data: bytes) -> bytes:
        if data and len(lost) < lose:
            lost.append(data)
            return b""
        return data

    host, device = HostExchangeV2(), DeviceExchangeV2()
    frame, executed = run(host, device, STATUS, ANSWER, lambda b: b, drop_answers)
    assert frame == Frame(ANSWER) and executed == 1
    frame, executed = run(host, device, BEEP, BEEP_ANSWER, lambda b: b, lambda b: b)
    assert frame == Frame(BEEP_ANSWER) and executed == 1 and host.number == 2


@given(
    st.lists(
        st.tuples(st.sampled_from(["pass", "drop", "corrupt", "cut"]), st.integers(0, 40)),
        max_size=12,
    )
)
@settings(max_examples=500)
def test_faulty_link_never_executes_twice(faults: list[tuple[str, int]]) -> None:
    """Whatever bytes are lost or garbled, a command runs at most once; an answer means once."""
    plan = iter(faults)

    def link(data: bytes) -> bytes:
        fault, where = next(plan, ("pass", 0))
        if not data or fault == "pass":
            return data
        if fault == "drop":
            return b""
        where %= len(data)
        if fault == "cut":
            return data[:where] + data[where + 1 :]
        return data[:where] + bytes((data[where] ^ 0x5A,)) + data[where + 1 :]

    host, device = HostExchangeV2(max_retries=6), DeviceExchangeV2()
    try:
        frame, executed = run(host, device, STATUS, ANSWER, link, link)
    except (DeviceTimeout, LinkLost):
        assert device.last_number <= 1
        return
    assert frame == Frame(ANSWER) and executed == 1 and device.last_number == 1
