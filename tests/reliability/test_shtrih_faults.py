"""The Shtrih wire under faults, through the whole server: link cut at every byte, lost replies.

The driver tests (``tests/drivers/shtrih/test_shtrih_driver_sweep.py``) sweep the driver with a
copy of the worker's logic; here the real server runs instead (HTTP, journal, worker, driver,
emulator on the in-memory link), the cut sits on the device's end so it survives reconnects,
and the client resends a proven failure as the API tells it to.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from reliability_rig import Client, Tally, against, retrievable, sale, scale, totals_in
from shtrih_rig import shtrih_bench

#: Commands a receipt sends (status, open, line, close...) and the wire faults tried on each.
STEPS = ("10", "11", "8d", "ff0c", "ff46", "ff45", "ff40", "ff0a", "ff3a", "ff3b")
WIRE_FAULTS = ("lose_reply", "drop_byte", "bad_lrc", "nak_frame", "power_loss")
SHORT_STEPS = ("10", "8d", "ff46", "ff45")  #: the short form: status, open, line, close
async def run(client: Client, tally: Tally, id_command: str, kopecks: int,
              done: dict[str, int]) -> None:
    """One receipt to its end, as a client would; counts how it went."""
    result, resends = await client.until_done(sale(id_command, kopecks))
    assert result is not None, id_command
    done[id_command] = result["CheckNumber"]
    tally.add("resent after a proven failure" if resends else "done at the first try")


async def test_link_cut_at_every_byte_of_a_receipt(tmp_path: Path) -> None:
    bench, emulator, cutter = shtrih_bench(tmp_path)
    client = await bench.start()
    done: dict[str, int] = {}
    totals: set[int] = set()
    try:
        await run(client, Tally("warm-up"), "warm-up", 100, done)  # opens the shift
        cutter.arm(None)
        await run(client, Tally("measure"), "measure", 101, done)
        size = cutter.spent
        stride = scale(7, 1)
        tally = Tally(f"shtrih link cut at every {'byte' if stride == 1 else f'{stride}th byte'} "
                      f"of a receipt through the server (exchange {size} bytes)")
        for cut in range(0, size, stride):
            cutter.arm(cut)
            await run(client, tally, f"cut-{cut}", 10_000 + cut, done)
            cutter.arm(None)
            totals.add(10_000 + cut)
        client = await bench.restart()
        tally.add("retrievable by GetRezult", await retrievable(client, done))
    finally:
        await bench.stop()
    duplicated, lost = against(totals_in(emulator.fn), totals | {100, 101})
    tally.add("cuts", cutter.cuts)
    tally.add("duplicated", duplicated)
    tally.add("lost", lost)
    tally.report()
    assert (duplicated, lost) == (0, 0)
    assert tally.counts["retrievable by GetRezult"] == len(done)
    assert tally.counts["resent after a proven failure"] > 0


async def test_wire_faults_at_every_command_of_a_receipt(tmp_path: Path) -> None:
    rounds = scale(1, 10)
    steps = STEPS if rounds > 1 else SHORT_STEPS
    bench, emulator, _ = shtrih_bench(tmp_path)
    tally = Tally(f"shtrih wire faults ({', '.join(WIRE_FAULTS)}) at each of {len(steps)} "
                  f"commands, {rounds} round(s)")
    client = await bench.start()
    done: dict[str, int] = {}
    totals: set[int] = set()
    try:
        serial = 0
        for _ in range(rounds):
            for code in steps:
                for fault in WIRE_FAULTS:
                    serial += 1
                    emulator.set_faults(f"{fault}@{code}*1")
                    await run(client, tally, f"wire-{serial}", 20_000 + serial, done)
                    emulator.set_faults("")
                    totals.add(20_000 + serial)
                    tally.add("faults injected")
        client = await bench.restart()
        tally.add("retrievable by GetRezult", await retrievable(client, done))
    finally:
        await bench.stop()
    found: Counter[int] = totals_in(emulator.fn)
    duplicated, lost = against(found, totals)
    tally.add("duplicated", duplicated)
    tally.add("lost", lost)
    tally.report()
    assert (duplicated, lost) == (0, 0)
    assert tally.counts["retrievable by GetRezult"] == len(done)
