"""In Chromium: an unticked box and an emptied multiple select are still sent
(their hidden companion), so the server's "a missing field is an error" rule never
stands in the way of a real page, and unticking means what it says."""

from __future__ import annotations

import pytest

from referral_app.models import Centre, Language, Role, TrialSite
from tests.browser.conftest import wait_for_autofocus
from tests.conftest import PASSWORD, enrol_mfa, totp_code

pytestmark = pytest.mark.browser


def _log_in(page, user, code=None):
    page.goto(page.base + "/login")
    wait_for_autofocus(page, "email")
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    if code:
        page.wait_for_url("**/mfa/verify**")
        wait_for_autofocus(page, "code")
        page.keyboard.type(code())
        page.keyboard.press("Enter")
    page.wait_for_url("**/home")


def test_unticking_active_deactivates_and_saving_untouched_keeps_it(browser_page, make, db):
    admin = make.user(role=Role.ADMIN, language=Language.EN)
    centre = make.centre(name="Hôpital de Rimouski", short_name="RIM")
    db.session.commit()
    enrol_mfa(admin)
    page = browser_page
    _log_in(page, admin, lambda: totp_code(admin))
    page.goto(page.base + f"/admin/centres/{centre.id}/edit")
    page.get_by_role("button", name="Save").click()  # untouched
    page.wait_for_url("**/admin/centres")
    db.session.expire_all()
    assert db.session.get(Centre, centre.id).is_active is True
    page.goto(page.base + f"/admin/centres/{centre.id}/edit")
    page.get_by_label("Active").uncheck()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/admin/centres")
    db.session.expire_all()
    assert db.session.get(Centre, centre.id).is_active is False


def test_emptying_the_intake_contacts_clears_them(browser_page, make, db):
    trial = make.trial()
    centre = make.centre()
    coordinator = make.user(centre, Role.COORDINATOR, language=Language.EN)
    site = make.site(trial, centre)
    site.intake_contacts = [coordinator]
    db.session.commit()
    page = browser_page
    _log_in(page, coordinator)
    page.goto(page.base + f"/trials/sites/{site.id}/edit")
    page.get_by_label("Intake contacts").select_option([])
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/trials/{trial.id}")
    db.session.expire_all()
    assert db.session.get(TrialSite, site.id).intake_contacts == []
