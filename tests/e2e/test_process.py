"""A real ``openkkm serve`` process over HTTP: the first-run path, restarts, signals, auth, TLS."""

from __future__ import annotations

import json
import re
import shutil
import signal
import sqlite3
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from e2e_server import SAMPLE_RECEIPT, ServerProcess, simple_receipt

pytestmark = pytest.mark.process

QR = re.compile(r"^t=\d{8}T\d{6}&s=0\.01&fn=\d{16}&i=(\d+)&fp=\d+&n=1$")


@pytest.fixture
def server(tmp_path: Path):
    proc = ServerProcess(tmp_path / "data").start()
    yield proc
    if proc.proc and proc.proc.poll() is None:
        proc.kill()


def test_sample_receipt_registers_once_and_survives_restart(tmp_path: Path) -> None:
    first = ServerProcess(tmp_path / "data").start()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", first.url)
    [unit] = first.execute({"Command": "List"}).json()["ListUnit"]
    assert (unit["IdTypeDevice"], unit["NameDevice"]) == ("KktEmulator", "ККТ Штрих-М"), "the default register"
    answer = first.execute(SAMPLE_RECEIPT).json()
    assert answer["Status"] == 0, answer
    assert answer["Error"] == ""
    match = QR.match(answer["URL"])
    assert match and answer["QRCode"] == answer["URL"]
    assert int(match.group(1)) == answer["CheckNumber"]
    assert answer["SessionNumber"] >= 1 and answer["SessionCheckNumber"] == 1
    assert answer["IdCommand"] == SAMPLE_RECEIPT["IdCommand"]

    again = first.execute(SAMPLE_RECEIPT).json()
    assert (again["Status"], again["CheckNumber"], again["QRCode"]) == (0, answer["CheckNumber"], answer["QRCode"])
    assert "Повтор команды" in again["Warning"]
    assert first.stop(signal.SIGTERM) == 0

    second = ServerProcess(tmp_path / "data").start()
    try:
        replay = second.execute(SAMPLE_RECEIPT).json()
        assert (replay["Status"], replay["CheckNumber"], replay["QRCode"]) == (0, answer["CheckNumber"], answer["QRCode"])
        stored = second.execute({"Command": "GetRezult", "IdCommand": SAMPLE_RECEIPT["IdCommand"]}).json()
        assert stored["Status"] == 0 and stored["Rezult"]["CheckNumber"] == answer["CheckNumber"]
        fresh = second.execute(simple_receipt("after-restart")).json()
        assert fresh["Status"] == 0, fresh
        assert fresh["CheckNumber"] == answer["CheckNumber"] + 1, "the ФН kept its counter"
    finally:
        assert second.stop(signal.SIGINT) == 0


def test_clean_stop_leaves_journal_consistent(server: ServerProcess) -> None:
    for n in range(3):
        assert server.execute(simple_receipt(f"r{n}")).json()["Status"] == 0
    assert server.stop(signal.SIGTERM) == 0
    journal = next(server.data_dir.glob("journal*.sqlite3"))
    with sqlite3.connect(journal) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        states = dict(db.execute("SELECT id_command, state FROM commands").fetchall())
    assert {states[f"r{n}"] for n in range(3)} == {"done"}


def test_unknown_command_and_bad_json_over_the_wire(server: ServerProcess) -> None:
    unknown = server.execute({"Command": "MakeCoffee"})
    assert unknown.status_code == 501
    assert unknown.json()["Status"] == 2 and "MakeCoffee" in unknown.json()["Error"]
    broken = httpx.post(server.url + "/Execute/sync", content=b'{"Command": "List",', timeout=10)
    assert broken.status_code == 400 and broken.json()["Status"] == 2


def test_users_require_basic_auth(tmp_path: Path) -> None:
    proc = ServerProcess(tmp_path / "data", "--user", "kassa:s3cret", "--admin", "boss:t0p").start()
    try:
        bare = proc.execute({"Command": "List"})
        assert bare.status_code == 401 and bare.headers["WWW-Authenticate"].startswith("Basic")
        assert proc.execute({"Command": "List"}, auth=("kassa", "wrong")).status_code == 401
        ok = proc.execute({"Command": "List"}, auth=("KASSA", "s3cret"))
        assert ok.status_code == 200 and ok.json()["Status"] == 0
        assert "s3cret" not in proc.log.read_text()
    finally:
        proc.stop()


def test_lan_bind_without_users_refuses_to_start(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "openkkm.cli.main", "serve", "--host", "0.0.0.0",
                           "--data-dir", str(tmp_path)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "--user" in done.stderr and done.stdout == ""


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl tool to make a certificate")
def test_https_on_main_port_and_plain_http_beside_it(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    config = f'[server]\ntls_cert = "{cert}"\ntls_key = "{key}"\n'
    proc = ServerProcess(tmp_path / "data", config=config).start()
    try:
        assert proc.url.startswith("https://127.0.0.1:")
        secure = httpx.post(proc.url + "/Execute/sync", json={"Command": "GetLineLength", "NumDevice": 1},
                            verify=ssl.create_default_context(cafile=str(cert)), timeout=30)
        assert secure.json()["LineLength"] == 48
        plain_url = re.search(r"also serving (http://\S+)", proc.log.read_text()).group(1)
        plain = httpx.post(plain_url + "/Execute/sync", json={"Command": "List"}, timeout=30)
        assert plain.json()["Status"] == 0
    finally:
        proc.stop()


def test_json_logs_carry_the_id_command_and_no_password(tmp_path: Path) -> None:
    proc = ServerProcess(tmp_path / "data", "--log-format", "json", "--log-level", "debug",
                         "--user", "kassa:s3cret-pass").start()
    try:
        answer = proc.execute(simple_receipt("log-probe") | {"Password": "s3cret-pass"},
                              auth=("kassa", "s3cret-pass"))
        assert answer.json()["Status"] == 0
    finally:
        proc.stop()
    lines = [json.loads(line) for line in proc.log.read_text().splitlines() if line.startswith("{")]
    assert lines, "the server logs JSON lines"
    assert all({"level", "message"} <= set(line) for line in lines)
    tagged = [line for line in lines if line.get("id_command") == "log-probe"]
    assert tagged and all(line.get("device") == 1 for line in tagged), "the command's lines carry its id"
    assert "s3cret-pass" not in proc.log.read_text()
