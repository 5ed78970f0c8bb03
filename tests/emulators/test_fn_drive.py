"""The simulated ФН state machine: numbering, shifts, receipts, refusals, archive, OFD queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from fn_helpers import KEY, ManualClock, item, new_drive

from openkkm.emulators.fn.drive import FiscalDrive
from openkkm.emulators.fn.errors import FnCode, FnError, Refusal
from openkkm.emulators.fn.identity import printed_sign, reg_number_valid
from openkkm.emulators.fn.receipt import ReceiptDetails, product_code
from openkkm.emulators.fn.state import ArchivedDocument
from openkkm.emulators.fn.tags import Tag
from openkkm.fiscal import tlv
from openkkm.fiscal.types import (
    AgentRole,
    Correction,
    CorrectionType,
    DocumentType,
    FfdVersion,
    Item,
    PaymentObject,
    Payments,
    ReceiptKind,
    ShiftState,
    SupplierData,
    TaxSystem,
    VatRate,
)


def sell(drive: FiscalDrive, *items: Item, cash: int | None = None,
         **pay: int) -> ArchivedDocument:
    """Register a sale of ``items`` (default one 50.00 line) paid as given (default exact cash)."""
    lines = items or (item(),)
    drive.begin_receipt(ReceiptKind.SALE)
    for line in lines:
        drive.add_item(line)
    due = drive.open_receipt_total
    payments = Payments(cash=due if cash is None and not pay else cash or 0, **pay)
    return drive.close_receipt(payments)


def refusal(exc: pytest.ExceptionInfo[FnError]) -> Refusal:
    return exc.value.refusal


def fields(document: bytes) -> dict[int, bytes]:
    """Top-level tags of a document's STLV value (last one wins)."""
    [(_, body)] = list(tlv.iter_tlv(document))
    return dict(tlv.iter_tlv(body))


def test_registration_is_fd_1_with_default_registration() -> None:
    drive = new_drive()
    first = drive.document(1)
    assert (drive.last_number, first.type) == (1, DocumentType.REGISTRATION)
    reg = drive.registration
    assert (reg.inn, reg.organization, reg.tax_systems, reg.ffd) == (
        "7700000009", 'ООО "Ромашка"', (0, 1), 4)
    assert (reg.ofd_name, reg.ofd_inn, reg.excise, reg.marking) == (
        "ОФД Такском", "7704211201", False, True)
    assert len(reg.fn_number) == 16 and reg.fn_number.isdigit()
    assert reg_number_valid(reg.reg_number, reg.inn, reg.kkt_number)
    tags = fields(first.tlv)
    assert tlv.read_string(tags[Tag.USER_INN]) == "7700000009"
    assert tags[Tag.TAX_SYSTEMS] == b"\x03"
    assert tags[Tag.EXCISE_GOODS] == b"\x00"
    assert tlv.read_string(tags[Tag.OFD_INN]) == "7704211201"
    assert tlv.read_string(tags[Tag.REG_NUMBER]) == reg.reg_number


def test_one_counter_for_every_document_type() -> None:
    drive = new_drive()
    opened = drive.open_shift()
    receipt = sell(drive)
    report = drive.state_report()
    closed = drive.close_shift()
    reopened = drive.open_shift()
    numbers = [doc.number for doc in (opened, receipt, report, closed, reopened)]
    assert numbers == [2, 3, 4, 5, 6]
    assert [drive.document(n).type for n in range(1, 7)] == [
        DocumentType.REGISTRATION, DocumentType.SHIFT_OPEN, DocumentType.RECEIPT,
        DocumentType.STATUS_REPORT, DocumentType.SHIFT_CLOSE, DocumentType.SHIFT_OPEN]
    assert (closed.shift_number, reopened.shift_number) == (1, 2)


def test_receipt_numbers_restart_per_shift_and_corrections_share_them() -> None:
    drive = new_drive()
    drive.open_shift()
    assert [sell(drive).receipt_number for _ in range(2)] == [1, 2]
    drive.begin_receipt(ReceiptKind.SALE, Correction(CorrectionType.OWN, dt.date(2026, 11, 20),
                                                     "акт 1"))
    drive.add_item(item())
    correction = drive.close_receipt(Payments(cash=5000))
    assert (correction.type, correction.receipt_number) == (DocumentType.CORRECTION, 3)
    drive.close_shift()
    drive.open_shift()
    assert sell(drive).receipt_number == 1
    assert drive.shift_number == 2


def test_refusals_change_nothing_and_consume_no_number() -> None:
    drive = new_drive()
    with pytest.raises(FnError) as closed:
        drive.begin_receipt(ReceiptKind.SALE)
    assert refusal(closed) is Refusal.SHIFT_CLOSED
    drive.open_shift()
    with pytest.raises(FnError) as twice:
        drive.open_shift()
    assert refusal(twice) is Refusal.SHIFT_ALREADY_OPEN
    drive.begin_receipt(ReceiptKind.SALE)
    drive.add_item(item(price=10000))
    with pytest.raises(FnError) as short:
        drive.close_receipt(Payments(cash=9999))
    assert (refusal(short), short.value.code) == (Refusal.PAYMENTS_SHORT, FnCode.BAD_PARAMETERS)
    assert drive.receipt_open and drive.last_number == 2
    assert drive.cancel_receipt() is True
    assert sell(drive).number == 3


def test_cancelled_receipt_consumes_nothing() -> None:
    drive = new_drive()
    drive.open_shift()
    drive.begin_receipt(ReceiptKind.SALE)
    drive.add_item(item())
    drive.cancel_receipt()
    assert not drive.receipt_open
    assert drive.cancel_receipt() is False
    doc = sell(drive)
    assert (doc.number, doc.receipt_number) == (3, 1)


def test_a_bad_item_among_several_adds_none() -> None:
    drive = new_drive()
    drive.open_shift()
    drive.begin_receipt(ReceiptKind.SALE)
    with pytest.raises(FnError) as bad:
        drive.add_items([item(), item(price=1000, quantity="3", amount=3100)])
    assert refusal(bad) is Refusal.LINE_AMOUNT_MISMATCH
    assert drive.open_receipt_total == 0


def test_line_amount_may_differ_by_one_kopeck() -> None:
    drive = new_drive()
    drive.open_shift()
    doc = sell(drive, item(price=333, quantity="3", amount=1000))
    assert doc.total == 1000


def test_shift_expires_after_24_hours_only_close_remains() -> None:
    clock = ManualClock()
    drive = new_drive(clock=clock)
    drive.open_shift()
    clock.advance(hours=24)
    assert drive.shift_state() is ShiftState.OPEN
    clock.advance(seconds=1)
    assert drive.shift_state() is ShiftState.EXPIRED
    with pytest.raises(FnError) as expired:
        drive.begin_receipt(ReceiptKind.SALE)
    assert (refusal(expired), expired.value.code) == (Refusal.SHIFT_EXPIRED, FnCode.SHIFT_OVER_24H)
    assert "смена" in expired.value.ru
    closed = drive.close_shift()
    assert closed.number == 3 and drive.shift_state() is ShiftState.CLOSED


def test_receipt_begun_in_time_is_refused_at_close_after_expiry() -> None:
    clock = ManualClock()
    drive = new_drive(clock=clock)
    drive.open_shift()
    clock.advance(hours=23, minutes=59)
    drive.begin_receipt(ReceiptKind.SALE)
    drive.add_item(item())
    clock.advance(minutes=2)
    with pytest.raises(FnError) as expired:
        drive.close_receipt(Payments(cash=5000))
    assert refusal(expired) is Refusal.SHIFT_EXPIRED
    assert drive.last_number == 2 and drive.receipt_open


def test_close_shift_refused_with_receipt_open() -> None:
    drive = new_drive()
    drive.open_shift()
    drive.begin_receipt(ReceiptKind.SALE)
    with pytest.raises(FnError) as exc:
        drive.close_shift()
    assert refusal(exc) is Refusal.RECEIPT_OPEN


def test_clock_never_goes_backwards() -> None:
    clock = ManualClock()
    drive = new_drive(clock=clock)
    drive.open_shift()
    clock.advance(minutes=-1)
    with pytest.raises(FnError) as exc:
        drive.begin_receipt(ReceiptKind.SALE)
    assert (refusal(exc), exc.value.code) == (Refusal.CLOCK_BACKWARDS, FnCode.WRONG_DATETIME)
    clock.advance(minutes=1)
    assert sell(drive).moment == clock.now


def test_payments_change_only_from_cash() -> None:
    drive = new_drive()
    drive.open_shift()
    doc = sell(drive, item(price=12345), cash=20000)
    assert (doc.total, doc.change) == (12345, 7655)
    tags = fields(doc.tlv)
    assert tlv.read_vln(tags[Tag.CASH]) == 12345
    assert tlv.read_vln(tags[Tag.TOTAL]) == 12345
    mixed = sell(drive, item(price=10000), cash=5000, electronic=6000)
    assert (mixed.change, tlv.read_vln(fields(mixed.tlv)[Tag.CASH])) == (1000, 4000)
    drive.begin_receipt(ReceiptKind.SALE)
    drive.add_item(item(price=10000))
    with pytest.raises(FnError) as exc:
        drive.close_receipt(Payments(electronic=10001))
    assert refusal(exc) is Refusal.NON_CASH_EXCEEDS_TOTAL


@pytest.mark.parametrize(("moment", "rate", "allowed"), [
    (dt.datetime(2025, 12, 31, 23, 0), VatRate.VAT22, False),
    (dt.datetime(2026, 1, 1, 0, 1), VatRate.VAT22, True),
    (dt.datetime(2025, 12, 31, 23, 0), VatRate.VAT22_122, False),
    (dt.datetime(2024, 12, 31, 23, 0), VatRate.VAT5, False),
    (dt.datetime(2024, 12, 31, 23, 0), VatRate.VAT7_107, False),
    (dt.datetime(2025, 1, 1, 9, 0), VatRate.VAT7, True),
    (dt.datetime(2024, 12, 31, 23, 0), VatRate.VAT20, True),
    (dt.datetime(2026, 11, 24, 9, 0), VatRate.VAT20, True),
])
def test_vat_rate_valid_for_the_date(moment: dt.datetime, rate: VatRate, allowed: bool) -> None:
    drive = new_drive(clock=ManualClock(moment))
    drive.open_shift()
    drive.begin_receipt(ReceiptKind.SALE)
    drive.add_item(item(vat=rate))
    if allowed:
        assert drive.close_receipt(Payments(cash=5000)).number == 3
    else:
        with pytest.raises(FnError) as exc:
            drive.close_receipt(Payments(cash=5000))
        assert refusal(exc) is Refusal.VAT_NOT_IN_FORCE


def test_tax_system_must_be_registered() -> None:
    drive = new_drive()
    drive.open_shift()
    drive.begin_receipt(ReceiptKind.SALE)
    drive.add_item(item())
    with pytest.raises(FnError) as exc:
        drive.close_receipt(Payments(cash=5000), ReceiptDetails(tax_system=TaxSystem.PATENT))
    assert refusal(exc) is Refusal.TAX_SYSTEM_NOT_REGISTERED
    doc = drive.close_receipt(Payments(cash=5000), ReceiptDetails(tax_system=TaxSystem.USN_INCOME))
    assert fields(doc.tlv)[Tag.TAX_SYSTEM] == b"\x02"


def test_excise_goods_refused_when_not_registered() -> None:
    drive = new_drive()
    drive.open_shift()
    drive.begin_receipt(ReceiptKind.SALE)
    with pytest.raises(FnError) as exc:
        drive.add_item(item(subject=PaymentObject.EXCISE_GOODS))
    assert refusal(exc) is Refusal.EXCISE_NOT_REGISTERED


def test_receipt_and_item_size_limits() -> None:
    drive = new_drive()
    drive.open_shift()
    drive.begin_receipt(ReceiptKind.SALE)
    with pytest.raises(FnError) as long_name:
        drive.add_item(item(name="х" * 129))
    assert refusal(long_name) is Refusal.BAD_VALUE
    drive.add_items([item(name="х" * 128, attribute="a" * 64)] * 190)
    with pytest.raises(FnError) as exc:
        drive.close_receipt(Payments(cash=drive.open_receipt_total))
    assert (refusal(exc), exc.value.code) == (Refusal.RECEIPT_TOO_LARGE, FnCode.TLV_TOO_LARGE)


def test_item_tlv_carries_quantity_vat_and_measure() -> None:
    drive = new_drive()
    drive.open_shift()
    doc = sell(drive, item(price=10000, quantity="1.500", vat=VatRate.VAT22))
    tags = fields(doc.tlv)
    lines = dict(tlv.iter_tlv(tags[Tag.ITEM]))
    assert lines[Tag.QUANTITY] == bytes.fromhex("03 DC 05")
    assert tlv.read_vln(lines[Tag.ITEM_AMOUNT]) == 15000
    assert lines[Tag.VAT_RATE] == b"\x0b"
    assert tlv.read_vln(lines[Tag.VAT_AMOUNT]) == 2705  # 150.00 × 22/122 = 27.049
    assert lines[Tag.MEASURE] == b"\x00"
    assert tlv.read_string(lines[Tag.ITEM_NAME]) == "Хлеб"


def test_fiscal_sign_is_deterministic_and_keyed() -> None:
    first, second = new_drive(), new_drive()
    for drive in (first, second):
        drive.open_shift()
    assert first.document(2).sign == second.document(2).sign
    assert len(first.document(2).sign) == 6
    other = FiscalDrive.create(first.registration, clock=ManualClock(), key=b"x" * 32)
    assert other.document(1).sign != first.document(1).sign
    doc = first.document(2)
    assert doc.fiscal_sign == int.from_bytes(doc.sign[2:6], "big") == printed_sign(doc.sign)
    assert fields(doc.tlv)[Tag.FISCAL_SIGN] == doc.sign


def test_shift_counters_by_kind_payment_and_vat() -> None:
    drive = new_drive()
    drive.open_shift()
    sell(drive, item(price=10000), item(price=5000, vat=VatRate.NONE), cash=15000)
    sell(drive, item(price=2000), electronic=2000)
    drive.begin_receipt(ReceiptKind.SALE_RETURN)
    drive.add_item(item(price=2000))
    drive.close_receipt(Payments(cash=2000))
    totals = drive.shift_totals()
    assert totals["3.1.count"] == 2 and totals["3.1.total"] == 17000
    assert (totals["3.1.cash"], totals["3.1.electronic"]) == (15000, 2000)
    assert (totals["3.1.base11"], totals["3.1.base6"]) == (12000, 5000)
    assert totals["3.1.vat11"] == 2164  # VAT of the rate's sum: 120.00 × 22/122
    assert (totals["3.2.count"], totals["3.2.total"]) == (1, 2000)
    drive.close_shift()
    drive.open_shift()
    assert drive.shift_totals() == {}
    assert drive.fn_totals()["3.1.count"] == 2


def test_ofd_queue_counts_and_confirms() -> None:
    clock = ManualClock()
    drive = new_drive(clock=clock)
    drive.open_shift()
    sell(drive)
    queue = drive.ofd_status()
    assert (queue.unsent, queue.first, queue.oldest) == (3, 1, clock.now)
    assert drive.confirm_ofd(2) == 2
    assert drive.ofd_status().first == 3
    clock.advance(days=2, seconds=1)
    assert drive.ofd_status().late
    clock.advance(days=28)
    assert drive.ofd_status().blocked
    with pytest.raises(FnError) as exc:
        drive.state_report()
    assert (refusal(exc), exc.value.code) == (Refusal.OFD_BLOCKED, FnCode.OFD_WAIT_EXCEEDED)
    drive.confirm_ofd()
    assert drive.ofd_status().unsent == 0
    assert drive.state_report().number == 4


def test_key_expiry_refuses_new_documents() -> None:
    clock = ManualClock()
    drive = new_drive(clock=clock)
    assert drive.registration.key_days == 470
    clock.now = drive.valid_to
    drive.confirm_ofd()
    with pytest.raises(FnError) as exc:
        drive.open_shift()
    assert (refusal(exc), exc.value.code) == (Refusal.KEY_EXPIRED, FnCode.EXPIRED)


def test_fn_close_needs_empty_queue_and_ends_the_fn() -> None:
    drive = new_drive()
    with pytest.raises(FnError) as unsent:
        drive.close_fn()
    assert refusal(unsent) is Refusal.OFD_QUEUE_NOT_EMPTY
    drive.confirm_ofd()
    assert drive.close_fn().type is DocumentType.FN_CLOSE
    with pytest.raises(FnError) as exc:
        drive.open_shift()
    assert refusal(exc) is Refusal.FN_CLOSED


def test_missing_document_is_no_data() -> None:
    drive = new_drive()
    with pytest.raises(FnError) as exc:
        drive.document(2)
    assert (refusal(exc), exc.value.code) == (Refusal.NO_DOCUMENT, FnCode.NO_DATA)


def test_key_does_not_leak_into_documents() -> None:
    drive = new_drive()
    assert KEY not in drive.document(1).tlv


def test_agent_items_need_a_registered_role_and_a_supplier() -> None:
    plain = new_drive()
    plain.open_shift()
    plain.begin_receipt(ReceiptKind.SALE)
    with pytest.raises(FnError) as unregistered:
        plain.add_item(item(agent_role=AgentRole.COMMISSION_AGENT))
    assert refusal(unregistered) is Refusal.AGENT_NOT_REGISTERED

    registration = replace(plain.registration, agent_roles=(int(AgentRole.COMMISSION_AGENT),))
    drive = FiscalDrive.create(registration, clock=ManualClock(), key=KEY)
    drive.open_shift()
    drive.begin_receipt(ReceiptKind.SALE)
    with pytest.raises(FnError) as no_supplier:
        drive.add_item(item(agent_role=AgentRole.COMMISSION_AGENT))
    assert refusal(no_supplier) is Refusal.AGENT_WITHOUT_SUPPLIER
    supplier = SupplierData(name="ИП Петров", inn="500100732259", phones=("+79990000000",))
    drive.add_item(item(agent_role=AgentRole.COMMISSION_AGENT, supplier=supplier))
    doc = drive.close_receipt(Payments(cash=5000))
    line = dict(tlv.iter_tlv(fields(doc.tlv)[Tag.ITEM]))
    assert line[Tag.ITEM_AGENT_ROLE] == bytes([1 << AgentRole.COMMISSION_AGENT])
    assert tlv.read_string(line[Tag.SUPPLIER_INN]) == "500100732259"
    assert tlv.read_string(dict(tlv.iter_tlv(line[Tag.SUPPLIER_DATA]))[Tag.SUPPLIER_NAME]) == (
        "ИП Петров")


def test_archive_capacity_sets_memory_flag_and_refuses_when_full() -> None:
    registration = new_drive().registration
    drive = FiscalDrive.create(registration, clock=ManualClock(), key=KEY, capacity=3)
    drive.open_shift()
    assert not drive.memory_full
    drive.close_shift()
    assert drive.memory_full
    with pytest.raises(FnError) as exc:
        drive.open_shift()
    assert (refusal(exc), exc.value.code) == (Refusal.ARCHIVE_FULL, FnCode.ARCHIVE_FULL)
    assert drive.last_number == 3


def test_correction_receipt_carries_its_basis() -> None:
    drive = new_drive()
    drive.open_shift()
    drive.begin_receipt(ReceiptKind.SALE_RETURN,
                        Correction(CorrectionType.BY_ORDER, dt.date(2026, 11, 2), "№ 15"))
    drive.add_item(item())
    doc = drive.close_receipt(Payments(cash=5000))
    tags = fields(doc.tlv)
    assert tags[Tag.CORRECTION_TYPE] == b"\x01"
    basis = dict(tlv.iter_tlv(tags[Tag.CORRECTION_BASIS]))
    assert tlv.read_unixtime(basis[Tag.CORRECTED_DATE]) == dt.datetime(2026, 11, 2)
    assert tlv.read_string(basis[Tag.CORRECTION_ORDER]) == "№ 15"
    assert doc.kind is ReceiptKind.SALE_RETURN


def test_ffd_105_correction_allows_only_sale_and_purchase() -> None:
    drive = new_drive(ffd="1.05")
    drive.open_shift()
    with pytest.raises(FnError) as exc:
        drive.begin_receipt(ReceiptKind.SALE_RETURN,
                            Correction(CorrectionType.OWN, dt.date(2026, 11, 2), "1"))
    assert refusal(exc) is Refusal.CORRECTION_KIND
    assert not drive.receipt_open


def test_reregistration_changes_data_with_shift_closed() -> None:
    drive = new_drive()
    drive.open_shift()
    moved = replace(drive.registration, address="г. Москва, ул. Арбат, д. 2")
    with pytest.raises(FnError) as open_shift:
        drive.reregister(moved, 1 << 3)
    assert refusal(open_shift) is Refusal.SHIFT_ALREADY_OPEN
    drive.close_shift()
    doc = drive.reregister(moved, 1 << 3)
    assert (doc.number, doc.type) == (4, DocumentType.REREGISTRATION)
    tags = fields(doc.tlv)
    assert tlv.read_vln(tags[Tag.REREGISTRATION_REASONS]) == 8
    assert tlv.read_string(tags[Tag.SETTLEMENT_ADDRESS]) == "г. Москва, ул. Арбат, д. 2"
    assert drive.registration.address == "г. Москва, ул. Арбат, д. 2"


def test_reregistration_refuses_a_bad_reg_number() -> None:
    drive = new_drive()
    number = drive.registration.reg_number
    broken = number[:-1] + str((int(number[-1]) + 1) % 10)
    with pytest.raises(FnError) as exc:
        drive.reregister(replace(drive.registration, reg_number=broken), 8)
    assert refusal(exc) is Refusal.BAD_VALUE
    assert drive.last_number == 1


def test_ffd_change_only_right_after_a_clean_state_report() -> None:
    drive = new_drive(ffd="1.05")
    newer = replace(drive.registration, ffd=int(FfdVersion.V1_2))
    with pytest.raises(FnError) as no_report:
        drive.reregister(newer, 1 << 21)
    assert refusal(no_report) is Refusal.FFD_CHANGE_SEQUENCE
    drive.state_report()  # the registration report is still unsent: 1097 = 1
    with pytest.raises(FnError) as unsent:
        drive.reregister(newer, 1 << 21)
    assert refusal(unsent) is Refusal.FFD_CHANGE_SEQUENCE
    drive.confirm_ofd()
    drive.state_report()
    doc = drive.reregister(newer, 1 << 21)
    assert fields(doc.tlv)[Tag.FFD_VERSION] == bytes([FfdVersion.V1_2])
    assert drive.registration.ffd == FfdVersion.V1_2


def test_receipt_level_buyer_and_contact_tags() -> None:
    drive = new_drive()
    drive.open_shift()
    drive.begin_receipt(ReceiptKind.SALE)
    drive.add_item(item())
    details = ReceiptDetails(customer_contact="+79161234567", customer_name="ООО Покупатель",
                             customer_inn="7707083893", internet=True,
                             user_attribute=("Заказ", "42"))
    tags = fields(drive.close_receipt(Payments(electronic=5000), details).tlv)
    assert tlv.read_string(tags[Tag.CUSTOMER_CONTACT]) == "+79161234567"
    assert tlv.read_string(tags[Tag.SENDER_EMAIL]) == "noreply@example.ru"
    buyer = dict(tlv.iter_tlv(tags[Tag.CUSTOMER]))
    assert tlv.read_string(buyer[Tag.CUSTOMER_INN]) == "7707083893"
    assert tags[Tag.INTERNET] == b"\x01"
    extra = dict(tlv.iter_tlv(tags[Tag.USER_ATTRIBUTE]))
    assert tlv.read_string(extra[Tag.USER_ATTRIBUTE_VALUE]) == "42"


def test_correction_of_a_future_date_or_unknown_kind_is_refused() -> None:
    drive = new_drive()
    drive.open_shift()
    tomorrow = Correction(CorrectionType.OWN, dt.date(2026, 11, 25), "1")
    with pytest.raises(FnError) as future:
        drive.begin_receipt(ReceiptKind.SALE, tomorrow)
    assert refusal(future) is Refusal.BAD_VALUE
    with pytest.raises(FnError) as kind:
        drive.begin_receipt(5)  # type: ignore[arg-type]
    assert refusal(kind) is Refusal.BAD_VALUE
    assert not drive.receipt_open


def test_close_report_carries_shift_counters_and_queue() -> None:
    clock = ManualClock()
    drive = new_drive(clock=clock)
    drive.open_shift()
    sell(drive)
    sell(drive)
    drive.state_report()
    drive.confirm_ofd(1)
    clock.advance(days=3)
    tags = fields(drive.close_shift().tlv)
    assert tlv.read_vln(tags[Tag.SHIFT_DOCUMENTS]) == 4  # open report, 2 receipts, state report
    assert tlv.read_vln(tags[Tag.SHIFT_RECEIPTS]) == 2
    assert tlv.read_vln(tags[Tag.UNCONFIRMED_COUNT]) == 4
    assert tlv.read_unixtime(tags[Tag.UNCONFIRMED_SINCE]) == dt.datetime(2026, 11, 24)
    assert tags[Tag.OFD_TIMEOUT] == b"\x01"
    assert Tag.KEY_LESS_30_DAYS not in tags


def test_ean13_product_code_in_105_and_12() -> None:
    assert product_code("4606203090785", FfdVersion.V1_05) == (
        tlv.tlv(Tag.PRODUCT_CODE, bytes.fromhex("45 0D 04 30 77 19 57 61")))
    assert product_code("4606203090785", FfdVersion.V1_2) == tlv.stlv(
        Tag.PRODUCT_CODE_12, [tlv.tlv(Tag.CODE_EAN13, b"4606203090785")])
    assert product_code("4606203090786", FfdVersion.V1_05) == (
        tlv.tlv(Tag.PRODUCT_CODE, b"\x00\x004606203090786"))
    assert product_code("ABC", FfdVersion.V1_2) == tlv.stlv(
        Tag.PRODUCT_CODE_12, [tlv.tlv(Tag.CODE_UNRECOGNISED, b"ABC")])
    drive = new_drive()
    drive.open_shift()
    doc = sell(drive, item(ean13="4606203090785"))
    line = dict(tlv.iter_tlv(fields(doc.tlv)[Tag.ITEM]))
    assert dict(tlv.iter_tlv(line[Tag.PRODUCT_CODE_12]))[Tag.CODE_EAN13] == b"4606203090785"
