"""Typed Shtrih-M commands: literal bytes, field sizes, and encode/decode round trips."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from openkkm.errors import (
    DeviceRejected,
    FiscalStateError,
    NotSupportedError,
    ProtocolError,
    ValidationError,
)
from openkkm.framing import shtrih
from openkkm.protocol.shtrih import (
    cmd_fn,
    cmd_receipt,
    cmd_registers,
    cmd_shift,
    cmd_status,
)
from openkkm.protocol.shtrih.codes import Command
from openkkm.protocol.shtrih.messages import (
    EmptyAnswer,
    OperatorAnswer,
    decode_answer,
    encode_answer,
    encode_error,
)
from openkkm.protocol.shtrih.registry import REQUESTS, decode_request
from openkkm.protocol.shtrih.status import EcrFlags, Mode, join_mode
from openkkm.protocol.shtrih.values import (
    DEFAULT_ADMIN_PASSWORD,
    NOT_GIVEN_U40,
    OperationType,
    PrintFlags,
    ReceiptType,
    TaxSystemBits,
    VatCode,
)

PWD30 = DEFAULT_ADMIN_PASSWORD.to_bytes(4, "little")


def le(value: int, size: int) -> bytes:
    """Little-endian bytes of ``value``."""
    return value.to_bytes(size, "little")


# Request DATA sizes from reference/shtrih-commands.xml (javapos commands.xml), InParams "Size";
# text fields are the maximum. FF45 text: the XML says 40, the v1.17 spec says 64 (§1.6).
XML_REQUEST_SIZES = {
    Command.SHORT_STATUS: 4,
    Command.FULL_STATUS: 4,
    Command.DEVICE_TYPE: 0,
    Command.OPEN_SHIFT: 4,
    Command.X_REPORT: 4,
    Command.Z_REPORT: 4,
    Command.CASH_IN: 4 + 5,
    Command.CASH_OUT: 4 + 5,
    Command.OPEN_DRAWER: 4 + 1,
    Command.PRINT_STRING: 4 + 1 + 40,
    Command.PRINT_STRING_FONT: 4 + 1 + 1 + 40,
    Command.SALE: 4 + 5 + 5 + 1 + 4 + 40,
    Command.CLOSE_RECEIPT: 4 + 4 * 5 + 2 + 4 + 40,
    Command.CANCEL_RECEIPT: 4,
    Command.OPEN_RECEIPT: 4 + 1,
    Command.FN_STATUS: 4,
    Command.FN_NUMBER: 4,
    Command.FN_FIND_DOCUMENT: 4 + 4,
    Command.FN_OPEN_SHIFT: 4,
    Command.OPERATION_V2: 4 + 1 + 6 + 5 + 5 + 5 + 1 + 1 + 1 + 1 + 128,
    Command.CLOSE_RECEIPT_EXT: 4 + 16 * 5 + 1 + 6 * 5 + 1 + 64,
    Command.FN_BEGIN_REGISTRATION: 4 + 1,
    Command.FN_REGISTER: 4 + 12 + 20 + 1 + 1,
    Command.FN_REREGISTER: 4 + 12 + 20 + 1 + 1 + 1,
}
# Answer DATA sizes from the same XML, OutParams (FF01: date 3 + time 2).
XML_ANSWER_SIZES = {
    Command.SHORT_STATUS: 1 + 2 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 3,  # + 3 reserved (§1.4)
    Command.FULL_STATUS: 1
    + 2
    + 2
    + 3
    + 1
    + 2
    + 2
    + 1
    + 1
    + 1
    + 2
    + 2
    + 3
    + 3
    + 3
    + 1
    + 4
    + 2
    + 2
    + 1
    + 1
    + 6,
    Command.FN_STATUS: 1 + 1 + 1 + 1 + 1 + 3 + 2 + 16 + 4,
    Command.FN_NUMBER: 16,
    Command.FN_OPEN_SHIFT: 2 + 4 + 4,
    Command.CASH_IN: 1 + 2,
    Command.CLOSE_RECEIPT: 1 + 5,
    Command.CLOSE_RECEIPT_EXT: 5 + 4 + 4,
    Command.FN_READ_DOCUMENT_START: 2 + 2,
    Command.FN_REGISTER: 4 + 4,  # FD, FP (the XML's date and time come with extended answers)
    Command.FN_REREGISTER: 4 + 4,
}

FULL_TEXT = "Я" * 40
SAMPLES = {
    Command.SHORT_STATUS: cmd_status.ShortStatus(),
    Command.FULL_STATUS: cmd_status.FullStatus(),
    Command.DEVICE_TYPE: cmd_status.DeviceType(),
    Command.OPEN_SHIFT: cmd_shift.OpenShift(),
    Command.X_REPORT: cmd_shift.XReport(),
    Command.Z_REPORT: cmd_shift.ZReport(),
    Command.CASH_IN: cmd_shift.CashIn(amount=10000),
    Command.CASH_OUT: cmd_shift.CashOut(amount=10000),
    Command.OPEN_DRAWER: cmd_shift.OpenDrawer(),
    Command.PRINT_STRING: cmd_shift.PrintString(text=FULL_TEXT),
    Command.PRINT_STRING_FONT: cmd_shift.PrintStringFont(text=FULL_TEXT),
    Command.SALE: cmd_receipt.Sale(quantity=1000, price=100, text=FULL_TEXT),
    Command.CLOSE_RECEIPT: cmd_receipt.CloseReceipt(payments=(1, 2, 3, 4), text=FULL_TEXT),
    Command.CANCEL_RECEIPT: cmd_receipt.CancelReceipt(),
    Command.OPEN_RECEIPT: cmd_receipt.OpenReceipt(),
    Command.FN_STATUS: cmd_fn.FnStatus(),
    Command.FN_NUMBER: cmd_fn.FnNumber(),
    Command.FN_FIND_DOCUMENT: cmd_fn.FindDocument(fd_number=7),
    Command.FN_OPEN_SHIFT: cmd_shift.FnOpenShift(),
    Command.OPERATION_V2: cmd_receipt.OperationV2(quantity=1, price=1, name="Я" * 128),
    Command.CLOSE_RECEIPT_EXT: cmd_receipt.CloseReceiptExt(text="Я" * 64),
    Command.FN_BEGIN_REGISTRATION: cmd_registers.BeginRegistration(report_type=0),
    Command.FN_REGISTER: cmd_registers.Register(inn="7707083893", reg_number="1" * 16,
                                                tax_systems=3),
    Command.FN_REREGISTER: cmd_registers.Reregister(inn="7707083893", reg_number="1" * 16,
                                                    tax_systems=3, reason=1),
}


@pytest.mark.parametrize("code", list(XML_REQUEST_SIZES))
def test_request_sizes_match_the_xml(code: Command) -> None:
    request = SAMPLES[code]
    assert request.code == code
    payload = request.encode()
    assert payload[: 2 if code > 0xFF else 1] == shtrih.command_bytes(code)
    assert len(request.encode_data()) == XML_REQUEST_SIZES[code]


def answer_sample(code: Command) -> object:
    """A fully populated answer for ``code``."""
    now = dt.datetime(2026, 11, 24, 13, 58)
    return {
        Command.SHORT_STATUS: cmd_status.ShortStatusAnswer(
            operator=30, flags=EcrFlags.RECEIPT_ROLL, mode_byte=2, submode=0
        ),
        Command.FULL_STATUS: cmd_status.FullStatusAnswer(
            operator=30,
            firmware_version="C1",
            firmware_build=62922,
            firmware_date=dt.date(2024, 5, 1),
            date=now.date(),
            time=dt.time(13, 58, 1),
        ),
        Command.FN_STATUS: cmd_fn.FnStatusAnswer(
            phase=3, datetime=now, fn_number="9999078900012345", last_fd_number=42
        ),
        Command.FN_NUMBER: cmd_fn.FnNumberAnswer(fn_number="9999078900012345"),
        Command.FN_OPEN_SHIFT: cmd_shift.FnShiftAnswer(shift_number=1, fd_number=2, fiscal_sign=3),
        Command.CASH_IN: cmd_shift.CashAnswer(operator=1, document_number=5),
        Command.CLOSE_RECEIPT: cmd_receipt.CloseReceiptAnswer(operator=1, change=50),
        Command.CLOSE_RECEIPT_EXT: cmd_receipt.CloseReceiptExtAnswer(
            change=50, fd_number=10, fiscal_sign=0xDEADBEEF
        ),
        Command.FN_READ_DOCUMENT_START: cmd_fn.ReadDocumentStartAnswer(document_tag=3, length=9),
        Command.FN_REGISTER: cmd_registers.RegistrationAnswer(fd_number=1, fiscal_sign=7),
        Command.FN_REREGISTER: cmd_registers.RegistrationAnswer(fd_number=9, fiscal_sign=8),
    }[code]


@pytest.mark.parametrize("code", list(XML_ANSWER_SIZES))
def test_answer_sizes_match_the_xml(code: Command) -> None:
    answer = answer_sample(code)
    assert len(answer.encode_data()) == XML_ANSWER_SIZES[code]  # type: ignore[attr-defined]


@pytest.mark.parametrize("code", list(SAMPLES))
def test_request_round_trip_through_the_registry(code: Command) -> None:
    request = SAMPLES[code]
    assert REQUESTS[code] is type(request)
    assert decode_request(request.encode()) == request


@pytest.mark.parametrize("code", list(XML_ANSWER_SIZES))
def test_answer_round_trip(code: Command) -> None:
    answer = answer_sample(code)
    request_class = REQUESTS[code]  # answers are decoded with the request class's answer type
    payload = encode_answer(code, answer)  # type: ignore[arg-type]
    assert payload[len(shtrih.command_bytes(code))] == 0
    request = SAMPLES.get(code) or request_class(fd_number=1)  # type: ignore[call-arg]
    assert decode_answer(request, payload, request_class.answer) == answer


def test_worked_frames_from_typed_requests() -> None:
    # PROTOCOLS.md §1.11.
    cases = [
        (cmd_status.ShortStatus(), "02 05 10 1E 00 00 00 0B"),
        (cmd_status.DeviceType(), "02 01 FC FD"),
        (cmd_fn.FnStatus(), "02 06 FF 01 1E 00 00 00 E6"),
        (cmd_shift.OpenShift(), "02 05 E0 1E 00 00 00 FB"),
        (cmd_shift.OpenDrawer(password=30, drawer=0), "02 06 28 1E 00 00 00 00 30"),
        (cmd_shift.CashIn(password=30, amount=10000), "02 0A 50 1E 00 00 00 10 27 00 00 00 73"),
        (
            cmd_receipt.OperationV2(
                password=30,
                operation=OperationType.INCOME,
                quantity=1_000_000,
                price=12345,
                vat=VatCode.VAT20,
                department=1,
                payment_method=4,
                payment_subject=1,
                name="Товар",
            ),
            "02 25 FF 46 1E 00 00 00 01 40 42 0F 00 00 00 39 30 00 00 00 FF FF FF FF FF FF FF FF "
            "FF FF 01 01 04 01 D2 EE E2 E0 F0 4C",
        ),
    ]
    for request, frame in cases:
        assert shtrih.encode(request.encode()) == bytes.fromhex(frame)


def test_ff46_layout_from_named_constants() -> None:
    request = cmd_receipt.OperationV2(
        password=1,
        operation=OperationType.INCOME_RETURN,
        quantity=2_500_000,
        price=19999,
        amount=49998,
        tax_amount=NOT_GIVEN_U40,
        vat=VatCode.VAT22,
        department=2,
        payment_method=1,
        payment_subject=33,
        name="//скрыто",
    )
    assert request.encode() == (
        b"\xff\x46"
        + le(1, 4)
        + bytes((OperationType.INCOME_RETURN,))
        + le(2_500_000, 6)
        + le(19999, 5)
        + le(49998, 5)
        + b"\xff" * 5
        + bytes((0xCB, 2, 1, 33))
        + "//скрыто".encode("cp1251")
    )
    assert decode_request(request.encode()) == replace(request, tax_amount=None)


def test_ff45_layout_from_named_constants() -> None:
    payments = (10000, 2345) + (0,) * 14
    taxes = (0, 0, 0, 0, 0, 0)
    request = cmd_receipt.CloseReceiptExt(
        payments=payments,
        rounding=45,
        taxes=taxes,
        tax_system=TaxSystemBits.USN_INCOME,
        text="Спасибо",
    )
    assert request.encode() == (
        b"\xff\x45"
        + PWD30
        + b"".join(le(p, 5) for p in payments)
        + bytes((45,))
        + bytes(30)
        + bytes((TaxSystemBits.USN_INCOME,))
        + "Спасибо".encode("cp1251")
    )
    extended = bytes.fromhex("32 00 00 00 00 0A 00 00 00 EF BE AD DE 1A 0B 18 0D 3A")
    answer = decode_answer(request, b"\xff\x45\x00" + extended, cmd_receipt.CloseReceiptExtAnswer)
    assert answer == cmd_receipt.CloseReceiptExtAnswer(
        change=50, fd_number=10, fiscal_sign=0xDEADBEEF, datetime=dt.datetime(2026, 11, 24, 13, 58)
    )


def test_legacy_sale_and_close_layout() -> None:
    sale = cmd_receipt.Sale(
        password=1,
        quantity=1000,
        price=1000,
        department=1,
        tax_groups=(1, 0, 0, 0),
        text="Позиция 1",
    )
    assert sale.encode() == (
        b"\x80"
        + le(1, 4)
        + le(1000, 5)
        + le(1000, 5)
        + b"\x01\x01\x00\x00\x00"
        + "Позиция 1".encode("cp1251").ljust(40, b"\0")
    )
    close = cmd_receipt.CloseReceipt(password=1, payments=(1000, 0, 0, 0), discount=-250)
    assert close.encode()[1 + 4 + 20 : 1 + 4 + 22] == le(-250 & 0xFFFF, 2)
    assert decode_request(close.encode()).discount == -250  # type: ignore[attr-defined]


def test_other_layouts() -> None:
    assert cmd_receipt.OpenReceipt(receipt_type=ReceiptType.CORRECTION_SALE_RETURN).encode() == (
        b"\x8d" + le(1, 4) + b"\x82"
    )
    assert cmd_shift.PrintString(
        flags=PrintFlags.RECEIPT | PrintFlags.JOURNAL, text="A"
    ).encode() == (b"\x17" + le(1, 4) + b"\x03" + b"A" + bytes(39))
    assert cmd_shift.PrintStringFont(font=2, text="").encode() == b"\x2f" + le(
        1, 4
    ) + b"\x02\x02" + bytes(40)
    assert cmd_receipt.WriteTlv(tlv=bytes.fromhex("FD 03 02 00 41 42")).encode() == (
        b"\xff\x0c" + PWD30 + bytes.fromhex("FD 03 02 00 41 42")
    )
    assert cmd_receipt.WriteOperationTlv(tlv=b"\x01").encode()[:2] == b"\xff\x4d"
    assert (
        cmd_fn.FindDocument(fd_number=0x01020304).encode()
        == b"\xff\x0a" + PWD30 + b"\x04\x03\x02\x01"
    )
    assert cmd_fn.ReadDocumentStart(fd_number=5).encode() == b"\xff\x3a" + PWD30 + le(5, 4)
    for cls, code in (
        (cmd_shift.BeginOpenShift, b"\xff\x41"),
        (cmd_shift.BeginCloseShift, b"\xff\x42"),
        (cmd_fn.OfdExchangeStatus, b"\xff\x39"),
        (cmd_fn.FnExpiry, b"\xff\x03"),
        (cmd_fn.ReadDocumentBlock, b"\xff\x3b"),
        (cmd_fn.FnNumber, b"\xff\x02"),
    ):
        assert cls().encode() == code + PWD30


def test_answers_decoded_from_literal_bytes() -> None:
    status = decode_answer(
        cmd_status.ShortStatus(),
        bytes.fromhex("10 00 1E 02 04 28 00 05 00 9B 00 00 01 00 00 00"),
        cmd_status.ShortStatusAnswer,
    )
    assert status.operator == 30 and status.ecr_flags == EcrFlags.RECEIPT_ROLL | EcrFlags.COVER_OPEN
    assert (
        status.mode == Mode.DOCUMENT_OPEN and status.mode_status == 2 and status.operations == 261
    )
    assert status.last_print_result is None
    device = decode_answer(
        cmd_status.DeviceType(),
        b"\xfc\x00" + bytes.fromhex("00 00 01 0E FA 00") + "ШТРИХ-М-02Ф".encode("cp1251"),
        cmd_status.DeviceTypeAnswer,
    )
    assert device.model == 250 and device.protocol_subversion == 14 and device.name == "ШТРИХ-М-02Ф"
    expiry = decode_answer(
        cmd_fn.FnExpiry(), bytes.fromhex("FF 03 00 1B 0C 1F"), cmd_fn.FnExpiryAnswer
    )
    assert expiry == cmd_fn.FnExpiryAnswer(expiry=dt.date(2027, 12, 31))
    found = decode_answer(
        cmd_fn.FindDocument(fd_number=9),
        bytes.fromhex("FF 0A 00 03 01 1A 0B 18 0D 3A 09 00 00 00 78 56 34 12 01 39 30 00 00 00"),
        cmd_fn.FindDocumentAnswer,
    )
    assert found.fd_number == 9 and found.fiscal_sign == 0x12345678
    assert found.receipt_operation() == (1, 12345)
    ofd = decode_answer(
        cmd_fn.OfdExchangeStatus(),
        bytes.fromhex("FF 39 00 03 00 02 00 07 00 00 00 1A 0B 18 0D 3A"),
        cmd_fn.OfdStatusAnswer,
    )
    assert ofd.queue_length == 2 and ofd.first_unsent_fd == 7
    assert ofd.first_unsent_datetime == dt.datetime(2026, 11, 24, 13, 58)


def test_error_answers_raise_typed_errors() -> None:
    assert encode_error(Command.OPEN_SHIFT, 0x73) == b"\xe0\x73"
    assert shtrih.encode(encode_error(Command.FN_STATUS, 0x02)) == bytes.fromhex(
        "02 03 FF 01 02 FF"
    )
    with pytest.raises(DeviceRejected) as rejected:
        decode_answer(cmd_shift.OpenShift(), b"\xe0\x73", cmd_shift.OpenShiftAnswer)
    assert rejected.value.vendor_code == 0x73
    assert "режиме" in rejected.value.text("ru") and "mode" in rejected.value.text("en")
    with pytest.raises(FiscalStateError) as expired:
        decode_answer(cmd_receipt.OpenReceipt(), b"\x8d\x4e", OperatorAnswer)
    assert "смена" in expired.value.text("ru") and expired.value.vendor_code == 0x4E
    with pytest.raises(ProtocolError):
        decode_answer(cmd_status.ShortStatus(), b"\x11\x00", EmptyAnswer)
    with pytest.raises(ProtocolError):
        decode_answer(cmd_fn.FnNumber(), b"\xff\x02\x00" + b"12", cmd_fn.FnNumberAnswer)


def test_open_shift_answer_with_or_without_operator() -> None:
    with_op = decode_answer(cmd_shift.OpenShift(), b"\xe0\x00\x1e", cmd_shift.OpenShiftAnswer)
    assert with_op.operator == 30
    without = decode_answer(cmd_shift.OpenShift(), b"\xe0\x00", cmd_shift.OpenShiftAnswer)
    assert without.operator is None


def test_device_side_decoding_is_lenient_on_text_but_strict_on_numbers() -> None:
    # pyshtrih pads classic text to 48 bytes on some models; the device accepts it.
    long_text = b"\x17" + le(1, 4) + b"\x02" + b"Hi".ljust(48, b"\0")
    assert decode_request(long_text) == cmd_shift.PrintString(flags=2, text="Hi")
    with pytest.raises(ProtocolError):
        decode_request(b"\x10\x1e\x00")  # password cut short
    with pytest.raises(ProtocolError):
        decode_request(b"\x10\x1e\x00\x00\x00\x00")  # one byte too many
    with pytest.raises(NotSupportedError):
        decode_request(b"\xff\x99\x1e\x00\x00\x00")


def test_encoding_refuses_values_that_do_not_fit() -> None:
    with pytest.raises(ValidationError) as error:
        cmd_receipt.OperationV2(quantity=1 << 48, price=1).encode()
    assert error.value.loc == ("quantity",)
    with pytest.raises(ValidationError):
        cmd_receipt.OperationV2(quantity=1, price=1, name="x" * 129).encode()
    with pytest.raises(ValidationError):
        cmd_shift.PrintString(text="€漢").encode()
    with pytest.raises(ValidationError):
        cmd_receipt.WriteTlv(tlv=bytes(251))
    with pytest.raises(ValidationError):
        cmd_receipt.CloseReceiptExt(payments=(1, 2)).encode()
    for bad in (1 << 40, -1, "100"):  # a payment slot holds 5 bytes, unsigned
        with pytest.raises(ValidationError) as error:
            cmd_receipt.CloseReceiptExt(payments=(0, bad) + (0,) * 14).encode()  # type: ignore[arg-type]
        assert error.value.loc == ("payments",)


def test_mode_byte_helpers() -> None:
    assert join_mode(Mode.DOCUMENT_OPEN, 3) == 0x38
    answer = cmd_status.ShortStatusAnswer(operator=1, flags=0, mode_byte=0x38, submode=0)
    assert (answer.mode, answer.mode_status) == (8, 3)


def test_decode_answer_refuses_the_wrong_answer_type() -> None:
    with pytest.raises(TypeError):
        decode_answer(cmd_status.ShortStatus(), b"\x10\x00\x1e", OperatorAnswer)
