"""ATOL lower layers v2 and v3 against the literal vectors of PROTOCOLS.md §2.1, §2.2 and §7."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openkkm.errors import ChecksumMismatch, FramingError
from openkkm.framing import atol_v2, atol_v3
from openkkm.framing.atol_v3 import AddFlags, DamagedPacket, Packet

Decoder = Callable[[bytes], tuple[int, object]]

V2_VECTORS = [
    ("02 00 00 3F 03 3C", "00 00 3F"),  # PROTOCOLS.md §2.1
    # atol4j's TransportProtocolV2Test: DLE and ETX stuffed, STX inside the data is not
    ("02 1F 00 FF 10 10 02 10 03 1A 03 E8", "1F 00 FF 10 02 03 1A"),
]
#: (packet, id, DATA) — §2.2 examples and the §7 verified CRC vectors
V3_VECTORS = [
    ("FE 00 00 01 9D", 1, ""),
    ("FE 06 00 01 C1 01 01 00 00 3F E7", 1, "C1 01 01 00 00 3F"),
    ("FE 01 00 02 C4 DB", 2, "C4"),
    ("FE 02 00 03 C2 01 C3", 3, "C2 01"),
    ("FE 05 00 F0 A6 57 55 00 00 FD EE", 0xF0, "A6 57 55 00 00"),
]
GARBAGE = b"\x00\x11\x99"  #: no start byte of either layer


def h(text: str) -> bytes:
    """Bytes from a spaced hex string."""
    return bytes.fromhex(text)


def feed(decoder: Decoder, chunks: list[bytes]) -> list[object]:
    """Deliver ``chunks`` to a sans-IO decoder, keeping the remainder like a caller."""
    buf = b""
    frames: list[object] = []
    for chunk in chunks:
        buf += chunk
        while buf:
            used, frame = decoder(buf)
            buf = buf[used:]
            if frame is not None:
                frames.append(frame)
            elif used == 0:
                break
    return frames


def deliveries(data: bytes) -> list[list[bytes]]:
    """The same bytes whole, in halves, byte by byte, and with garbage around."""
    half = len(data) // 2
    return [[data], [data[:half], data[half:]], [bytes((b,)) for b in data],
            [GARBAGE + data + GARBAGE]]


@pytest.mark.parametrize(("frame", "data"), V2_VECTORS)
def test_v2_vectors(frame: str, data: str) -> None:
    assert atol_v2.encode(h(data)) == h(frame)
    for chunks in deliveries(h(frame)):
        assert feed(atol_v2.decode, chunks) == [atol_v2.Frame(h(data))]


def test_v2_stuffs_etx_and_dle_and_counts_them_in_the_crc() -> None:
    frame = atol_v2.encode(h("00 00 03 10 05"))
    assert frame == h("02 00 00 10 03 10 10 05 03") + bytes((0x00 ^ 0x10 ^ 0x03 ^ 0x10 ^ 0x10
                                                            ^ 0x05 ^ 0x03,))
    for chunks in deliveries(frame):
        assert feed(atol_v2.decode, chunks) == [atol_v2.Frame(h("00 00 03 10 05"))]


def test_v2_bad_crc_is_damaged_and_the_next_frame_is_found() -> None:
    good = atol_v2.encode(h("00 00 45"))
    frames = feed(atol_v2.decode, [h("02 00 00 3F 03 3D") + good])
    assert isinstance(frames[0], atol_v2.DamagedFrame)
    assert frames[1] == atol_v2.Frame(h("00 00 45"))
    with pytest.raises(ChecksumMismatch):
        atol_v2.decode_frame(h("02 00 00 3F 03 3D"))
    with pytest.raises(FramingError):
        atol_v2.decode_frame(h("02 00 00 3F 03"))


@given(st.binary(min_size=1, max_size=300))
def test_v2_round_trip(data: bytes) -> None:
    assert atol_v2.decode_frame(atol_v2.encode(data)).data == data


@pytest.mark.parametrize(("packet", "packet_id", "data"), V3_VECTORS)
def test_v3_vectors(packet: str, packet_id: int, data: str) -> None:
    assert atol_v3.encode(packet_id, h(data)) == h(packet)
    for chunks in deliveries(h(packet)):
        assert feed(atol_v3.decode, chunks) == [Packet(packet_id, h(data))]


def test_v3_crc8_verified_values() -> None:
    assert atol_v3.crc8(h("01")) == 0x9D
    assert atol_v3.crc8(h("F0 A6 57 55 00 00")) == 0xFE


def test_v3_task_buffer_commands() -> None:
    assert atol_v3.add(1, h("00 00 3F")) == h("C1 01 01 00 00 3F")
    assert atol_v3.add(2, h("00 00 3F"), AddFlags.NEED_RESULT | AddFlags.IGNORE_ERROR) == \
        h("C1 03 02 00 00 3F")
    assert atol_v3.ack_add(1, 2, h("00 00 45")) == h("C5 01 01 02 00 00 45")
    assert atol_v3.ack(1) == h("C2 01")
    assert atol_v3.req(7) == h("C3 07")
    assert atol_v3.abort() == h("C4")
    with pytest.raises(FramingError):
        atol_v3.req(0xE0)


def test_v3_escapes_data_and_length_counts_unescaped_bytes() -> None:
    packet = atol_v3.encode(5, h("FE FD 00"))
    assert packet[:4] == h("FE 03 00 05")
    assert packet[4:8] == h("FD EE FD ED")
    for chunks in deliveries(packet):
        assert feed(atol_v3.decode, chunks) == [Packet(5, h("FE FD 00"))]


def test_v3_long_length_uses_both_length_bytes() -> None:
    data = bytes(range(256)) * 2
    packet = atol_v3.encode(9, data)
    assert packet[1:3] == bytes((512 & 0x7F, 512 >> 7))
    assert atol_v3.decode_packet(packet) == Packet(9, data)


def test_v3_damaged_packets_resynchronise() -> None:
    good = atol_v3.encode(4, h("C3 01"))
    bad_crc = h("FE 01 00 02 C4 DC")
    cut = h("FE 05 00 07 C1 01")  # a bare FE arrives before the packet ends
    frames = feed(atol_v3.decode, [bad_crc + cut + good])
    assert isinstance(frames[0], DamagedPacket) and frames[0].id == 2
    assert isinstance(frames[1], DamagedPacket) and frames[1].reason == "bare 0xFE"
    assert frames[2] == Packet(4, h("C3 01"))
    with pytest.raises(ChecksumMismatch):
        atol_v3.decode_packet(bad_crc)


@given(st.integers(0, 0xDF), st.binary(max_size=400))
def test_v3_round_trip(packet_id: int, data: bytes) -> None:
    assert atol_v3.decode_packet(atol_v3.encode(packet_id, data)) == Packet(packet_id, data)
