"""Dispatch-level tests: typed requests into ``handle``, decoded answers and the ФН's effects."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from shtrih_emu_helpers import START, ManualClock, call, make

from openkkm.emulators.fn.tags import Tag
from openkkm.emulators.shtrih import ShtrihEmulator
from openkkm.fiscal import tlv
from openkkm.fiscal.types import DocumentType, ReceiptKind
from openkkm.protocol.shtrih import cmd_fn, cmd_misc, cmd_receipt, cmd_shift, cmd_status
from openkkm.protocol.shtrih.status import FnDocument, Mode, Submode
from openkkm.protocol.shtrih.values import OperationType, TaxSystemBits, VatCode


def cashier_tlv(name: str) -> bytes:
    """FF0C data: tag 1021."""
    return tlv.tlv(Tag.CASHIER, name.encode("cp866"))


def cash(amount: int) -> tuple[int, ...]:
    """FF45 payments: all in cash."""
    return (amount,) + (0,) * 15


async def sell(
    emu: ShtrihEmulator, *lines: tuple[int, int], paid: int
) -> cmd_receipt.CloseReceiptExtAnswer:
    """Open a sale, add FF46 lines (quantity ×10⁶, price) and close it in cash."""
    assert await call(emu, cmd_receipt.OpenReceipt()) == cmd_receipt.OpenReceipt.answer(
        operator=1
    )
    for quantity, price in lines:
        await call(
            emu,
            cmd_receipt.OperationV2(
                quantity=quantity, price=price, vat=VatCode.VAT22, name="Товар"
            ),
        )
    answer = await call(emu, cmd_receipt.CloseReceiptExt(payments=cash(paid)))
    assert isinstance(answer, cmd_receipt.CloseReceiptExtAnswer), answer
    return answer


async def test_status_follows_the_shift_and_receipt() -> None:
    emu = make()
    status = await call(emu, cmd_status.ShortStatus())
    assert (status.mode, status.submode, status.operator) == (
        Mode.SHIFT_CLOSED,
        Submode.IDLE,
        30,
    )
    await call(emu, cmd_shift.OpenShift())
    assert (await call(emu, cmd_status.ShortStatus())).mode == Mode.SHIFT_OPEN
    await call(emu, cmd_receipt.OpenReceipt(receipt_type=2))
    await call(
        emu,
        cmd_receipt.OperationV2(
            operation=OperationType.INCOME_RETURN, quantity=1_000_000, price=100
        ),
    )
    status = await call(emu, cmd_status.ShortStatus(password=1))
    assert (status.mode, status.mode_status, status.operator) == (
        Mode.DOCUMENT_OPEN,
        2,
        1,
    )
    assert status.operations == 1


async def test_expired_shift_is_mode_3_and_refuses_receipts() -> None:
    clock = ManualClock()
    emu = make(clock)
    await call(emu, cmd_shift.OpenShift())
    clock.advance(hours=24, minutes=1)
    assert (await call(emu, cmd_status.ShortStatus())).mode == Mode.SHIFT_EXPIRED
    assert await call(emu, cmd_receipt.OpenReceipt()) == 0x4E
    assert await call(emu, cmd_shift.ZReport()) == cmd_shift.ZReport.answer(operator=30)
    assert (await call(emu, cmd_status.ShortStatus())).mode == Mode.SHIFT_CLOSED


async def test_full_status_and_device_type() -> None:
    emu = make()
    await call(emu, cmd_shift.OpenShift())
    full = await call(emu, cmd_status.FullStatus())
    assert full.document_number == emu.fn.last_number == 2
    assert full.date == START.date() and full.firmware_date is not None
    assert full.inn == int(emu.fn.registration.inn) and full.last_shift_number == 0
    kind = await call(emu, cmd_status.DeviceType())
    assert "ШТРИХ-М" in kind.name and kind.model == 250


async def test_sale_forms_the_next_fd_with_sign_and_totals() -> None:
    emu = make()
    await call(emu, cmd_shift.OpenShift())
    answer = await sell(emu, (2_000_000, 12345), (500_000, 1001), paid=30000)
    doc = emu.fn.document(answer.fd_number)
    assert answer.fd_number == emu.fn.last_number == 3
    assert answer.fiscal_sign == doc.fiscal_sign
    assert doc.total == 24690 + 501 and answer.change == 30000 - doc.total
    assert doc.kind is ReceiptKind.SALE and emu.state.cash == doc.total
    found = await call(emu, cmd_fn.FindDocument(fd_number=3))
    assert (
        found.document_type == DocumentType.RECEIPT
        and found.fiscal_sign == doc.fiscal_sign
    )
    assert found.receipt_operation() == (ReceiptKind.SALE, doc.total)
    status = await call(emu, cmd_fn.FnStatus())
    assert (status.last_fd_number, status.current_document, status.shift_open) == (
        3,
        0,
        1,
    )
    params = await call(emu, cmd_fn.ShiftParams())
    assert (params.shift_open, params.shift_number, params.receipt_number) == (1, 1, 1)


async def test_tags_reach_the_receipt_document() -> None:
    emu = make()
    await call(emu, cmd_shift.OpenShift())
    await call(emu, cmd_receipt.OpenReceipt())
    contact = tlv.tlv(Tag.CUSTOMER_CONTACT, b"buyer@example.ru")
    assert await call(
        emu, cmd_receipt.WriteTlv(tlv=cashier_tlv("Иванов") + contact)
    ) == (cmd_receipt.WriteTlv.answer())
    await call(
        emu,
        cmd_receipt.OperationV2(
            quantity=1_000_000,
            price=5000,
            vat=VatCode.VAT22_122,
            payment_subject=4,
            name="//Услуга",
        ),
    )
    measure = tlv.tlv(Tag.MEASURE, bytes((11,)))
    assert await call(emu, cmd_receipt.WriteOperationTlv(tlv=measure)) == (
        cmd_receipt.WriteOperationTlv.answer()
    )
    answer = await call(
        emu,
        cmd_receipt.CloseReceiptExt(
            payments=(0, 5000) + (0,) * 14, tax_system=TaxSystemBits.USN_INCOME
        ),
    )
    body = dict(
        tlv.iter_tlv(next(tlv.iter_tlv(emu.fn.document(answer.fd_number).tlv))[1])
    )
    assert tlv.read_string(body[Tag.CASHIER]) == "Иванов"
    assert tlv.read_string(body[Tag.CUSTOMER_CONTACT]) == "buyer@example.ru"
    assert body[Tag.TAX_SYSTEM] == bytes((TaxSystemBits.USN_INCOME,))
    item = dict(tlv.iter_tlv(body[Tag.ITEM]))
    assert tlv.read_string(item[Tag.ITEM_NAME]) == "Услуга"
    assert item[Tag.MEASURE] == bytes((11,)) and item[Tag.VAT_RATE] == bytes((12,))
    assert tlv.read_vln(body[Tag.ELECTRONIC]) == 5000 and emu.state.cash == 0


async def test_read_document_as_tlv_blocks() -> None:
    emu = make()
    await call(emu, cmd_shift.OpenShift())
    answer = await sell(emu, *[(1_000_000, 100 + n) for n in range(8)], paid=10000)
    start = await call(emu, cmd_fn.ReadDocumentStart(fd_number=answer.fd_number))
    blocks = []
    while isinstance(
        block := await call(emu, cmd_fn.ReadDocumentBlock()),
        cmd_fn.ReadDocumentBlockAnswer,
    ):
        blocks.append(block.data)
    assert block == 0x08 and len(blocks) > 1
    assert (
        tlv.tlv(start.document_tag, b"".join(blocks))
        == emu.fn.document(answer.fd_number).tlv
    )


async def test_receipt_refusals_and_their_codes() -> None:
    emu = make()
    assert (
        await call(emu, cmd_receipt.OpenReceipt()) == 0x3D
    )  # no auto-open of the shift
    assert emu.fn.shift_opened_at is None
    await call(emu, cmd_shift.OpenShift())
    assert await call(emu, cmd_shift.OpenShift()) == 0x02  # the ФН: shift already open
    assert await call(emu, cmd_receipt.CancelReceipt()) == 0x55
    await call(emu, cmd_receipt.OpenReceipt())
    assert await call(emu, cmd_receipt.OpenReceipt()) == 0x4A
    assert await call(emu, cmd_shift.ZReport()) == 0x4A
    assert await call(emu, cmd_receipt.CloseReceiptExt(payments=cash(100))) == 0x8E
    await call(emu, cmd_receipt.OperationV2(quantity=1_000_000, price=1000))
    assert (
        await call(
            emu, cmd_receipt.OperationV2(operation=3, quantity=1_000_000, price=1000)
        )
        == 0x5E
    )
    assert await call(emu, cmd_receipt.CloseReceiptExt(payments=cash(999))) == 0x45
    assert (
        await call(emu, cmd_receipt.CloseReceiptExt(payments=(0, 2000) + (0,) * 14))
        == 0x09
    )
    assert (
        await call(emu, cmd_receipt.CloseReceiptExt(payments=cash(1000), tax_system=3))
        == 0x33
    )
    assert (
        await call(
            emu, cmd_receipt.CloseReceiptExt(payments=cash(1000), tax_system=0x40)
        )
        == 0x33
    )
    assert emu.fn.last_number == 2 and emu.fn.receipt_open
    assert await call(
        emu, cmd_receipt.CancelReceipt()
    ) == cmd_receipt.CancelReceipt.answer(operator=1)
    assert not emu.fn.receipt_open and emu.fn.last_number == 2


async def test_wrong_password_unknown_command_and_bad_length() -> None:
    emu = make()
    assert await call(emu, cmd_status.ShortStatus(password=31)) == 0x4F
    assert (
        await call(emu, cmd_fn.FnStatus(password=1)) == 0x4F
    )  # FN commands: sysadmin only
    assert await call(emu, cmd_shift.ZReport(password=1)) == 0x4F
    emu.state.passwords[1] = 4711
    assert await call(emu, cmd_receipt.CancelReceipt(password=1)) == 0x4F
    assert (await emu.handle(b"\xfe\x1e\0\0\0")) == b"\xfe\x37"
    assert (await emu.handle(b"\x10\x1e\0")) == b"\x10\x33"
    assert (await emu.handle(b"\xff\x01\x1e\0\0\0\0")) == b"\xff\x01\x33"


async def test_cash_in_and_out_track_the_drawer() -> None:
    emu = make()
    assert await call(emu, cmd_shift.CashIn(amount=1000)) == 0x3D
    await call(emu, cmd_shift.OpenShift())
    first = await call(emu, cmd_shift.CashIn(amount=10000))
    assert await call(emu, cmd_shift.CashOut(amount=10001)) == 0x46
    second = await call(emu, cmd_shift.CashOut(amount=2500))
    assert (
        emu.state.cash == 7500 and second.document_number == first.document_number + 1
    )
    assert emu.fn.last_number == 2  # cash operations form no fiscal document
    await call(emu, cmd_receipt.OpenReceipt(receipt_type=2))
    await call(
        emu, cmd_receipt.OperationV2(operation=2, quantity=1_000_000, price=8000)
    )
    assert await call(emu, cmd_receipt.CloseReceiptExt(payments=cash(8000))) == 0x46
    assert (
        await call(emu, cmd_receipt.CloseReceiptExt(payments=(0, 8000) + (0,) * 14))
    ).fd_number == 3
    assert emu.state.cash == 7500


async def test_legacy_sale_and_close() -> None:
    emu = make()
    await call(emu, cmd_shift.OpenShift())
    await call(
        emu,
        cmd_receipt.Sale(
            quantity=1500, price=1000, tax_groups=(1, 0, 0, 0), text="Позиция 1"
        ),
    )
    await call(emu, cmd_receipt.Sale(quantity=1000, price=333, text="Позиция 2"))
    assert (await call(emu, cmd_misc.Subtotal())).subtotal == 1833
    assert await call(emu, cmd_receipt.SaleReturn(quantity=1000, price=1)) == 0x5E
    closed = await call(emu, cmd_receipt.CloseReceipt(payments=(2000, 0, 0, 0)))
    assert closed.change == 167
    doc = emu.fn.document(emu.fn.last_number)
    assert doc.type is DocumentType.RECEIPT and doc.total == 1833
    items = [
        dict(tlv.iter_tlv(v))
        for t, v in tlv.iter_tlv(next(tlv.iter_tlv(doc.tlv))[1])
        if t == Tag.ITEM
    ]
    assert tlv.read_fvln(items[0][Tag.QUANTITY]) == Decimal("1.5")
    assert items[0][Tag.VAT_RATE] == bytes((11,)) and items[1][Tag.VAT_RATE] == bytes(
        (6,)
    )


async def test_fn_shift_commands_with_cashier() -> None:
    emu = make()
    assert await call(emu, cmd_shift.FnOpenShift()) == 0x02  # FF0B without FF41
    await call(emu, cmd_shift.BeginOpenShift())
    assert (
        await call(emu, cmd_fn.FnStatus())
    ).current_document == FnDocument.SHIFT_OPEN
    await call(emu, cmd_receipt.WriteTlv(tlv=cashier_tlv("Петров")))
    opened = await call(emu, cmd_shift.FnOpenShift())
    assert (opened.shift_number, opened.fd_number) == (1, 2)
    body = dict(tlv.iter_tlv(next(tlv.iter_tlv(emu.fn.document(2).tlv))[1]))
    assert tlv.read_string(body[Tag.CASHIER]) == "Петров"
    await call(emu, cmd_shift.BeginCloseShift())
    closed = await call(emu, cmd_shift.FnCloseShift())
    assert (closed.shift_number, closed.fd_number) == (1, 3)
    assert closed.fiscal_sign == emu.fn.document(3).fiscal_sign
    found = await call(emu, cmd_fn.FindDocument(fd_number=3))
    assert found.document_type == DocumentType.SHIFT_CLOSE and found.shift_number() == 1


async def test_fn_queries() -> None:
    emu = make()
    assert (await call(emu, cmd_fn.FnNumber())).fn_number == emu.fn.fn_number
    assert (await call(emu, cmd_fn.FnExpiry())).expiry == emu.fn.valid_to.date()
    ofd = await call(emu, cmd_fn.OfdExchangeStatus())
    assert (ofd.queue_length, ofd.first_unsent_fd) == (1, 1)
    assert (await call(emu, cmd_fn.UnconfirmedCount())).count == 1
    assert await call(emu, cmd_fn.FindDocument(fd_number=2)) == 0x08
    found = await call(emu, cmd_fn.FindDocument(fd_number=1))
    assert (
        found.document_type == DocumentType.REGISTRATION and found.ticket_received == 0
    )
    assert found.details[:10] == emu.fn.registration.inn.encode()
    emu.fn.confirm_ofd()
    assert (await call(emu, cmd_fn.FindDocument(fd_number=1))).ticket_received == 1


async def test_date_needs_confirmation_and_moves_the_clock() -> None:
    emu = make()
    day = dt.date(2026, 11, 25)
    await call(emu, cmd_misc.SetDate(date=day))
    assert (await call(emu, cmd_status.ShortStatus())).mode == Mode.WAITING_DATE_CONFIRM
    assert await call(emu, cmd_misc.ConfirmDate(date=dt.date(2026, 11, 26))) == 0x33
    await call(emu, cmd_misc.ConfirmDate(date=day))
    await call(emu, cmd_misc.SetTime(time=dt.time(8, 30)))
    assert emu.now() == dt.datetime(2026, 11, 25, 8, 30)
    assert (await call(emu, cmd_shift.OpenShift())) is not None
    assert emu.fn.document(2).moment == dt.datetime(2026, 11, 25, 8, 30)


async def test_text_goes_to_a_bounded_journal() -> None:
    emu = make()
    for n in range(2100):
        await call(emu, cmd_shift.PrintString(text=f"строка {n}"))
    assert len(emu.state.journal) == 2000 and emu.state.journal[-1] == "строка 2099"
    await call(emu, cmd_shift.PrintStringFont(font=2, text="крупно"))
    assert emu.state.journal[-1] == "крупно"


async def test_state_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "fn.json"
    emu = make(state=path)
    await call(emu, cmd_shift.OpenShift())
    await call(emu, cmd_shift.CashIn(amount=5000))
    await call(emu, cmd_receipt.OpenReceipt())
    await call(emu, cmd_receipt.OperationV2(quantity=1_000_000, price=700))
    await call(emu, cmd_misc.Subtotal())  # hands the line to the ФН
    again = make(state=path)
    assert again.fn.fn_number == emu.fn.fn_number and again.fn.last_number == 2
    assert again.state.cash == 5000
    status = await call(again, cmd_status.ShortStatus())
    assert status.mode == Mode.DOCUMENT_OPEN  # the receipt is still open in the ФН
    answer = await call(again, cmd_receipt.CloseReceiptExt(payments=cash(700)))
    assert answer.fd_number == 3 and again.fn.document(3).total == 700


@pytest.mark.parametrize("spec", ["paper_out", "cover_open"])
async def test_printer_conditions_refuse_printing(spec: str) -> None:
    emu = make(faults=spec)
    status = await call(emu, cmd_status.ShortStatus())
    assert await call(emu, cmd_shift.OpenShift()) == (
        0x6B if spec == "paper_out" else 0x72
    )
    assert emu.fn.shift_opened_at is None
    if spec == "paper_out":
        assert status.submode == Submode.PAPER_OUT_PASSIVE
        emu.load_paper()
        assert (
            await call(emu, cmd_status.ShortStatus())
        ).submode == Submode.WAITING_CONTINUE
        assert await call(emu, cmd_shift.OpenShift()) == 0x58
        await call(emu, cmd_misc.ContinuePrint())
    else:
        assert status.ecr_flags & status.ecr_flags.COVER_OPEN
        emu.close_cover()
    assert (await call(emu, cmd_shift.OpenShift())).operator == 30


async def test_last_fiscalisation_ff09() -> None:
    emu = make()
    password = (30).to_bytes(4, "little")
    answer = await emu.handle(b"\xff\x09" + password)
    assert answer[:3] == b"\xff\x09\x00"
    data = answer[3:]
    registration = emu.fn.document(1)
    assert len(data) == 64  # the FFD 1.1+ layout
    assert data[5:17].decode().strip() == emu.fn.registration.inn
    assert data[17:37].decode().strip() == emu.fn.registration.reg_number
    assert data[37] == 0b11  # ОСН and УСН доход
    assert data[40:52].decode().strip() == emu.fn.registration.ofd_inn
    assert int.from_bytes(data[56:60], "little") == registration.number == 1
    assert int.from_bytes(data[60:64], "little") == registration.fiscal_sign
    assert await emu.handle(b"\xff\x09" + (1).to_bytes(4, "little")) == b"\xff\x09\x4f"
    assert await emu.handle(b"\xff\x09" + password + b"\0") == b"\xff\x09\x33"
