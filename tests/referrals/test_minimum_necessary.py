"""The minimum necessary: managers and admins see what reports need, not the patient.

A manager of either centre opens a referral and reads its state, dates, trial,
centres and reason codes; the clinical summary, notes, event notes and messages
are withheld, on the page and in the API. An admin sees them only after stating a
reason, which the audit log keeps.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from referral_app.models import AuditLog
from referral_app.referrals import services
from referral_app.workflow import engine
from tests.api.conftest import api_as  # noqa: F401 (the fixture)

MARK = "XQZ"  # in every clinical text of the referral, so a leak is one search away
CLINICAL = {
    "diagnosis": f"Adenocarcinoma {MARK}",
    "histology": f"Acinar {MARK}",
    "stage": f"IV{MARK}",
    "biomarkers": f"EGFR {MARK}",
    "clinical_notes": f"Progression after osimertinib {MARK}",
}


@pytest.fixture
def story(cast, db):
    """A declined referral with clinical content, a question, an answer and a message."""
    referral = cast.referral("acknowledged", **CLINICAL)
    receiver = cast.receiving["coordinator"]
    engine.apply_event(
        referral,
        "request_info",
        receiver,
        version=referral.version,
        data={"note": f"Latest CT report? {MARK}"},
    )
    engine.apply_event(
        referral,
        "provide_info",
        cast.referring["coordinator"],
        version=referral.version,
        data={"note": f"Attached {MARK}"},
    )
    engine.add_comment(referral, receiver, f"We will call the patient {MARK}")
    engine.apply_event(
        referral,
        "decline",
        receiver,
        version=referral.version,
        data={"reason_code": "not_eligible", "note": f"EGFR negative {MARK}"},
    )
    db.session.commit()
    return referral


def _page(client, login, user, referral) -> str:
    login(user)
    response = client.get(f"/referrals/{referral.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("side", ["referring", "receiving"])
def test_a_manager_reads_the_facts_not_the_patient(client, login, cast, story, side):
    html = _page(client, login, getattr(cast, side)["manager"], story)
    assert story.reference in html
    assert story.trial.acronym in html and story.site.centre.short_name in html
    assert "Declined" in html and "Not eligible" in html  # state and reason code
    assert MARK not in html
    assert "clinical-withheld" in html


def test_clinical_staff_still_read_everything(client, login, cast, story):
    html = _page(client, login, cast.receiving["nurse"], story)
    assert html.count(MARK) >= 7
    assert "clinical-withheld" not in html


def test_the_api_gives_a_manager_no_clinical_content(api_as, cast, story):  # noqa: F811
    api = api_as(cast.receiving["manager"])
    status, body = api.get(f"/api/v1/referrals/{story.id}")
    assert status == 200
    assert body["state"] == "declined" and body["outcome_reason"] == "not_eligible"
    for name in services.CLINICAL_FIELDS:
        assert name not in body, name
    assert MARK not in str(body)
    status, events = api.get(f"/api/v1/referrals/{story.id}/events")
    assert status == 200 and len(events["items"]) >= 4
    assert {e["reason_code"] for e in events["items"]} >= {"not_eligible"}
    assert MARK not in str(events)
    status, comments = api.get(f"/api/v1/referrals/{story.id}/comments")
    assert status == 403 and comments["error"]["code"] == "forbidden"

    coordinator = api_as(cast.receiving["coordinator"])
    status, body = coordinator.get(f"/api/v1/referrals/{story.id}")
    assert all(name in body for name in services.CLINICAL_FIELDS)
    status, comments = coordinator.get(f"/api/v1/referrals/{story.id}/comments")
    assert status == 200 and MARK in comments["items"][0]["body"]


def test_an_admin_sees_clinical_content_only_after_a_recorded_reason(
    client, login, cast, story, db
):
    admin = cast.outsider["admin"]
    html = _page(client, login, admin, story)
    assert MARK not in html
    assert "Show identifiers and clinical content" in html
    reason = "Privacy officer audit 2026-114"
    shown = client.post(f"/referrals/{story.id}/identifiers", data={"reason": reason})
    assert MARK in shown.get_data(as_text=True)
    rows = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "view_identifiers", AuditLog.user_id == admin.id)
    ).all()
    assert [row.reason for row in rows] == [reason]
    # The reason covered that one display, not the next.
    assert MARK not in client.get(f"/referrals/{story.id}").get_data(as_text=True)
