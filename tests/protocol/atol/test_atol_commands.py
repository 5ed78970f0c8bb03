"""ATOL upper-layer commands and answers against literal bytes (PROTOCOLS.md §2.3, §2.4)."""

from __future__ import annotations

import datetime as dt

import pytest

from openkkm.errors import (
    DeviceRejected,
    FiscalStateError,
    NotSupportedError,
    ProtocolError,
)
from openkkm.fiscal.types import DocumentType, ReceiptKind
from openkkm.protocol.atol import cmd_fn, cmd_receipt, cmd_register, cmd_state
from openkkm.protocol.atol.codes import (
    FnShiftState,
    Mode,
    PaymentType,
    PropsFlags,
    ReceiptType,
    ReportType,
    StateFlags,
    TaxType,
)
from openkkm.protocol.atol.errors import device_error, error_text
from openkkm.protocol.atol.messages import Answer, encode_error
from openkkm.protocol.atol.registry import decode_request
from openkkm.protocol.atol.values import bcd, decode_text, encode_text, from_bcd


def h(text: str) -> bytes:
    """Bytes from a spaced hex string."""
    return bytes.fromhex(text)


REQUESTS = [
    (cmd_state.DeviceState(), "00 00 3F"),  # PROTOCOLS.md §2.1 example payload
    (cmd_state.StateCode(), "00 00 45"),
    (cmd_state.DeviceType(), "00 00 A5"),
    (cmd_state.EnterMode(mode=Mode.REGISTRATION, password=30), "00 00 56 01 00 00 00 30"),
    (cmd_state.EnterMode(mode=Mode.Z_REPORTS, password=30), "00 00 56 03 00 00 00 30"),
    (cmd_state.LeaveMode(), "00 00 48"),
    (cmd_state.PrintString(text="№1 $"), "00 00 4C 24 31 20 FC"),
    (cmd_state.Cut(partial=True), "00 00 75 01"),
    (cmd_state.OpenDrawer(), "00 00 80"),
    (cmd_receipt.OpenShift(), "00 00 9A 00"),
    (cmd_receipt.OpenReceipt(receipt_type=ReceiptType.SALE_RETURN), "00 00 92 00 02"),
    (cmd_receipt.Payment(payment_type=PaymentType.ELECTRONIC, amount=123456),
     "00 00 99 00 02 00 00 12 34 56"),
    (cmd_receipt.CloseReceipt(), "00 00 4A 00 01 00 00 00 00 00"),
    (cmd_receipt.CancelReceipt(), "00 00 59"),
    (cmd_receipt.CashIn(amount=10000), "00 00 49 00 00 00 01 00 00"),
    (cmd_receipt.CashOut(amount=99), "00 00 4F 00 00 00 00 00 99"),
    (cmd_receipt.CashBalance(), "00 00 4D"),
    (cmd_receipt.Report(report_type=ReportType.X), "00 00 67 01"),
    (cmd_receipt.ZReport(), "00 00 5A"),
    (cmd_receipt.WriteProps(tlv=h("FD 03 02 00 41 42"), flags=PropsFlags.ITEM),
     "00 00 E8 02 FD 03 02 00 41 42"),
    (cmd_fn.FnShift(), "00 00 A4 10"),
    (cmd_fn.FnOfdState(), "00 00 A4 20"),
    (cmd_fn.FnStatus(), "00 00 A4 30"),
    (cmd_fn.FnFindDocument(number=0x01020304), "00 00 A4 40 04 03 02 01"),
    (cmd_fn.FnDocumentTlv(number=7, offset=0x0400), "00 00 A4 46 07 00 00 00 00 04"),
    (cmd_receipt.Report(report_type=ReportType.FN_STATE), "00 00 67 15"),
    (cmd_fn.FnCheckMarking(planned_status=3, marking_code=b"01\x1d9"),
     "00 00 A4 B1 03 04 30 31 1D 39"),
    (cmd_receipt.OpenReceipt(receipt_type=ReceiptType.PURCHASE_RETURN_CORRECTION),
     "00 00 92 00 0A"),
    (cmd_register.FnReregister(reason=0b10, tags=h("11 04 02 00 31 32")),
     "00 00 A4 B2 02 00 00 00 11 04 02 00 31 32"),
    (cmd_register.FnClose(), "00 00 A4 B3"),
]


def test_document_tlv_answer_round_trip() -> None:
    answer = cmd_fn.FnDocumentTlvAnswer(size=0x0503, piece=h("03 00 02 00 01 02"))
    assert answer.encode() == h("55 00 00 03 05 03 00 02 00 01 02")
    assert cmd_fn.FnDocumentTlvAnswer.decode(answer.encode()) == answer
    with pytest.raises(ProtocolError):
        decode_request(h("00 00 A4 46 07 00 00 00"))
    with pytest.raises(ProtocolError):
        decode_request(h("00 00 A4 B1 01 05 30 31"))  # the code is shorter than its length
    assert cmd_fn.FnCheckMarkingAnswer.decode(h("55 00 00 03")).result == 3


def test_reregister_and_close_refuse_malformed_parameters() -> None:
    with pytest.raises(ProtocolError):
        decode_request(h("00 00 A4 B2 02 00 00 00"))  # no registration tags
    with pytest.raises(ProtocolError):
        decode_request(h("00 00 A4 B2 02 00"))  # the reason is cut
    with pytest.raises(ProtocolError):
        decode_request(h("00 00 A4 B3 00"))


@pytest.mark.parametrize(("request_", "wire"), REQUESTS)
def test_request_bytes_and_device_decoding(request_: cmd_state.Request, wire: str) -> None:
    assert request_.encode() == h(wire)
    assert decode_request(h(wire)) == (0, request_)


def test_item_registration_layout() -> None:
    item = cmd_receipt.RegisterItem(name="Молоко", price=8990, quantity=1500, discount=35,
                                    tax=TaxType.VAT22, section=2)
    wire = item.encode()
    assert len(wire) == 2 + 104  # password + the 104 bytes atol4j builds
    assert wire[:4] == h("00 00 E6 00")
    assert wire[4:10] == "Молоко".encode("cp866") and wire[10:68] == bytes(58)
    assert wire[68:74] == h("00 00 00 00 89 90")  # price, 6 BCD
    assert wire[74:79] == h("00 00 00 15 00")  # quantity ×1000, 5 BCD
    assert wire[79:81] == h("01 00")  # discount type, sign (0 = discount)
    assert wire[81:87] == h("00 00 00 00 00 35")
    assert wire[87:89] == bytes((13, 2)) and wire[89:] == bytes(17)
    assert decode_request(wire) == (0, item)


def test_bcd_and_code_page() -> None:
    assert bcd(1234, 3) == h("00 12 34") and from_bcd(h("00 12 34")) == 1234
    assert encode_text("Чек №5 $") == h("97 A5 AA 20 24 35 20 FC")
    assert decode_text(h("97 A5 AA 20 24 35 20 FC 00 00")) == "Чек №5 $"
    with pytest.raises(ProtocolError):
        from_bcd(h("1A"))


def test_state_record_round_trip_and_layout() -> None:
    answer = cmd_state.DeviceStateAnswer(
        cashier=5, moment=dt.datetime(2026, 11, 24, 15, 3, 7),
        flags=StateFlags.FISCAL | StateFlags.SHIFT_OPEN | StateFlags.PAPER_PRESENT,
        serial=12345678, model=69, mode=Mode.REGISTRATION, submode=0, receipt_number=17,
        shift_number=3, receipt_state=1, receipt_sum=12345)
    wire = answer.encode()
    assert wire == h("44 05 01 26 11 24 15 03 07 0B 12 34 56 78 45 00 00 01 00 17 00 03 01"
                     " 00 00 01 23 45 02 00")
    assert cmd_state.DeviceStateAnswer.decode(wire) == answer


def test_fixed_answers() -> None:
    code = cmd_state.StateCodeAnswer.decode(h("55 21 01"))
    assert (code.mode, code.submode, code.flags) == (1, 2, 1)
    kind = cmd_state.DeviceTypeAnswer.decode(h("00 03 01 45 00 01 03 01 00 00 01 80 92 8E 8B"))
    assert (kind.protocol, kind.model, kind.name) == (3, 0x45, "АТОЛ")
    shift = cmd_fn.FnShiftStateAnswer.decode(h("55 00 00 01 07 00 2A 00"))
    assert (shift.state, shift.shift_number, shift.receipt_number) == (FnShiftState.OPEN, 7, 42)
    status = cmd_fn.FnStatusAnswer(fn_number="9999078900000001", last_document=300,
                                   moment=dt.datetime(2026, 11, 24, 9, 30))
    assert status.encode()[3:] == (h("00 00 00 00 00 1A 0B 18 09 1E") + b"9999078900000001"
                                   + h("2C 01 00 00"))
    assert cmd_fn.FnStatusAnswer.decode(status.encode()) == status


def test_document_answer_by_type() -> None:
    receipt = cmd_fn.FnDocumentAnswer(type=DocumentType.RECEIPT, number=3, fiscal_sign=0xA1B2C3D4,
                                      moment=dt.datetime(2026, 11, 24, 9, 0),
                                      kind=ReceiptKind.SALE_RETURN, total=53485)
    assert receipt.encode() == h("55 00 00 03 00 1A 0B 18 09 00 03 00 00 00 D4 C3 B2 A1 02"
                                 " ED D0 00 00 00")
    assert cmd_fn.FnDocumentAnswer.decode(receipt.encode()) == receipt
    shift = cmd_fn.FnDocumentAnswer(type=DocumentType.SHIFT_OPEN, number=2, shift_number=9,
                                    moment=dt.datetime(2026, 11, 24, 9, 0))
    assert shift.encode()[-2:] == h("09 00")
    assert cmd_fn.FnDocumentAnswer.decode(shift.encode()) == shift


def test_errors_map_to_openkkm_exceptions() -> None:
    with pytest.raises(DeviceRejected) as short:
        Answer.decode(encode_error(114))
    assert short.value.vendor_code == 114
    assert short.value.ru == "Ошибка ККТ 114: Сумма платежей меньше суммы чека"
    with pytest.raises(FiscalStateError) as expired:
        Answer.decode(h("55 88 00"))
    assert expired.value.vendor_code == 136 and "смена" in expired.value.ru
    fn_expired = device_error(240)
    assert isinstance(fn_expired, FiscalStateError) and "смена" in fn_expired.ru
    assert isinstance(device_error(156), FiscalStateError)
    assert device_error(246, 1).ru.startswith("Ошибка ККТ 246.1:")
    assert error_text(250) == "Неизвестная ошибка ККТ 250"
    assert error_text(103, "en") == "No paper"
    with pytest.raises(DeviceRejected):
        cmd_state.DeviceStateAnswer.decode(h("55 66 00"))
    with pytest.raises(ProtocolError):
        Answer.decode(h("44 00"))


def test_unknown_and_malformed_requests() -> None:
    with pytest.raises(NotSupportedError):
        decode_request(h("00 00 F1"))
    with pytest.raises(ProtocolError):
        decode_request(h("00 00 99 00 01 00"))
    with pytest.raises(ProtocolError):
        decode_request(h("00 00 92 00 03"))
