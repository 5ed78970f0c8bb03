"""The reference jQuery client on a page of another origin, in headless Chromium (API.md §9h)."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import xstatic.pkg.jquery
from e2e_server import ServerProcess, simple_receipt

CHROMIUM = "/usr/bin/chromium"
REQUIRED = os.environ.get("OPENKKM_REQUIRE_BROWSER") == "1"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not REQUIRED and not Path(CHROMIUM).exists(),
                       reason="Debian's chromium package is not installed (CI installs it)"),
]

# Flags for a sandboxed machine with no outside network (root, no GPU, no Google services).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def shop_origin(tmp_path: Path) -> Iterator[str]:
    """Serve the shop page and jQuery from another port (so another origin) on loopback."""
    root = tmp_path / "site"
    shutil.copytree(Path(__file__).parent / "page", root)
    shutil.copy(Path(xstatic.pkg.jquery.BASE_DIR) / "jquery.min.js", root / "jquery.min.js")
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        """Keep test output clean."""


def test_jquery_client_registers_through_cors_with_basic_auth(tmp_path: Path, shop_origin: str) -> None:
    from playwright.sync_api import sync_playwright

    server = ServerProcess(tmp_path / "data", "--user", "kassa:s3cret").start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(shop_origin + "/index.html")
            call = "([s, u, p, d]) => runCommand(s, u, p, d)"
            good = page.evaluate(call, [server.url, "kassa", "s3cret", simple_receipt("web-1")])
            refused = page.evaluate(call, [server.url, "kassa", "wrong", simple_receipt("web-2")])
            browser.close()
        assert good["ok"], good
        assert good["result"]["Status"] == 0 and good["result"]["CheckNumber"] > 0
        assert refused == {"ok": False, "status": 401, "text": "error"}, "the page sees the 401, not a network error"
        lookup = server.execute({"Command": "GetRezult", "IdCommand": "web-2"}, auth=("kassa", "s3cret")).json()
        assert lookup["Status"] == 3, "nothing was registered with wrong credentials"
        info = server.execute({"Command": "GetDataKKT", "NumDevice": 1}, auth=("kassa", "s3cret")).json()
        assert info["CheckNumber"] == good["result"]["CheckNumber"]
    finally:
        server.stop()
