"""Submit, accept and answer a request for information with the keyboard alone, in
Chromium (issue 16, item 2): every control is reached with Tab, shows a visible
focus, and is operated with Space, Enter or typing; no click anywhere."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from referral_app.models import Centre, Referral, Trial, TrialSite
from referral_app.seeding import seed_demo
from tests.browser.test_story import PATIENT, RECEIVER, REFERRER, TRIAL, _open_as

pytestmark = pytest.mark.browser


def _tab_to(page, selector: str, limit: int = 250) -> None:
    """Press Tab until ``selector`` has the focus, and check the focus is visible."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "(s) => !!document.activeElement && document.activeElement.matches(s)", selector
        ):
            outline = page.evaluate(
                "() => { const s = getComputedStyle(document.activeElement);"
                " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }"
            )
            assert outline[0] != "none" or outline[2] != "none", (selector, outline)
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def _type_into(page, selector: str, text: str) -> None:
    _tab_to(page, selector)
    page.keyboard.type(text)


def _choose(page, selector: str, option_text: str) -> None:
    """A select, by typing its option's first letters (as a keyboard user does)."""
    _tab_to(page, selector)
    page.keyboard.type(option_text)
    chosen = page.evaluate("(s) => document.querySelector(s).selectedOptions[0].text", selector)
    assert chosen.startswith(option_text), (selector, chosen)


def _act_with_keys(page, live_server, referral_id: int, event: str, **fields: str) -> None:
    page.goto(f"{live_server}/referrals/{referral_id}")
    form = f'form[action$="/referrals/{referral_id}/events/{event}"]'
    _tab_to(page, f"details:has({form}) > summary")
    page.keyboard.press("Enter")  # opens the panel
    for name, value in fields.items():
        _type_into(page, f'{form} [name="{name}"]', value)
    _tab_to(page, f'{form} button[type="submit"]')
    page.keyboard.press("Enter")
    page.locator(".alert-success").wait_for()


def test_submit_answer_and_accept_with_the_keyboard_alone(browser, live_server, worker, db):
    seed_demo()
    db.session.commit()
    jgh = db.session.scalar(select(Centre).where(Centre.short_name == "JGH"))
    trial = db.session.scalar(select(Trial).where(Trial.acronym == TRIAL))
    site = db.session.scalar(
        select(TrialSite).where(TrialSite.trial_id == trial.id, TrialSite.centre_id == jgh.id)
    )
    a = _open_as(browser, live_server, REFERRER, "en")
    a.goto(f"{live_server}/referrals/new/{site.id}")
    _tab_to(a, "#patient_consent")
    a.keyboard.press("Space")
    assert a.locator("#patient_consent").is_checked()
    _type_into(a, "#patient_name", PATIENT)
    _type_into(a, "#date_of_birth", "04021958")  # the date field's own keyboard entry
    _choose(a, "#patient_region_id", jgh.region.name[:6])
    _type_into(a, "#diagnosis", "NSCLC adenocarcinoma")
    _type_into(a, "#stage", "IVA")
    _choose(a, "#ecog", "1")
    _type_into(a, "#prior_lines", "1")
    a.once("dialog", lambda dialog: dialog.accept())
    _tab_to(a, 'button[name="action"][value="submit"]')
    a.keyboard.press("Enter")
    a.wait_for_url(re.compile(r"/referrals/\d+$"))
    referral = db.session.scalar(
        select(Referral).where(Referral.trial_id == trial.id).order_by(Referral.id.desc())
    )
    assert referral.state.value == "submitted"

    b = _open_as(browser, live_server, RECEIVER, "en")
    _act_with_keys(b, live_server, referral.id, "request_info", note="Latest CT, please.")
    _act_with_keys(a, live_server, referral.id, "provide_info", note="In the chart today.")
    _act_with_keys(b, live_server, referral.id, "accept")
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).state.value == "accepted"
