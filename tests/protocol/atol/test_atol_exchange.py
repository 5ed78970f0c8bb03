"""The v3 task-buffer exchange, host and device sans-IO machines, wired by hand."""

from __future__ import annotations

import pytest

from openkkm.errors import DeviceTimeout, ProtocolError
from openkkm.framing import atol_v3
from openkkm.framing.atol_v3 import ASYNC_ID, BufferStatus, Packet
from openkkm.protocol.atol.exchange import DeviceExchange, HostExchange, HostPhase

STATE = bytes.fromhex("00 00 3F")
RESULT = bytes.fromhex("55 00 00 01")


def h(text: str) -> bytes:
    """Bytes from a spaced hex string."""
    return bytes.fromhex(text)


def test_first_task_is_add_then_ack_add_with_literal_packets() -> None:
    host = HostExchange()
    step = host.begin(STATE, 10.0)
    assert step.write == h("FE 06 00 01 C1 01 00 00 00 3F") + bytes((atol_v3.crc8(
        h("01 C1 01 00 00 00 3F")),))
    assert host.receive(atol_v3.encode(1, h("A1"))).timeout == host.poll_interval
    done = host.receive(atol_v3.encode(ASYNC_ID, h("A6 00") + RESULT))
    assert done.answer == RESULT and done.write == b""
    second = host.begin(STATE, 10.0)
    assert atol_v3.decode_packet(second.write) == Packet(2, h("C5 00 01 01 00 00 3F"))


def run(host: HostExchange, device: DeviceExchange, message: bytes, *,
        drop_async: bool = False) -> bytes:
    """Run one task between the two machines; the device answers ``RESULT`` to everything."""
    step = host.begin(message, 10.0)
    for _ in range(20):
        if step.answer is not None:
            return step.answer
        reply = device.receive(step.write)
        out = reply.write
        for task_id, task in reply.tasks:
            assert task == message
            packet = device.complete(task_id, RESULT)
            if not drop_async:
                out += packet
        step = host.receive(out) if out else host.expire()
    raise AssertionError("no answer")


def test_round_trip_and_lost_result_is_fetched_with_req() -> None:
    host, device = HostExchange(), DeviceExchange()
    assert run(host, device, STATE) == RESULT
    assert run(host, device, STATE, drop_async=True) == RESULT
    assert list(device.tasks) == [1]  # the second task waits for its ACK (sent with the next ADD)
    assert run(host, device, STATE) == RESULT
    assert list(device.tasks) == [2]


def test_resent_add_is_not_run_twice() -> None:
    device = DeviceExchange()
    packet = atol_v3.encode(5, atol_v3.add(7, STATE))
    first = device.receive(packet)
    assert first.tasks == ((7, STATE),)
    assert atol_v3.decode_packet(first.write) == Packet(5, h("A1"))
    again = device.receive(atol_v3.encode(6, atol_v3.add(7, STATE)))
    assert again.tasks == () and atol_v3.decode_packet(again.write).data == h("B2")
    assert device.complete(7, h("55 8C 00")) == atol_v3.encode(ASYNC_ID, h("A7 07 55 8C 00"))
    assert atol_v3.decode_packet(device.receive(atol_v3.encode(8, atol_v3.req(7))).write
                                 ).data == h("A4 55 8C 00")
    assert atol_v3.decode_packet(device.receive(atol_v3.encode(9, atol_v3.req(8))).write
                                 ).data == h("B3")


def test_host_resends_add_after_silence_and_on_request() -> None:
    host = HostExchange(max_retries=3)
    first = host.begin(STATE, 10.0).write
    assert host.expire().write == first
    assert host.receive(atol_v3.encode(1)).write == first  # empty packet: "send it again"
    host.receive(atol_v3.encode(1, h("B2")))
    assert host.phase is HostPhase.WAITING


def test_damaged_packets_are_asked_again() -> None:
    device = DeviceExchange()
    good = atol_v3.encode(3, atol_v3.req(1))
    bad = good[:-1] + bytes((good[-1] ^ 0x55,))
    assert device.receive(bad).write == atol_v3.encode(3)
    answer = device.receive(good).write
    assert device.receive(atol_v3.encode(3)).write == answer  # the answer repeated on request


def test_unknown_task_and_exhausted_retries_mean_unknown_outcome() -> None:
    host = HostExchange(max_retries=1)
    host.begin(STATE, 10.0)
    host.receive(atol_v3.encode(1, h("A1")))
    poll = host.expire()
    assert atol_v3.decode_packet(poll.write) == Packet(2, h("C3 00"))
    with pytest.raises(DeviceTimeout):
        host.receive(atol_v3.encode(2, h("B3")))
    host.begin(STATE, 10.0)
    host.expire()
    with pytest.raises(DeviceTimeout):
        host.expire()


def test_result_deadline_and_buffer_refusal() -> None:
    host = HostExchange(poll_interval=1.0)
    host.begin(STATE, 2.0)
    host.receive(atol_v3.encode(1, h("A1")))
    host.expire()
    host.receive(atol_v3.encode(2, bytes((BufferStatus.IN_PROGRESS,))))
    with pytest.raises(DeviceTimeout):
        host.expire()
    host.begin(STATE, 2.0)
    with pytest.raises(ProtocolError):
        host.receive(atol_v3.encode(3, h("B1")))


def test_stale_results_are_ignored() -> None:
    host = HostExchange()
    host.begin(STATE, 10.0)
    step = host.receive(atol_v3.encode(ASYNC_ID, h("A6 55") + RESULT)
                        + atol_v3.encode(0x40, h("A1")))
    assert step.answer is None and host.phase is HostPhase.ADDING


def test_abort_clears_the_device_buffer() -> None:
    host, device = HostExchange(), DeviceExchange()
    run(host, device, STATE, drop_async=True)
    assert device.tasks
    answer = device.receive(host.abort()).write
    assert not device.tasks and atol_v3.decode_packet(answer).data == h("A5")
    assert host.unacked is None


def test_a_result_given_at_once_to_add_is_taken() -> None:
    host = HostExchange()
    host.begin(STATE, 10.0)
    step = host.receive(atol_v3.encode(1, h("A3") + RESULT))
    assert step.answer == RESULT and host.unacked == host.task_id
