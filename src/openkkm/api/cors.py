"""CORS and Chrome's Private Network Access (``API.md`` §3.2, §9h).

Every answer, errors and 401 included, carries the CORS headers: a page of another origin
that gets a bare 401 or 400 sees only "network error" and cannot show the cashier anything.
"""

from __future__ import annotations

from collections.abc import Mapping

ALLOWED_METHODS = "GET, POST, PUT, OPTIONS"


class CorsPolicy:
    """Which origins may call the API, and the headers that tell the browser so."""

    def __init__(self, origins: tuple[str, ...]) -> None:
        self._any = "*" in origins
        self._origins = frozenset(origin.rstrip("/").lower() for origin in origins)

    def allowed(self, origin: str | None) -> bool:
        """True when a request from ``origin`` (None: not a browser cross-origin call) may run."""
        return origin is None or self._any or origin.rstrip("/").lower() in self._origins

    def headers(self, origin: str | None) -> dict[str, str]:
        """Headers for an ordinary answer to a request from ``origin``."""
        if origin is None:
            return {"access-control-allow-origin": "*"}
        if not self.allowed(origin):
            return {"vary": "Origin"}
        return {"access-control-allow-origin": origin, "access-control-allow-credentials": "true",
                "vary": "Origin"}

    def preflight(self, origin: str | None, request_headers: Mapping[str, str]) -> dict[str, str]:
        """Headers for an ``OPTIONS`` preflight, answered before authentication."""
        headers = self.headers(origin)
        headers["access-control-allow-methods"] = ALLOWED_METHODS
        asked = request_headers.get("access-control-request-headers")
        if asked:
            headers["access-control-allow-headers"] = asked
        headers["access-control-allow-credentials"] = "true"
        if request_headers.get("access-control-request-private-network", "").lower() == "true":
            headers["access-control-allow-private-network"] = "true"
        headers["access-control-max-age"] = "600"
        return headers
