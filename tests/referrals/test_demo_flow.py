"""The demo network, end to end: two centres take referrals through the browser pages.

Elodie (CHUM coordinator) refers to a trial site at the JGH; Nadia (JGH nurse)
handles it. One referral goes to enrolled; another is declined and redirected.
Geneviève, at the CHU de Québec, sees neither.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from referral_app import seed_data
from referral_app.models import (
    Centre,
    Referral,
    ReferralState,
    SiteStatus,
    Trial,
    TrialSite,
    TrialStatus,
    User,
)
from referral_app.seeding import seed_demo
from referral_app.timeutil import local_today
from tests.forms import page_form

S = ReferralState


def _user(db, email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _jgh_site(db) -> TrialSite:
    jgh = db.session.scalar(select(Centre).where(Centre.short_name == "JGH"))
    return db.session.scalars(
        select(TrialSite)
        .join(Trial)
        .where(
            TrialSite.centre_id == jgh.id,
            TrialSite.status == SiteStatus.RECRUITING,
            Trial.status == TrialStatus.RECRUITING,
        )
        .order_by(TrialSite.id)
    ).first()


def _file(client, site: TrialSite, hin: str, dob: str) -> int:
    """Fill the page's form as a person would (every field it sends), then submit."""
    path = f"/referrals/new/{site.id}"
    form = page_form(client.get(path).text, having="diagnosis")
    typed = {
        "urgency": "routine",
        "patient_consent": ["", "y"],  # ticked: the hidden companion and the box
        "patient_name": "Demo Patient",
        "date_of_birth": dob,
        "health_insurance_number": hin,
        "patient_language": "fr",
        "patient_region_id": str(site.centre.region_id),
        "diagnosis": "Demo diagnosis",
        "stage": "III",
        "ecog": "1",
        "prior_lines": "0",
    }
    form.update({k: v if isinstance(v, list) else [v] for k, v in typed.items()})
    form["action"] = ["submit"]
    response = client.post(path, data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    return int(re.search(r"/referrals/(\d+)$", response.headers["Location"]).group(1))


def _site_elsewhere(db, site: TrialSite, referring_centre_id: int) -> TrialSite:
    """Another recruiting site of the trial, else of any trial, at a third centre."""
    candidates = (
        select(TrialSite)
        .join(Trial)
        .where(
            TrialSite.status == SiteStatus.RECRUITING,
            Trial.status == TrialStatus.RECRUITING,
            TrialSite.centre_id.not_in([site.centre_id, referring_centre_id]),
        )
        .order_by(TrialSite.trial_id != site.trial_id, TrialSite.id)
    )
    return db.session.scalars(candidates).first()


def elevated(html: str, name: str) -> bool:
    """``name`` is the first site offered on the redirect page."""
    sites = re.findall(r'<li class="d-flex[^"]*">\s*<span>(.*?)</span>', html, re.S)
    return bool(sites) and sites[0].startswith(name)


def _act(client, referral_id: int, event: str, db, **fields):
    db.session.expire_all()
    version = db.session.get(Referral, referral_id).version
    response = client.post(
        f"/referrals/{referral_id}/events/{event}", data={"version": version, **fields}
    )
    assert response.status_code == 302
    db.session.expire_all()
    return db.session.get(Referral, referral_id)


def test_demo_users_take_referrals_through_the_pages(app, db, client, login):
    seed_demo()
    site = _jgh_site(db)
    elodie = _user(db, "elodie.marchand@chum.passerelle.test")
    nadia = _user(db, "nadia.haddad@jgh.passerelle.test")
    genevieve = _user(db, "genevieve.turcotte@chudequebec.passerelle.test")
    password = seed_data.DEMO_PASSWORD

    login(elodie, password)
    first = _file(client, site, "DEMP 7001 0101", "1970-01-01")
    second = _file(client, site, "DEMO 7502 0202", "1975-02-02")
    client.post("/logout")

    login(nadia, password)
    inbox = client.get("/referrals/incoming").get_data(as_text=True)
    for referral_id in (first, second):
        assert db.session.get(Referral, referral_id).reference in inbox
    _act(client, first, "acknowledge", db)
    _act(client, first, "accept", db)
    consult_on = (local_today() + dt.timedelta(days=10)).isoformat()
    _act(client, first, "schedule_consult", db, consult_on=consult_on)
    _act(client, first, "start_screening", db, consent_on=local_today().isoformat())
    done = _act(
        client,
        first,
        "enroll",
        db,
        enrolled_on=local_today().isoformat(),
        study_subject_id="JGH-001",
    )
    assert done.state == S.ENROLLED
    elsewhere = _site_elsewhere(db, site, elodie.centre_id)
    declined = _act(
        client,
        second,
        "decline",
        db,
        reason_code="better_served_elsewhere",
        note="Closer to home",
        suggested_site_id=str(elsewhere.id),
    )
    assert declined.state == S.DECLINED
    client.post("/logout")

    login(elodie, password)
    page = client.get(f"/referrals/{second}").get_data(as_text=True)
    assert "Redirect" in page or "Rediriger" in page
    choice = client.get(f"/referrals/{second}/redirect").get_data(as_text=True)
    assert elevated(choice, elsewhere.centre.name)  # the suggested site comes first
    response = client.post(
        f"/referrals/{second}/redirect",
        data={"site_id": str(elsewhere.id), "version": str(declined.version)},
    )
    assert response.status_code == 302
    draft = db.session.scalar(select(Referral).where(Referral.previous_referral_id == second))
    assert draft.state == S.DRAFT and draft.referring_user_id == elodie.id
    assert draft.site_id == elsewhere.id
    client.post("/logout")

    login(genevieve, password)
    for referral_id in (first, second, draft.id):
        assert client.get(f"/referrals/{referral_id}").status_code == 404
