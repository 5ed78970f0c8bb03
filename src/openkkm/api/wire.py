"""The ASGI request head and answer, read and written without per-request helper objects.

Every command passes through here, so the edge reads the few headers it needs straight from
the ASGI scope and sends an answer as two messages; Starlette's ``Request``/``Response``
objects cost more per request than the whole ``GetRezult`` lookup behind them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.types import Scope, Send


@dataclass(slots=True)
class Head:
    """What the edge uses of a request: method, path, client address and the headers it reads."""

    method: str
    path: str
    client: str | None
    headers: Mapping[str, str]  #: the names in ``READ_HEADERS`` sent; a repeated one: the last

    @classmethod
    def of(cls, scope: Scope) -> Head:
        """The head of the HTTP request in ``scope``; headers the edge never reads are skipped."""
        client = scope.get("client")
        headers = {name.decode("latin-1"): value.decode("latin-1")
                   for name, value in scope["headers"] if name in READ_HEADERS}
        return cls(scope["method"], scope["path"], client[0] if client else None, headers)

    def declared_length(self) -> int | None:
        """``Content-Length`` when it is a plain number, else None."""
        value = self.headers.get("content-length")
        if value is None or not value.strip().isdigit():
            return None
        return int(value)


READ_HEADERS = frozenset({
    b"origin", b"authorization", b"content-length", b"access-control-request-headers",
    b"access-control-request-private-network",
})


@dataclass(slots=True)
class Reply:
    """An answer: status, headers and body, sent as they are."""

    status: int
    headers: Mapping[str, str]
    body: bytes = b""

    async def send(self, send: Send) -> None:
        """Send the answer with its ``Content-Length``."""
        raw = [(b"content-length", str(len(self.body)).encode("ascii")), *_encoded(self.headers)]
        await send({"type": "http.response.start", "status": self.status, "headers": raw})
        await send({"type": "http.response.body", "body": self.body})


_ENCODED: dict[tuple[tuple[str, str], ...], list[tuple[bytes, bytes]]] = {}
_ENCODED_MAX = 256  #: header sets kept encoded (they vary only with the caller's origin)


def _encoded(headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    """``headers`` as ASGI byte pairs; the few sets every answer uses are encoded once."""
    key = tuple(headers.items())
    raw = _ENCODED.get(key)
    if raw is None:
        raw = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in key]
        if len(_ENCODED) < _ENCODED_MAX:
            _ENCODED[key] = raw
    return raw
