"""GetRezult requests/s at 100 concurrent connections, as a ratio to a bare ASGI app (goal ≥ 0.6).

Both servers run on the same uvicorn settings in their own process; ``wrk`` (Debian package)
generates the load from another process, so neither side is measured with Python client cost.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _process import openkkm, start

DURATION = "10s"
CONNECTIONS = 100


def wrk(url: str, body: str, script_dir: Path) -> float:
    """Run wrk with a POST body and return requests per second."""
    script = script_dir / "post.lua"
    script.write_text(f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\n'
                      'wrk.headers["Content-Type"] = "application/json"\n', encoding="utf-8")
    done = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "-s", str(script), url],
                          capture_output=True, text=True, check=True)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    if errors:
        sys.exit(f"wrk saw {errors.group(1)} error answers:\n{done.stdout}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", done.stdout).group(1))


def free_port() -> int:
    """An unused loopback port for the baseline app."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int) -> None:
    """Poll until something accepts connections on ``port``."""
    end = time.monotonic() + 30
    while time.monotonic() < end:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.05)
    sys.exit(f"nothing listens on {port}")


def main() -> None:
    """Measure both servers and print the ratio."""
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        proc, url = openkkm(work / "data")
        try:
            stored = httpx.post(url + "/Execute/sync", timeout=30, json={
                "Command": "RegisterCheck", "NumDevice": 1, "IsFiscalCheck": True, "IdCommand": "bench-1",
                "CashierName": "Иванова А.А.", "Cash": 10,
                "CheckStrings": [{"Register": {"Name": "Хлеб", "Quantity": 1, "Price": 10, "Amount": 10,
                                               "Tax": 22, "SignMethodCalculation": 4, "SignCalculationObject": 1}}]}).json()
            assert stored["Status"] == 0, stored
            ours = wrk(url + "/Execute/sync", json.dumps({"Command": "GetRezult", "IdCommand": "bench-1"}), work)
        finally:
            proc.terminate()
            proc.wait(30)
        port = free_port()
        hello, hello_url = start([sys.executable, "-c",
                                  ("import sys, uvicorn; sys.path.insert(0, 'benchmarks'); print('http://127.0.0.1:%s' % sys.argv[1], flush=True); "
                                  "uvicorn.run('hello_app:app', port=int(sys.argv[1]), access_log=False, log_level='warning')"),
                                  str(port)], work / "hello.log")
        try:
            wait_listening(port)
            bare = wrk(hello_url + "/", "{}", work)
        finally:
            hello.terminate()
            hello.wait(30)
    print(f"GetRezult: {ours:.0f} req/s at {CONNECTIONS} connections")
    print(f"bare ASGI hello: {bare:.0f} req/s")
    ratio = ours / bare
    print(f"ratio {ratio:.2f} (goal >= 0.6) -> {'OK' if ratio >= 0.6 else 'MISSED'}")


if __name__ == "__main__":
    main()
