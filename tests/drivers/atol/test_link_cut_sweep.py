"""Cut the link at every byte of a receipt exchange, lose every reply, cut the power at every
command: never 0 or 2 receipts.

After each failure the test reconciles with the jobs worker's own ``reconcile`` (status, then the
documents from the expected number on; a receipt left open is cancelled; a proven "not formed"
runs again) and counts the fiscal documents the command formed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from atol_bench import Bench, sale

from openkkm.errors import TransportError
from openkkm.fiscal.types import (
    DocumentType,
    FiscalDocument,
    Receipt,
    ReceiptKind,
    VatRate,
)
from openkkm.jobs.devices import DeviceHandle
from openkkm.jobs.link import DeviceLink
from openkkm.jobs.model import Step
from openkkm.jobs.recovery import reconcile as jobs_reconcile

RECEIPT = sale(("Хлеб", 5000, "2", VatRate.VAT22), ("Сок", 12000, "1", VatRate.VAT10),
               cash=20000, electronic=2000, change=0)
STEPS = ("56", "92", "e6", "e8", "99", "4a", "a430", "a440", "a410")


async def reconcile(bench: Bench, expected: int, receipt: Receipt) -> FiscalDocument | None:
    """The jobs worker's own reconciliation: the formed document, or None when the ФН proves
    there is none (a receipt left open is then cancelled)."""
    link = DeviceLink(DeviceHandle(bench.config), bench.driver, call_timeout=10)
    step = Step(DocumentType.RECEIPT, bench.driver.fn_number, expected, receipt.kind,
                receipt.total)
    return await jobs_reconcile(link, step, backoff=0.01)


async def run_command(bench: Bench, faults: str, receipt: Receipt, *, cut: int | None = None
                      ) -> tuple[int, str]:
    """Run one receipt command under ``faults`` until it is proven done.

    Returns the number of FDs it formed and how it ended: "answered", "reconciled" (the ФН
    proved it done) or "retried" (the ФН proved it not done, so it ran again).
    ``cut`` cuts the link after that many bytes of the command's own exchange.
    """
    driver, emulator = bench.driver, bench.emulator
    before = emulator.fn.last_number
    expected = (await driver.status()).last_document + 1
    if cut is not None:
        faults = f"cut_at={emulator.received + cut}*1"
    emulator.set_faults(faults)
    try:
        await driver.register(receipt)
        path = "answered"
    except TransportError:
        emulator.set_faults("")
        found = await reconcile(bench, expected, receipt)
        path = "retried" if found is None else "reconciled"
    emulator.set_faults("")
    if path == "retried":
        await driver.register(receipt)
    assert not emulator.fn.receipt_open
    return emulator.fn.last_number - before, path


async def measure(bench: Bench) -> int:
    """Bytes the host sends to the device for one whole receipt."""
    await bench.driver.status()
    start = bench.emulator.received
    await bench.driver.register(RECEIPT)
    return bench.emulator.received - start


@pytest.mark.parametrize("layer", ["v3", "v2"])
async def test_cut_at_every_byte_and_lose_every_reply(tmp_path: Path, layer: str) -> None:
    bench = Bench(tmp_path, layer=layer)
    bench.driver.link.poll_interval = 0.02
    bench.driver.link.timeouts = lambda _code: 0.2  # a lost v2 answer is known lost sooner
    await bench.driver.start()
    try:
        await bench.driver.open_shift(None)
        size = await measure(bench)
        runs: list[tuple[int, str]] = []
        for position in range(size + 1):
            runs.append(await run_command(bench, "", RECEIPT, cut=position))
        for code in STEPS:
            runs.append(await run_command(bench, f"lose_reply@{code}*1", RECEIPT))
            runs.append(await run_command(bench, f"cut_after@{code}*1", RECEIPT))
            runs.append(await run_command(bench, f"nak@{code}*1", RECEIPT))
            runs.append(await run_command(bench, f"power_loss@{code}*1", RECEIPT))
        counts = [count for count, _path in runs]
        paths = {name: sum(1 for _c, path in runs if path == name)
                 for name in ("answered", "reconciled", "retried")}
        duplicated = sum(1 for count in counts if count > 1)
        lost = sum(1 for count in counts if count < 1)
        print(f"ATOL link-cut sweep, lower layer {layer}: {len(counts)} receipt commands ({size + 1} cut positions, "
              f"{len(STEPS)} steps x 4 faults): {duplicated} duplicated, {lost} lost; "
              f"{paths}")
        assert (duplicated, lost) == (0, 0)
        assert all(paths.values())
        archive = [bench.emulator.fn.document(n) for n in range(3, bench.emulator.fn.last_number + 1)]
        assert len(archive) == len(counts) + 1
        assert all(doc.kind is ReceiptKind.SALE and doc.total == RECEIPT.total for doc in archive)
    finally:
        await bench.close()
