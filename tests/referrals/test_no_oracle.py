"""A centre outside a referral learns nothing of it by typing its patient's number.

The duplicate refusal and the other-trials warning name a referral only to the
staff of its two centres; a third centre is told that an open referral exists and
where to get help, and the attempt goes to the audit log.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from referral_app import patient_data
from referral_app.models import AuditLog, Referral
from tests.api.conftest import api_as  # noqa: F401 (the fixture)
from tests.referrals.test_views import _form, _html

PATIENT = patient_data.PatientIdentifiers("Jeanne Tremblay", dt.date(1960, 3, 15), "TREM60531512")


def _existing(cast, db):
    """An open referral of PATIENT between the referring and receiving centres."""
    existing = cast.referral("accepted", identifiers=PATIENT)
    db.session.commit()
    return existing


def _names_of(existing: Referral) -> list[str]:
    """What must not reach a third centre: id links, reference, the trial, the centres."""
    return [
        existing.reference,
        f"/referrals/{existing.id}",
        existing.referring_centre.name,
        existing.referring_centre.short_name,
    ]


def _audited(db, action="duplicate_elsewhere") -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action)))


def test_a_third_centre_is_refused_without_learning_which_referral(client, login, cast, db):
    existing = _existing(cast, db)
    outsider = cast.outsider["coordinator"]
    login(outsider)
    response = client.post(f"/referrals/new/{cast.site.id}", data=_form(cast, action="submit"))
    html = _html(response)
    assert "An open referral for this patient and this trial already exists" in html
    assert "research coordinators can help" in html
    for name in _names_of(existing):
        assert name not in html, name
    assert db.session.scalar(select(func.count(Referral.id))) == 1  # nothing kept
    rows = _audited(db)
    assert len(rows) == 1
    assert rows[0].user_id == outsider.id
    assert rows[0].details["existing_referral_id"] == existing.id


def test_the_referring_centre_still_gets_the_link(client, login, cast, db):
    existing = _existing(cast, db)
    login(cast.referring["physician"])
    html = _html(client.post(f"/referrals/new/{cast.site.id}", data=_form(cast, action="submit")))
    assert existing.reference in html and f'href="/referrals/{existing.id}"' in html
    assert _audited(db) == []


def test_the_api_refusal_names_nothing_either(api_as, cast, db):  # noqa: F811
    existing = _existing(cast, db)
    api = api_as(cast.outsider["coordinator"])
    body = {
        "site_id": cast.site.id,
        "urgency": "urgent",
        "patient_consent": True,
        "patient": {
            "name": PATIENT.name,
            "date_of_birth": PATIENT.date_of_birth.isoformat(),
            "health_insurance_number": PATIENT.health_insurance_number,
        },
        "patient_region_id": cast.site.centre.region_id,
        "diagnosis": "NSCLC",
        "stage": "IV",
        "ecog": 1,
        "prior_lines": 1,
        "submit": True,
    }
    status, answer = api.post("/api/v1/referrals", json=body)
    assert status == 409
    error = answer["error"]
    assert error["code"] == "duplicate"
    assert "existing_referral_id" not in error
    text = str(answer)
    for name in _names_of(existing):
        assert name not in text, name
    assert str(existing.id) not in str(error)
    assert len(_audited(db)) == 1


def test_the_other_trials_warning_shows_only_what_the_caller_may_see(client, login, cast, db, make):
    existing = _existing(cast, db)  # between the referring and receiving centres
    outsider = cast.outsider["coordinator"]
    other_trial_site = make.site(make.trial(), cast.site.centre)
    mine = make.referral(
        "draft", site=other_trial_site, referring_user=outsider, identifiers=PATIENT
    )
    db.session.commit()
    login(outsider)
    html = _html(client.get(f"/referrals/{mine.id}/edit"))
    assert "also has an open referral" not in html
    for name in _names_of(existing):
        assert name not in html, name
    rows = _audited(db)
    assert rows and rows[0].details["existing_referral_ids"] == [existing.id]

    # The referring centre's own coordinator, filing to the other trial, is warned.
    own = make.referral(
        "draft",
        site=other_trial_site,
        referring_user=cast.referring["coordinator"],
        identifiers=PATIENT,
    )
    db.session.commit()
    client.post("/logout")
    login(cast.referring["coordinator"])
    warned = _html(client.get(f"/referrals/{own.id}/edit"))
    assert existing.reference in warned
