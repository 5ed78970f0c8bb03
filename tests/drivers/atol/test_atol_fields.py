"""Correction receipts and the agent, supplier, origin and attribute tags, driver ↔ emulator."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from atol_bench import Bench, sale

from openkkm.emulators.fn.drive import FiscalDrive
from openkkm.errors import DeviceRejected, ValidationError
from openkkm.fiscal import tlv
from openkkm.fiscal.types import (
    AgentData,
    AgentRole,
    Correction,
    CorrectionType,
    DocumentType,
    ReceiptKind,
    SupplierData,
    VatRate,
)
from openkkm.protocol.atol import cmd_receipt
from openkkm.protocol.atol.codes import Mode, ReceiptType


def tags_of(data: bytes) -> dict[int, bytes]:
    """The top-level TLVs of a document, and those of its 1059 items, by tag."""
    [(_form, body)] = list(tlv.iter_tlv(data))
    found: dict[int, bytes] = {}
    for tag, value in tlv.iter_tlv(body):
        found[tag] = value
        if tag == 1059:
            found.update(tlv.iter_tlv(value))
    return found


@pytest.mark.parametrize("kind", list(ReceiptKind))
async def test_correction_receipt_of_every_kind_forms_form_31(bench: Bench,
                                                              kind: ReceiptKind) -> None:
    driver, emulator = bench.driver, bench.emulator
    await driver.open_shift(None)
    receipt = replace(sale(("Коррекция", 5000, "1", VatRate.VAT22), cash=5000, kind=kind),
                      correction=Correction(CorrectionType.BY_ORDER, dt.date(2026, 11, 20),
                                            "ПР-17"))
    document = await driver.register(receipt)
    assert document.type is DocumentType.CORRECTION and document.kind is kind
    assert document.total == 5000
    archived = tags_of(emulator.fn.document(document.number).tlv)
    assert archived[1054] == tlv.byte(kind)
    assert archived[1173] == tlv.byte(CorrectionType.BY_ORDER)
    basis = dict(tlv.iter_tlv(archived[1174]))
    assert tlv.read_unixtime(basis[1178]).date() == dt.date(2026, 11, 20)
    assert tlv.read_string(basis[1179]) == "ПР-17"
    assert not (await driver.status()).receipt_open


async def test_correction_dated_in_the_future_is_refused_and_nothing_stays_open(
        bench: Bench) -> None:
    driver = bench.driver
    await driver.open_shift(None)
    receipt = replace(sale(("Коррекция", 5000, "1", VatRate.VAT22), cash=5000),
                      correction=Correction(CorrectionType.OWN, dt.date(2026, 12, 24), ""))
    with pytest.raises(DeviceRejected):
        await driver.register(receipt)
    assert not (await driver.status()).receipt_open


async def test_emulator_refuses_a_correction_type_without_its_basis(bench: Bench) -> None:
    driver = bench.driver
    await driver.open_shift(None)
    await driver.link.enter(Mode.REGISTRATION)
    with pytest.raises(DeviceRejected) as refused:
        await driver.link.execute(
            cmd_receipt.OpenReceipt(receipt_type=ReceiptType.SALE_CORRECTION))
    assert refused.value.vendor_code == 231
    assert not (await driver.status()).receipt_open


async def test_agent_supplier_origin_and_attributes_reach_the_fn(bench: Bench) -> None:
    driver, emulator = bench.driver, bench.emulator
    registration = replace(emulator.fn.registration,  # the agent role must be registered
                           agent_roles=(int(AgentRole.COMMISSION_AGENT),))
    emulator.fn = FiscalDrive.create(registration, clock=bench.clock)
    await driver.open_shift(None)
    supplier = SupplierData(name="ООО Поставщик", inn="7707083893", phones=("+74950000000",))
    agent = AgentData(operation="Перевод", agent_phones=("+79990000001",),
                      transfer_operator_inn="7707083893")
    base = sale(("Табак", 20000, "1", VatRate.VAT20), cash=20000)
    item = replace(base.items[0], agent_role=AgentRole.COMMISSION_AGENT, agent_data=agent,
                   supplier=supplier, attribute="атрибут", country_code="643",
                   customs_declaration="10702070/241126/0000001", excise=1500)
    receipt = replace(base, items=(item,), user_attribute=("Скидка", "5%"), internet=True,
                      supplier=supplier)
    document = await driver.register(receipt)
    archived = tags_of(emulator.fn.document(document.number).tlv)
    assert archived[1222] == tlv.byte(1 << AgentRole.COMMISSION_AGENT)
    assert tlv.read_string(archived[1226]) == "7707083893"
    supplier_tags = dict(tlv.iter_tlv(archived[1224]))
    assert tlv.read_string(supplier_tags[1225]) == "ООО Поставщик"
    agent_tags = dict(tlv.iter_tlv(archived[1223]))
    assert tlv.read_string(agent_tags[1044]) == "Перевод"
    assert tlv.read_string(archived[1191]) == "атрибут"
    assert tlv.read_string(archived[1230]) == "643"
    assert tlv.read_string(archived[1231]) == "10702070/241126/0000001"
    assert tlv.read_vln(archived[1229]) == 1500
    user = dict(tlv.iter_tlv(archived[1084]))
    assert (tlv.read_string(user[1085]), tlv.read_string(user[1086])) == ("Скидка", "5%")
    assert archived[1125] == tlv.byte(1)


async def test_quantity_with_six_decimals_is_refused_naming_the_field(bench: Bench) -> None:
    receipt = sale(("Провод", 100, "1", VatRate.VAT20), cash=100)
    odd = replace(receipt.items[0], quantity=Decimal("1.000001"))
    with pytest.raises(ValidationError) as refused:
        await bench.driver.register(replace(receipt, items=(odd,)))
    assert refused.value.loc == ("items", 0, "quantity")
    assert "3" in refused.value.ru


async def test_a_tag_value_outside_cp866_is_a_located_validation_error(bench: Bench) -> None:
    receipt = sale(("Провод", 100, "1", VatRate.VAT20), cash=100)
    odd = replace(receipt.items[0], attribute="☃")
    with pytest.raises(ValidationError) as refused:
        await bench.driver.register(replace(receipt, items=(odd,)))
    assert refused.value.loc == ("items", 0)
