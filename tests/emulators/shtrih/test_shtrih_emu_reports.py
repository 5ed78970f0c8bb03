"""Money register 0x1A, the settlement-state report FF37/FF38, closing the ФН FF3D/FF3E, FF0C 1256."""

from __future__ import annotations

from shtrih_emu_helpers import call, make

from openkkm.emulators.fn.tags import Tag
from openkkm.fiscal import tlv
from openkkm.fiscal.types import DocumentType
from openkkm.protocol.shtrih import cmd_fn, cmd_receipt, cmd_registers, cmd_shift
from openkkm.protocol.shtrih.cmd_misc import FnCancelDocument

CASH = (1000,) + (0,) * 15
DRAWER = cmd_registers.MoneyRegister.CASH_IN_DRAWER


async def test_money_register_241_follows_cash_moves_and_sales() -> None:
    emu = make()
    start = (await call(emu, cmd_registers.ReadMoneyRegister(register=DRAWER))).value
    await call(emu, cmd_shift.OpenShift())
    await call(emu, cmd_shift.CashIn(amount=5000))
    await call(emu, cmd_receipt.OpenReceipt())
    await call(emu, cmd_receipt.OperationV2(quantity=1_000_000, price=1000))
    await call(emu, cmd_receipt.CloseReceiptExt(payments=CASH))
    await call(emu, cmd_shift.CashOut(amount=2000))
    answer = await call(emu, cmd_registers.ReadMoneyRegister(register=DRAWER))
    assert answer.value == start + 5000 + 1000 - 2000 == emu.fn.cash
    assert await call(emu, cmd_registers.ReadMoneyRegister(register=7)) == 0x33


async def test_state_report_is_begun_then_formed_with_the_ofd_queue() -> None:
    emu = make()
    assert await call(emu, cmd_registers.StateReport()) == 0x02  # not begun
    await call(emu, cmd_registers.BeginStateReport())
    status = await call(emu, cmd_fn.FnStatus())
    assert status.current_document == 0x17
    queue = emu.fn.ofd_status()  # what the report shows: the queue before it
    answer = await call(emu, cmd_registers.StateReport())
    doc = emu.fn.document(answer.fd_number)
    assert doc.type is DocumentType.STATUS_REPORT
    assert answer.fd_number == emu.fn.last_number and answer.fiscal_sign == doc.fiscal_sign
    assert answer.unconfirmed == queue.unsent > 0
    assert answer.first_unconfirmed_date == queue.oldest.date()
    assert (await call(emu, cmd_fn.FnStatus())).current_document == 0


async def test_closing_the_fn_needs_a_closed_shift_and_ends_the_fiscal_mode() -> None:
    emu = make()
    await call(emu, cmd_shift.OpenShift())
    await call(emu, cmd_registers.BeginCloseFn())
    assert await call(emu, cmd_registers.CloseFn()) != 0  # the ФН refuses with a shift open
    assert not emu.fn.closed
    await call(emu, FnCancelDocument())
    await call(emu, cmd_shift.ZReport())
    emu.fn.confirm_ofd()
    await call(emu, cmd_registers.BeginCloseFn())
    answer = await call(emu, cmd_registers.CloseFn())
    assert emu.fn.document(answer.fd_number).type is DocumentType.FN_CLOSE
    assert emu.fn.closed


async def test_ff0c_takes_the_ffd_1_2_buyer_block_1256() -> None:
    emu = make()
    await call(emu, cmd_shift.OpenShift())
    await call(emu, cmd_receipt.OpenReceipt())
    buyer = tlv.stlv(
        Tag.CUSTOMER,
        [
            tlv.tlv(Tag.CUSTOMER_NAME, tlv.string("ООО Ромашка", 256)),
            tlv.tlv(Tag.CUSTOMER_INN, tlv.fixed_string("7700000009", 12)),
        ],
    )
    await call(emu, cmd_receipt.WriteTlv(tlv=buyer))
    await call(emu, cmd_receipt.OperationV2(quantity=1_000_000, price=1000))
    answer = await call(emu, cmd_receipt.CloseReceiptExt(payments=CASH))
    form = next(tlv.iter_tlv(emu.fn.document(answer.fd_number).tlv))[1]
    block = dict(tlv.iter_tlv(dict(tlv.iter_tlv(form))[Tag.CUSTOMER]))
    assert tlv.read_string(block[Tag.CUSTOMER_NAME]) == "ООО Ромашка"
    assert tlv.read_string(block[Tag.CUSTOMER_INN]).strip() == "7700000009"


async def test_re_registration_takes_ff34_fields_and_ff0c_tags() -> None:
    emu = make()
    reg = emu.fn.registration
    again = cmd_registers.Reregister(inn=reg.inn, reg_number=reg.reg_number, tax_systems=0x03)
    assert await call(emu, again) == 0x02  # not begun
    first = cmd_registers.BeginRegistration(report_type=0)
    assert await call(emu, first) == 0x02  # the emulated ФН is fiscal already
    await call(emu, cmd_registers.BeginRegistration())
    assert (await call(emu, cmd_fn.FnStatus())).current_document == 0x13
    tags = tlv.tlv(Tag.OFD_INN, tlv.fixed_string("7605016030", 12)) + tlv.tlv(
        Tag.REREGISTRATION_REASONS, tlv.u32(0b100)
    )
    await call(emu, cmd_receipt.WriteTlv(tlv=tags))
    answer = await call(emu, cmd_registers.Reregister(
        inn=reg.inn, reg_number=reg.reg_number, tax_systems=0x03, work_mode=0x02
    ))
    assert emu.fn.document(answer.fd_number).type is DocumentType.REREGISTRATION
    now = emu.fn.registration
    assert now.ofd_inn == "7605016030" and now.tax_systems == (0, 1) and now.autonomous
    assert now.organization == reg.organization  # no tag, no change
