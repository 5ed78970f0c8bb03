"""Golden bytes of the FFD TLV encoder (openkkm.fiscal.tlv)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from openkkm.fiscal import tlv


def test_fvln_one_and_a_half_kilograms() -> None:
    assert tlv.fvln(Decimal("1.500")) == bytes.fromhex("03 DC 05")


def test_fvln_whole_number_has_zero_places() -> None:
    assert tlv.fvln(Decimal(2)) == b"\x00\x02"
    assert tlv.read_fvln(b"\x03\xdc\x05") == Decimal("1.500")


def test_vln_is_shortest_little_endian() -> None:
    assert tlv.vln(0) == b"\x00"
    assert tlv.vln(255) == b"\xff"
    assert tlv.vln(256) == b"\x00\x01"
    assert tlv.vln(125000) == bytes.fromhex("48 E8 01")


def test_vln_refuses_negative_and_too_long() -> None:
    with pytest.raises(tlv.TlvError):
        tlv.vln(-1)
    with pytest.raises(tlv.TlvError):
        tlv.vln(1 << 48)


def test_tlv_header_is_tag_and_length_little_endian() -> None:
    assert tlv.tlv(1020, tlv.vln(12500)) == bytes.fromhex("FC 03 02 00 D4 30")


def test_stlv_length_counts_nested_headers() -> None:
    inner = tlv.tlv(1030, tlv.string("Хлеб", 128))
    outer = tlv.stlv(1059, [inner])
    assert outer == bytes.fromhex("23 04 08 00 06 04 04 00 95 AB A5 A1")
    assert list(tlv.iter_tlv(outer)) == [(1059, inner)]


def test_string_is_cp866_and_bounded() -> None:
    assert tlv.string("Ромашка", 64) == bytes.fromhex("90 AE AC A0 E8 AA A0")
    with pytest.raises(tlv.TlvError):
        tlv.string("abc", 2)
    with pytest.raises(tlv.TlvError):
        tlv.string("€", 10)


def test_fixed_string_pads_with_spaces() -> None:
    assert tlv.fixed_string("7700000009", 12) == b"7700000009  "
    assert tlv.read_string(b"7700000009  ") == "7700000009"


def test_unixtime_takes_local_time_as_utc() -> None:
    moment = dt.datetime(2026, 1, 1, 0, 0, 0)
    assert tlv.unixtime(moment) == (1767225600).to_bytes(4, "little")
    assert tlv.read_unixtime(tlv.unixtime(moment)) == moment
    with pytest.raises(tlv.TlvError):
        tlv.unixtime(moment.replace(tzinfo=dt.UTC))


def test_iter_tlv_reports_truncation() -> None:
    with pytest.raises(tlv.TlvError):
        list(tlv.iter_tlv(bytes.fromhex("FC 03 04 00 D4 30")))
