"""Cross-check with pyshtrih 2.0.6, an independent implementation (PROTOCOLS.md §5, §7).

pyshtrih talks to our device-side exchange through a stand-in for its serial port: the frames
it builds must equal our typed requests' bytes, and it must parse our typed answers. pyshtrih
has no FF45/FF46 (§5), so those are checked against its raw ``Protocol.command`` framing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pyshtrih
import pytest
from pyshtrih import misc as pyshtrih_misc

from openkkm.framing.shtrih import Frame
from openkkm.protocol.shtrih import cmd_fn, cmd_misc, cmd_receipt, cmd_shift, cmd_status
from openkkm.protocol.shtrih.exchange import DeviceExchange
from openkkm.protocol.shtrih.messages import (
    Answer,
    EmptyAnswer,
    encode_answer,
    encode_error,
)
from openkkm.protocol.shtrih.registry import decode_request
from openkkm.protocol.shtrih.status import EcrFlags, Mode
from openkkm.protocol.shtrih.values import (
    BAUDRATE_CODES,
    byte_timeout_code,
    byte_timeout_seconds,
)

IDLE_STATUS = cmd_status.ShortStatusAnswer(
    operator=1, flags=EcrFlags.RECEIPT_ROLL, mode_byte=Mode.SHIFT_OPEN, submode=0
)


class DeviceSerial:
    """What pyshtrih sees as its serial port; behind it runs our device-side exchange."""

    def __init__(self, answer: Callable[[Frame], bytes]) -> None:
        self.device = DeviceExchange()
        self.answer = answer
        self.out = bytearray()
        self.frames: list[Frame] = []

    def write(self, data: bytes) -> int:
        """Feed the device; queue its reply."""
        step = self.device.receive(bytes(data))
        self.out += step.write
        for frame in step.commands:
            self.frames.append(frame)
            self.out += self.device.respond(self.answer(frame))
        return len(data)

    def read(self, size: int = 1) -> bytes:
        """Return queued reply bytes."""
        chunk = bytes(self.out[:size])
        del self.out[:size]
        return chunk

    def isOpen(self) -> bool:  # noqa: N802 - pyserial's legacy name that pyshtrih calls
        """Report the port as open."""
        return True

    def close(self) -> None:
        """Nothing to close."""


def peer(
    answer: Answer | None = None, error: int = 0
) -> tuple[pyshtrih.ShtrihAllCommands, DeviceSerial]:
    """Return a pyshtrih device wired to our device exchange, answering with ``answer``."""

    def respond(frame: Frame) -> bytes:
        request = decode_request(frame.payload)
        if request.code == cmd_status.ShortStatus.code and answer is None:
            return encode_answer(request.code, IDLE_STATUS)
        if error:
            return encode_error(request.code, error)
        return encode_answer(request.code, answer or EmptyAnswer())

    device = pyshtrih.ShtrihAllCommands(port="unused", timeout=1)
    serial = DeviceSerial(respond)
    device.protocol.serial = serial
    device.protocol.connected = True
    return device, serial


def test_short_status() -> None:
    answer = cmd_status.ShortStatusAnswer(
        operator=30,
        flags=EcrFlags.RECEIPT_ROLL | EcrFlags.DRAWER_OPEN,
        mode_byte=0x28,
        submode=0,
        operations_low=3,
        operations_high=1,
    )
    device, serial = peer(answer)
    result = device.state()
    assert serial.frames[0].payload == cmd_status.ShortStatus(password=1).encode()
    # pyshtrih swaps the low (offset 5) and high (offset 10) bytes of this count, against
    # javapos commands.xml and the spec; it still finds both bytes where we put them.
    assert answer.operations == 259
    assert result["Количество операций в чеке"] == 3 << 8 | 1
    assert result["Флаги ФР"] is not None and result["Режим ФР"] is not None
    assert result["Порядковый номер оператора"] == 30


def test_full_status() -> None:
    answer = cmd_status.FullStatusAnswer(
        operator=30,
        firmware_version="C1",
        firmware_build=62922,
        firmware_date=dt.date(2024, 5, 1),
        document_number=77,
        date=dt.date(2026, 11, 24),
        time=dt.time(13, 58, 1),
        serial_number=123456,
        last_shift_number=12,
        fm_date=dt.date(2024, 5, 1),  # pyshtrih cannot parse the 00 00 00 placeholder
    )
    device, serial = peer(answer)
    result = device.full_state()
    assert serial.frames[0].payload == cmd_status.FullStatus(password=1).encode()
    assert result["Сборка ПО ФР"] == 62922
    assert result["Сквозной номер текущего документа"] == 77
    assert result["Заводской номер"] == 123456


def test_device_type() -> None:
    answer = cmd_status.DeviceTypeAnswer(protocol_subversion=14, model=250, name="ШТРИХ-М-02Ф")
    device, serial = peer(answer)
    result = device.model()
    assert serial.frames[0].payload == cmd_status.DeviceType().encode()
    assert result["Модель устройства"] == 250 and result["Название устройства"] == "ШТРИХ-М-02Ф"


def test_open_shift() -> None:
    device, serial = peer(cmd_shift.OpenShiftAnswer())
    device.open_shift()
    assert serial.frames[0].payload == cmd_shift.OpenShift(password=1).encode()


def test_legacy_sale_and_close() -> None:
    device, serial = peer(cmd_receipt.CloseReceiptAnswer(operator=1, change=250))
    device.sale(("Позиция 1", 1500, 12345), department_num=2, tax1=1)
    result = device.close_check(
        cash=20000, payment_type2=100, discount_allowance=-150, text="Спасибо"
    )
    sale, close = (frame.payload for frame in serial.frames if frame.command != 0x10)
    assert (
        sale
        == cmd_receipt.Sale(
            quantity=1500, price=12345, department=2, tax_groups=(1, 0, 0, 0), text="Позиция 1"
        ).encode()
    )
    assert (
        close
        == cmd_receipt.CloseReceipt(
            payments=(20000, 100, 0, 0), discount=-150, text="Спасибо"
        ).encode()
    )
    assert result["Сдача"] == 250


def test_fn_status() -> None:
    answer = cmd_fn.FnStatusAnswer(
        phase=3,
        shift_open=1,
        datetime=dt.datetime(2026, 11, 24, 13, 58),
        fn_number="9999078900012345",
        last_fd_number=42,
    )
    device, serial = peer(answer)
    result = device.fs_state()
    assert serial.frames[0].payload == cmd_fn.FnStatus(password=30).encode()
    assert result["Номер последнего ФД"] == 42
    assert bytes(result["Номер ФН"]) == b"9999078900012345"


@pytest.mark.parametrize(
    ("call", "request_"),
    [
        (lambda d: d.cancel_check(), cmd_receipt.CancelReceipt()),
        (lambda d: d.open_check(2), cmd_receipt.OpenReceipt(receipt_type=2)),
        (lambda d: d.income(10000), cmd_shift.CashIn(amount=10000)),
        (lambda d: d.outcome(500), cmd_shift.CashOut(amount=500)),
        (lambda d: d.open_drawer(0), cmd_shift.OpenDrawer()),
        (lambda d: d.x_report(), cmd_shift.XReport(password=30)),
        (lambda d: d.z_report(), cmd_shift.ZReport(password=30)),
        (lambda d: d.fs_find_document_by_num(9), cmd_fn.FindDocument(fd_number=9)),
        (
            lambda d: d.send_tlv_struct(bytearray(b"\xfd\x03\x02\x00AB")),
            cmd_receipt.WriteTlv(tlv=b"\xfd\x03\x02\x00AB"),
        ),
        (lambda d: d.beep(), cmd_misc.Beep()),
        (lambda d: d.cut(True), cmd_misc.Cut(partial=1)),
        (lambda d: d.continue_print(), cmd_misc.ContinuePrint()),
        (lambda d: d.set_time(dt.time(13, 58, 7)), cmd_misc.SetTime(time=dt.time(13, 58, 7))),
        (lambda d: d.set_date(dt.date(2026, 11, 24)), cmd_misc.SetDate(date=dt.date(2026, 11, 24))),
        (
            lambda d: d.confirm_date(dt.date(2026, 11, 24)),
            cmd_misc.ConfirmDate(date=dt.date(2026, 11, 24)),
        ),
        (lambda d: d.fs_cancel_document(), cmd_misc.FnCancelDocument()),
        (lambda d: d.read_exchange_params(0), cmd_misc.ReadExchange(port=0)),
        (
            lambda d: d.set_exchange_params(0, 115200, 0.05),
            cmd_misc.SetExchange(port=0, baudrate_code=6, byte_timeout_code=50),
        ),
        (lambda d: d.repeat(), cmd_misc.RepeatDocument()),
        (
            lambda d: d.return_sale(("Возврат", 2000, 150)),
            cmd_receipt.SaleReturn(quantity=2000, price=150, text="Возврат"),
        ),
    ],
)
def test_more_requests_match(call: Callable[[object], object], request_: object) -> None:
    device, serial = peer(error=0x73)  # the answer does not matter here: only the request bytes
    with pytest.raises(pyshtrih.Error):
        call(device)
    payloads = [frame.payload for frame in serial.frames if frame.command != 0x10]
    assert payloads[0][:1] != b"" and payloads[0] == request_.encode()  # type: ignore[attr-defined]


def test_ff46_and_ff45_through_pyshtrih_raw_framing() -> None:
    device, serial = peer(EmptyAnswer())
    item = cmd_receipt.OperationV2(quantity=1_000_000, price=12345, name="Товар")
    device.protocol.command(0xFF46, 1, bytearray(item.encode_data()[4:]))
    close = cmd_receipt.CloseReceiptExt(payments=(12345,) + (0,) * 15, text="Итог")
    device.protocol.command(0xFF45, 30, bytearray(close.encode_data()[4:]))
    assert [frame.payload for frame in serial.frames] == [item.encode(), close.encode()]


@pytest.mark.parametrize("seconds", [0.0, 0.05, 0.15, 0.3, 1.5, 15.0, 30.0, 45.0, 105.0])
def test_byte_timeout_codes_agree_with_pyshtrih(seconds: float) -> None:
    code = byte_timeout_code(seconds)
    assert code == pyshtrih_misc.cast_byte_timeout(seconds)
    assert byte_timeout_seconds(code) == pytest.approx(seconds)


def test_baudrate_codes_agree_with_pyshtrih() -> None:
    # pyshtrih knows the codes up to 115200; 230400 and above are model-dependent (§1.1).
    common = {rate: code for rate, code in BAUDRATE_CODES.items() if rate <= 115200}
    assert common == pyshtrih_misc.BAUDRATE_DIRECT
