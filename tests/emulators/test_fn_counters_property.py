"""Property: the counters a report shows equal the sums of the receipts, to the kopeck.

Random receipts (every 1054, receipts and corrections, rates 22 %, 10 %, 5 %, 7 %, 0 % and none,
cash and card) go through the simulated ФН; the ``GetCounters`` answer built from its counters
must show the totals, payments and per-rate VAT computed here independently from the receipts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from fn_helpers import item, new_drive
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openkkm.api.kkmserver.report_commands import (
    RECEIPT_TYPES,
    TAX_FIELDS,
    counters_fields,
)
from openkkm.emulators.fn.counters import readout
from openkkm.fiscal.types import (
    Correction,
    CorrectionType,
    Counters,
    Payments,
    ReceiptKind,
    VatRate,
)

RATES = {VatRate.VAT22: 22, VatRate.VAT10: 10, VatRate.VAT5: 5, VatRate.VAT7: 7,
         VatRate.VAT0: 0, VatRate.NONE: None}

lines = st.lists(st.tuples(st.sampled_from(list(RATES)), st.integers(1, 5_000_000)),
                 min_size=1, max_size=6)
receipts = st.lists(st.tuples(st.sampled_from(list(ReceiptKind)), st.booleans(), lines,
                              st.integers(0, 100)), min_size=1, max_size=12)


def tax(amount: int, percent: int) -> int:
    """VAT inside ``amount`` kopecks at ``percent``, rounded half up (kopecks)."""
    return int((Decimal(amount) * percent / (100 + percent)).quantize(Decimal(1), ROUND_HALF_UP))


def rubles(kopecks: int) -> Decimal:
    """Kopecks as rubles."""
    return Decimal(kopecks) / 100


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(receipts)
def test_counters_equal_the_receipt_sums(batch: list[tuple[ReceiptKind, bool, list[
        tuple[VatRate, int]], int]]) -> None:
    drive = new_drive()
    drive.open_shift()
    expected: dict[ReceiptKind, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for kind, is_correction, sold, cash_percent in batch:
        correction = (Correction(CorrectionType.OWN, dt.date(2026, 11, 1), "1")
                      if is_correction else None)
        drive.begin_receipt(kind, correction)
        drive.add_items([item(price=amount, vat=rate) for rate, amount in sold])
        total = sum(amount for _rate, amount in sold)
        cash = total * cash_percent // 100
        drive.close_receipt(Payments(cash=cash, electronic=total - cash))
        sums = expected[kind]
        sums["count"] += 1
        sums["total"] += total
        sums["cash"] += cash
        sums["electronic"] += total - cash
        if is_correction:
            sums["corrections_count"] += 1
            sums["corrections_total"] += total
        per_rate: dict[VatRate, int] = defaultdict(int)
        for rate, amount in sold:
            per_rate[rate] += amount
        for rate, amount in per_rate.items():
            percent = RATES[rate]
            sums[rate.name] += amount if percent in (0, None) else tax(amount, percent)
    counters = Counters(drive.shift_number, readout(drive.shift_totals()),
                        readout(drive.fn_totals()))
    answer = counters_fields(counters)["Counters"]
    assert len(answer) == 8
    for entry in answer:
        kind = next(k for k, name in RECEIPT_TYPES.items() if name == entry["ReceiptType"])
        sums = expected[kind]
        assert entry["Count"] == sums["count"]
        assert entry["Sum"] == rubles(sums["total"])
        assert entry["Cash"] == rubles(sums["cash"])
        assert entry["ElectronicPayment"] == rubles(sums["electronic"])
        assert entry["Cash"] + entry["ElectronicPayment"] == entry["Sum"]
        assert entry["CorrectionsCount"] == sums["corrections_count"]
        assert entry["CorrectionsSum"] == rubles(sums["corrections_total"])
        for field, rate in TAX_FIELDS:
            assert entry[field] == rubles(sums[rate.name]), (field, entry)
