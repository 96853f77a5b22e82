"""In Chromium, issue 14's "done when": a coordinator enters a patient's summary, gets
ranked trials with the reason for each, starts a referral from one, answers the
checklist at submission, and the receiving site sees it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from referral_app.eligibility.service import set_criteria
from referral_app.models import Referral
from tests.browser.test_sent_fields import _log_in
from tests.eligibility.conftest import EGFR_TRIAL, MELANOMA_TRIAL
from tests.referrals.conftest import cast  # noqa: F401, F811 (the fixture)

pytestmark = pytest.mark.browser


def test_find_refer_answer_the_checklist_and_the_site_sees_it(browser_page, cast, make, db):  # noqa: F811
    lung = cast.site.trial
    set_criteria(lung, EGFR_TRIAL, None)
    melanoma = make.trial(title="A melanoma trial")
    set_criteria(melanoma, MELANOMA_TRIAL, None)
    make.site(melanoma, cast.site.centre)
    db.session.commit()
    page = browser_page
    _log_in(page, cast.referring["coordinator"])
    page.goto(page.base + "/finder")
    page.get_by_label("Tumour type (OncoTree)").select_option("LUAD")
    page.get_by_label("Stage group").select_option("IVA")
    page.get_by_label("Biomarker 1").select_option("EGFR:EX19DEL")
    page.get_by_label("ECOG performance status").select_option("1")
    page.get_by_label("Prior lines of therapy").fill("0")
    page.get_by_role("button", name="Find trials").click()
    # The answer opens at its results, not at the top of the long form above them.
    expect(page.locator("#results-heading")).to_be_in_viewport()
    assert page.locator("[data-match]").first.get_attribute("data-trial") == lung.nct_number
    # The lung trial recruits at two centres of one region, ranked alike: the one the
    # test's receiving coordinator works at (their order follows the centres' names,
    # which depend on the tests that ran before).
    first = page.locator(f'[data-match="{cast.site.id}"]')
    assert first.get_attribute("data-trial") == lung.nct_number
    first.locator("summary").click()  # why: criterion by criterion
    assert first.locator('[data-criterion="egfr"][data-status="met"]').is_visible()
    assert first.locator('[data-criterion="organ"][data-status="unknown"]').is_visible()

    first.get_by_role("button", name="Refer to this site").click()
    page.wait_for_selector("text=Draft started with the summary")
    draft = db.session.scalar(select(Referral).where(Referral.origin == "finder"))
    page.get_by_label("The patient consents to this referral").check()
    page.get_by_label("Patient name").fill("Jeanne Tremblay")
    page.get_by_label("Date of birth").fill("1960-03-15")
    page.get_by_label("Diagnosis").fill("NSCLC")
    page.get_by_label("Stage", exact=True).fill("IVA")
    page.get_by_label("Patient's region").select_option(str(cast.site.region_id))
    page.locator("#prescreen-organ-met").check()  # the item the summary cannot decide
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit").click()
    # The submit's own confirmation, which names the reference ("text=submitted" also
    # matched the form's "before submitting", and the draft's page has a success
    # flash and the same address: under load the receiver looked before the submit).
    page.wait_for_selector(".alert-success:has-text('REF-')")

    page.context.clear_cookies()
    _log_in(page, cast.receiving["coordinator"])
    page.goto(page.base + f"/referrals/{draft.id}")
    card = page.locator("#prescreen")
    expect(card.locator('[data-criterion="organ"][data-status="met"]')).to_be_visible()
    assert "referring site" in card.locator('[data-criterion="organ"]').inner_text()
    db.session.expire_all()
    referral = db.session.get(Referral, draft.id)
    assert referral.state == "submitted" and referral.prescreen_not_met == 0
