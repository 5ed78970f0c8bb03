"""The v2 ENQ/ACK/EOT exchange (host and device sans-IO machines) and lower-layer detection."""

from __future__ import annotations

import pytest

from openkkm.errors import DeviceTimeout, LinkLost
from openkkm.framing import atol_v2
from openkkm.protocol.atol.detect import V2_PROBE, V3_PROBE, answers_v2, answers_v3
from openkkm.protocol.atol.exchange import DeviceExchange
from openkkm.protocol.atol.exchange_v2 import DeviceExchangeV2, HostExchangeV2

STATE = bytes.fromhex("00 00 3F")
RESULT = bytes.fromhex("55 00 00 01")


def h(text: str) -> bytes:
    """Bytes from a spaced hex string."""
    return bytes.fromhex(text)


def test_whole_dialogue_with_literal_bytes() -> None:
    host, device = HostExchangeV2(), DeviceExchangeV2()
    assert host.begin(STATE, 10.0).write == h("05")
    assert device.receive(h("05")).write == h("06")
    step = host.receive(h("06"))
    assert step.write == h("02 00 00 3F 03 3C")  # the §2.1 example frame
    assert device.receive(step.write).write == h("06")
    step = host.receive(h("06"))
    assert step.write == h("04") and step.timeout == 10.0
    ran = device.receive(step.write)
    assert ran.commands == (STATE,)
    assert device.respond(RESULT) == h("05")
    assert host.receive(h("05")).write == h("06")
    frame = device.receive(h("06")).write
    assert frame == atol_v2.encode(RESULT)
    done = host.receive(frame)
    assert done.answer == RESULT and done.write == h("06")
    assert device.receive(done.write).write == h("04")


def test_frame_resent_on_nak_and_before_eot_runs_once() -> None:
    host, device = HostExchangeV2(), DeviceExchangeV2()
    host.begin(STATE, 10.0)
    device.receive(h("05"))
    frame = host.receive(h("06")).write
    bad = frame[:-1] + bytes((frame[-1] ^ 1,))
    assert device.receive(bad).write == h("15")
    assert host.receive(h("15")).write == frame
    assert device.receive(frame).write == h("06")
    assert host.expire().write == h("05")  # the ACK was lost: ask again, nothing ran yet
    assert device.receive(h("05")).write == h("06")
    assert host.receive(h("06")).write == frame
    device.receive(frame)
    assert device.receive(host.receive(h("06")).write).commands == (STATE,)


def test_damaged_answer_gets_nak_and_a_lost_answer_is_unknown() -> None:
    host = HostExchangeV2()
    host.begin(STATE, 10.0)
    host.receive(h("06"))
    host.receive(h("06"))
    host.receive(h("05"))
    frame = atol_v2.encode(RESULT)
    assert host.receive(frame[:-1] + bytes((frame[-1] ^ 1,))).write == h("15")
    assert host.receive(frame).answer == RESULT
    host.begin(STATE, 10.0)
    host.receive(h("06"))
    host.receive(h("06"))
    with pytest.raises(DeviceTimeout):
        host.expire()


def test_a_silent_device_before_eot_is_a_lost_link() -> None:
    host = HostExchangeV2(max_retries=2)
    host.begin(STATE, 10.0)
    host.expire()
    host.receive(h("15"))
    with pytest.raises(LinkLost):
        host.expire()


def test_detection_probes() -> None:
    assert V3_PROBE == h("FE 01 00 01 C4 F6")
    assert not set(V3_PROBE) & {0x02, 0x03, 0x04, 0x05, 0x06, 0x10, 0x15}
    v3_reply = DeviceExchange().receive(V3_PROBE).write
    assert answers_v3(v3_reply) and not answers_v3(h("06"))
    v2_device = DeviceExchangeV2()
    assert v2_device.receive(V3_PROBE).write == b""  # a v2 device ignores the v3 probe
    assert answers_v2(v2_device.receive(V2_PROBE).write)
    assert DeviceExchange().receive(V2_PROBE).write == b""  # and a v3 device the ENQ
