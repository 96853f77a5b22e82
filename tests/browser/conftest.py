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


def wait_for_autofocus(page, name: str) -> None:
    """Wait until the field ``name`` holds the focus its ``autofocus`` gives it.

    Chromium applies ``autofocus`` at a rendering update that can come after the
    load event; keys typed before it are lost (a login typed "er9@…" for "user9@…").
    A person sees the caret first; this waits for the same.
    """
    page.wait_for_function(
        "name => document.activeElement && document.activeElement.name === name", arg=name
    )


def log_in_demo_user(page, base_url: str, email: str) -> None:
    """The login form as a demo user types it (and the second factor's code when the
    role needs one: a demo manager or admin enrolled as on their first login)."""
    from sqlalchemy import select

    from referral_app import seed_data
    from referral_app.extensions import db
    from referral_app.models import User
    from tests.conftest import enrol_mfa, totp_code

    user = db.session.scalar(select(User).where(User.email == email))
    if user.mfa_required and not user.mfa_enabled:
        enrol_mfa(user)
    page.goto(base_url + "/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(seed_data.DEMO_PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(lambda url: "/home" in url or "/mfa/" in url)
    if "/mfa/" in page.url:
        page.locator("input[name=code]").fill(totp_code(user))
        page.locator("input[name=code]").press("Enter")
    page.wait_for_url("**/home")


def choose_language(page, language: str) -> None:
    """The page's own language button, when the page is not already in ``language``."""
    button = page.get_by_role("button", name="English" if language == "en" else "Français")
    if button.count():
        button.first.click()
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == language
