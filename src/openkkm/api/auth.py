"""HTTP Basic authentication and the user/admin roles (``API.md`` §3.1, §9e).

Only the ``Authorization`` header is read. Passwords are compared in constant time and never
logged; an unknown login is compared against a dummy so timing does not reveal which logins
exist.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
from enum import IntEnum

from openkkm.config import Config

CHALLENGE = 'Basic realm="openkkm"'
_DUMMY = b"\x00openkkm-no-such-user\x00"


class Role(IntEnum):
    """What a caller may run: a user everything but admin-only commands, an admin everything."""

    USER = 1
    ADMIN = 2


class Authenticator:
    """Decides the role of a request from its ``Authorization`` header and client address."""

    def __init__(self, config: Config) -> None:
        self._users: dict[str, tuple[bytes, Role]] = {
            user.name.casefold(): (user.password.encode("utf-8"),
                                   Role.ADMIN if user.admin else Role.USER)
            for user in config.users
        }
        self._anonymous_loopback = config.server.anonymous_loopback

    @property
    def required(self) -> bool:
        """True when logins are configured, so requests need credentials."""
        return bool(self._users)

    def role(self, authorization: str | None, client_host: str | None) -> Role | None:
        """The caller's role, or None when it must be refused with 401."""
        if not self._users:
            return Role.USER
        if authorization is None:
            if self._anonymous_loopback and _is_loopback(client_host):
                return Role.USER
            return None
        credentials = _basic(authorization)
        if credentials is None:
            return None
        name, password = credentials
        stored, role = self._users.get(name.casefold(), (_DUMMY, None))
        matches = hmac.compare_digest(stored, password.encode("utf-8"))
        return role if matches and role is not None else None


def _basic(header: str) -> tuple[str, str] | None:
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        raw = base64.b64decode(token.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    name, sep, password = text.partition(":")
    return (name, password) if sep else None


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return host == "localhost"
