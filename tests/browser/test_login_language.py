"""A demo coordinator logs in and switches between French and English, in Chromium."""

from __future__ import annotations

import pytest

from referral_app import seed_data
from referral_app.seeding import seed_demo
from tests.browser.conftest import wait_for_autofocus

pytestmark = pytest.mark.browser


def _coordinator_email() -> str:
    return next(email for role, email in seed_data.DEMO_LOGINS if role.startswith("coordinator"))


def test_coordinator_logs_in_and_switches_language(browser_page, db):
    seed_demo()
    page = browser_page
    page.goto(page.base + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_role("link", name="Connexion").click()
    page.get_by_label("Courriel").fill(_coordinator_email())
    page.get_by_label("Mot de passe").fill(seed_data.DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/home")
    assert "Bonjour" in page.locator("h1").inner_text()

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Hello" in page.locator("h1").inner_text()

    page.get_by_role("button", name="Français").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"


def test_login_form_is_usable_with_the_keyboard(browser_page, db):
    seed_demo()
    page = browser_page
    page.goto(page.base + "/login")
    # The e-mail field has focus on arrival; Tab moves to the password, Enter submits.
    wait_for_autofocus(page, "email")
    page.keyboard.type(_coordinator_email())
    page.keyboard.press("Tab")
    page.keyboard.type(seed_data.DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/home")


def test_no_request_leaves_the_machine(browser_page, db):
    seed_demo()
    page = browser_page
    outside = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith(page.base) and not request.url.startswith("data:")
            else None
        ),
    )
    errors = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    for path in ("/", "/login", "/directory", "/communities"):
        page.goto(page.base + path)
        page.wait_for_load_state("networkidle")
    assert outside == []
    assert errors == []  # no missing asset (favicon included), no CSP violation
