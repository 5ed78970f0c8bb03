"""Per-RegisterCheck server overhead with the ``virtual`` device (goal: ≤ 3 ms at p50).

Overhead = p50 of the whole HTTP round trip of a RegisterCheck (one keep-alive client, one
command at a time) minus p50 of the same receipt registered directly on a ``VirtualDriver``,
i.e. what parsing, validation, the durable journal, the worker hop and the answer add.
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

N = 400


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


def over_http(data_dir: Path) -> list[float]:
    """Round-trip times of N receipts through a real server process.

    The client writes each request in one segment on a keep-alive connection with TCP_NODELAY,
    so the figure holds no client-side Nagle or delayed-ACK waits.
    """
    proc, url = openkkm(data_dir, '[[devices]]\nnum = 1\nkind = "virtual"\n')
    host, port = url.removeprefix("http://").rsplit(":", 1)
    try:
        times = []
        with socket.create_connection((host, int(port))) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            reader = sock.makefile("rb")
            for n in range(-20, N):
                body = json.dumps(receipt(n), ensure_ascii=False).encode()
                request = (f"POST /Execute/sync HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                           f"Content-Length: {len(body)}\r\n\r\n").encode() + body
                start = time.perf_counter()
                sock.sendall(request)
                answer = json.loads(_read_response(reader))
                elapsed = time.perf_counter() - start
                assert answer["Status"] == 0, answer
                if n >= 0:
                    times.append(elapsed)
        return times
    finally:
        proc.terminate()
        proc.wait(30)


def _read_response(reader: io.BufferedReader) -> bytes:
    """Read one HTTP/1.1 response with a Content-Length and return its body."""
    length = 0
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return reader.read(length)


async def on_device(data_dir: Path) -> list[float]:
    """Times of the same receipts registered directly on the virtual driver."""
    config = DeviceConfig(num=1, kind="virtual")
    driver = VirtualDriver(config, data_dir=str(data_dir))
    await driver.start()
    info = await driver.info()
    today = info.clock.date()
    times = []
    try:
        if (await driver.status()).shift.name != "OPEN":
            await driver.open_shift(None)
        for n in range(-20, N):
            built, _ = build_receipt(parse_register_check(_lower(receipt(n))), info.registration, config, today=today)
            start = time.perf_counter()
            await driver.register(built)
            elapsed = time.perf_counter() - start
            if n >= 0:
                times.append(elapsed)
    finally:
        await driver.stop()
    return times


def _lower(value: object) -> object:
    if isinstance(value, dict):
        return {key.lower(): _lower(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_lower(item) for item in value]
    return value


def main() -> None:
    """Measure and print."""
    with tempfile.TemporaryDirectory() as tmp:
        http = over_http(Path(tmp) / "server")
        device = asyncio.run(on_device(Path(tmp) / "device"))
    overhead = pct(http, 0.5) - pct(device, 0.5)
    print(f"RegisterCheck over HTTP, {N} receipts: p50 {pct(http, 0.5):.2f} ms, p90 {pct(http, 0.9):.2f} ms")
    print(f"virtual device alone:            p50 {pct(device, 0.5):.2f} ms, p90 {pct(device, 0.9):.2f} ms")
    print(f"server overhead p50: {overhead:.2f} ms (goal <= 3 ms) -> {'OK' if overhead <= 3 else 'MISSED'}")


if __name__ == "__main__":
    main()
