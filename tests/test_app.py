"""Composition-root pieces that need no running server: sockets and TLS checks."""

from __future__ import annotations

import socket

import pytest

from openkkm.app import bind, check_tls
from openkkm.config import load
from openkkm.errors import ConfigError


def test_listening_socket_is_tcp_so_answers_are_not_delayed_by_nagle() -> None:
    # asyncio turns on TCP_NODELAY only for sockets whose proto is IPPROTO_TCP; a socket made
    # with proto 0 answered every request ~40 ms late (headers and body wait for a delayed ACK).
    [listener] = bind(load(None, {"server.port": 0}))
    try:
        assert listener.sock.proto == socket.IPPROTO_TCP
        assert listener.url.startswith("http://127.0.0.1:")
    finally:
        listener.sock.close()


def test_port_in_use_is_a_clear_config_error() -> None:
    [first] = bind(load(None, {"server.port": 0}))
    try:
        port = first.sock.getsockname()[1]
        with pytest.raises(ConfigError, match="--port"):
            bind(load(None, {"server.port": port}))
    finally:
        first.sock.close()


def test_unreadable_certificate_fails_before_binding(tmp_path) -> None:
    (tmp_path / "cert.pem").write_text("not a certificate")
    (tmp_path / "key.pem").write_text("not a key")
    config = load(None, {"server.tls_cert": str(tmp_path / "cert.pem"), "server.tls_key": str(tmp_path / "key.pem")})
    with pytest.raises(ConfigError, match="TLS"):
        check_tls(config)
