"""``GET /health`` and ``GET /metrics``: what monitoring reads about the devices and commands.

Both read the job service's device handles at request time, so they cost nothing between
scrapes and never touch a device: what they show is what the workers last read (at start-up,
reconnects and ``GetDataKKT``). Neither needs credentials (``API.md`` §8) and neither shows
anything a client sent: no request bodies, no card data, no passwords.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    generate_latest,
)
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from openkkm import __version__
from openkkm.api.kkmserver.commands import lookup
from openkkm.fiscal.types import ShiftState

if TYPE_CHECKING:
    from openkkm.jobs.devices import DeviceHandle
    from openkkm.jobs.service import JobService

QueueDepth = Callable[[int], int | None]
"""Commands waiting on a device (by number), not counting the running one; None if it runs none."""

#: Seconds; a receipt on a real register takes 0.3–5 s, a report up to a minute.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                   120.0)
_BUCKET_LABELS = (*(str(bound) for bound in LATENCY_BUCKETS), "+Inf")
_NAME = re.compile(r"[A-Za-z]{1,64}")


def command_label(command: str) -> str:
    """The metric label for a command name: its KkmServer name, or ``unknown`` (bounded labels)."""
    spec = lookup(command) if _NAME.fullmatch(command) else None
    return spec.name if spec is not None else "unknown"


class CommandMetrics(Collector):
    """Commands answered and their latency, which the edge feeds once per answered command.

    Counted in plain integers and turned into Prometheus families only when scraped: every
    answer is counted on the event loop, so prometheus-client's per-increment locks buy
    nothing here and cost more than serving a stored ``GetRezult``.
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        if registry is None:
            registry = CollectorRegistry()
        self.registry = registry
        self.reconciliations = Counter(
            "openkkm_reconciliations", "Fiscal steps of unknown outcome settled against the ФН, "
            "by outcome (done, failed)", ("device", "outcome"), registry=registry)
        self._labels: dict[str, str] = {}  #: command name as sent -> label (known names only)
        self._counts: dict[tuple[str, int, int], int] = {}
        self._buckets: dict[int, list[int]] = {}  #: device -> count per bucket, +Inf last
        self._sums: dict[int, float] = {}
        registry.register(self)

    def observe(self, command: str, status: int, device: int, seconds: float) -> None:
        """Count one answered command; ``device`` 0 when none was chosen."""
        label = self._labels.get(command)
        if label is None:
            label = command_label(command)
            if label != "unknown":  # bounded: unknown names all fold into one label
                self._labels[command] = label
        key = (label, status, device)
        self._counts[key] = self._counts.get(key, 0) + 1
        buckets = self._buckets.get(device)
        if buckets is None:
            buckets = self._buckets[device] = [0] * (len(LATENCY_BUCKETS) + 1)
            self._sums[device] = 0.0
        seconds = max(seconds, 0.0)
        buckets[bisect_left(LATENCY_BUCKETS, seconds)] += 1
        self._sums[device] += seconds

    def reconciled(self, device: int, outcome: str) -> None:
        """Count one reconciliation; ``outcome`` is ``done`` or ``failed``."""
        self.reconciliations.labels(str(device), outcome).inc()

    def collect(self) -> Iterator[CounterMetricFamily | HistogramMetricFamily]:
        """The command counter and the latency histogram as they stand."""
        commands = CounterMetricFamily(
            "openkkm_commands", "Commands answered, by command, answer Status and device",
            labels=["command", "status", "device"])
        for (label, status, device), count in self._counts.items():
            commands.add_metric([label, str(int(status)), str(device)], count)
        latency = HistogramMetricFamily(
            "openkkm_command_seconds", "Time from request to answer, per device",
            labels=["device"])
        for device, buckets in self._buckets.items():
            latency.add_metric([str(device)],
                               list(zip(_BUCKET_LABELS, accumulate(buckets), strict=True)),
                               self._sums[device])
        yield commands
        yield latency


def fn_days_left(handle: DeviceHandle, now: dt.datetime) -> int | None:
    """Whole days of ФН key life left (as tag 1213 counts them, 0 once expired), or None."""
    registration = handle.registration
    valid_to = registration.fn_valid_to if registration is not None else None
    if valid_to is None:
        return None
    return max(0, (valid_to - _comparable(now, valid_to)).days)


def ofd_oldest_age(handle: DeviceHandle, now: dt.datetime) -> float | None:
    """Seconds since the oldest document not yet sent to the ОФД was formed, or None."""
    info = handle.info
    if info is None or info.ofd_unsent <= 0 or info.ofd_oldest_unsent is None:
        return None
    oldest = info.ofd_oldest_unsent
    return max((_comparable(now, oldest) - oldest).total_seconds(), 0.0)


class DeviceCollector(Collector):
    """Device gauges read from the job service at scrape time."""

    def __init__(self, jobs: JobService, queue_depth: QueueDepth | None = None,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        self._jobs = jobs
        self._queue_depth = queue_depth
        self._clock = clock or _local_now

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield one family per gauge, a sample per configured device."""
        now = self._clock()
        labels = ["device", "unit_name"]
        online = GaugeMetricFamily("openkkm_device_online", "1 when the device answers", labels=labels)
        enabled = GaugeMetricFamily("openkkm_device_enabled", "1 when the device is switched on",
                                    labels=labels)
        busy = GaugeMetricFamily("openkkm_device_busy", "1 while a command runs", labels=labels)
        depth = GaugeMetricFamily("openkkm_queue_depth", "Commands waiting on the device",
                                  labels=labels)
        shift = GaugeMetricFamily("openkkm_shift_state",
                                  "Shift: 1 closed, 2 open, 3 open past 24 h (SessionState)",
                                  labels=labels)
        days = GaugeMetricFamily("openkkm_fn_days_left", "Days until the ФН key expires",
                                 labels=labels)
        full = GaugeMetricFamily("openkkm_fn_memory_full", "1 when the ФН memory is full",
                                 labels=labels)
        unsent = GaugeMetricFamily("openkkm_ofd_unsent_documents",
                                   "Documents the ОФД has not acknowledged", labels=labels)
        oldest = GaugeMetricFamily("openkkm_ofd_oldest_unsent_age_seconds",
                                   "Age of the oldest document not sent to the ОФД", labels=labels)
        for handle in self._jobs.devices():
            values = [str(handle.num), handle.unit_name]
            online.add_metric(values, float(handle.online))
            enabled.add_metric(values, float(handle.enabled))
            busy.add_metric(values, float(handle.busy))
            waiting = None if self._queue_depth is None else self._queue_depth(handle.num)
            if waiting is not None:
                depth.add_metric(values, float(waiting))
            info = handle.info
            if info is None:
                continue
            shift.add_metric(values, float(int(info.status.shift)))
            full.add_metric(values, float(info.fn_memory_full))
            unsent.add_metric(values, float(info.ofd_unsent))
            left = fn_days_left(handle, now)
            if left is not None:
                days.add_metric(values, float(left))
            age = ofd_oldest_age(handle, now)
            if age is not None:
                oldest.add_metric(values, age)
        yield from (online, enabled, busy, depth, shift, days, full, unsent, oldest)


def device_health(handle: DeviceHandle, now: dt.datetime,
                  queue_depth: QueueDepth | None = None) -> dict[str, Any]:
    """One device's entry in ``GET /health``."""
    info = handle.info
    registration = handle.registration
    entry: dict[str, Any] = {
        "num_device": handle.num, "unit_name": handle.unit_name, "kind": handle.config.kind,
        "enabled": handle.enabled, "online": handle.online, "busy": handle.busy,
        "last_error": handle.last_error,
        "queue_depth": None if queue_depth is None else queue_depth(handle.num),
        "shift": None, "shift_number": None, "receipt_open": None,
        "fn_number": registration.fn_number if registration is not None else None,
        "fn_valid_to": _iso(registration.fn_valid_to) if registration is not None else None,
        "fn_days_left": fn_days_left(handle, now), "fn_memory_full": None,
        "ofd_unsent": None, "ofd_oldest_unsent": None, "ofd_oldest_unsent_age_seconds": None,
        "ofd_error": None,
    }
    if info is not None:
        entry.update({
            "shift": ShiftState(info.status.shift).name.lower(),
            "shift_number": info.status.shift_number, "receipt_open": info.status.receipt_open,
            "fn_memory_full": info.fn_memory_full, "ofd_unsent": info.ofd_unsent,
            "ofd_oldest_unsent": _iso(info.ofd_oldest_unsent),
            "ofd_oldest_unsent_age_seconds": ofd_oldest_age(handle, now),
            "ofd_error": info.ofd_error,
        })
    return entry


def health(jobs: JobService, now: dt.datetime, queue_depth: QueueDepth | None = None,
           ) -> tuple[int, dict[str, Any]]:
    """The HTTP code (200 when every switched-on device answers, else 503) and the report."""
    devices = [device_health(handle, now, queue_depth) for handle in jobs.devices()]
    ready = all(entry["online"] for entry in devices if entry["enabled"])
    report = {"status": "ok" if ready else "degraded", "version": __version__,
              "devices": devices}
    return (200 if ready else 503), report


def health_routes(jobs: JobService, *, metrics: CommandMetrics | None = None,
                  queue_depth: QueueDepth | None = None,
                  clock: Callable[[], dt.datetime] | None = None) -> list[Route]:
    """Routes for ``GET /health`` and ``GET /metrics`` over ``jobs``.

    ``/metrics`` serves ``metrics``' registry (the dispatcher's counters) with the device gauges
    and the process collector (resident memory, CPU, open files) added here; call once per
    ``metrics``. ``clock`` (the local time by default) measures ФН days and ОФД ages.
    """
    now = clock or _local_now
    registry = metrics.registry if metrics is not None else CollectorRegistry()
    registry.register(DeviceCollector(jobs, queue_depth, now))
    ProcessCollector(registry=registry)

    async def health_endpoint(request: Request) -> Response:
        code, report = health(jobs, now(), queue_depth)
        headers = {"cache-control": "no-store"}
        if request.method == "HEAD":
            return Response(status_code=code, headers=headers)
        return JSONResponse(report, status_code=code, headers=headers)

    async def metrics_endpoint(request: Request) -> Response:
        return Response(generate_latest(registry), headers={"content-type": CONTENT_TYPE_LATEST,
                                                            "cache-control": "no-store"})

    return [Route("/health", health_endpoint, methods=["GET", "HEAD"]),
            Route("/metrics", metrics_endpoint, methods=["GET"])]


def _comparable(now: dt.datetime, moment: dt.datetime) -> dt.datetime:
    """``now`` made naive (local wall time) when the device's ``moment`` is naive."""
    return now if moment.tzinfo is not None else now.replace(tzinfo=None)


def _local_now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
