"""ENQ/ACK/NAK state machines of Shtrih-M protocol 1, host and device (PROTOCOLS.md §1.1)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from openkkm.errors import DeviceTimeout, LinkLost
from openkkm.framing import shtrih
from openkkm.framing.shtrih import ACK, ENQ, NAK, Frame
from openkkm.protocol.shtrih.exchange import (
    DeviceExchange,
    HostExchange,
    HostPhase,
    HostStep,
)

SHORT_STATUS = bytes.fromhex("10 1E 00 00 00")  # 0x10, pwd 30 (§1.11)
SHORT_STATUS_FRAME = bytes.fromhex("02 05 10 1E 00 00 00 0B")
BEEP_ANSWER = bytes.fromhex("13 00 1E")
STATUS_ANSWER = bytes.fromhex("10 00 1E 02 00 04 00 00 00 00 00 00 00 00 00 00")
TRICKY_ANSWER = bytes.fromhex(
    "10 00 1E 15 06 05 00 00 00 00 00 00 00 00 00 00"
)  # control bytes inside
E, A, N = bytes((ENQ,)), bytes((ACK,)), bytes((NAK,))


def test_host_normal_exchange_literal_bytes() -> None:
    host = HostExchange(control_timeout=0.2)
    step = host.begin(SHORT_STATUS, answer_timeout=3.0)
    assert step == HostStep(E, 0.2)
    step = host.receive(N)
    assert step == HostStep(SHORT_STATUS_FRAME, 0.2)
    step = host.receive(A)
    assert step == HostStep(b"", 3.0)
    answer = shtrih.encode(STATUS_ANSWER)
    step = host.receive(answer[:3])
    assert step == HostStep(b"", 3.0)
    step = host.receive(answer[3:])
    assert step == HostStep(A, None, Frame(STATUS_ANSWER))
    assert host.phase is HostPhase.DONE and host.command_sent and host.retries == 0


def test_host_ack_and_answer_in_one_chunk_with_ff_junk() -> None:
    host = HostExchange()
    host.begin(SHORT_STATUS, 3.0)
    host.receive(b"\xff" + N)
    step = host.receive(A + shtrih.encode(STATUS_ANSWER))
    assert step.answer == Frame(STATUS_ANSWER)


def test_host_frame_nak_resends_after_enq() -> None:
    host = HostExchange()
    host.begin(SHORT_STATUS, 3.0)
    host.receive(N)
    step = host.receive(N)  # the device says our frame was damaged
    assert step.write == E and host.retries == 1 and not host.command_sent
    assert host.receive(N).write == SHORT_STATUS_FRAME


def test_host_collects_stale_answer_before_sending() -> None:
    host = HostExchange()
    host.begin(SHORT_STATUS, 3.0)
    stale = shtrih.encode(BEEP_ANSWER)
    step = host.receive(A + stale)  # ENQ -> ACK: an earlier answer was never collected
    assert step.write == A + E
    assert host.stale_answers == [Frame(BEEP_ANSWER)]
    assert host.receive(N).write == SHORT_STATUS_FRAME
    assert host.retries == 0


def test_host_lost_answer_enq_gets_it_again() -> None:
    host = HostExchange()
    host.begin(SHORT_STATUS, 3.0)
    host.receive(N)
    host.receive(A)
    step = host.expire()  # the answer never came
    assert step.write == E
    step = host.receive(A + shtrih.encode(STATUS_ANSWER))
    assert step.answer == Frame(STATUS_ANSWER) and step.write == A


def test_host_bad_lrc_answer_nak_then_enq() -> None:
    host = HostExchange()
    host.begin(SHORT_STATUS, 3.0)
    host.receive(N)
    host.receive(A)
    good = shtrih.encode(STATUS_ANSWER)
    step = host.receive(good[:-1] + bytes((good[-1] ^ 0x55,)))
    assert step.write == N + E and host.retries == 1
    step = host.receive(A + good)
    assert step.answer == Frame(STATUS_ANSWER)


def test_host_silent_frame_then_enq_nak_resends() -> None:
    host = HostExchange()
    host.begin(SHORT_STATUS, 3.0)
    host.receive(N)
    assert host.expire().write == E  # no ACK to our frame: did the device get it?
    assert host.receive(N).write == SHORT_STATUS_FRAME  # idle: it did not


def test_host_retries_exhausted_without_link_is_link_lost() -> None:
    host = HostExchange(max_retries=2)
    host.begin(SHORT_STATUS, 3.0)
    host.expire()
    host.expire()
    with pytest.raises(LinkLost):
        host.expire()
    assert not host.command_sent


def test_host_retries_exhausted_after_accept_is_device_timeout() -> None:
    host = HostExchange(max_retries=1)
    host.begin(SHORT_STATUS, 65.0)
    host.receive(N)
    host.receive(A)
    host.expire()
    host.receive(A)  # still preparing the answer
    with pytest.raises(DeviceTimeout):
        host.expire()
    assert host.command_sent


def test_host_answer_lost_by_device_is_device_timeout() -> None:
    host = HostExchange()
    host.begin(SHORT_STATUS, 3.0)
    host.receive(N)
    host.receive(A)
    host.expire()
    with pytest.raises(DeviceTimeout):
        host.receive(N)  # idle, nothing pending: the answer is gone
    assert host.begin(SHORT_STATUS, 3.0).write == E  # the machine is usable again


def test_device_repeats_answer_after_host_nak_and_enq() -> None:
    device = DeviceExchange()
    device.receive(E)
    device.receive(SHORT_STATUS_FRAME)
    answer = device.respond(STATUS_ANSWER)
    assert device.receive(N).write == b""  # the host saw a bad LRC; the device waits for ENQ
    assert device.receive(E).write == A + answer
    assert device.receive(A + E).write == N  # collected, then idle


def test_device_enq_idle_and_pending() -> None:
    device = DeviceExchange()
    assert device.receive(E).write == N
    step = device.receive(SHORT_STATUS_FRAME)
    assert step.write == A and step.commands == (Frame(SHORT_STATUS),)
    assert device.receive(E).write == A  # still executing
    answer = device.respond(STATUS_ANSWER)
    assert answer == shtrih.encode(STATUS_ANSWER)
    assert device.receive(E).write == A + answer  # pending until ACK
    assert device.receive(A).write == b""
    assert device.receive(E).write == N


def test_device_damaged_frame_nak() -> None:
    device = DeviceExchange()
    device.receive(E)
    step = device.receive(SHORT_STATUS_FRAME[:-1] + b"\x00")
    assert step == type(step)(N, ())
    assert not device.busy


def test_device_frame_without_enq_on_fresh_connection_is_lost() -> None:
    strict = DeviceExchange()
    assert strict.receive(SHORT_STATUS_FRAME).write == N
    lenient = DeviceExchange(require_enq_first=False)
    assert lenient.receive(SHORT_STATUS_FRAME).commands == (Frame(SHORT_STATUS),)


def test_device_split_and_bytewise_frames() -> None:
    device = DeviceExchange()
    stream = b"\x00" + E + SHORT_STATUS_FRAME
    writes, commands = b"", []
    for byte in stream:
        step = device.receive(bytes((byte,)))
        writes += step.write
        commands += step.commands
    assert writes == N + A and commands == [Frame(SHORT_STATUS)]


Manipulator = Callable[[bytes], bytes]


def run(
    host: HostExchange,
    device: DeviceExchange,
    payload: bytes,
    answer: bytes,
    to_device: Manipulator = lambda b: b,
    to_host: Manipulator = lambda b: b,
    executions: list[Frame] | None = None,
) -> tuple[Frame, int]:
    """Connect the two machines in memory; manipulators corrupt or drop bytes in flight."""
    executions = [] if executions is None else executions
    step = host.begin(payload, 3.0)
    for _ in range(100):
        dev = device.receive(to_device(step.write))
        out = dev.write
        for command in dev.commands:
            executions.append(command)
            out += device.respond(answer)
        if step.answer is not None:
            return step.answer, len(executions)
        reply = to_host(out)
        step = host.receive(reply) if reply else host.expire()
    raise AssertionError("exchange did not finish")


def test_host_and_device_together_normal() -> None:
    frame, executed = run(HostExchange(), DeviceExchange(), SHORT_STATUS, STATUS_ANSWER)
    assert frame == Frame(STATUS_ANSWER) and executed == 1


def test_host_and_device_lost_answer_executes_once() -> None:
    dropped = []

    def drop_first_answer(data: bytes) -> bytes:
        if shtrih.STX in data and not dropped:
            dropped.append(data)
            return data[: data.index(shtrih.STX)]
        return data

    frame, executed = run(
        HostExchange(), DeviceExchange(), SHORT_STATUS, STATUS_ANSWER, to_host=drop_first_answer
    )
    assert frame == Frame(STATUS_ANSWER) and executed == 1 and dropped


def test_host_and_device_corrupted_command_frame_executes_once() -> None:
    corrupted = []

    def corrupt_first_frame(data: bytes) -> bytes:
        if data[:1] == bytes((shtrih.STX,)) and not corrupted:
            corrupted.append(data)
            return data[:-1] + bytes((data[-1] ^ 1,))
        return data

    host = HostExchange()
    frame, executed = run(
        host, DeviceExchange(), SHORT_STATUS, STATUS_ANSWER, to_device=corrupt_first_frame
    )
    assert frame == Frame(STATUS_ANSWER) and executed == 1 and host.retries == 1


FAULTS = st.tuples(st.sampled_from(["pass", "drop", "corrupt", "cut"]), st.integers(0, 40))


@example([("pass", 0), ("pass", 0), ("pass", 0), ("cut", 0)])  # ACK lost, answer holds 0x15
@given(st.lists(FAULTS, max_size=12))
@settings(max_examples=500)
def test_faulty_link_never_executes_twice(faults: list[tuple[str, int]]) -> None:
    """Whatever bytes are lost or garbled, a command runs at most once; an answer means once."""
    check_faults(faults)


def check_faults(faults: list[tuple[str, int]]) -> None:
    """Run one command over a link that applies ``faults`` to successive chunks."""
    plan = iter(faults)

    def link(data: bytes) -> bytes:
        fault, where = next(plan, ("pass", 0))
        if not data or fault == "pass":
            return data
        if fault == "drop":
            return b""
        where %= len(data)
        if fault == "cut":  # lose one byte, e.g. the ACK before an answer
            return data[:where] + data[where + 1 :]
        return data[:where] + bytes((data[where] ^ 0x5A,)) + data[where + 1 :]

    host, device = HostExchange(max_retries=6), DeviceExchange(require_enq_first=False)
    executions: list[Frame] = []
    try:
        frame, executed = run(host, device, SHORT_STATUS, TRICKY_ANSWER, link, link, executions)
    except (DeviceTimeout, LinkLost) as error:
        assert len(executions) <= 1
        assert isinstance(error, DeviceTimeout) or not executions  # LinkLost = never ran
        return
    assert frame == Frame(TRICKY_ANSWER) and executed == 1


def test_every_single_byte_fault_in_the_first_chunks() -> None:
    """Exhaustively lose or garble each byte of each of the first eight chunks, one at a time."""
    for chunk in range(8):
        for where in range(20):
            for fault in ("cut", "corrupt", "drop"):
                faults = [("pass", 0)] * chunk + [(fault, where)]
                check_faults(faults)


def finished(host: HostExchange) -> None:
    """Run one short-status exchange to its answer."""
    host.begin(SHORT_STATUS, 3.0)
    host.receive(N)
    assert host.receive(A + shtrih.encode(STATUS_ANSWER)).answer == Frame(STATUS_ANSWER)


def test_host_early_enq_then_the_next_command_waits_for_its_nak() -> None:
    host = HostExchange(control_timeout=0.2)
    finished(host)
    assert host.prime() == E and host.phase is HostPhase.PRIMED
    step = host.begin(SHORT_STATUS, 3.0)
    assert step == HostStep(b"", 0.2)  # the ENQ is already out: nothing to write
    assert host.receive(N).write == SHORT_STATUS_FRAME


def test_host_stale_early_enq_asks_again_before_the_frame() -> None:
    host = HostExchange()
    finished(host)
    host.prime()
    host.begin(SHORT_STATUS, 3.0, stale=True)
    assert host.receive(N).write == E  # the old NAK is taken, a fresh ENQ asks again
    assert host.receive(N).write == SHORT_STATUS_FRAME


def test_host_early_enq_finding_a_pending_answer_collects_it_as_stale() -> None:
    host = HostExchange()
    finished(host)
    host.prime()
    host.begin(SHORT_STATUS, 3.0)
    step = host.receive(A + shtrih.encode(BEEP_ANSWER))  # our final ACK was lost on the way
    assert step.write == A + E and host.stale_answers == [Frame(BEEP_ANSWER)]
    assert host.receive(N).write == SHORT_STATUS_FRAME


def test_host_primes_only_after_an_answer_and_unprimes_once() -> None:
    host = HostExchange()
    with pytest.raises(RuntimeError):
        host.prime()
    finished(host)
    host.prime()
    assert host.unprime() and not host.unprime()
    assert host.begin(SHORT_STATUS, 3.0).write == E  # forgotten: the next command asks anew
