"""Start a server process for a benchmark and wait for the URL it prints."""

from __future__ import annotations

import asyncio
import os
import select
import subprocess
import sys
from pathlib import Path


def start(args: list[str], log: Path) -> tuple[subprocess.Popen[str], str]:
    """Start ``args`` (printing its URL first on stdout) and return the process and the URL."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log.open("w"), text=True)
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 30)
    url = proc.stdout.readline().strip() if ready else ""
    if not url.startswith("http"):
        proc.kill()
        sys.exit(f"server did not start:\n{log.read_text()}")
    return proc, url


def openkkm(data_dir: Path, config: str | None = None) -> tuple[subprocess.Popen[str], str]:
    """Start ``openkkm serve`` on an ephemeral port with its data in ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-m", "openkkm.cli.main", "serve", "--port", "0", "--log-level",
            "warning", "--data-dir", str(data_dir)]
    if config is not None:
        (data_dir / "openkkm.toml").write_text(config, encoding="utf-8")
        args += ["--config", str(data_dir / "openkkm.toml")]
    return start(args, data_dir / "server.log")


async def read_body(reader: asyncio.StreamReader) -> bytes:
    """Read one HTTP/1.1 response with a Content-Length and return its body."""
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return await reader.readexactly(length)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by process ``pid`` (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
