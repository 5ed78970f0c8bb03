"""Byte transports chosen by URL: serial, TCP, pty, in-memory loop.

Every transport has one shape (:class:`~openkkm.transport.base.Transport`): ``read(n, timeout)``
returns 1…n bytes or raises ``DeviceTimeout``/``LinkLost``, ``write(data)``, ``close()``. A
transport is a pipe: it knows nothing about frames. :func:`open_transport` picks one by URL;
:func:`parse_url` checks a URL without opening it (config validation);
:func:`loop_pair`, :func:`serve_tcp` and :func:`open_pty_pair` give emulators their device ends.
"""

from __future__ import annotations

from .base import Transport
from .fd import open_pty_pair
from .loop import LoopHub, loop_pair
from .stream import serve_tcp
from .url import SCHEMES, TransportSpec, open_transport, parse_url

__all__ = [
    "SCHEMES",
    "LoopHub",
    "Transport",
    "TransportSpec",
    "loop_pair",
    "open_pty_pair",
    "open_transport",
    "parse_url",
    "serve_tcp",
]
