"""``open_transport(url)``: pick a transport by URL scheme and validate its options.

Schemes: ``serial://<device>?baudrate=N`` (``serial:///dev/ttyUSB0``, ``serial://COM3``),
``pty://<slave path>``, ``tcp://host:port?connect_timeout=S`` (``socket://`` is the same, as in
pyserial), ``loop://`` (echo) and ``loop://<name>`` (an in-process device on a
:class:`~openkkm.transport.loop.LoopHub`), and pyserial's ``rfc2217://``, ``spy://``,
``hwgrep://`` handed to pyserial as they are, and ``usb://VID:PID`` (a USB printer through
pyusb, :mod:`.usb`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl, urlsplit

from ..errors import ConfigError
from .base import Transport
from .fd import open_serial
from .loop import LoopHub, loopback
from .stream import open_tcp
from .threaded import open_pyserial_url, open_threaded_serial
from .usb import open_usb, parse_usb_url

BAUDRATES: Final = (2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)
DEFAULT_BAUDRATE: Final = 115200
DEFAULT_CONNECT_TIMEOUT: Final = 5.0
PYSERIAL_SCHEMES: Final = ("rfc2217", "spy", "hwgrep")
SCHEMES: Final = ("serial", "pty", "tcp", "socket", "loop", "usb", *PYSERIAL_SCHEMES)


def _bad(url: str, ru: str, en: str) -> ConfigError:
    """Return a configuration error about ``url``."""
    return ConfigError(f"Адрес устройства {url!r}: {ru}", f"Device address {url!r}: {en}")


def _options(url: str, query: str, allowed: tuple[str, ...]) -> dict[str, str]:
    """Parse the query string, rejecting options the scheme does not know."""
    options = dict(parse_qsl(query, keep_blank_values=True))
    for key in options:
        if key not in allowed:
            raise _bad(
                url,
                f"неизвестный параметр {key!r} (допустимы: {', '.join(allowed) or 'нет'})",
                f"unknown option {key!r} (known: {', '.join(allowed) or 'none'})",
            )
    return options


def _baudrate(url: str, raw: str) -> int:
    """Parse a supported baud rate."""
    if not raw.isdigit() or int(raw) not in BAUDRATES:
        raise _bad(
            url,
            f"скорость {raw!r} не из списка {BAUDRATES}",
            f"baud rate {raw!r} is not one of {BAUDRATES}",
        )
    return int(raw)


def _seconds(url: str, raw: str) -> float:
    """Parse a number of seconds in (0, 600]."""
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 600:
        raise _bad(url, f"неверное время {raw!r} с", f"bad number of seconds {raw!r}")
    return value


@dataclass(frozen=True, slots=True)
class TransportSpec:
    """A checked transport URL: what to open and with which options."""

    url: str
    scheme: str
    target: str  #: device path, ``host``, or loop name ("" = echo loopback)
    port: int = 0
    baudrate: int = DEFAULT_BAUDRATE
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT


def parse_url(url: str) -> TransportSpec:
    """Check ``url`` without opening anything (for config validation at startup).

    Raises :class:`~openkkm.errors.ConfigError` naming the known schemes or options.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise _bad(
            url,
            f"неизвестная схема (допустимы: {', '.join(SCHEMES)})",
            f"unknown scheme (known: {', '.join(SCHEMES)})",
        )
    target = parts.netloc + parts.path
    if scheme in ("serial", "pty"):
        options = _options(url, parts.query, ("baudrate",) if scheme == "serial" else ())
        if not target:
            raise _bad(url, "не указано устройство", "no device given")
        baudrate = (
            _baudrate(url, options["baudrate"]) if "baudrate" in options else DEFAULT_BAUDRATE
        )
        return TransportSpec(url, scheme, target, baudrate=baudrate)
    if scheme in ("tcp", "socket"):
        options = _options(url, parts.query, ("connect_timeout",))
        try:
            host, port = parts.hostname, parts.port
        except ValueError as exc:
            raise _bad(url, "неверный порт", "bad port") from exc
        if not host or port is None:
            raise _bad(url, "нужен адрес вида tcp://host:port", "expected tcp://host:port")
        timeout = DEFAULT_CONNECT_TIMEOUT
        if "connect_timeout" in options:
            timeout = _seconds(url, options["connect_timeout"])
        return TransportSpec(url, "tcp", host, port=port, connect_timeout=timeout)
    if scheme == "loop":
        _options(url, parts.query, ())
    if scheme == "usb":
        parse_usb_url(url)
    return TransportSpec(url, scheme, target)


async def open_transport(url: str, *, hub: LoopHub | None = None) -> Transport:
    """Open the transport ``url`` names; unknown schemes and options raise ConfigError."""
    spec = parse_url(url)
    if spec.scheme in ("serial", "pty"):
        if os.name == "nt":  # no add_reader on Windows serial handles
            return await open_threaded_serial(spec.target, baudrate=spec.baudrate, url=url)
        return open_serial(spec.target, baudrate=spec.baudrate, url=url)
    if spec.scheme == "tcp":
        return await open_tcp(spec.target, spec.port, connect_timeout=spec.connect_timeout)
    if spec.scheme == "loop":
        if not spec.target:
            return loopback(url)
        if hub is None:
            raise _bad(url, "встроенные устройства недоступны", "no in-process devices available")
        return hub.connect(spec.target)
    if spec.scheme == "usb":
        return await open_usb(parse_usb_url(url))
    return await open_pyserial_url(url)
