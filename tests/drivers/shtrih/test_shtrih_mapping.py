"""The table between fiscal types and Shtrih values, and the TLV packing of receipt tags."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from openkkm.drivers.shtrih import mapping, tags
from openkkm.errors import ValidationError
from openkkm.fiscal import tlv
from openkkm.fiscal.types import (
    Cashier,
    Correction,
    CorrectionType,
    DocumentType,
    FfdVersion,
    Item,
    Measure,
    Payments,
    Receipt,
    ReceiptKind,
    ShiftState,
    TaxSystem,
    VatRate,
)
from openkkm.protocol.shtrih.status import Mode
from openkkm.protocol.shtrih.values import ReceiptType, TaxSystemBits


def test_every_vat_rate_has_its_byte_including_2026() -> None:
    assert {rate: int(mapping.vat_code(rate)) for rate in VatRate} == {
        VatRate.VAT20: 0x01,
        VatRate.VAT10: 0x02,
        VatRate.VAT0: 0x04,
        VatRate.NONE: 0x08,
        VatRate.VAT20_120: 0x10,
        VatRate.VAT10_110: 0x20,
        VatRate.VAT5: 0x81,
        VatRate.VAT7: 0x82,
        VatRate.VAT5_105: 0x84,
        VatRate.VAT7_107: 0x88,
        VatRate.VAT22: 0xCB,
        VatRate.VAT22_122: 0xCC,
    }


def test_receipt_types_for_receipts_and_corrections() -> None:
    item = Item(name="x", price=100, quantity=Decimal(1), amount=100, vat=VatRate.NONE)
    refund = Receipt(kind=ReceiptKind.PURCHASE_RETURN, items=(item,), payments=Payments(cash=100))
    assert mapping.receipt_type(refund) is ReceiptType.BUY_RETURN
    correction = Correction(CorrectionType.OWN, dt.date(2026, 11, 1), "")
    fixed = Receipt(
        kind=ReceiptKind.SALE, items=(item,), payments=Payments(cash=100), correction=correction
    )
    assert mapping.receipt_type(fixed) is ReceiptType.CORRECTION_SALE


def test_payment_slots_put_change_into_cash() -> None:
    slots = mapping.payment_slots(
        Payments(cash=700, electronic=200, prepayment=50, credit=30, provision=20), change=300
    )
    assert len(slots) == 16
    assert (slots[0], slots[1], slots[13], slots[14], slots[15]) == (1000, 200, 50, 30, 20)
    assert sum(slots) == 1000 + 200 + 50 + 30 + 20


def test_tax_system_defaults_to_the_first_registered_and_refuses_others() -> None:
    registered = (TaxSystem.USN_INCOME, TaxSystem.PATENT)
    assert mapping.tax_system_bit(None, registered) is TaxSystemBits.USN_INCOME
    assert mapping.tax_system_bit(TaxSystem.PATENT, registered) is TaxSystemBits.PATENT
    with pytest.raises(ValidationError) as refused:
        mapping.tax_system_bit(TaxSystem.OSN, registered)
    assert refused.value.loc == ("tax_system",)
    assert mapping.tax_systems_of(0b100001) == (TaxSystem.OSN, TaxSystem.PATENT)


def test_shift_state_from_mode_and_fn_flag() -> None:
    assert mapping.shift_state(Mode.SHIFT_EXPIRED, True) is ShiftState.EXPIRED
    assert mapping.shift_state(Mode.SHIFT_CLOSED, False) is ShiftState.CLOSED
    assert mapping.shift_state(Mode.DOCUMENT_OPEN, True) is ShiftState.OPEN
    assert mapping.document_type(31) is DocumentType.CORRECTION
    assert mapping.document_type(99) is None


def test_buyer_goes_into_1256_from_ffd_1_2() -> None:
    item = Item(
        name="x",
        price=100,
        quantity=Decimal(1),
        amount=100,
        vat=VatRate.NONE,
        measure=Measure.KILOGRAM,
        measure_unit="кг",
    )
    receipt = Receipt(
        kind=ReceiptKind.SALE,
        items=(item,),
        payments=Payments(cash=100),
        customer_name="ООО Ромашка",
        customer_inn="7700000009",
        cashier=Cashier("Петров"),
    )
    new = dict(tlv.iter_tlv(b"".join(tags.receipt_tags(receipt, FfdVersion.V1_2))))
    assert 1256 in new and 1227 not in new
    assert dict(tlv.iter_tlv(new[1256]))[1228] == b"7700000009  "
    old = dict(tlv.iter_tlv(b"".join(tags.receipt_tags(receipt, FfdVersion.V1_05))))
    assert 1227 in old and 1256 not in old
    assert dict(tlv.iter_tlv(b"".join(tags.item_tags(item, FfdVersion.V1_2, 0)))) == {
        2108: bytes((11,))
    }
    assert (
        tlv.read_string(
            dict(tlv.iter_tlv(b"".join(tags.item_tags(item, FfdVersion.V1_05, 0))))[1197]
        )
        == "кг"
    )


def test_packing_keeps_whole_tlvs_under_250_bytes() -> None:
    parts = [tlv.tlv(1192, b"x" * 100) for _ in range(5)]
    runs = tags.packed(parts)
    assert [len(run) for run in runs] == [208, 208, 104]
    assert b"".join(runs) == b"".join(parts)


def test_a_tlv_longer_than_one_call_is_a_validation_error() -> None:
    item = Item(name="x", price=100, quantity=Decimal(1), amount=100, vat=VatRate.NONE)
    receipt = Receipt(
        kind=ReceiptKind.SALE,
        items=(item,),
        payments=Payments(cash=100),
        settlement_address="д" * 256,
    )
    with pytest.raises(ValidationError):
        tags.receipt_tags(receipt, FfdVersion.V1_2)


def test_product_code_by_ffd() -> None:
    old = tags.product_code("4600439931256", FfdVersion.V1_05)
    assert dict(tlv.iter_tlv(old))[1162] == b"\x45\x0d" + (4600439931256).to_bytes(6, "big")
    new = dict(tlv.iter_tlv(tags.product_code("4600439931256", FfdVersion.V1_2)))
    assert dict(tlv.iter_tlv(new[1163])) == {1302: b"4600439931256"}
    other = dict(tlv.iter_tlv(tags.product_code("ABC-1", FfdVersion.V1_2)))
    assert dict(tlv.iter_tlv(other[1163])) == {1300: b"ABC-1"}
    assert dict(tlv.iter_tlv(tags.product_code("4600439931257", FfdVersion.V1_05)))[1162][:2] == (
        b"\0\0"
    )  # a wrong check digit is not an EAN-13
