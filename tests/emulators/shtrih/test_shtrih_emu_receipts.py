"""Receipt variants: corrections, FFD 1.05 tags, refusals at the line, extended answers."""

from __future__ import annotations

import datetime as dt

from shtrih_emu_helpers import START, ManualClock, call, make

from openkkm.config import DeviceConfig
from openkkm.emulators.fn.tags import Tag
from openkkm.emulators.shtrih import ShtrihEmulator
from openkkm.fiscal import tlv
from openkkm.fiscal.types import DocumentType, ReceiptKind
from openkkm.protocol.shtrih import cmd_fn, cmd_receipt, cmd_shift
from openkkm.protocol.shtrih.status import FnDocument
from openkkm.protocol.shtrih.values import VatCode

CASH = (1000,) + (0,) * 15


def body(emu: ShtrihEmulator, number: int) -> dict[int, bytes]:
    """The top-level tags of FD ``number``."""
    return dict(tlv.iter_tlv(next(tlv.iter_tlv(emu.fn.document(number).tlv))[1]))


async def test_correction_receipt_takes_its_tags_before_the_lines() -> None:
    emu = make()
    await call(emu, cmd_shift.OpenShift())
    await call(emu, cmd_receipt.OpenReceipt(receipt_type=0x80))
    status = await call(emu, cmd_fn.FnStatus())
    assert status.current_document == FnDocument.CORRECTION
    basis = tlv.stlv(
        Tag.CORRECTION_BASIS,
        [
            tlv.tlv(Tag.CORRECTED_DATE, tlv.unixtime(dt.datetime(2026, 11, 20))),
            tlv.tlv(Tag.CORRECTION_ORDER, tlv.string("ПР-7", 32)),
        ],
    )
    await call(
        emu, cmd_receipt.WriteTlv(tlv=tlv.tlv(Tag.CORRECTION_TYPE, b"\x01") + basis)
    )
    await call(emu, cmd_receipt.OperationV2(quantity=1_000_000, price=1000))
    answer = await call(emu, cmd_receipt.CloseReceiptExt(payments=CASH))
    doc = emu.fn.document(answer.fd_number)
    assert doc.type is DocumentType.CORRECTION and doc.kind is ReceiptKind.SALE
    tags = body(emu, answer.fd_number)
    assert tags[Tag.CORRECTION_TYPE] == b"\x01"
    order = dict(tlv.iter_tlv(tags[Tag.CORRECTION_BASIS]))[Tag.CORRECTION_ORDER]
    assert tlv.read_string(order) == "ПР-7"


async def test_a_bad_line_is_refused_at_ff46_and_changes_nothing() -> None:
    emu = make()
    await call(emu, cmd_shift.OpenShift())
    await call(emu, cmd_receipt.OpenReceipt())
    mismatch = cmd_receipt.OperationV2(quantity=1_000_000, price=1000, amount=1500)
    assert await call(emu, mismatch) == 0x09
    assert (
        await call(
            emu, cmd_receipt.OperationV2(quantity=1_000_000, price=1000, vat=0x03)
        )
        == 0x33
    )
    await call(emu, cmd_receipt.OperationV2(quantity=1_000_000, price=1000))
    bad_measure = cmd_receipt.WriteOperationTlv(tlv=tlv.tlv(Tag.MEASURE, b"\x63"))
    assert await call(emu, bad_measure) == 0x33
    answer = await call(emu, cmd_receipt.CloseReceiptExt(payments=CASH))
    item = dict(tlv.iter_tlv(body(emu, answer.fd_number)[Tag.ITEM]))
    assert (
        item[Tag.MEASURE] == b"\x00" and emu.fn.document(answer.fd_number).total == 1000
    )


async def test_ffd_105_line_with_product_code_and_unit() -> None:
    emu = ShtrihEmulator(DeviceConfig(num=2, ffd="1.05"), clock=ManualClock())
    await call(emu, cmd_shift.OpenShift())
    await call(emu, cmd_receipt.OpenReceipt())
    await call(
        emu, cmd_receipt.OperationV2(quantity=500_000, price=2000, vat=VatCode.VAT10)
    )
    code = tlv.tlv(Tag.PRODUCT_CODE, b"\x45\x0d" + (4600439931256).to_bytes(6, "big"))
    unit = tlv.tlv(Tag.MEASURE_UNIT, "кг".encode("cp866"))
    await call(emu, cmd_receipt.WriteOperationTlv(tlv=code + unit))
    answer = await call(emu, cmd_receipt.CloseReceiptExt(payments=CASH))
    item = dict(tlv.iter_tlv(body(emu, answer.fd_number)[Tag.ITEM]))
    assert (
        item[Tag.PRODUCT_CODE] == code[4:]
        and tlv.read_string(item[Tag.MEASURE_UNIT]) == "кг"
    )
    assert Tag.MEASURE not in item and tlv.read_vln(item[Tag.ITEM_AMOUNT]) == 1000


async def test_extended_answers_carry_the_document_time() -> None:
    emu = make()
    emu.extended_answers = True
    await call(emu, cmd_shift.BeginOpenShift())
    opened = await call(emu, cmd_shift.FnOpenShift())
    assert opened.datetime == START
    await call(emu, cmd_receipt.OperationV2(quantity=1_000_000, price=1000))
    closed = await call(emu, cmd_receipt.CloseReceiptExt(payments=CASH))
    assert closed.datetime == START and closed.fd_number == 3
    assert make().extended_answers is False


async def test_ffd_105_fiscalisation_layout() -> None:
    emu = ShtrihEmulator(DeviceConfig(num=2, ffd="1.05"), clock=ManualClock())
    answer = await emu.handle(b"\xff\x09" + (30).to_bytes(4, "little"))
    data = answer[3:]
    assert len(data) == 48 and data[37] == 0b11
    assert int.from_bytes(data[40:44], "little") == 1
    assert int.from_bytes(data[44:48], "little") == emu.fn.document(1).fiscal_sign
