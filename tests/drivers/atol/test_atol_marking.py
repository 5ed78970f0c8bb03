"""FFD 1.2 marking codes on the ATOL driver and emulator: A4 B1 check, 2000 bound to the line."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from atol_bench import Bench, sale

from openkkm.emulators.atol import AtolEmulator
from openkkm.errors import DeviceRejected, ValidationError
from openkkm.fiscal import tlv
from openkkm.fiscal.types import (
    FfdVersion,
    Measure,
    PaymentObject,
    Receipt,
    ReceiptKind,
    VatRate,
)

MARKED = "0104600439931256215Vbx,GkQ5cKqX\x1d91EE06\x1d92" + "B" * 88


def marked_sale(accept_on_bad: bool = True, kind: ReceiptKind = ReceiptKind.SALE) -> Receipt:
    """A one-line receipt of a marked pack."""
    receipt = sale(("Сигареты", 20000, "1", VatRate.VAT22), cash=20000, kind=kind)
    item = replace(receipt.items[0], marking_code=MARKED, measure=Measure.PIECE,
                   subject=PaymentObject.MARKED_WITH_CODE, marking_accept_on_bad=accept_on_bad)
    return replace(receipt, items=(item,))


def line_tags(data: bytes) -> dict[int, bytes]:
    """The tags of the first 1059 line of a document."""
    [(_form, body)] = list(tlv.iter_tlv(data))
    line = next(value for tag, value in tlv.iter_tlv(body) if tag == 1059)
    return dict(tlv.iter_tlv(line))


async def test_check_marking_asks_the_fn(bench: Bench) -> None:
    driver, emulator = bench.driver, bench.emulator
    good = await driver.check_marking(MARKED, 1)
    assert (good.code, good.result, good.checked, good.good) == (MARKED, 3, True, True)
    emulator.fn.rejected_codes.add(MARKED)
    bad = await driver.check_marking(MARKED, 1)
    assert (bad.result, bad.checked, bad.good) == (1, True, False)
    with pytest.raises(ValidationError) as refused:
        await driver.check_marking("Код", 1)
    assert refused.value.loc == ("code",)


@pytest.mark.parametrize("kind", [ReceiptKind.SALE, ReceiptKind.SALE_RETURN])
async def test_marked_line_carries_1163_and_the_fn_result(bench: Bench,
                                                          kind: ReceiptKind) -> None:
    driver, emulator = bench.driver, bench.emulator
    await driver.open_shift(None)
    document = await driver.register(marked_sale(kind=kind))
    tags = line_tags(emulator.fn.document(document.number).tlv)
    assert 1163 in tags and tags[2106][0] & 0b11 == 0b11


async def test_bad_code_refuses_with_nothing_open_unless_accepted(bench: Bench) -> None:
    driver, emulator = bench.driver, bench.emulator
    await driver.open_shift(None)
    emulator.fn.rejected_codes.add(MARKED)
    last = emulator.fn.last_number
    with pytest.raises(DeviceRejected) as refused:
        await driver.register(marked_sale(accept_on_bad=False))
    assert "не прошел проверку" in refused.value.ru
    assert emulator.fn.last_number == last and not (await driver.status()).receipt_open
    document = await driver.register(marked_sale(accept_on_bad=True))
    assert line_tags(emulator.fn.document(document.number).tlv)[2106][0] & 0b11 == 0b01


async def test_marking_needs_ffd_12(tmp_path: Path) -> None:
    bench = Bench(tmp_path)
    bench.emulator = AtolEmulator(bench.config.model_copy(update={"ffd": "1.05"}),
                                  clock=bench.clock)
    await bench.driver.start()
    assert bench.driver.ffd is FfdVersion.V1_05  # read from the registration report
    try:
        with pytest.raises(ValidationError) as refused:
            await bench.driver.register(marked_sale())
        assert refused.value.loc == ("items", 0, "marking_code")
    finally:
        await bench.close()
