"""Forwarding: a ``remote`` device passes whole commands to another KkmServer-compatible server.

Exactly-once across the hop: the command keeps its IdCommand, is journaled ``sent`` here before
the POST, and when the answer is lost (timeout, cut connection) the remote is asked for the
result of that IdCommand (``GetRezult``) instead of being sent the command again. Only a
connection that never opened proves the remote did not get it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import httpx

from openkkm.errors import ConfigError
from openkkm.jobs.devices import DeviceHandle
from openkkm.jobs.journal import Journal
from openkkm.jobs.model import Job, State
from openkkm.jobs.operations import Forward

log = logging.getLogger(__name__)

REMOTE_KIND = "remote"
MAX_BACKOFF = 5.0
NOT_FOUND_TRIES = 3  #: "no such IdCommand" answers in a row before it counts as never received
_UNFINISHED = frozenset({1, 4, 5})  #: running, queued, "already running" (KkmServer ``Status``)
_TEXTS: dict[str, tuple[str, str]] = {
    "unreachable": (
        "Удаленный сервер {0} недоступен ({1}); команда не отправлена, повторите ее",
        "The remote server {0} is unreachable ({1}); the command was not sent, send it again"),
    "not_received": (
        ("Удаленный сервер {0} не получил команду (связь прервалась); команда не выполнена, "
        "повторите ее"),
        ("The remote server {0} did not receive the command (the link broke); it was not "
        "performed, send it again")),
    "incident": ("Внутренняя ошибка openkkm (код инцидента {0}); команда не отправлена",
                 "Internal openkkm error (incident code {0}); the command was not sent"),
    "login": (
        ("Удаленный сервер {0} не принял логин (HTTP {1}): проверьте user и password устройства; "
        "команда не выполнена"),
        ("The remote server {0} refused the login (HTTP {1}): check the device's user and "
        "password; the command was not performed")),
}


def trusted(tls_ca: str) -> ssl.SSLContext | bool:
    """What verifies a remote's certificate: the system's CAs, plus ``tls_ca`` when given."""
    if not tls_ca:
        return True
    try:
        return ssl.create_default_context(cafile=tls_ca)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"Сертификаты tls_ca {tls_ca} не читаются: {exc}",
                          f"The tls_ca certificates {tls_ca} cannot be read: {exc}") from exc


class RemoteWorker:
    """Runs the forwarded commands of one remote device; the service sees it as a worker."""

    def __init__(self, handle: DeviceHandle, journal: Journal, *,
                 finished: Callable[[Job], None], backoff: float, language: str = "ru",
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        config = handle.config
        self.handle = handle
        self.reconciling = False
        self._journal = journal
        self._finished = finished
        self._backoff = backoff
        self._language = language
        auth = httpx.BasicAuth(config.user, config.password) if config.user else None
        self._client = httpx.AsyncClient(base_url=config.url.rstrip("/"), auth=auth,
                                         timeout=config.remote_timeout, transport=transport,
                                         verify=trusted(config.tls_ca))
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = asyncio.Event()

    def enqueue(self, job: Job) -> None:
        """Forward a new command now (the remote queues it per its own device)."""
        self._spawn(self._forward(job))

    def adopt(self, job: Job) -> None:
        """Settle a command recovered from the journal by asking the remote for its result."""
        self._spawn(self._recover(job))

    def close(self) -> None:
        """Take no more commands."""
        self._closed.set()

    async def run(self) -> None:
        """Live until closed (forwarded commands run as their own tasks)."""
        await self._closed.wait()

    async def drain(self) -> None:
        """Stop asking: a command still unsettled stays ``sent`` and is asked about at restart."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._client.aclose()

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _forward(self, job: Job) -> None:
        operation = job.operation
        assert isinstance(operation, Forward)
        job.state = State.RUNNING
        try:
            await self._journal.mark_forwarded(job.id_command)
        except Exception:  # not journaled, so not sent: the command fails and may be resent
            incident = uuid.uuid4().hex[:8].upper()
            log.exception("incident %s: journaling %s failed", incident, job.id_command)
            await self._finish(job, State.FAILED, _error(job, self._text("incident", incident)))
            return
        job.state = State.SENT
        try:
            response = await self._client.post("/Execute/sync", content=operation.content,
                                                headers={"Content-Type": "application/json"})
            if response.status_code in (401, 403):  # refused before the command was read
                await self._finish(job, State.FAILED, _error(job, self._text(
                    "login", self.handle.config.url, response.status_code)))
                return
            answer = _answer(response)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # nothing left this host
            self._offline(exc)
            await self._finish(job, State.FAILED,
                               _error(job, self._text("unreachable", self.handle.config.url, exc)))
            return
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("answer of %s from the remote server lost (%r): asking GetRezult",
                        job.id_command, exc)
            job.state = State.UNKNOWN
            with contextlib.suppress(Exception):  # the row stays sent: recovery treats it alike
                await self._journal.mark_unknown(job.id_command)
            answer = None
        self.handle.online = True
        self.handle.last_error = ""
        if answer is None or answer.get("Status") in _UNFINISHED:
            answer = await self._result(job)
        await self._settle(job, answer)

    async def _recover(self, job: Job) -> None:
        await self._settle(job, await self._result(job))

    async def _settle(self, job: Job, answer: dict[str, Any] | None) -> None:
        if answer is None:  # the remote never got it: proven not performed, a resend runs
            await self._finish(job, State.FAILED,
                               _error(job, self._text("not_received", self.handle.config.url)))
            return
        state = State.DONE if answer.get("Status") == 0 else State.FAILED
        await self._finish(job, state, answer)

    async def _result(self, job: Job) -> dict[str, Any] | None:
        """Ask ``GetRezult`` until the command is finished; None when the remote never had it."""
        body = json.dumps({"Command": "GetRezult", "IdCommand": job.id_command}).encode()
        delay, missing = self._backoff, 0
        self.reconciling = True
        try:
            while True:
                try:
                    answer = _answer(await self._client.post(
                        "/Execute/sync", content=body,
                        headers={"Content-Type": "application/json"}))
                except (httpx.HTTPError, ValueError) as exc:
                    log.warning("GetRezult %s from the remote server failed: %r",
                                job.id_command, exc)
                    answer = {}
                rezult = answer.get("Rezult")
                if answer.get("Status") == 3:  # no such IdCommand there (yet)
                    missing += 1
                    if missing >= NOT_FOUND_TRIES:
                        return None
                elif isinstance(rezult, dict) and rezult.get("Status") not in _UNFINISHED:
                    return rezult
                else:
                    missing = 0
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)
        finally:
            self.reconciling = False

    async def _finish(self, job: Job, state: State, answer: dict[str, Any]) -> None:
        response = {**answer, "IdCommand": job.id_command, "NumDevice": self.handle.num,
                    "UnitName": self.handle.unit_name}
        job.state = state
        job.response = response
        job.settled.set()
        self._finished(job)
        try:
            await self._journal.finish(job.id_command, state, response)
        except Exception:  # answered already; a sent row is asked about again at restart
            log.exception("journal write failed for %s (%s)", job.id_command, state)

    def _offline(self, exc: Exception) -> None:
        if self.handle.online:
            log.error("remote device %s unreachable: %r", self.handle.num, exc)
        self.handle.online = False
        self.handle.last_error = _TEXTS["unreachable"][0].format(self.handle.config.url, exc)

    def _text(self, key: str, *args: object) -> str:
        ru, en = _TEXTS[key]
        return (en if self._language == "en" else ru).format(*args)


def _answer(response: httpx.Response) -> dict[str, Any]:
    """The JSON answer of the remote; ``ValueError`` when it is not a KkmServer answer."""
    data = response.json()
    if not isinstance(data, dict) or "Status" not in data:
        raise ValueError(f"HTTP {response.status_code}: not a KkmServer answer")
    return data


def _error(job: Job, text: str) -> dict[str, Any]:
    return {"Command": job.stored.command, "Error": text, "Warning": "", "Message": "",
            "Status": 2, "IdCommand": job.id_command}
