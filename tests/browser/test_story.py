"""The whole story in Chromium, in French and in English (issue 16, item 1).

The app is served over HTTP (``live_server``), a real ``celery worker`` process
delivers its notifications to a real SMTP server (``worker``, ``smtp_sink``), on the
demo network. A coordinator at the CHUM finds a trial recruiting at the Jewish
General Hospital and files a referral; the JGH's coordinator is told (in the app and
by an e-mail without patient data), asks for information, which the CHUM answers
with a pathology PDF (in no e-mail), which the JGH downloads byte for byte (one audit
row, the JGH's); the JGH accepts, schedules the consult, starts screening and enrolls. The CHUM
follows every step on the timeline and in its notifications, its manager sees the
enrolment in the reports, and a coordinator of a third centre gets "not found" (the
manager and the third centre get it for the document too).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from referral_app.api import tokens
from referral_app.models import AuditLog, Centre, Document, Referral, Trial, TrialSite, User
from referral_app.seeding import seed_demo
from referral_app.timeutil import local_today
from tests.browser.conftest import choose_language, log_in_demo_user
from tests.documents.samples import pdf_with_text
from tests.workers.support import wait_for

pytestmark = pytest.mark.browser

REFERRER = "elodie.marchand@chum.passerelle.test"  # coordinator, CHUM
RECEIVER = "rachel.goldfarb@jgh.passerelle.test"  # coordinator, JGH (an intake contact)
MANAGER = "luc.beauregard@chum.passerelle.test"  # the CHUM's manager
THIRD = "julie.fontaine@chus.passerelle.test"  # coordinator, CHUS
TRIAL = "HORIZON-LUNG"
PATIENT = "Jeanne Tremblay-Story"


def _api_as(db, email: str) -> dict[str, str]:
    user = db.session.scalar(select(User).where(User.email == email))
    _row, token = tokens.create_token(user, "story")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _user_id(db, email: str) -> int:
    return db.session.scalar(select(User.id).where(User.email == email))


def _open_as(browser, live_server, email: str, language: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in_demo_user(page, live_server, email)
    choose_language(page, language)
    return page


def _file_referral(page, live_server, db, trial, site, region_id: int) -> Referral:
    """From the new-referral search to a submitted referral, as a coordinator does it."""
    page.goto(f"{live_server}/referrals/new?q={trial.acronym}")
    page.locator(f'a[href*="/referrals/new/{site.id}"]').first.click()
    page.locator("#patient_consent").check()
    page.locator("#patient_name").fill(PATIENT)
    page.locator("#date_of_birth").fill("1958-04-02")
    page.locator("#patient_region_id").select_option(str(region_id))
    page.locator("#diagnosis").fill("NSCLC adenocarcinoma")
    page.locator("#stage").fill("IVA")
    page.locator("#ecog").select_option("1")
    page.locator("#prior_lines").fill("1")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator('button[name="action"][value="submit"]').click()
    page.wait_for_url(re.compile(r"/referrals/\d+$"))
    referral = db.session.scalar(
        select(Referral).where(Referral.trial_id == trial.id).order_by(Referral.id.desc())
    )
    assert referral.state.value == "submitted"
    return referral


def _act(
    page, live_server, referral_id: int, event: str, files: list | None = None, **fields: str
) -> None:
    """Open the action's panel, fill its fields (by name) and attach ``files``, send
    it; the page says done."""
    page.goto(f"{live_server}/referrals/{referral_id}")
    form = page.locator(f'form[action$="/referrals/{referral_id}/events/{event}"]')
    details = page.locator("details", has=form)
    if details.count():
        details.locator("summary").click()
    if files:
        form.locator('input[type="file"]').set_input_files([str(path) for path in files])
    for name, value in fields.items():
        control = form.locator(f'[name="{name}"]')
        if control.evaluate("element => element.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    form.locator('button[type="submit"]').last.click()
    page.locator(".alert-success").wait_for()  # the new page's confirmation


def _timeline(page, live_server, referral_id: int) -> list[str]:
    page.goto(f"{live_server}/referrals/{referral_id}")
    return page.locator("[data-timeline]").evaluate_all(
        "items => items.map(item => item.dataset.timeline)"
    )


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_referral_from_search_to_enrolment_between_two_centres(
    browser, live_server, worker, smtp_sink, db, language, tmp_path
):
    seed_demo()
    db.session.commit()
    jgh = db.session.scalar(select(Centre).where(Centre.short_name == "JGH"))
    trial = db.session.scalar(select(Trial).where(Trial.acronym == TRIAL))
    site = db.session.scalar(
        select(TrialSite).where(TrialSite.trial_id == trial.id, TrialSite.centre_id == jgh.id)
    )
    today = local_today()

    # A finds the trial recruiting at B and files the referral.
    a = _open_as(browser, live_server, REFERRER, language)
    referral = _file_referral(a, live_server, db, trial, site, jgh.region_id)

    # B is told: in the app, and by an e-mail with a link and no patient data.
    wait_for(
        lambda: any(RECEIVER in message["To"] for message in smtp_sink.messages),
        timeout=30,
        message="the receiving site's e-mail",
    )
    mail = next(m for m in smtp_sink.messages if RECEIVER in m["To"])
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"/referrals/{referral.id}" in body and PATIENT not in body and "1958" not in body
    b = _open_as(browser, live_server, RECEIVER, language)
    b.goto(f"{live_server}/notifications/")
    assert referral.reference in b.locator("main").inner_text()

    # B asks for information; A answers; B accepts, schedules, screens, enrolls.
    _act(b, live_server, referral.id, "request_info", note="Latest CT report, please.")
    report = tmp_path / "pathologie.pdf"
    report.write_bytes(pdf_with_text("Adenocarcinoma, TTF-1 positive"))
    _act(
        a,
        live_server,
        referral.id,
        "provide_info",
        files=[report],
        note="Pathology report attached.",
        category="pathology",
    )
    b.goto(f"{live_server}/referrals/{referral.id}")
    item = b.locator("[data-document]").filter(has_text="pathologie.pdf")
    assert item.count() == 1
    with b.expect_download() as received:
        item.locator("[data-document-download]").click()
    assert Path(received.value.path()).read_bytes() == report.read_bytes()
    document_url = live_server + item.locator("[data-document-download]").get_attribute("href")
    (document,) = db.session.scalars(select(Document).where(Document.referral_id == referral.id))
    downloads = db.session.scalars(
        select(AuditLog).where(
            AuditLog.action == "download_document", AuditLog.object_id == document.id
        )
    ).all()
    assert [row.user_id for row in downloads] == [_user_id(db, RECEIVER)]
    # The same PDF through the API, with a token of the same demo user.
    api = _api_as(db, RECEIVER)
    listing = requests.get(
        f"{live_server}/api/v1/referrals/{referral.id}/documents", headers=api, timeout=10
    ).json()
    (listed,) = listing["items"]
    assert listed["category"] == "pathology"
    fetched = requests.get(live_server + listed["download_url"], headers=api, timeout=10)
    assert fetched.status_code == 200 and fetched.content == report.read_bytes()
    db.session.expire_all()
    channels = [
        row.details.get("channel")
        for row in db.session.scalars(
            select(AuditLog)
            .where(AuditLog.action == "download_document", AuditLog.object_id == document.id)
            .order_by(AuditLog.id)
        )
    ]
    assert channels == ["web", "api"]
    _act(b, live_server, referral.id, "accept")
    consult = (today + dt.timedelta(days=7)).isoformat()
    _act(b, live_server, referral.id, "schedule_consult", consult_on=consult)
    _act(b, live_server, referral.id, "start_screening", consent_on=today.isoformat())
    _act(
        b,
        live_server,
        referral.id,
        "enroll",
        enrolled_on=today.isoformat(),
        study_subject_id="HZ-0042",
    )

    # A follows every step on the timeline and in the notifications.
    steps = _timeline(a, live_server, referral.id)
    for event in ("submit", "request_info", "provide_info", "accept", "schedule_consult",
                  "start_screening", "enroll"):  # fmt: skip
        assert event in steps, (event, steps)
    a.goto(f"{live_server}/notifications/")
    assert a.locator("main").inner_text().count(referral.reference) >= 5
    # No e-mail of the story carries a document (nor its text), nor the patient's name.
    for message in smtp_sink.messages:
        assert not list(message.iter_attachments()), message["Subject"]
        assert PATIENT not in message.as_string()
        assert b"%PDF" not in message.as_bytes() and b"TTF-1" not in message.as_bytes()

    # A's manager sees the enrolment in the reports; a third centre sees nothing.
    manager = _open_as(browser, live_server, MANAGER, language)
    manager.goto(f"{live_server}/reports/")
    enrolled = manager.locator('[data-funnel="enrolled"] td').first.inner_text()
    assert int(enrolled) >= 1
    third = _open_as(browser, live_server, THIRD, language)
    response = third.goto(f"{live_server}/referrals/{referral.id}")
    assert response.status == 404
    assert PATIENT not in third.content()
    # Neither the manager nor the third centre reaches the document.
    for page in (manager, third):
        assert page.request.get(document_url).status == 404


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_decline_suggests_a_site_and_the_redirect_drafts_to_it(
    browser, live_server, worker, db, language
):
    seed_demo()
    db.session.commit()
    jgh = db.session.scalar(select(Centre).where(Centre.short_name == "JGH"))
    hclm = db.session.scalar(select(Centre).where(Centre.short_name == "HCLM"))
    trial = db.session.scalar(select(Trial).where(Trial.acronym == TRIAL))
    sites = {
        s.centre_id: s
        for s in db.session.scalars(select(TrialSite).where(TrialSite.trial_id == trial.id))
    }
    a = _open_as(browser, live_server, REFERRER, language)
    referral = _file_referral(a, live_server, db, trial, sites[jgh.id], jgh.region_id)

    b = _open_as(browser, live_server, RECEIVER, language)
    _act(
        b,
        live_server,
        referral.id,
        "decline",
        reason_code="better_served_elsewhere",
        note="Closer to home at Charles-Le Moyne.",
        suggested_site_id=str(sites[hclm.id].id),
    )
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).state.value == "declined"

    a.goto(f"{live_server}/referrals/{referral.id}/redirect")
    suggested = a.locator("li", has=a.locator(".badge.text-bg-info"))
    assert "HCLM" in suggested.inner_text()
    suggested.locator('button[type="submit"]').click()
    a.wait_for_load_state()
    draft = db.session.scalar(select(Referral).where(Referral.previous_referral_id == referral.id))
    assert draft is not None and draft.state.value == "draft"
    assert draft.site_id == sites[hclm.id].id
    assert _timeline(a, live_server, referral.id)[-1] == "redirect"
