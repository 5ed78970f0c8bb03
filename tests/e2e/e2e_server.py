"""Start and stop a real ``openkkm serve`` process for end-to-end tests."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

SAMPLE_RECEIPT: dict[str, Any] = {
    # API.md §9a: the product specification's sample RegisterCheck, which must succeed.
    "Command": "RegisterCheck",
    "NumDevice": 0, "InnKkm": "", "KktNumber": "", "Timeout": 30,
    "IdCommand": "6f1c2a3e-8d4b-4c2f-9a7e-1b2c3d4e5f60",
    "IsFiscalCheck": True, "TypeCheck": 0, "CancelOpenedCheck": True, "NotPrint": False,
    "CashierName": "Kазакова Н.А.", "ClientAddress": "client@server.ru", "TaxVariant": "",
    "CheckProps": [
        {"Print": True, "PrintInHeader": True, "Teg": 1005, "Prop": "Москва, ул. Трехгорка д.13"},
        {"Print": True, "PrintInHeader": True, "Teg": 1010, "Prop": 10.25},
        {"Print": True, "PrintInHeader": True, "Teg": 1073, "Prop": "8(985)775-44-61"},
    ],
    "AdditionalProps": [
        {"Print": True, "PrintInHeader": False, "NameProp": "Дата транзакции", "Prop": "10.11.2024 10:30"},
    ],
    "ClientId": "23FG4GV4D2956",
    "KPP": "782543005",
    "CheckStrings": [
        {"BarCode": {"BarcodeType": "PDF417", "Barcode": "12345DFG Proba pera, Print barcode 1234567890"}},
        {"PrintText": {"Text": ">#2#<ООО \"Рога и копыта\"", "Font": 1}},
        {"PrintText": {"Text": "Пример №1 печати поля:<#16#>154,41"}},
        {"PrintText": {"Text": "Шрифт № 1", "Font": 1, "Intensity": 15}},
        {
            "Register": {
                "Name": "Сапоги женские DF-3099",
                "Quantity": 3, "Price": 100, "Amount": 0.01, "Department": 0, "Tax": 18,
                "EAN13": "1254789547853",
                "EGAIS": {"Barcode": "22N0000154NUCPRZ3R8381461004001003499NKAQ0ZBUVDNV62JQAR69PEV878RO93V",
                          "Ean": "3423290167937", "Volume": 0.7500},
            },
            "BarCode": {"BarcodeType": "EAN13", "Barcode": "1254789547853"},
        },
    ],
    "Cash": 800, "CashLessType1": 0.01, "CashLessType2": 0, "CashLessType3": 0,
}


def simple_receipt(id_command: str, amount: str = "55.50") -> dict[str, Any]:
    """A plain one-line cash sale at 22 %."""
    return {
        "Command": "RegisterCheck", "NumDevice": 1, "IsFiscalCheck": True, "TypeCheck": 0,
        "IdCommand": id_command, "CashierName": "Иванова А.А.",
        "CheckStrings": [{"Register": {"Name": "Хлеб", "Quantity": 1, "Price": amount, "Amount": amount,
                                       "Tax": 22, "SignMethodCalculation": 4, "SignCalculationObject": 1}}],
        "Cash": amount,
    }


class ServerProcess:
    """One ``openkkm serve`` child process on an ephemeral port."""

    def __init__(self, data_dir: Path, *extra: str, config: str | None = None) -> None:
        self.data_dir = data_dir
        self.extra = list(extra)
        self.config = config
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.log = data_dir / "server.log"

    def start(self, timeout: float = 30) -> ServerProcess:
        """Start the process and wait for the URL line on stdout."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [sys.executable, "-m", "openkkm.cli.main", "serve", "--port", "0",
                "--data-dir", str(self.data_dir), *self.extra]
        if self.config is not None:
            path = self.data_dir / "openkkm.toml"
            path.write_text(self.config, encoding="utf-8")
            args += ["--config", str(path)]
        with self.log.open("a", encoding="utf-8") as log:
            self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, text=True,
                                         env={**os.environ, "PYTHONUNBUFFERED": "1"})
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline().strip() if ready else ""
        if not line.startswith("http"):
            self.kill()
            raise RuntimeError(f"server did not start: {line!r}\n{self.log.read_text()}")
        self.url = line
        return self

    def execute(self, command: dict[str, Any], *, path: str = "/Execute/sync",
                auth: tuple[str, str] | None = None, timeout: float = 60) -> httpx.Response:
        """POST one command as KkmServer clients do."""
        return httpx.post(self.url + path, content=json.dumps(command, ensure_ascii=False).encode(),
                          headers={"Content-Type": "application/json; charset=UTF-8"},
                          auth=auth, timeout=timeout)

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 30) -> int:
        """Send ``sig`` and wait for the exit code."""
        assert self.proc is not None
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        self._close()
        return code

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, as in a power cut of the server process."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(10)
        self._close()

    def _close(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        self.proc.stdout.close()

    def wait_for(self, predicate: Any, timeout: float = 20) -> None:
        """Poll ``predicate`` until true; fail the test when the time is up."""
        end = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > end:
                raise AssertionError(f"condition not reached\n{self.log.read_text()}")
            time.sleep(0.05)
