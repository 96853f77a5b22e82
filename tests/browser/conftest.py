"""Browser tests: the app served on 127.0.0.1 in a thread, Debian's Chromium via Playwright."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests.services import require_chromium

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": require_chromium(),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def live_server(app):
    """Serve the test app; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def browser_page(page, live_server):
    """A Playwright page with a short default timeout, bound to the live server."""
    page.set_default_timeout(10_000)
    page.base = live_server
    return page
