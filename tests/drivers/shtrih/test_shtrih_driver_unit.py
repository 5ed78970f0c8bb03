"""ShtrihDriver against a scripted device: command sequences, error rules, mapping, reconnect."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal

import pytest
from shtrih_scripted import (
    FN_NUMBER,
    NOW,
    ScriptedDevice,
    driver_on,
    fn_status,
    short_status,
)

from openkkm.drivers.base import driver_class
from openkkm.drivers.shtrih import ShtrihDriver
from openkkm.drivers.shtrih.printing import print_requests
from openkkm.errors import (
    DeviceRejected,
    FiscalStateError,
    TransportError,
    ValidationError,
)
from openkkm.fiscal.types import (
    Barcode,
    Cashier,
    DocumentType,
    FfdVersion,
    Item,
    PageEnd,
    Payments,
    PrintText,
    Receipt,
    ReceiptKind,
    ShiftState,
    Slip,
    TaxSystem,
    VatRate,
)
from openkkm.protocol.shtrih.cmd_fn import FindDocumentAnswer
from openkkm.protocol.shtrih.cmd_shift import CashAnswer, OpenShiftAnswer
from openkkm.protocol.shtrih.codes import Command
from openkkm.protocol.shtrih.messages import OperatorAnswer
from openkkm.protocol.shtrih.status import FnDocument, Mode
from openkkm.protocol.shtrih.values import TaxSystemBits, VatCode


@pytest.fixture
async def device() -> AsyncIterator[ScriptedDevice]:
    scripted = ScriptedDevice()
    yield scripted
    await scripted.close()


def sale(*, change: int = 0, quantity: Decimal = Decimal(1)) -> Receipt:
    items = (
        Item(name="Молоко", price=10000, quantity=quantity, amount=10000, vat=VatRate.VAT22),
        Item(name="Хлеб", price=2500, quantity=Decimal(1), amount=2500, vat=VatRate.VAT10),
    )
    return Receipt(
        kind=ReceiptKind.SALE,
        items=items,
        payments=Payments(cash=12500),
        cashier=Cashier("Иванова", "500100732259"),
        change=change,
        customer_contact="+79990000000",
        tax_system=TaxSystem.USN_INCOME,
    )


def test_registered_under_its_kind() -> None:
    assert driver_class("shtrih") is ShtrihDriver


async def test_start_reads_identity_and_falls_back_on_config(device: ScriptedDevice) -> None:
    driver = await driver_on(device, organization='ООО "Лютик"', tax_systems="0,1", ffd="1.05")
    info = await driver.info()
    reg = info.registration
    assert reg.fn_number == FN_NUMBER
    assert reg.inn == "7700000009"  # from 0x11's binary INN
    assert reg.kkt_number == "12345678"
    assert reg.organization == 'ООО "Лютик"'  # the firmware has no FF09 nor TLV reading
    assert reg.tax_systems == (TaxSystem.OSN, TaxSystem.USN_INCOME)
    assert reg.ffd is FfdVersion.V1_05
    assert "ШТРИХ-М-02Ф" in info.firmware
    assert info.clock == NOW
    assert 0xFF09 in device.unknown
    await driver.stop()


async def test_register_sends_lines_tags_and_close(device: ScriptedDevice) -> None:
    driver = await driver_on(device, tax_systems="0,1")
    device.log.clear()
    document = await driver.register(sale(change=500))
    codes = device.codes()
    assert codes[:6] == [
        Command.OPEN_RECEIPT,
        Command.WRITE_TLV,
        Command.OPERATION_V2,
        Command.OPERATION_V2,
        Command.CLOSE_RECEIPT_EXT,
        Command.FN_SHIFT_PARAMS,
    ]
    opened, tags = device.sent(Command.OPEN_RECEIPT)[0], device.sent(Command.WRITE_TLV)[0]
    assert opened.receipt_type == 0  # type: ignore[attr-defined]
    assert "Иванова".encode("cp866") in tags.tlv  # type: ignore[attr-defined]
    first, second = device.sent(Command.OPERATION_V2)
    assert first.vat == VatCode.VAT22 == 0xCB  # type: ignore[attr-defined]
    assert second.vat == VatCode.VAT10  # type: ignore[attr-defined]
    assert first.quantity == 1_000_000 and first.price == 10000  # type: ignore[attr-defined]
    assert first.operation == 1 and first.name == "Молоко"  # type: ignore[attr-defined]
    close = device.sent(Command.CLOSE_RECEIPT_EXT)[0]
    assert close.payments[0] == 13000  # type: ignore[attr-defined]  # tendered = cash + change
    assert close.tax_system == TaxSystemBits.USN_INCOME  # type: ignore[attr-defined]
    assert document.number == 11 and document.fiscal_sign == 3141592653
    assert document.type is DocumentType.RECEIPT and document.kind is ReceiptKind.SALE
    assert (document.total, document.shift_number, document.receipt_number) == (12500, 3, 5)
    assert document.moment == NOW and document.fn_number == FN_NUMBER
    await driver.stop()


async def test_refused_line_cancels_the_receipt(device: ScriptedDevice) -> None:
    driver = await driver_on(device)
    device.errors[Command.OPERATION_V2] = 0x33
    device.log.clear()
    with pytest.raises(DeviceRejected) as refused:
        await driver.register(sale())
    assert refused.value.vendor_code == 0x33
    assert "Некорректные параметры в команде" in refused.value.ru
    assert device.codes()[-1] == Command.CANCEL_RECEIPT
    assert Command.CLOSE_RECEIPT_EXT not in device.codes()
    await driver.stop()


async def test_refused_close_cancels_and_raises(device: ScriptedDevice) -> None:
    driver = await driver_on(device)
    device.errors[Command.CLOSE_RECEIPT_EXT] = 0x45
    device.log.clear()
    with pytest.raises(DeviceRejected) as refused:
        await driver.register(sale())
    assert refused.value.vendor_code == 0x45
    assert device.codes()[-2:] == [Command.CLOSE_RECEIPT_EXT, Command.CANCEL_RECEIPT]
    await driver.stop()


async def test_expired_shift_is_a_fiscal_state_error(device: ScriptedDevice) -> None:
    driver = await driver_on(device)
    device.errors[Command.OPEN_RECEIPT] = 0x4E
    device.answers[Command.SHORT_STATUS] = short_status(Mode.SHIFT_EXPIRED)
    assert (await driver.status()).shift is ShiftState.EXPIRED
    with pytest.raises(FiscalStateError) as refused:
        await driver.register(sale())
    assert refused.value.vendor_code == 0x4E and "смен" in refused.value.ru
    await driver.stop()


async def test_lost_close_answer_is_a_transport_error_and_never_resent(
    device: ScriptedDevice,
) -> None:
    driver = await driver_on(device)
    device.on[Command.CLOSE_RECEIPT_EXT] = lambda request: None
    device.log.clear()
    with pytest.raises(TransportError):
        await driver.register(sale())
    assert device.codes().count(Command.CLOSE_RECEIPT_EXT) == 1
    assert Command.CANCEL_RECEIPT not in device.codes()
    # the next call reconnects before its first command
    del device.on[Command.CLOSE_RECEIPT_EXT]
    assert (await driver.status()).last_document == 10
    assert device.connections == 2
    await driver.stop()


async def test_bad_quantity_sends_nothing(device: ScriptedDevice) -> None:
    driver = await driver_on(device)
    device.log.clear()
    with pytest.raises(ValidationError) as invalid:
        await driver.register(sale(quantity=Decimal("1.0000001")))
    assert invalid.value.loc == ("items", 0, "quantity")
    assert device.log == []
    await driver.stop()


async def test_status_reads_open_receipt_and_cancel(device: ScriptedDevice) -> None:
    driver = await driver_on(device)
    device.answers[Command.SHORT_STATUS] = short_status(Mode.DOCUMENT_OPEN)
    device.answers[Command.FN_STATUS] = fn_status(10, document=FnDocument.RECEIPT)
    status = await driver.status()
    assert status.receipt_open and status.shift is ShiftState.OPEN
    assert (status.fn_number, status.shift_number, status.last_document) == (FN_NUMBER, 3, 10)
    device.answers[Command.FN_STATUS] = fn_status(10)
    device.log.clear()
    await driver.cancel_receipt()
    assert device.sent(Command.CANCEL_RECEIPT)
    device.answers[Command.SHORT_STATUS] = short_status(Mode.SHIFT_OPEN)
    device.log.clear()
    await driver.cancel_receipt()
    assert not device.sent(Command.CANCEL_RECEIPT)
    await driver.stop()


async def test_read_document_and_absent_document(device: ScriptedDevice) -> None:
    driver = await driver_on(device)
    document = await driver.read_document(11)
    assert document is not None
    assert (document.number, document.type, document.kind, document.total) == (
        11,
        DocumentType.RECEIPT,
        ReceiptKind.SALE,
        12500,
    )
    device.errors[Command.FN_FIND_DOCUMENT] = 0x08
    assert await driver.read_document(99) is None
    await driver.stop()


async def test_open_shift_with_cashier_tags(device: ScriptedDevice) -> None:
    driver = await driver_on(device)
    device.answers[Command.FN_FIND_DOCUMENT] = FindDocumentAnswer(
        document_type=2,
        datetime=NOW,
        fd_number=11,
        fiscal_sign=2718281828,
        details=(4).to_bytes(2, "little"),
    )
    device.log.clear()
    document = await driver.open_shift(Cashier("Иванова"))
    assert device.codes()[:3] == [
        Command.FN_BEGIN_OPEN_SHIFT,
        Command.WRITE_TLV,
        Command.FN_OPEN_SHIFT,
    ]
    assert (document.type, document.number, document.shift_number) == (
        DocumentType.SHIFT_OPEN,
        11,
        4,
    )
    await driver.stop()


async def test_refusal_after_commit_is_not_reported_as_a_refusal(device: ScriptedDevice) -> None:
    driver = await driver_on(device)
    device.errors[Command.FN_SHIFT_PARAMS] = 0x33
    with pytest.raises(TransportError):  # the receipt is fiscalised: the worker must reconcile
        await driver.register(sale())
    await driver.stop()


async def test_print_slip_fonts_barcode_cut_and_copies(device: ScriptedDevice) -> None:
    driver = await driver_on(device, line_length=32)
    device.answers[Command.PRINT_GRAPHICS_LINE] = OperatorAnswer(operator=1)
    device.log.clear()
    slip = Slip(
        (PrintText("x" * 40), PrintText("Жирный", font=2), Barcode("QR", "t=1"), PageEnd()),
        copies=1,
    )
    await driver.print_slip(slip)
    qr_rows = len(print_requests((Barcode("QR", "t=1"),), 32))  # 0xC5 graphics rows
    one = [
        Command.PRINT_STRING,
        Command.PRINT_STRING,
        Command.PRINT_STRING_FONT,
        *[Command.PRINT_GRAPHICS_LINE] * qr_rows,
        Command.CUT,
    ]
    assert device.codes() == one * 2
    assert device.sent(Command.PRINT_STRING)[0].text == "x" * 32  # type: ignore[attr-defined]
    assert device.sent(Command.PRINT_STRING_FONT)[0].font == 3  # type: ignore[attr-defined]
    await driver.stop()


async def test_firmware_without_ff41_opens_the_shift_with_0xe0(device: ScriptedDevice) -> None:
    driver = await driver_on(device)
    device.errors[Command.FN_BEGIN_OPEN_SHIFT] = 0x37
    device.answers[Command.OPEN_SHIFT] = OpenShiftAnswer()
    device.answers[Command.FN_STATUS] = fn_status(11)
    device.answers[Command.FN_FIND_DOCUMENT] = FindDocumentAnswer(
        document_type=2,
        datetime=NOW,
        fd_number=11,
        fiscal_sign=2718281828,
        details=(4).to_bytes(2, "little"),
    )
    device.log.clear()
    document = await driver.open_shift(Cashier("Иванова"))
    assert device.codes()[:3] == [
        Command.FN_BEGIN_OPEN_SHIFT,
        Command.OPEN_SHIFT,
        Command.FN_STATUS,
    ]
    assert (document.number, document.shift_number) == (11, 4)
    await driver.stop()


async def test_counters_read_just_before_spare_ff40(device: ScriptedDevice) -> None:
    driver = await driver_on(device)
    await driver.status()  # FD 10, shift 3, receipt 5
    device.log.clear()
    document = await driver.register(sale())  # FF45 answers FD 11: nothing came in between
    assert Command.FN_SHIFT_PARAMS not in device.codes()
    assert (document.number, document.shift_number, document.receipt_number) == (11, 3, 6)
    device.answers[Command.FN_STATUS] = fn_status(12)
    await driver.status()
    device.log.clear()
    await driver.register(sale())  # FF45 answers FD 11 again, not 13: read the counters
    assert Command.FN_SHIFT_PARAMS in device.codes()
    await driver.stop()


async def test_printed_elements_go_where_the_receipt_places_them(device: ScriptedDevice) -> None:
    driver = await driver_on(device)
    receipt = replace(
        sale(),
        header=(PrintText("Шапка"),),
        elements=(PrintText("перед хлебом"),),
        element_positions=(1,),
        footer=(PrintText("Спасибо", font=1),),
        copies=1,
    )
    device.log.clear()
    await driver.register(receipt)
    printed = [
        (request.code, getattr(request, "text", ""))
        for request in device.log
        if request.code
        in (
            Command.PRINT_STRING,
            Command.PRINT_STRING_FONT,
            Command.OPERATION_V2,
            Command.CLOSE_RECEIPT_EXT,
            Command.REPEAT_DOCUMENT,
        )
    ]
    assert printed == [
        (Command.PRINT_STRING, "Шапка"),
        (Command.OPERATION_V2, ""),
        (Command.PRINT_STRING, "перед хлебом"),
        (Command.OPERATION_V2, ""),
        (Command.PRINT_STRING_FONT, "Спасибо"),
        (Command.CLOSE_RECEIPT_EXT, ""),
        (Command.REPEAT_DOCUMENT, ""),
    ]
    device.log.clear()
    await driver.register(replace(receipt, print_paper=False))
    assert not device.sent(Command.PRINT_STRING) and not device.sent(Command.REPEAT_DOCUMENT)
    await driver.stop()


async def test_cash_move_without_a_balance_register_is_never_a_refusal(
    device: ScriptedDevice,
) -> None:
    device.answers[Command.CASH_IN] = CashAnswer(operator=1, document_number=12)
    driver = await driver_on(device)  # this firmware lacks 0x1A: it answers 0x37
    with pytest.raises(DeviceRejected) as refused:
        await driver.cash_balance()
    assert refused.value.vendor_code == 0x37
    with pytest.raises(TransportError):  # deposited, but the balance cannot be read back
        await driver.cash_in(5000, None)
    assert [r.amount for r in device.sent(Command.CASH_IN)] == [5000]
    await driver.stop()
