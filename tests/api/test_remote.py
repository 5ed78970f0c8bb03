"""Forwarding to another openkkm served by uvicorn: the receipt lands there, once, cut or not."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import ValidationError as PydanticError
from starlette.types import Receive, Scope, Send

from api.virtual_server import ADMIN, USER, check, line
from openkkm.api.app import create_app
from openkkm.api.kkmserver.render import make_renderer
from openkkm.config import Config, load
from openkkm.errors import ConfigError
from openkkm.fiscal.types import DocumentType
from openkkm.jobs.service import JobService

LOCAL_NUM = 7
SALE = check([line("Хлеб", "60")], electronic="60")
USERS = [{"name": USER[0], "password": USER[1]},
         {"name": ADMIN[0], "password": ADMIN[1], "admin": True}]


class Recorder:
    """An ASGI wrapper that notes the Command of every request the remote receives."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.commands: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        with_lower_keys = {key.lower(): value for key, value in json.loads(body or b"{}").items()}
        self.commands.append(str(with_lower_keys.get("command")))
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


class Remote:
    """The other openkkm: a JobService over virtual register 1, served on a loopback port."""

    def __init__(self, data_dir: Path, faults: str, tls: tuple[Path, Path] | None = None) -> None:
        self.tls = tls
        self.config = Config.model_validate({
            "server": {"data_dir": str(data_dir)}, "users": USERS,
            "devices": [{"num": 1, "kind": "virtual", "name": "Удаленная касса",
                         "faults": faults}]})
        self.jobs = JobService(self.config, render=make_renderer(self.config))
        self.recorder = Recorder(None)
        self.server: uvicorn.Server | None = None
        self.sock: socket.socket | None = None
        self.task: asyncio.Task[None] | None = None
        self.port = 0

    async def start(self) -> None:
        """Start the service and serve it on an ephemeral port."""
        await self.jobs.start()
        self.recorder.app = create_app(self.config, self.jobs)
        sock = self.sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        options: dict[str, Any] = {}
        if self.tls is not None:
            options = {"ssl_certfile": str(self.tls[0]), "ssl_keyfile": str(self.tls[1])}
        self.server = uvicorn.Server(uvicorn.Config(self.recorder, log_level="warning",
                                                    lifespan="off", **options))
        self.task = asyncio.create_task(self.server.serve(sockets=[sock]))
        while not self.server.started:
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """Stop serving, then the service."""
        if self.server is not None and self.task is not None:
            self.server.should_exit = True
            await self.task
        if self.sock is not None:
            self.sock.close()
        await self.jobs.stop()

    async def receipts(self) -> int:
        """How many receipts the remote register's ФН holds."""
        driver = self.jobs._workers[1].driver  # type: ignore[union-attr]
        last = (await driver.status()).last_document
        documents = [await driver.read_document(n) for n in range(1, last + 1)]
        return sum(1 for doc in documents if doc and doc.type is DocumentType.RECEIPT)


class Local:
    """This openkkm: device 7 forwards to the remote; driven in process through httpx."""

    def __init__(self, data_dir: Path, url: str, more: tuple[dict[str, Any], ...] = (),
                 **device: Any) -> None:
        self.config = Config.model_validate({
            "server": {"data_dir": str(data_dir)}, "users": USERS,
            "devices": [{"num": LOCAL_NUM, "kind": "remote", "name": "Касса в филиале",
                         "url": url, "user": USER[0], "password": USER[1], "remote_num": 1,
                         **device}, *more]})
        self.jobs = JobService(self.config, render=make_renderer(self.config), backoff=0.05)
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(self.config, self.jobs)),
            base_url="http://testserver", auth=USER)
        self.running = False

    async def start(self) -> None:
        """Start the job service."""
        await self.jobs.start()
        self.running = True

    async def stop(self) -> None:
        """Stop the client and the job service (once)."""
        if self.running:
            self.running = False
            await self.client.aclose()
            await self.jobs.stop()

    async def run(self, command: str, **fields: Any) -> dict[str, Any]:
        """POST a command; the parsed answer."""
        response = await self.client.post("/Execute/sync", json={"Command": command, **fields})
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[Any]:
    """Build a started remote and a started local server pointing at it."""
    made: list[Any] = []

    async def make(faults: str = "", url: str = "", tls: tuple[Path, Path] | None = None,
                   **device: Any) -> tuple[Remote, Local]:
        remote = Remote(tmp_path / "remote", faults, tls)
        await remote.start()
        made.append(remote)
        scheme = "https" if tls else "http"
        local = Local(tmp_path / "local", url or f"{scheme}://127.0.0.1:{remote.port}", **device)
        await local.start()
        made.append(local)
        return remote, local

    yield make
    for item in reversed(made):
        await item.stop()


async def test_receipt_lands_on_the_remote_register(pair: Any) -> None:
    remote, local = await pair()
    sale = await local.run("RegisterCheck", NumDevice=LOCAL_NUM, IdCommand="fw-1", **SALE)
    assert sale["Status"] == 0, sale
    assert (sale["NumDevice"], sale["UnitName"], sale["IdCommand"]) == (
        LOCAL_NUM, "Касса в филиале", "fw-1")
    assert sale["CheckNumber"] >= 1 and sale["QRCode"]
    assert await remote.receipts() == 1
    there = await remote.jobs.result("fw-1")
    assert there is not None and there.response is not None
    assert there.response["QRCode"] == sale["QRCode"]
    replay = await local.run("RegisterCheck", NumDevice=LOCAL_NUM, IdCommand="fw-1", **SALE)
    assert replay["QRCode"] == sale["QRCode"] and "Повтор команды" in replay["Warning"]
    assert remote.recorder.commands == ["RegisterCheck"]
    data = await local.run("GetDataKKT", NumDevice=LOCAL_NUM)
    assert data["Status"] == 0 and data["NumDevice"] == LOCAL_NUM, data
    assert data["Info"]["SessionState"] == 2


async def test_cut_answer_is_asked_for_not_sent_again(pair: Any) -> None:
    remote, local = await pair(faults="delay_after_commit=2*1", remote_timeout=0.3)
    sale = await local.run("RegisterCheck", NumDevice=LOCAL_NUM, IdCommand="fw-cut", **SALE)
    assert sale["Status"] == 0, sale
    assert sale["NumDevice"] == LOCAL_NUM
    assert await remote.receipts() == 1
    there = await remote.jobs.result("fw-cut")
    assert there is not None and there.response is not None
    assert there.response["QRCode"] == sale["QRCode"]
    assert remote.recorder.commands[0] == "RegisterCheck"
    assert remote.recorder.commands.count("RegisterCheck") == 1
    assert "GetRezult" in remote.recorder.commands
    rezult = await local.run("GetRezult", IdCommand="fw-cut")
    assert rezult["Rezult"]["QRCode"] == sale["QRCode"]


async def test_only_its_number_selects_the_remote(pair: Any) -> None:
    remote, local = await pair(more=({"num": 1, "kind": "virtual", "name": "Касса здесь"},))
    here = await local.run("RegisterCheck", NumDevice=0, **SALE)
    assert here["Status"] == 0 and here["NumDevice"] == 1, here
    assert await remote.receipts() == 0 and remote.recorder.commands == []
    by_inn = await local.run("RegisterCheck", NumDevice=LOCAL_NUM, InnKkm="7700000009", **SALE)
    assert by_inn["Status"] == 0 and by_inn["NumDevice"] == LOCAL_NUM, by_inn
    wrong = await local.run("RegisterCheck", NumDevice=LOCAL_NUM, InnKkm="7707083893", **SALE)
    assert wrong["Status"] == 3 and wrong["NumDevice"] == LOCAL_NUM, wrong  # the remote's refusal
    assert await remote.receipts() == 1


async def test_command_without_id_gets_one_for_the_hop(pair: Any) -> None:
    remote, local = await pair()
    sale = await local.run("RegisterCheck", NumDevice=LOCAL_NUM, **SALE)
    assert sale["Status"] == 0 and sale["IdCommand"], sale
    there = await remote.jobs.result(sale["IdCommand"])
    assert there is not None and there.response is not None
    assert there.response["CheckNumber"] == sale["CheckNumber"]


async def test_unreachable_remote_refuses_without_sending(pair: Any, tmp_path: Path) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    remote, local = await pair(url=f"http://127.0.0.1:{port}")
    sale = await local.run("RegisterCheck", NumDevice=LOCAL_NUM, IdCommand="fw-x", **SALE)
    assert sale["Status"] == 2 and "недоступен" in sale["Error"], sale
    assert sale["NumDevice"] == LOCAL_NUM
    units = (await local.run("List"))["ListUnit"]
    assert units[0]["NumDevice"] == LOCAL_NUM and units[0]["Active"] is False
    assert await remote.receipts() == 0


async def test_wrong_password_is_refused(pair: Any) -> None:
    remote, local = await pair(password="wrong")
    sale = await local.run("RegisterCheck", NumDevice=LOCAL_NUM, IdCommand="fw-pw", **SALE)
    assert sale["Status"] == 2 and "HTTP 401" in sale["Error"], sale
    assert await remote.receipts() == 0


async def test_restart_asks_the_remote_about_a_sent_command(pair: Any, tmp_path: Path) -> None:
    remote, local = await pair(faults="delay_after_commit=1*1")
    queued = await local.run("RegisterCheck", NumDevice=LOCAL_NUM, IdCommand="fw-r", Timeout=1,
                             **SALE)
    assert queued["Status"] in (1, 4), queued  # Timeout 1: answered at once, still running
    while "RegisterCheck" not in remote.recorder.commands:
        await asyncio.sleep(0.01)
    await local.stop()  # the forward is dropped mid-answer: its row stays sent
    again = Local(tmp_path / "local", f"http://127.0.0.1:{remote.port}")
    await again.start()  # recovery asks the remote GetRezult for fw-r
    try:
        rezult = await again.run("GetRezult", IdCommand="fw-r")
        assert rezult["Rezult"]["Status"] == 0, rezult
        assert rezult["Rezult"]["NumDevice"] == LOCAL_NUM
        there = await remote.jobs.result("fw-r")
        assert there is not None and there.response is not None
        assert rezult["Rezult"]["QRCode"] == there.response["QRCode"]
        assert remote.recorder.commands.count("RegisterCheck") == 1
        assert await remote.receipts() == 1
    finally:
        await again.stop()


def test_remote_config_needs_a_url_and_keeps_the_password_out_of_repr() -> None:
    with pytest.raises(PydanticError, match="remote device needs url"):
        Config.model_validate({"devices": [{"num": 7, "kind": "remote"}]})
    config = Config.model_validate({"devices": [{
        "num": 7, "kind": "remote", "url": "https://other-host:5893", "user": "kassir",
        "password": "s3cret-pass", "remote_num": 2, "remote_timeout": 15}]})
    device = config.devices[0]
    assert (device.remote_num, device.remote_timeout) == (2, 15)
    assert "s3cret-pass" not in repr(device) and "s3cret-pass" not in repr(config)
    with pytest.raises(ConfigError, match="remote devices"):
        load(None, overrides={"devices": [{"num": 7, "kind": "remote", "url": "http://x"}],
                              "pools": [{"num": 10, "members": [7]}]})


def _certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the openssl tool makes it)."""
    cert, key = tmp_path / "remote-cert.pem", tmp_path / "remote-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl tool")
async def test_an_https_remote_with_a_self_signed_certificate_is_trusted_by_tls_ca(
        pair: Any, tmp_path: Path) -> None:
    tls = _certificate(tmp_path)
    remote, local = await pair(tls=tls, tls_ca=str(tls[0]))
    answer = await local.run("RegisterCheck", NumDevice=LOCAL_NUM, IdCommand="tls-1", **SALE)
    assert answer["Status"] == 0, answer
    assert await remote.receipts() == 1


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl tool")
async def test_an_untrusted_certificate_refuses_without_sending(pair: Any, tmp_path: Path) -> None:
    remote, local = await pair(tls=_certificate(tmp_path))
    answer = await local.run("RegisterCheck", NumDevice=LOCAL_NUM, IdCommand="tls-2", **SALE)
    assert answer["Status"] == 2
    assert "недоступен" in answer["Error"] and "certificate" in answer["Error"].lower()
    assert remote.recorder.commands == []
    assert await remote.receipts() == 0


async def test_tls_ca_is_checked_when_the_server_starts(tmp_path: Path) -> None:
    with pytest.raises(PydanticError, match="tls_ca is for a remote device with an https"):
        Config.model_validate({"devices": [{"num": 1, "kind": "remote",
                                            "url": "http://h:5893", "tls_ca": "ca.pem"}]})
    missing = Config.model_validate({
        "server": {"data_dir": str(tmp_path)},
        "devices": [{"num": 1, "kind": "remote", "url": "https://h:5893",
                     "tls_ca": str(tmp_path / "none.pem")}]})
    jobs = JobService(missing, render=make_renderer(missing))
    try:
        with pytest.raises(ConfigError, match="tls_ca"):
            await jobs.start()
    finally:
        await jobs.stop()
