"""The HTTP edge: routes, CORS, authentication, body limits and the never-500 rule.

One ASGI endpoint sees every request, so the order of checks is visible in one place:
preflight (no auth) → origin → credentials → body size → JSON → the command. Whatever goes
wrong unexpectedly becomes HTTP 200 with ``Status`` 2 and an incident code that is also logged:
several KkmServer clients throw on a non-200 answer and lose the text the cashier needs.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from openkkm import __version__
from openkkm.api.auth import CHALLENGE, Authenticator
from openkkm.api.body import (
    BodyParseError,
    BodyTooLarge,
    ClientGone,
    parse_body,
    read_capped,
)
from openkkm.api.cors import CorsPolicy
from openkkm.api.envelope import JSON_HEADERS, Encoded, Status, dumps, envelope
from openkkm.api.kkmserver.dispatch import Dispatcher
from openkkm.api.observability import CommandMetrics, health_routes
from openkkm.api.preview import preview_name, preview_response
from openkkm.api.wire import Head, Reply
from openkkm.config import Config
from openkkm.logs import command_context

if TYPE_CHECKING:
    from openkkm.jobs.service import JobService

log = logging.getLogger(__name__)

_TEXTS: dict[str, tuple[str, str]] = {
    "internal": ("Внутренняя ошибка openkkm (код инцидента {0})",
                 "Internal openkkm error (incident code {0})"),
    "too_large": ("Тело запроса больше {0} байт (server.max_body_bytes)",
                  "The request body exceeds {0} bytes (server.max_body_bytes)"),
    "origin": ("Запросы со страницы {0} не разрешены (server.cors_origins)",
               "Requests from {0} are not allowed (server.cors_origins)"),
    "method": ("Метод {0} не поддерживается для /Execute: используйте POST",
               "Method {0} is not supported for /Execute: use POST"),
}
POLLS_KEPT = 1024  #: GetRezult request bodies remembered (see ``_Edge._polls``)
_PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>openkkm</title></head>
<body><h1>openkkm {version}</h1>
<p>Сервер ККТ, совместимый с KkmServer: команды принимаются по адресу
<code>POST /Execute/sync</code>.</p>
<p><a href="/VersionJSON">/VersionJSON</a></p></body></html>
"""


class _Edge:
    """The single ASGI endpoint behind every path."""

    def __init__(self, config: Config, jobs: JobService, metrics: CommandMetrics) -> None:
        self._metrics = metrics
        self._auth = Authenticator(config)
        self._cors = CorsPolicy(config.server.cors_origins)
        self._dispatch = Dispatcher(config, jobs)
        self._jobs = jobs
        self._limit = config.server.max_body_bytes
        self._language = config.server.language
        self._page = _PAGE.format(version=__version__).encode("utf-8")
        #: request bodies (as sent) of GetRezult polls answered from a finished command: the
        #: same bytes again skip parsing and dispatch while that answer is still current
        self._polls: dict[bytes, Encoded] = {}

    def _text(self, key: str, *args: object) -> str:
        ru, en = _TEXTS[key]
        return (en if self._language == "en" else ru).format(*args)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        head = Head.of(scope)
        try:
            reply = await self._route(head, receive)
        except Exception:  # noqa: BLE001 -- never 500: logged with an incident code instead
            reply = self._incident(head, "", "")
        await reply.send(send)

    def _incident(self, head: Head, command: str, id_command: str) -> Reply:
        incident = secrets.token_hex(4).upper()
        log.exception("incident %s: %s %s (command %r) failed", incident, head.method,
                      head.path, command)
        answer = envelope(None, command=command, status=Status.ERROR,
                          error=self._text("internal", incident), id_command=id_command)
        return self._json(200, answer, self._cors.headers(head.headers.get("origin")))

    @staticmethod
    def _json(code: int, answer: dict[str, Any], cors: dict[str, str]) -> Reply:
        return Reply(code, {**JSON_HEADERS, **cors}, dumps(answer))

    async def _route(self, head: Head, receive: Receive) -> Reply:
        origin = head.headers.get("origin")
        method = head.method
        if method == "OPTIONS":
            if not self._cors.allowed(origin):
                return Reply(403, self._cors.headers(origin))
            return Reply(200, self._cors.preflight(origin, head.headers))
        cors = self._cors.headers(origin)
        segments = [part for part in head.path.split("/") if part]
        first = segments[0].lower() if segments else ""
        if first == "execute":
            return await self._execute(head, receive, segments, origin, cors)
        if first == "preview" and len(segments) == 2 and method in ("GET", "HEAD"):
            return await self._preview(head, segments[1], origin, cors)
        if method in ("GET", "HEAD") and len(segments) <= 1:
            if first == "versionjson":
                return self._json(200, {"Version": __version__}, cors)
            if first == "version":
                return Reply(200, {"content-type": "text/plain; charset=utf-8", **cors},
                             __version__.encode("utf-8"))
            if not segments:
                return self._root(head, cors)
        return Reply(404, cors)

    def _root(self, head: Head, cors: dict[str, str]) -> Reply:
        if head.method == "HEAD":
            return Reply(200, cors)
        if self._auth.role(head.headers.get("authorization"), head.client) is None:
            return Reply(401, {**cors, "www-authenticate": CHALLENGE})
        return Reply(200, {"content-type": "text/html; charset=utf-8", **cors}, self._page)

    async def _preview(self, head: Head, segment: str, origin: str | None,
                       cors: dict[str, str]) -> Reply:
        """``GET /preview/{IdCommand}.png`` / ``.html``, with the API's origin and credentials."""
        name = preview_name(segment)
        if name is None:
            return Reply(404, cors)
        if not self._cors.allowed(origin):
            answer = envelope(None, command="", status=Status.ERROR,
                              error=self._text("origin", origin))
            return self._json(403, answer, cors)
        if self._auth.role(head.headers.get("authorization"), head.client) is None:
            return Reply(401, {**cors, "www-authenticate": CHALLENGE})
        id_command, fmt = name
        return await preview_response(self._jobs, id_command, fmt, headers=cors,
                                      language=self._language)

    async def _execute(self, head: Head, receive: Receive, segments: list[str],
                       origin: str | None, cors: dict[str, str]) -> Reply:
        method = head.method
        if method not in ("POST", "PUT"):
            answer = envelope(None, command="", status=Status.ERROR,
                              error=self._text("method", method))
            return Reply(405, {**JSON_HEADERS, **cors, "allow": "POST, PUT, OPTIONS"},
                         dumps(answer))
        if not self._cors.allowed(origin):
            answer = envelope(None, command="", status=Status.ERROR,
                              error=self._text("origin", origin))
            return self._json(403, answer, cors)
        role = self._auth.role(head.headers.get("authorization"), head.client)
        if role is None:
            return Reply(401, {**cors, "www-authenticate": CHALLENGE})
        try:
            raw = await read_capped(receive, self._limit, head.declared_length())
        except ClientGone:
            return Reply(400, cors)
        except BodyTooLarge:
            answer = envelope(None, command="", status=Status.ERROR,
                              error=self._text("too_large", self._limit))
            return self._json(413, answer, cors)
        began = time.perf_counter()
        polled = self._polls.get(raw)
        if polled is not None and self._dispatch.still_current(polled):
            self._metrics.observe(polled["Command"], Status.OK, 0, time.perf_counter() - began)
            return self._json(200, polled, cors)
        try:
            body = parse_body(raw)
        except BodyParseError as exc:
            answer = envelope(None, command="", status=Status.ERROR,
                              error=exc.text(self._language))
            return self._json(400, answer, cors)
        force_async = len(segments) > 1 and segments[1].lower() == "async"
        command, id_command = body.get("command"), body.get("idcommand")
        command = command if isinstance(command, str) else ""
        try:
            with command_context(id_command if isinstance(id_command, str) else ""):
                code, answer = await self._dispatch.execute(body, role=role,
                                                            force_async=force_async)
        except Exception:  # noqa: BLE001 -- never 500: logged with an incident code instead
            self._metrics.observe(command, Status.ERROR, 0, time.perf_counter() - began)
            return self._incident(head, command,
                                  id_command if isinstance(id_command, str) else "")
        self._metrics.observe(command, int(answer.get("Status", Status.ERROR)),
                              int(answer.get("NumDevice") or 0), time.perf_counter() - began)
        if type(answer) is Encoded:  # a finished command's GetRezult: clients poll it as is
            if len(self._polls) >= POLLS_KEPT:
                del self._polls[next(iter(self._polls))]
            self._polls[raw] = answer
        return self._json(code, answer, cors)


class OpenKKMApp:
    """The ASGI entry: every path goes straight to the edge but ``/health`` and ``/metrics``.

    The edge routes by the first path segment itself and never raises, so a command skips
    Starlette's router and middleware; the two observability routes keep them.
    """

    def __init__(self, edge: _Edge, observability: Starlette) -> None:
        self._edge = edge
        self._observability = observability

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in OBSERVABILITY_PATHS:
            await self._edge(scope, receive, send)
        else:
            await self._observability(scope, receive, send)


OBSERVABILITY_PATHS = frozenset({"/health", "/metrics"})


def create_app(config: Config, jobs: JobService) -> OpenKKMApp:
    """The ASGI application: ``/health``, ``/metrics`` and the KkmServer dialect over ``jobs``."""
    metrics = CommandMetrics()
    jobs.on_reconciled = metrics.reconciled
    edge = _Edge(config, jobs, metrics)
    routes = health_routes(jobs, metrics=metrics, queue_depth=jobs.queue_depth)
    return OpenKKMApp(edge, Starlette(routes=[*routes, Route("/{path:path}", edge)]))
