"""Service and marking commands, the registry's coverage, and the domain value tables."""

from __future__ import annotations

import datetime as dt

import pytest

from openkkm.errors import ProtocolError, ValidationError
from openkkm.fiscal.types import TaxSystem, VatRate
from openkkm.protocol.shtrih import cmd_marking, cmd_misc, cmd_receipt
from openkkm.protocol.shtrih.codes import Command
from openkkm.protocol.shtrih.messages import decode_answer, encode_answer
from openkkm.protocol.shtrih.registry import REQUESTS, decode_request
from openkkm.protocol.shtrih.values import (
    TAX_SYSTEM_BITS,
    VAT_CODES,
    VAT_RATES,
    VatCode,
)

PWD1 = (1).to_bytes(4, "little")
PWD30 = (30).to_bytes(4, "little")


def test_every_command_code_has_a_request_class() -> None:
    assert set(REQUESTS) == set(Command)


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (cmd_misc.Beep(), b"\x13" + PWD1),
        (cmd_misc.TechReset(), b"\x16"),
        (
            cmd_misc.WriteTable(table=1, row=1, field=12, value=b"\x01"),
            b"\x1e" + PWD30 + bytes.fromhex("01 01 00 0C 01"),
        ),
        (
            cmd_misc.ReadTable(table=17, row=1, field=17),
            b"\x1f" + PWD30 + bytes.fromhex("11 01 00 11"),
        ),
        (cmd_misc.SetTime(time=dt.time(13, 58, 7)), b"\x21" + PWD30 + bytes((13, 58, 7))),
        (cmd_misc.SetDate(date=dt.date(2026, 11, 24)), b"\x22" + PWD30 + bytes((24, 11, 26))),
        (cmd_misc.ConfirmDate(date=dt.date(2026, 11, 24)), b"\x23" + PWD30 + bytes((24, 11, 26))),
        (cmd_misc.Cut(password=30, partial=1), bytes.fromhex("25 1E 00 00 00 01")),  # §1.11
        (cmd_misc.Feed(flags=2, lines=3), b"\x29" + PWD1 + b"\x02\x03"),
        (cmd_misc.Subtotal(), b"\x89" + PWD1),
        (cmd_misc.RepeatDocument(), b"\x8c" + PWD1),
        (cmd_misc.ContinuePrint(), b"\xb0" + PWD30),
        (cmd_misc.FnVersion(), b"\xff\x04" + PWD30),
        (cmd_misc.FnCancelDocument(), b"\xff\x08" + PWD30),
        (
            cmd_misc.SetExchange(port=0, baudrate_code=6, byte_timeout_code=50),
            b"\x14" + PWD30 + b"\x00\x06\x32",
        ),
        (cmd_misc.ReadExchange(), b"\x15" + PWD30 + b"\x00"),
        (cmd_misc.ReadErrorText(error=0x4F), b"\x6b\x4f"),
        (
            cmd_receipt.SaleReturn(quantity=1000, price=5),
            b"\x82" + PWD1 + (1000).to_bytes(5, "little") + (5).to_bytes(5, "little") + bytes(45),
        ),
        (cmd_marking.AcceptMarking(), b"\xff\x69" + PWD1 + b"\x01"),
        (
            cmd_marking.CheckMarking(marking_code=b"0104", tlv=b"\x01\x02"),
            b"\xff\x61" + PWD1 + bytes((1, 0, 4, 2)) + b"0104\x01\x02",
        ),
        (cmd_marking.BindMarking(marking_code=b"0104"), b"\xff\x67" + PWD1 + b"\x040104"),
        (
            cmd_marking.BindMarking(marking_code=b"01", volumetric=True),
            b"\xff\x67" + PWD1 + b"\x0201\xff",
        ),
    ],
)
def test_service_layouts_and_round_trips(request_: cmd_misc.Request, expected: bytes) -> None:
    assert request_.encode() == expected
    assert decode_request(expected) == request_


def test_service_answers() -> None:
    version = decode_answer(
        cmd_misc.FnVersion(),
        b"\xff\x04\x00" + b"fn-2.0.35".ljust(16, b" ") + b"\x01",
        cmd_misc.FnVersionAnswer,
    )
    assert version == cmd_misc.FnVersionAnswer(version="fn-2.0.35", serial_build=1)
    table = decode_answer(
        cmd_misc.ReadTable(table=17, row=1, field=17), b"\x1f\x00\x04", cmd_misc.ReadTableAnswer
    )
    assert table.value == b"\x04"
    subtotal = cmd_misc.SubtotalAnswer(operator=1, subtotal=12345)
    assert (
        decode_answer(cmd_misc.Subtotal(), encode_answer(0x89, subtotal), cmd_misc.SubtotalAnswer)
        == subtotal
    )
    check = decode_answer(
        cmd_marking.CheckMarking(marking_code=b"x"),
        bytes.fromhex("FF 61 00 0F 00 02 00"),
        cmd_marking.CheckMarkingAnswer,
    )
    assert (check.local_status, check.marking_type, check.online) == (0x0F, 2, b"")
    bound = decode_answer(
        cmd_marking.BindMarking(marking_code=b"x"),
        bytes.fromhex("FF 67 00 34 12 02"),
        cmd_marking.BindMarkingAnswer,
    )
    assert (bound.item_code, bound.check) == (0x1234, b"\x02")


def test_marking_length_errors() -> None:
    with pytest.raises(ValidationError):
        cmd_marking.CheckMarking(marking_code=bytes(256)).encode()
    with pytest.raises(ProtocolError):
        decode_request(b"\xff\x61" + PWD1 + bytes((1, 0, 4, 0)) + b"01")
    with pytest.raises(ProtocolError):
        decode_request(b"\xff\x67" + PWD1 + b"\x0201\x00")


def test_domain_value_tables() -> None:
    assert set(VAT_CODES) == set(VatRate)
    assert VAT_CODES[VatRate.VAT22] == VatCode.VAT22 == 0xCB
    assert VAT_RATES[VatCode.VAT22_122] == VatRate.VAT22_122
    assert TAX_SYSTEM_BITS[TaxSystem.USN_INCOME_EXPENSE] == 0x04
    assert TAX_SYSTEM_BITS[TaxSystem.PATENT] == 0x20
