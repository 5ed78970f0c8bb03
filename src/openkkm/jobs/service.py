"""The job service: the one entry the HTTP layer uses to run, replay and look up commands.

The IdCommand policy (``API.md`` §9d) is decided here under a per-id lock, so two simultaneous
requests with one id cannot both run: the second sees the first's reservation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from openkkm.config import Config
from openkkm.drivers.base import Driver, driver_class
from openkkm.errors import NotFoundError, OpenKKMError
from openkkm.jobs.answers import (
    Answer,
    AnswerKind,
    IdLocks,
    Record,
    current,
    from_job,
    from_row,
    policy,
)
from openkkm.jobs.devices import DeviceHandle, Selection, select_device
from openkkm.jobs.forward import REMOTE_KIND, RemoteWorker
from openkkm.jobs.journal import Journal
from openkkm.jobs.link import start_device
from openkkm.jobs.model import Job, Renderer, State, StoredCommand, safe_render
from openkkm.jobs.operations import InternalFailure, Operation, operation_kind
from openkkm.jobs.pools import Pool
from openkkm.jobs.recovery import recover_journal
from openkkm.jobs.worker import DeviceWorker

__all__ = ["Answer", "AnswerKind", "DeviceHandle", "JobService", "Pool", "Renderer", "Selection",
           "StoredCommand"]

log = logging.getLogger(__name__)

PURGE_INTERVAL = 3600.0
RECOVERY_WAIT = 15.0


class JobService:
    """Journal, workers and idempotency behind one object."""

    def __init__(self, config: Config, *, render: Renderer,
                 drivers: dict[int, Driver] | None = None, backoff: float = 0.5,
                 call_timeout: float = 120.0, stop_timeout: float = 10.0,
                 probe_interval: float = 15.0,
                 cache_size: int = 10_000) -> None:
        self.config = config
        self._render = render
        self._handles = {device.num: DeviceHandle(device) for device in config.effective_devices}
        if drivers is None:
            data_dir = str(config.data_path)
            drivers = {device.num: driver_class(device.kind)(device, data_dir=data_dir)
                       for device in config.effective_devices
                       if device.enabled and device.kind != REMOTE_KIND}
        self._drivers = drivers
        for num, driver in drivers.items():
            self._handles[num].fiscal = driver.fiscal
        self._pools = {pool.num: Pool(pool, [self._handles[num] for num in pool.members])
                       for pool in config.pools}
        self._journal = Journal(config.data_path / "journal.sqlite3")
        self._backoff = backoff
        self._call_timeout = call_timeout
        self._stop_timeout = stop_timeout
        self._probe_interval = probe_interval
        self._cache_size = cache_size
        #: Told (device, "done" | "failed") after each reconciliation, e.g. by the metrics.
        self.on_reconciled: Callable[[int, str], None] | None = None
        self._cache: OrderedDict[str, Record] = OrderedDict()
        self._active: dict[str, Job] = {}
        self._locks = IdLocks()
        self._workers: dict[int, DeviceWorker | RemoteWorker] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._purger: asyncio.Task[None] | None = None
        self._accepting = False

    async def start(self) -> None:
        """Open the journal, recover, start drivers and workers; an unreachable device stays offline."""
        await self._journal.open()
        await self._purge()
        unit_names = {num: handle.unit_name for num, handle in self._handles.items()}
        recovered = await recover_journal(self._journal, self._render, unit_names)
        await asyncio.gather(*(start_device(self._handles[num], driver, self._call_timeout)
                               for num, driver in self._drivers.items()))
        for num, driver in self._drivers.items():
            self._workers[num] = DeviceWorker(
                self._handles[num], driver, self._journal, self._render,
                finished=self._finished, expiry=self.config.queue.expiry_seconds,
                backoff=self._backoff, call_timeout=self._call_timeout,
                probe_interval=self._probe_interval, reconciled=self._on_reconciled)
        for handle in self._handles.values():
            if handle.config.kind == REMOTE_KIND and handle.enabled:
                handle.online = True  # until a forward finds it unreachable
                self._workers[handle.num] = RemoteWorker(
                    handle, self._journal, finished=self._finished, backoff=self._backoff,
                    language=self.config.server.language)
        waiting = []
        for row in recovered:
            worker = self._workers.get(row.num_device)
            if worker is None:
                log.error("command %s was sent to device %s, which is not configured now: "
                          "it stays unknown", row.id_command, row.num_device)
                continue
            job = Job(row.stored(worker.handle.unit_name), row.body_hash, row.kind, None,
                      state=State.UNKNOWN, step=row.step, shift_doc=row.shift_doc)
            self._active[job.id_command] = job
            worker.adopt(job)
            if worker.handle.online:
                waiting.append(asyncio.ensure_future(job.settled.wait()))
        self._tasks = [asyncio.create_task(worker.run(), name=f"openkkm-worker-{num}")
                       for num, worker in self._workers.items()]
        self._purger = asyncio.create_task(self._purge_periodically())
        if waiting:
            _, pending = await asyncio.wait(waiting, timeout=RECOVERY_WAIT)
            for future in pending:
                future.cancel()
        self._accepting = True

    async def stop(self) -> None:
        """Stop accepting, let running commands finish (bounded), stop devices, close the journal."""
        self._accepting = False
        if self._purger is not None:
            self._purger.cancel()
            await asyncio.gather(self._purger, return_exceptions=True)
            self._purger = None
        for worker in self._workers.values():
            worker.close()
        for worker, task in zip(self._workers.values(), self._tasks, strict=True):
            if worker.reconciling:
                task.cancel()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=self._stop_timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._tasks = []
        for worker in self._workers.values():
            await worker.drain()
        for driver in self._drivers.values():
            try:
                await driver.stop()
            except Exception:  # stop() never raises by contract; be sure
                log.exception("stopping driver %s", driver.config.num)
        for job in self._active.values():
            job.settled.set()
        await self._journal.close()

    def _on_reconciled(self, device: int, outcome: str) -> None:
        if self.on_reconciled is not None:
            self.on_reconciled(device, outcome)

    def queue_depth(self, num: int) -> int | None:
        """Commands waiting for device ``num`` (not the running one); None for no local worker."""
        worker = self._workers.get(num)
        return worker.depth if isinstance(worker, DeviceWorker) else None

    def devices(self) -> list[DeviceHandle]:
        """All configured devices, by number."""
        return [self._handles[num] for num in sorted(self._handles)]

    def pools(self) -> list[Pool]:
        """All configured pools, by number."""
        return [self._pools[num] for num in sorted(self._pools)]

    def select(self, selection: Selection) -> DeviceHandle:
        """Pick the device for a command (``API.md`` §5); ``NotFoundError`` if none.

        A pool number picks one of its members; the command then belongs to that member. A
        remote device is picked only by its own number.
        """
        pool = self._pools.get(selection.num_device)
        if pool is not None:
            return pool.select(selection, self._waiting)
        # A remote device takes only commands addressed to it by number, never "any device".
        handles = [h for num, h in sorted(self._handles.items()) if num in self._drivers
                   or (h.config.kind == REMOTE_KIND and num == selection.num_device)]
        return select_device(handles, selection)

    async def submit(self, *, id_command: str | None, command: str, request: dict[str, Any],
                     body_hash: str, device: DeviceHandle, operation: Operation,
                     warnings: tuple[str, ...] = (), wait: float | None,
                     parsed: Any = None, time_limit: float = 0.0) -> Answer:
        """Run a command once per IdCommand (§9d) and wait up to ``wait`` seconds for it.

        ``parsed`` is the caller's parsed form of ``request``, handed to the renderer as is.
        ``time_limit``: the client's ``Timeout``; each device call of the command may take that
        long where it exceeds the server's own limit.
        """
        if not self._accepting:
            raise OpenKKMError("Сервер openkkm останавливается; повторите команду позже",
                               "The openkkm server is stopping; try again later")
        worker = self._workers.get(device.num)
        if worker is None:
            raise NotFoundError(f"Устройство {device.num} не запущено",
                                f"Device {device.num} is not running")
        stored = StoredCommand(id_command or str(uuid.uuid4()), command, request, warnings,
                               device.num, device.unit_name, datetime.now().astimezone(),
                               parsed=parsed)
        job = Job(stored, body_hash, operation_kind(operation), operation, time_limit=time_limit)
        # Not shielded: once the id's lock is held, admission never suspends (the journal's
        # claim reads and queues its insert without waiting), so a caller cancelled here (client
        # gone) leaves either nothing or a queued command its worker knows of.
        refusal = await self._admit(job, worker)
        if refusal is not None:
            return refusal
        if wait is None:
            await job.settled.wait()
        elif wait > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await job.settled.wait()
        return current(job)

    async def _admit(self, job: Job, worker: DeviceWorker | RemoteWorker) -> Answer | None:
        """Apply the IdCommand policy and queue ``job``; an Answer when it must not run."""
        id_command = job.id_command
        async with self._locks.hold(id_command):
            active = self._active.get(id_command)
            record = from_job(active) if active else self._cache.get(id_command)
            if record is not None and record.state is not State.FAILED:
                return policy(id_command, record, job.body_hash)
            try:
                row = await self._journal.claim(job.stored, body_hash=job.body_hash,
                                                kind=job.kind, replacing=record is not None)
                if row is not None:
                    record = from_row(row, self._unit_name(row.num_device))
                    if record.state.finished:
                        self._remember(id_command, record)
                    return policy(id_command, record, job.body_hash)
            except Exception:  # report an incident, never a traceback
                incident = uuid.uuid4().hex[:8].upper()
                log.exception("incident %s: journaling %s failed", incident, id_command)
                response = safe_render(self._render, job.stored, InternalFailure(incident))
                return Answer(AnswerKind.DONE, id_command, response,
                              num_device=job.stored.num_device, unit_name=job.stored.unit_name)
            self._cache.pop(id_command, None)
            self._active[id_command] = job
            worker.enqueue(job)
        return None

    def cancel_running(self, num_device: int) -> bool:
        """``CancelCommand``: stop device ``num_device``'s running command (0: every device's)
        where nothing of it was sent yet; tell whether one was running.

        ``NotFoundError`` for a number no local device has.
        """
        if num_device:
            worker = self._workers.get(num_device)
            if not isinstance(worker, DeviceWorker):
                raise NotFoundError(f"Устройство {num_device} не найдено",
                                    f"Device {num_device} not found")
            return worker.cancel_running()
        found = [worker.cancel_running() for worker in self._workers.values()
                 if isinstance(worker, DeviceWorker)]
        return any(found)

    async def result(self, id_command: str) -> Answer | None:
        """``GetRezult``: the stored answer, or QUEUED/RUNNING, or None if unknown or expired."""
        job = self._active.get(id_command)
        if job is not None:
            return current(job)
        record = await self._lookup(id_command)
        if record is None:
            return None
        kind = AnswerKind.DONE if record.state.finished else AnswerKind.RUNNING
        return Answer(kind, id_command, record.response if record.state.finished else None,
                      record.command, record.created_at, record.num_device, record.unit_name,
                      checking=record.state is State.UNKNOWN)

    def finished_response(self, id_command: str) -> dict[str, Any] | None:
        """The stored answer of a finished command held in memory, else None (no journal read).

        The object stays the same while the record does, so callers may key work on it.
        """
        if id_command in self._active:
            return None
        record = self._cache.get(id_command)
        return record.response if record is not None and record.state.finished else None

    async def record_failure(self, *, id_command: str | None, command: str,
                             request: dict[str, Any], body_hash: str,
                             response: dict[str, Any]) -> str:
        """Journal a validation failure (nothing reached a device) so ``GetRezult`` finds it.

        A command already done or in progress under this id is kept as it is.
        """
        id_command = id_command or str(uuid.uuid4())
        async with self._locks.hold(id_command):
            if id_command in self._active:
                return id_command
            record = await self._lookup(id_command)
            if record is not None and record.state is not State.FAILED:
                return id_command
            stored = StoredCommand(id_command, command, request, (), 0, "",
                                   datetime.now().astimezone())
            await self._journal.put(stored, body_hash=body_hash, kind="invalid",
                                    state=State.FAILED, result=response)
            self._remember(id_command, Record(command, body_hash, State.FAILED, response,
                                               stored.created_at, 0, ""))
        return id_command

    async def _lookup(self, id_command: str) -> Record | None:
        record = self._cache.get(id_command)
        if record is not None:
            self._cache.move_to_end(id_command)
            return record
        row = await self._journal.get(id_command)
        if row is None:
            return None
        record = from_row(row, self._unit_name(row.num_device))
        if record.state.finished:
            self._remember(id_command, record)
        return record

    async def preview(self, id_command: str) -> str | None:
        """The stored preview (``layout.store``) of what ``id_command`` printed, or None."""
        return await self._journal.preview(id_command)

    def _remember(self, id_command: str, record: Record) -> None:
        self._cache[id_command] = record
        self._cache.move_to_end(id_command)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _finished(self, job: Job) -> None:
        if self._active.get(job.id_command) is job:
            del self._active[job.id_command]
        self._remember(job.id_command, from_job(job))

    def _waiting(self, num: int) -> int:
        worker = self._workers.get(num)
        return worker.depth if isinstance(worker, DeviceWorker) else 0

    def _unit_name(self, num: int) -> str:
        handle = self._handles.get(num)
        return handle.unit_name if handle else ""

    async def _purge(self) -> None:
        cutoff = time.time() - self.config.journal.retention_days * 86400
        removed = await self._journal.purge(cutoff)
        if removed:
            log.info("journal: %d commands past retention removed", removed)
        for id_command in [i for i, r in self._cache.items() if r.created_at.timestamp() < cutoff]:
            del self._cache[id_command]

    async def _purge_periodically(self) -> None:
        while True:
            await asyncio.sleep(PURGE_INTERVAL)
            try:
                await self._purge()
            except Exception:  # retried at the next interval
                log.exception("journal retention cleanup failed")
