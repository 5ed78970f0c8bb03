"""Composition root: config -> drivers -> jobs (journal, workers) -> HTTP servers; start and stop.

Start-up order matters for exactly-once: the journal's crash recovery reconciles every command
left ``sent`` before any socket accepts a new request, and on stop the sockets close first, then
running commands finish, then the journal closes, so a SIGTERM leaves the journal consistent.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import uvicorn

from openkkm.api.app import create_app
from openkkm.api.kkmserver.render import make_renderer
from openkkm.config import Config
from openkkm.devices import Devices
from openkkm.errors import ConfigError
from openkkm.jobs.service import JobService

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Listener:
    """One bound socket and what it serves."""

    sock: socket.socket
    tls: bool

    @property
    def url(self) -> str:
        """The URL clients use for this socket."""
        host, port = self.sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        return f"{'https' if self.tls else 'http'}://{shown}:{port}"


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to ``serve`` (several servers, one loop)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind(config: Config) -> list[Listener]:
    """Bind the main port (HTTPS when a certificate is set) and, with TLS, the plain-HTTP port."""
    server = config.server
    tls = bool(server.tls_cert)
    listeners = [Listener(_bind(server.host, server.port), tls)]
    if tls and server.plain_http_port is None:
        # Like KkmServer's 5893/5894; with an ephemeral main port the plain one is ephemeral too.
        listeners.append(Listener(_bind(server.host, server.port + 1 if server.port else 0), False))
    elif tls and server.plain_http_port:
        listeners.append(Listener(_bind(server.host, server.plain_http_port), False))
    return listeners


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be IPPROTO_TCP: asyncio sets TCP_NODELAY only on such sockets, and without it
    # every answer (headers, then body) waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"Не удалось открыть {host}:{port}: {exc.strerror}. Порт занят другой программой "
            "(например, KkmServer) или адрес неверен; укажите другой --port или --host.",
            f"Cannot listen on {host}:{port}: {exc.strerror}. Another program (KkmServer?) holds "
            "the port or the address is wrong; choose another --port or --host.",
        ) from exc
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def _uvicorn_config(app: object, config: Config, tls: bool) -> uvicorn.Config:
    options: dict[str, object] = {}
    if tls:
        options = {"ssl_certfile": config.server.tls_cert, "ssl_keyfile": config.server.tls_key}
    return uvicorn.Config(app, lifespan="off", access_log=False, log_config=None,
                          server_header=False, timeout_graceful_shutdown=10, **options)


def check_tls(config: Config) -> None:
    """Load the certificate once at start so a bad PEM fails before anything binds."""
    if not config.server.tls_cert:
        return
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(config.server.tls_cert, config.server.tls_key)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"Не удалось загрузить сертификат TLS: {exc}",
                          f"Cannot load the TLS certificate: {exc}") from exc


async def serve(config: Config, *, on_ready: Callable[[list[Listener]], None]) -> None:
    """Run the server until SIGINT/SIGTERM; ``on_ready`` gets the listeners once they accept."""
    check_tls(config)
    listeners = bind(config)
    devices = Devices(config)
    jobs = JobService(config, render=make_renderer(config), drivers=await devices.start())
    await jobs.start()
    app = create_app(config, jobs)
    servers = [_QuietServer(_uvicorn_config(app, config, item.tls)) for item in listeners]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        tasks = [asyncio.create_task(srv.serve(sockets=[item.sock]))
                 for srv, item in zip(servers, listeners, strict=True)]
        while not all(srv.started for srv in servers):
            if any(task.done() for task in tasks):
                break
            await asyncio.sleep(0.01)
        if all(srv.started for srv in servers):
            # What start-up built lives as long as the server: moved out of the collector's
            # sight, it is no longer traversed by each full collection requests trigger.
            gc.freeze()
            on_ready(listeners)
            await stop.wait()
        for srv in servers:
            srv.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await jobs.stop()
        await devices.stop()
        for item in listeners:
            item.sock.close()
        log.info("openkkm stopped; journal closed")
