"""``openkkm`` command line (DESIGN.md §5): flags override the config file.

The first line ``serve`` prints on stdout is the URL it serves, so scripts and tests can wait
for it; everything else goes to stderr through logging.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable
from typing import Any

from openkkm import __version__
from openkkm.cli import emulator as emulator_cli
from openkkm.config import load
from openkkm.errors import ConfigError
from openkkm.logs import json_handler, text_handler


def _login(value: str) -> tuple[str, str]:
    name, sep, password = value.partition(":")
    if not sep or not name or not password:
        raise argparse.ArgumentTypeError("expected NAME:PASSWORD (both non-empty)")
    return name, password


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="openkkm", description="KkmServer-compatible fiscal register server")
    parser.add_argument("--version", action="version", version=f"openkkm {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--config", metavar="FILE", help="TOML settings file")
    serve.add_argument("--data-dir", metavar="DIR", help="journal and fiscal-drive state")
    serve.add_argument("--host", help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 5893)")
    serve.add_argument("--user", action="append", type=_login, default=[], metavar="NAME:PASS",
                       help="a login with the user role (repeatable)")
    serve.add_argument("--admin", action="append", type=_login, default=[], metavar="NAME:PASS",
                       help="a login with the admin role (repeatable)")
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    serve.add_argument("--log-format", default="text", choices=["text", "json"],
                       help="json: one object a line, with the IdCommand (secrets always masked)")
    emulator_cli.add_parser(sub)
    return parser


def serve_overrides(args: argparse.Namespace) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Turn ``serve`` flags into dotted config overrides and the logins they add."""
    overrides: dict[str, Any] = {}
    for flag, key in (("data_dir", "server.data_dir"), ("host", "server.host"), ("port", "server.port")):
        value = getattr(args, flag)
        if value is not None:
            overrides[key] = value
    users = [{"name": n, "password": p, "admin": False} for n, p in args.user]
    users += [{"name": n, "password": p, "admin": True} for n, p in args.admin]
    return overrides, users


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:  # Windows: the standard loop
        return None
    return uvloop.new_event_loop


def _serve(args: argparse.Namespace) -> int:
    from openkkm.app import serve  # imported here: `--help` stays fast

    overrides, users = serve_overrides(args)
    config = load(args.config, overrides, users)

    def ready(listeners: list[Any]) -> None:
        print(listeners[0].url, flush=True)
        for extra in listeners[1:]:
            logging.getLogger("openkkm").info("also serving %s", extra.url)

    # uvloop where it is installed (Linux, macOS): thread hand-offs and sockets cost less there.
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(serve(config, on_ready=ready))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``openkkm`` console script."""
    args = build_parser().parse_args(argv)
    level = getattr(args, "log_level", "info").upper()
    handler = json_handler if getattr(args, "log_format", "text") == "json" else text_handler
    logging.basicConfig(level=level, handlers=[handler(sys.stderr, level)])
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "emulator":
            return emulator_cli.run(args)
    except ConfigError as exc:
        print(f"openkkm: {exc.ru}\nopenkkm: {exc.en}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
