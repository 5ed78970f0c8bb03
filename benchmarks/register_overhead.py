"""Per-RegisterCheck server overhead with the ``virtual`` device (goal: ≤ 3 ms at p50).

Overhead = p50 of the whole HTTP round trip of a RegisterCheck (one keep-alive client, one
command at a time) minus p50 of the same receipt registered directly on a ``VirtualDriver``,
i.e. what parsing, validation, the durable journal, the worker hop and the answer add. The two
are measured in alternating rounds of 20, so both see the same disk.
"""

from __future__ import annotations

import asyncio
import io
import json
import socket
import statistics
import tempfile
import time
from pathlib import Path

from _process import openkkm

from openkkm.api.kkmserver.register_check import build_receipt, parse_register_check
from openkkm.config import DeviceConfig
from openkkm.drivers.virtual import VirtualDriver

N = 1000
ROUND = 20  #: receipts per round; the rounds alternate HTTP and device alone


def receipt(n: int) -> dict[str, object]:
    """A typical two-line sale paid by card and cash."""
    return {
        "Command": "RegisterCheck", "NumDevice": 1, "IsFiscalCheck": True, "TypeCheck": 0,
        "IdCommand": f"bench-{n}", "CashierName": "Иванова А.А.", "Timeout": 30,
        "CheckStrings": [
            {"Register": {"Name": "Хлеб", "Quantity": 2, "Price": 55.5, "Amount": 111, "Tax": 10,
                          "SignMethodCalculation": 4, "SignCalculationObject": 1}},
            {"Register": {"Name": "Молоко 3,2%", "Quantity": 1, "Price": 99.9, "Amount": 99.9, "Tax": 22,
                          "SignMethodCalculation": 4, "SignCalculationObject": 1}},
        ],
        "ElectronicPayment": 100, "Cash": 200,
    }


def pct(values: list[float], q: float) -> float:
    """The q-quantile of ``values`` in milliseconds."""
    return statistics.quantiles(values, n=100)[int(q * 100) - 1] * 1000


class Client:
    """One keep-alive connection to a real server process, timing each RegisterCheck.

    The client writes each request in one segment with TCP_NODELAY, so the figure holds no
    client-side Nagle or delayed-ACK waits.
    """

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        self.host = host
        self.sock = socket.create_connection((host, int(port)))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb")

    def time(self, n: int) -> float:
        """Seconds for receipt ``n`` over HTTP."""
        body = json.dumps(receipt(n), ensure_ascii=False).encode()
        request = (f"POST /Execute/sync HTTP/1.1\r\nHost: {self.host}\r\n"
                   f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                   ).encode() + body
        start = time.perf_counter()
        self.sock.sendall(request)
        raw = _read_response(self.reader)
        elapsed = time.perf_counter() - start  # the answer is in; decoding it is the client's
        answer = json.loads(raw)
        assert answer["Status"] == 0, answer
        return elapsed

    def close(self) -> None:
        """Close the connection."""
        self.reader.close()
        self.sock.close()


def _read_response(reader: io.BufferedReader) -> bytes:
    """Read one HTTP/1.1 response with a Content-Length and return its body."""
    length = 0
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return reader.read(length)


class Device:
    """The same receipts registered directly on a ``VirtualDriver`` in this process."""

    def __init__(self, data_dir: Path) -> None:
        self.config = DeviceConfig(num=1, kind="virtual")
        self.driver = VirtualDriver(self.config, data_dir=str(data_dir))

    async def start(self) -> None:
        """Start the driver and open its shift."""
        await self.driver.start()
        self.info = await self.driver.info()
        if (await self.driver.status()).shift.name != "OPEN":
            await self.driver.open_shift(None)

    async def time(self, n: int) -> float:
        """Seconds for receipt ``n`` on the device alone."""
        built, _ = build_receipt(parse_register_check(_lower(receipt(n))), self.info.registration,
                                 self.config, today=self.info.clock.date())
        start = time.perf_counter()
        await self.driver.register(built)
        return time.perf_counter() - start


async def measure(data_dir: Path) -> tuple[list[float], list[float]]:
    """Round trips over HTTP and device-alone times, in alternating rounds.

    Alternating keeps both figures under the same conditions (the disk's fsync time drifts
    over minutes), so their difference is the server's own.
    """
    proc, url = openkkm(data_dir / "server", '[[devices]]\nnum = 1\nkind = "virtual"\n')
    client = Client(url)
    device = Device(data_dir / "device")
    http: list[float] = []
    alone: list[float] = []
    try:
        await device.start()
        for n in range(-20, 0):  # warm both up
            client.time(n)
            await device.time(n)
        for first in range(0, N, ROUND):
            http += [client.time(n) for n in range(first, first + ROUND)]
            alone += [await device.time(n) for n in range(first, first + ROUND)]
    finally:
        client.close()
        await device.driver.stop()
        proc.terminate()
        proc.wait(30)
    return http, alone


def _lower(value: object) -> object:
    if isinstance(value, dict):
        return {key.lower(): _lower(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_lower(item) for item in value]
    return value


def main() -> None:
    """Measure and print."""
    with tempfile.TemporaryDirectory() as tmp:
        http, device = asyncio.run(measure(Path(tmp)))
    overhead = pct(http, 0.5) - pct(device, 0.5)
    print(f"RegisterCheck over HTTP, {N} receipts: p50 {pct(http, 0.5):.2f} ms, p90 {pct(http, 0.9):.2f} ms")
    print(f"virtual device alone:            p50 {pct(device, 0.5):.2f} ms, p90 {pct(device, 0.9):.2f} ms")
    print(f"server overhead p50: {overhead:.2f} ms (goal <= 3 ms) -> {'OK' if overhead <= 3 else 'MISSED'}")


if __name__ == "__main__":
    main()
