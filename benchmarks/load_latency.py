"""RegisterCheck latency under steady load: N clients, each on its own ``virtual`` register.

What a shop with several tills sees when they all sell at once: every client sends receipts
back to back on one keep-alive connection to its own register, so nothing queues behind
another client and the figures show the server itself under load (the event loop, the
journal, the previews laid out meanwhile). Prints receipts/s, the p50 / p90 / p99 of the round
trip and the server's CPU per receipt. No goal: a figure to compare builds by.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _process import cpu_seconds, openkkm, read_body
from register_overhead import receipt

SECONDS = 12.0  #: measured time per size
WARMUP = 1.0  #: seconds of load before measuring (shifts open, code warm)
SIZES = (1, 4)  #: registers (and clients) measured


async def _client(host: str, port: int, num: int, until: float, times: list[float]) -> None:
    """Send receipts to register ``num`` until ``until``; append each round trip's seconds."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        n = 0
        while time.perf_counter() < until:
            body = receipt(n)
            body["IdCommand"], body["NumDevice"] = f"load-{num}-{until}-{n}", num
            n += 1
            data = json.dumps(body, ensure_ascii=False).encode()
            start = time.perf_counter()
            writer.write((f"POST /Execute/sync HTTP/1.1\r\nHost: {host}\r\n"
                          f"Content-Length: {len(data)}\r\n\r\n").encode() + data)
            answer = json.loads(await read_body(reader))
            times.append(time.perf_counter() - start)
            if answer["Status"] != 0:
                raise RuntimeError(f"register {num}: {answer.get('Error')}")
    finally:
        writer.close()
        await writer.wait_closed()


async def _load(host: str, port: int, size: int, seconds: float) -> list[float]:
    times: list[float] = []
    until = time.perf_counter() + seconds
    await asyncio.gather(*(_client(host, port, num, until, times) for num in range(1, size + 1)))
    return times


def measure(size: int, data_dir: Path) -> tuple[list[float], float]:
    """Round-trip seconds under ``size`` clients on ``size`` registers; server CPU ms/receipt."""
    devices = "".join(f'[[devices]]\nnum = {num}\nkind = "virtual"\n\n' for num in range(1, size + 1))
    proc, url = openkkm(data_dir, devices)
    host, port = url.removeprefix("http://").rsplit(":", 1)
    try:
        asyncio.run(_load(host, int(port), size, WARMUP))
        cpu = cpu_seconds(proc.pid)
        times = asyncio.run(_load(host, int(port), size, SECONDS))
        cpu = cpu_seconds(proc.pid) - cpu
    finally:
        proc.terminate()
        proc.wait(30)
    return times, cpu / len(times) * 1000


def main() -> None:
    """Measure each size and print its figures."""
    sizes = [int(arg) for arg in sys.argv[1:]] or list(SIZES)
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            times, cpu = measure(size, Path(tmp))
        q = statistics.quantiles(times, n=100)
        print(f"{size} client(s) on {size} virtual register(s): {len(times) / SECONDS:.0f} receipts/s, "
              f"p50 {q[49] * 1000:.1f} ms, p90 {q[89] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms, "
              f"server CPU {cpu:.2f} ms per receipt")


if __name__ == "__main__":
    main()
