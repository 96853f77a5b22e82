"""In Chromium: a password link's token comes from the fragment; the code step by keyboard."""

from __future__ import annotations

import pytest

from referral_app.auth import password_links
from referral_app.models import Role
from tests.browser.conftest import wait_for_autofocus
from tests.conftest import PASSWORD, enrol_mfa, totp_code

pytestmark = pytest.mark.browser


def test_the_reset_page_reads_the_token_from_the_fragment(browser_page, make, db):
    user = make.user()
    db.session.commit()
    link = password_links.reset_url(user)
    page = browser_page
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(page.base + link[link.index("/password/reset") :])
    token_field = page.locator('input[name="token"]')
    assert token_field.input_value() == link.split("#token=")[1]
    assert not token_field.is_visible()
    assert "#" not in page.url  # the fragment left the address bar
    page.get_by_label("Nouveau mot de passe", exact=True).fill("a-browser-secret")
    page.get_by_label("Confirmer le nouveau mot de passe").fill("a-browser-secret")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    page.wait_for_url("**/login")
    assert not any("token" in url for url in requested)


def test_an_admin_passes_the_code_step_with_the_keyboard(browser_page, make, db):
    admin = make.user(role=Role.ADMIN)
    db.session.commit()
    enrol_mfa(admin)
    page = browser_page
    page.goto(page.base + "/login")
    wait_for_autofocus(page, "email")
    page.keyboard.type(admin.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/mfa/verify**")
    code = page.get_by_label("Code")
    assert code.get_attribute("autocomplete") == "one-time-code"
    assert code.get_attribute("inputmode") == "numeric"
    wait_for_autofocus(page, "code")
    page.keyboard.type(totp_code(admin))  # the code field has focus on arrival
    page.keyboard.press("Enter")
    page.wait_for_url("**/home")
