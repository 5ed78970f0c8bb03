"""Resident memory of ``openkkm serve`` with 10 devices configured (goal ≤ 80 MB).

Measured from ``/proc/<pid>/status`` (VmRSS, and VmHWM for the peak) after start-up, then after
one receipt on every device, for 10 ``virtual`` registers and for 10 in-process Shtrih
emulators (whose emulated device and ФН live in the same process as the server).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import httpx
from _process import openkkm

DEVICES = 10


def config(kind: str, url: str) -> str:
    """Ten devices of one kind."""
    return "".join(f'[[devices]]\nnum = {num}\nkind = "{kind}"\nname = "Касса {num}"\n{url}\n'
                   for num in range(1, DEVICES + 1))


def resident(pid: int) -> tuple[float, float]:
    """Current and peak resident memory of ``pid``, in MB."""
    fields = dict(line.split(":", 1) for line in
                  Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines())
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def sale(num: int) -> dict[str, object]:
    """A one-line cash sale on device ``num``."""
    return {"Command": "RegisterCheck", "NumDevice": num, "IsFiscalCheck": True,
            "IdCommand": f"memory-{num}", "CashierName": "Иванова А.А.", "Cash": 10,
            "CheckStrings": [{"Register": {"Name": "Хлеб", "Quantity": 1, "Price": 10,
                                           "Amount": 10, "Tax": 22, "SignMethodCalculation": 4,
                                           "SignCalculationObject": 1}}]}


def measure(label: str, text: str, work: Path) -> None:
    """Start a server with ``text`` as its config and print its memory."""
    proc, url = openkkm(work, text)
    try:
        started = resident(proc.pid)
        for num in range(1, DEVICES + 1):
            answer = httpx.post(url + "/Execute/sync", json=sale(num), timeout=60).json()
            if answer["Status"] != 0:
                sys.exit(f"{label}: receipt on device {num} failed: {answer}")
        after, peak = resident(proc.pid)
    finally:
        proc.terminate()
        proc.wait(30)
    print(f"{label:<34} {started[0]:>10.1f} {after:>14.1f} {peak:>8.1f}")


def main() -> None:
    """Measure both configurations."""
    print(f"{'10 devices':<34} {'started MB':>10} {'10 receipts MB':>14} {'peak MB':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        measure("virtual registers", config("virtual", ""), Path(tmp) / "virtual")
        measure("Shtrih emulators (in process)", config("shtrih", 'url = "emulator://shtrih"'),
                Path(tmp) / "shtrih")
    print("goal: ≤ 80 MB")


if __name__ == "__main__":
    main()
