"""Shtrih-M protocol-1 and protocol-2 framers against literal vectors (PROTOCOLS.md §1.11, §7)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openkkm.errors import ChecksumMismatch, FramingError
from openkkm.framing import shtrih
from openkkm.framing.shtrih import DamagedFrame, Frame, NumberedFrame

# (frame bytes, payload) from PROTOCOLS.md §1.11 "Worked frames".
WORKED = [
    ("02 05 13 1E 00 00 00 08", "13 1E 00 00 00"),
    ("02 03 13 00 1E 0E", "13 00 1E"),
    ("02 05 10 1E 00 00 00 0B", "10 1E 00 00 00"),
    ("02 01 FC FD", "FC"),
    ("02 06 FF 01 1E 00 00 00 E6", "FF 01 1E 00 00 00"),
    ("02 05 E0 1E 00 00 00 FB", "E0 1E 00 00 00"),
    ("02 02 E0 73 91", "E0 73"),
    ("02 03 FF 01 02 FF", "FF 01 02"),
    ("02 06 25 1E 00 00 00 01 3C", "25 1E 00 00 00 01"),
    ("02 06 28 1E 00 00 00 00 30", "28 1E 00 00 00 00"),
    ("02 0A 50 1E 00 00 00 10 27 00 00 00 73", "50 1E 00 00 00 10 27 00 00 00"),
    (
        "02 25 FF 46 1E 00 00 00 01 40 42 0F 00 00 00 39 30 00 00 00 FF FF FF FF FF FF FF FF FF "
        "FF 01 01 04 01 D2 EE E2 E0 F0 4C",
        "FF 46 1E 00 00 00 01 40 42 0F 00 00 00 39 30 00 00 00 FF FF FF FF FF FF FF FF FF FF "
        "01 01 04 01 D2 EE E2 E0 F0",
    ),
]

Decoder = Callable[[bytes], tuple[int, object]]


def feed(decoder: Decoder, chunks: list[bytes]) -> list[object]:
    """Deliver ``chunks`` one by one to a sans-IO decoder, keeping the remainder like a caller."""
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
    """Return the same bytes delivered whole, in halves, and byte by byte."""
    half = len(data) // 2
    return [[data], [data[:half], data[half:]], [bytes((b,)) for b in data]]


@pytest.mark.parametrize(("frame_hex", "payload_hex"), WORKED)
def test_encode_worked_frames(frame_hex: str, payload_hex: str) -> None:
    assert shtrih.encode(bytes.fromhex(payload_hex)) == bytes.fromhex(frame_hex)


@pytest.mark.parametrize(("frame_hex", "payload_hex"), WORKED)
def test_decode_worked_frames_whole_split_bytewise_with_garbage(
    frame_hex: str, payload_hex: str
) -> None:
    frame = bytes.fromhex(frame_hex)
    garbage_before, garbage_after = b"\xff\x00\x13", b"\x15\x06"
    for chunks in deliveries(garbage_before + frame + garbage_after):
        assert feed(shtrih.decode, chunks) == [Frame(bytes.fromhex(payload_hex))]


def test_decode_reports_consumption_and_needs_more() -> None:
    frame = bytes.fromhex("02 05 10 1E 00 00 00 0B")
    assert shtrih.decode(b"") == (0, None)
    assert shtrih.decode(b"\xaa\xbb") == (2, None)
    assert shtrih.decode(b"\xaa" + frame[:4]) == (1, None)
    assert shtrih.decode(frame + frame) == (len(frame), Frame(frame[2:-1]))


def test_two_frames_back_to_back() -> None:
    one, two = bytes.fromhex("02 01 FC FD"), bytes.fromhex("02 02 E0 73 91")
    for chunks in deliveries(one + two):
        assert feed(shtrih.decode, chunks) == [Frame(b"\xfc"), Frame(b"\xe0\x73")]


def test_bad_lrc_is_a_damaged_frame_and_decoding_continues() -> None:
    bad = bytes.fromhex("02 05 10 1E 00 00 00 0C")
    good = bytes.fromhex("02 01 FC FD")
    for chunks in deliveries(bad + good):
        frames = feed(shtrih.decode, chunks)
        assert isinstance(frames[0], DamagedFrame)
        assert frames[0].raw == bad
        assert frames[1:] == [Frame(b"\xfc")]
    with pytest.raises(ChecksumMismatch):
        shtrih.decode_frame(bad)


def test_len_zero_is_damaged() -> None:
    used, frame = shtrih.decode(b"\x02\x00\x00")
    assert used == 3
    assert isinstance(frame, DamagedFrame)


def test_command_codes() -> None:
    assert shtrih.command_bytes(0x10) == b"\x10"
    assert shtrih.command_bytes(0xFF46) == b"\xff\x46"
    assert Frame(bytes.fromhex("FF 46 01 02")).command == 0xFF46
    assert Frame(bytes.fromhex("FF 46 01 02")).data == b"\x01\x02"
    assert Frame(b"\x10\x1e").command == 0x10
    for bad in (0xFF, 0x1FF, 0x10000, -1):
        with pytest.raises(FramingError):
            shtrih.command_bytes(bad)


def test_payload_length_limits() -> None:
    assert shtrih.encode(b"\x01" * 255)[1] == 255
    for bad in (b"", b"\x01" * 256):
        with pytest.raises(FramingError):
            shtrih.encode(bad)


@given(st.binary(min_size=1, max_size=255))
def test_protocol1_round_trip(payload: bytes) -> None:
    assert shtrih.decode_frame(shtrih.encode(payload)) == Frame(payload)


# Protocol 2 -----------------------------------------------------------------------------------


def test_crc16_check_value() -> None:
    # CRC-16/CCITT-FALSE check value (PROTOCOLS.md §7 item 3).
    assert shtrih.crc16_ccitt_false(b"123456789") == 0x29B1


def test_v2_literal_frame() -> None:
    # LEN=3 (2 + one data byte), NUM=1, CMD=FC; CRC over 03 00 01 00 FC.
    body = bytes.fromhex("03 00 01 00 FC")
    crc = shtrih.crc16_ccitt_false(body).to_bytes(2, "little")
    assert shtrih.encode_v2(1, b"\xfc") == b"\x8f" + body + crc


def test_v2_stuffing_literal() -> None:
    assert shtrih.stuff(bytes.fromhex("01 8F 02 9F 03")) == bytes.fromhex("01 9F 81 02 9F 83 03")
    assert shtrih.unstuff(bytes.fromhex("01 9F 81 02 9F 83 03")) == bytes.fromhex("01 8F 02 9F 03")
    frame = shtrih.encode_v2(0x8F9F, b"\x8f")
    assert frame.count(0x8F) == 1
    assert shtrih.decode_v2(frame) == (len(frame), NumberedFrame(0x8F9F, b"\x8f"))


def test_v2_sync_request() -> None:
    frame = shtrih.encode_v2(None)
    assert frame[:3] == b"\x8f\x00\x00"
    assert shtrih.decode_v2(frame) == (len(frame), NumberedFrame(None, b""))


def test_v2_whole_split_bytewise_with_garbage() -> None:
    frame = shtrih.encode_v2(0x9F8F, bytes.fromhex("FF 46 8F 9F 00"))
    expected = [NumberedFrame(0x9F8F, bytes.fromhex("FF 46 8F 9F 00"))]
    for chunks in deliveries(b"\x01\x9f\x83" + frame + b"\x05"):
        assert feed(shtrih.decode_v2, chunks) == expected


def test_v2_damaged_frames() -> None:
    good = shtrih.encode_v2(7, b"\x10")
    bad_crc = good[:-1] + bytes((good[-1] ^ 1,))
    for chunks in deliveries(bad_crc + good):
        frames = feed(shtrih.decode_v2, chunks)
        assert isinstance(frames[0], DamagedFrame)
        assert frames[1:] == [NumberedFrame(7, b"\x10")]
    bad_escape = b"\x8f\x03\x00\x9f\x42"
    used, frame = shtrih.decode_v2(bad_escape)
    assert isinstance(frame, DamagedFrame) and used == len(bad_escape)
    interrupted = good[:4] + good
    frames = feed(shtrih.decode_v2, [interrupted])
    assert isinstance(frames[0], DamagedFrame) and frames[1:] == [NumberedFrame(7, b"\x10")]
    used, frame = shtrih.decode_v2(b"\x8f\x01\x00\x00\x00")
    assert isinstance(frame, DamagedFrame)


def test_v2_frame_broken_off_after_an_escape_keeps_the_next_start_byte() -> None:
    """A frame cut right after 9F: the next frame's 0x8F starts it, it is not eaten as an escape."""
    broken = shtrih.encode_v2(7, b"\x9f\x10")
    broken = broken[: broken.index(shtrih.V2_ESC) + 1]
    good = shtrih.encode_v2(8, b"\x10")
    for chunks in deliveries(broken + good):
        frames = feed(shtrih.decode_v2, chunks)
        assert isinstance(frames[0], DamagedFrame)
        assert frames[1:] == [NumberedFrame(8, b"\x10")]


@given(st.integers(0, 0xFFFF), st.binary(min_size=1, max_size=300))
def test_v2_round_trip(number: int, payload: bytes) -> None:
    frame = shtrih.encode_v2(number, payload)
    assert shtrih.V2_START not in frame[1:]
    assert shtrih.decode_v2(frame) == (len(frame), NumberedFrame(number, payload))


@given(st.binary(max_size=200))
def test_stuffing_never_leaves_a_start_byte(data: bytes) -> None:
    stuffed = shtrih.stuff(data)
    assert shtrih.V2_START not in stuffed
    assert shtrih._unstuff_prefix(stuffed, 0, len(data)) == (data, len(stuffed), None)
    assert shtrih.unstuff(stuffed) == data
