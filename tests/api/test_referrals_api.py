"""The JSON API end to end: filing, lists, detail, transitions, errors."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from referral_app import patient_data
from referral_app.models import AuditLog, Referral, ReferralState
from referral_app.timeutil import local_today, utcnow

S = ReferralState


def _new_referral(cast, **changes):
    body = {
        "site_id": cast.site.id,
        "urgency": "urgent",
        "patient_consent": True,
        "patient": {
            "name": "Jeanne Tremblay",
            "date_of_birth": "1960-03-15",
            "health_insurance_number": "TREM 6053 1512",
            "phone": "514-555-0199",
        },
        "patient_region_id": cast.site.centre.region_id,
        "diagnosis": "NSCLC",
        "histology": "Adenocarcinoma",
        "stage": "IV",
        "biomarkers": "EGFR+",
        "ecog": 1,
        "prior_lines": 1,
    }
    body.update(changes)
    return body


def test_openapi_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"] == "3.0.3"
    assert "/api/v1/referrals/{referral_id}/transitions" in doc["paths"]
    assert "422" not in str(doc["paths"]["/api/v1/referrals"]["post"]["responses"])


def test_trials_search_and_detail(api_as, cast, db):
    api = api_as(cast.referring["coordinator"])
    trial = cast.site.trial
    status, body = api.get(f"/api/v1/trials?q={trial.acronym}")
    assert status == 200
    assert [t["id"] for t in body["items"]] == [trial.id]
    assert body["meta"]["total"] == 1
    status, body = api.get(f"/api/v1/trials/{trial.id}")
    assert status == 200
    assert {s["id"] for s in body["sites"]} == {cast.site.id, cast.other_site.id}
    assert api.get("/api/v1/trials/999999")[0] == 404
    status, body = api.get("/api/v1/trials?status=bogus&per_page=1000")
    assert status == 400
    assert set(body["error"]["fields"]) == {"status", "per_page"}


def test_draft_to_enrolled_through_the_api(api_as, cast, db):
    referrer = api_as(cast.referring["physician"])
    receiver = api_as(cast.receiving["coordinator"])

    status, draft = referrer.post("/api/v1/referrals", json=_new_referral(cast))
    assert status == 201, draft
    assert draft["state"] == "draft" and draft["reference"] is None
    assert draft["patient"]["health_insurance_number"] == "TREM60531512"
    referral_id = draft["id"]

    steps = [
        (referrer, "submit", {}),
        (receiver, "acknowledge", {}),
        (receiver, "request_info", {"note": "Latest CT?"}),
        (referrer, "provide_info", {"note": "Uploaded"}),
        (receiver, "accept", {}),
        (
            receiver,
            "schedule_consult",
            {"consult_on": (local_today() + dt.timedelta(days=20)).isoformat()},
        ),
        (receiver, "start_screening", {"consent_on": local_today().isoformat()}),
        (
            receiver,
            "enroll",
            {"enrolled_on": local_today().isoformat(), "study_subject_id": "S-9"},
        ),
    ]
    version = draft["version"]
    for api, event, fields in steps:
        status, body = api.post(
            f"/api/v1/referrals/{referral_id}/transitions",
            json={"event": event, "version": version, **fields},
        )
        assert status == 200, (event, body)
        version = body["version"]
    assert body["state"] == "enrolled"
    assert body["reference"].startswith("REF-")
    status, events = referrer.get(f"/api/v1/referrals/{referral_id}/events")
    assert [e["event"] for e in events["items"]] == ["save_draft"] + [s[1] for s in steps]
    status, notes = referrer.get("/api/v1/notifications")
    assert status == 200
    assert {"referral_enroll", "referral_accept"} <= {n["kind"] for n in notes["items"]}


def test_decline_then_redirect_through_the_api(api_as, cast, db):
    referrer = api_as(cast.referring["coordinator"])
    receiver = api_as(cast.receiving["nurse"])
    status, body = referrer.post("/api/v1/referrals", json=_new_referral(cast, submit=True))
    assert status == 201 and body["state"] == "submitted"
    status, body = receiver.post(
        f"/api/v1/referrals/{body['id']}/transitions",
        json={
            "event": "decline",
            "version": body["version"],
            "reason_code": "no_capacity",
            "note": "Full",
            "suggested_site_id": cast.other_site.id,
        },
    )
    assert status == 200 and body["state"] == "declined"
    old_id = body["id"]
    status, new = referrer.post(
        "/api/v1/referrals",
        json={"site_id": cast.other_site.id, "redirect_from": old_id, "submit": True},
    )
    assert status == 201, new
    assert new["previous_referral_id"] == old_id
    assert new["state"] == "submitted"
    assert new["receiving_centre"]["id"] == cast.other_site.centre_id
    assert new["diagnosis"] == "NSCLC"

    # A second redirect finds the live one; none may go back to the declining site.
    status, again = referrer.post(
        "/api/v1/referrals",
        json={"site_id": cast.other_site.id, "redirect_from": old_id},
    )
    assert status == 409 and again["error"]["code"] == "existing_referral"
    assert again["error"]["existing_referral_id"] == new["id"]
    status, back = referrer.post(
        "/api/v1/referrals", json={"site_id": cast.site.id, "redirect_from": old_id}
    )
    assert status == 400 and set(back["error"]["fields"]) == {"site_id"}


def test_input_errors_are_400_with_fields(api_as, cast, db):
    api = api_as(cast.referring["coordinator"])
    status, body = api.post(
        "/api/v1/referrals", json=_new_referral(cast, ecog=9, surprise=1, urgency="now")
    )
    assert status == 400
    assert set(body["error"]["fields"]) == {"ecog", "surprise", "urgency"}
    bad_hin = _new_referral(cast)
    bad_hin["patient"]["health_insurance_number"] = "12"
    status, body = api.post("/api/v1/referrals", json=bad_hin)
    assert status == 400
    assert set(body["error"]["fields"]) == {"health_insurance_number"}
    status, body = api.post("/api/v1/referrals", json={"site_id": 999999})
    assert status == 400 and "site_id" in body["error"]["fields"]
    response = api.client.post(
        "/api/v1/referrals",
        data="{not json",
        content_type="application/json",
        headers=api._headers(),
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid"
    status, body = api.post("/api/v1/referrals", json=[1, 2])
    assert status == 400
    status, body = api.post(
        "/api/v1/referrals", json=_new_referral(cast, patient_consent=False, submit=True)
    )
    assert status == 400 and "patient_consent" in body["error"]["fields"]
    assert db.session.scalar(select(func.count(Referral.id))) == 0


def test_refusals_are_409(api_as, cast, db, make):
    api = api_as(cast.referring["coordinator"])
    own_site = make.site(cast.site.trial, cast.referring["coordinator"].centre)
    db.session.commit()
    status, body = api.post("/api/v1/referrals", json=_new_referral(cast, site_id=own_site.id))
    assert status == 409 and "own centre" in body["error"]["message"]
    existing = cast.referral(
        "accepted",
        identifiers=patient_data.PatientIdentifiers("J", dt.date(1960, 3, 15), "TREM60531512"),
    )
    db.session.commit()
    status, body = api.post("/api/v1/referrals", json=_new_referral(cast, submit=True))
    assert status == 409
    assert body["error"]["code"] == "duplicate"
    assert body["error"]["existing_referral_id"] == existing.id


def test_transition_errors(api_as, cast, db):
    referral = cast.referral("submitted")
    db.session.commit()
    receiver = api_as(cast.receiving["coordinator"])
    url = f"/api/v1/referrals/{referral.id}/transitions"
    v = referral.version
    # Its fields complete (the document requires them), the event is still illegal here.
    enroll = {
        "event": "enroll",
        "version": v,
        "enrolled_on": "2024-01-02",
        "study_subject_id": "S1",
    }
    status, body = receiver.post(url, json=enroll)
    assert status == 409 and body["error"]["code"] == "illegal_transition"
    status, body = receiver.post(url, json={"event": "decline", "version": v})
    assert status == 400 and set(body["error"]["fields"]) == {"reason_code", "note"}
    status, body = receiver.post(url, json={"event": "jump", "version": "x"})
    assert status == 400 and set(body["error"]["fields"]) == {"event", "version"}
    status, body = receiver.post(url, json={"event": "acknowledge", "version": v})
    assert status == 200
    status, body = receiver.post(url, json={"event": "accept", "version": v})
    assert status == 409 and body["error"]["code"] == "stale"
    assert "changed since" in body["error"]["message"]
    referrer = api_as(cast.referring["coordinator"])
    status, body = referrer.post(url, json={"event": "accept", "version": v + 1})
    assert status == 409 and body["error"]["code"] == "not_permitted"


def test_visibility_lists_and_identifiers(api_as, cast, db, make):
    # acknowledged an hour ago: its decision is not due yet, whatever today is
    recently, minutes = utcnow() - dt.timedelta(hours=1), dt.timedelta(minutes=5)
    referral = cast.referral("acknowledged", urgency="urgent", submitted_at=recently, step=minutes)
    late = cast.referral("submitted", submitted_at=dt.datetime(2025, 1, 6, tzinfo=dt.UTC))
    draft = cast.referral("draft")
    db.session.commit()
    outsider = api_as(cast.outsider["coordinator"])
    assert outsider.get(f"/api/v1/referrals/{referral.id}")[0] == 404
    assert outsider.post(f"/api/v1/referrals/{referral.id}/comments", json={"body": "hi"})[0] == 404
    assert outsider.get("/api/v1/referrals")[1]["meta"]["count"] == 0

    receiver = api_as(cast.receiving["nurse"])
    status, body = receiver.get("/api/v1/referrals?box=incoming&per_page=1")
    assert status == 200 and body["meta"]["count"] == 2 and body["meta"]["next"]
    status, rest = receiver.get(
        f"/api/v1/referrals?box=incoming&per_page=1&after={body['meta']['next']}"
    )
    assert status == 200 and rest["meta"]["next"] is None
    assert {body["items"][0]["id"], rest["items"][0]["id"]} == {referral.id, late.id}
    assert receiver.get(f"/api/v1/referrals/{draft.id}")[0] == 404
    status, body = receiver.get("/api/v1/referrals?box=incoming&overdue=true")
    assert [r["id"] for r in body["items"]] == [late.id]
    assert body["items"][0]["overdue"] == "acknowledge"
    status, body = receiver.get("/api/v1/referrals?box=incoming&state=acknowledged")
    assert [r["id"] for r in body["items"]] == [referral.id]
    assert "patient" not in body["items"][0]  # lists never carry identifiers

    status, body = receiver.get(f"/api/v1/referrals/{referral.id}")
    assert body["patient"]["name"] == patient_data.load(referral).name
    assert "accept" in body["available_events"]
    rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "view_identifiers")).all()
    assert [(r.user_id, r.details["channel"]) for r in rows] == [
        (cast.receiving["nurse"].id, "api")
    ]

    manager = api_as(cast.receiving["manager"])
    status, body = manager.get(f"/api/v1/referrals/{referral.id}")
    assert status == 200 and body["patient"] is None

    referrer = api_as(cast.referring["coordinator"])
    status, body = referrer.get("/api/v1/referrals?box=outgoing")
    assert {r["id"] for r in body["items"]} == {referral.id, late.id, draft.id}


def test_comments(api_as, cast, db):
    referral = cast.referral("accepted")
    db.session.commit()
    receiver = api_as(cast.receiving["coordinator"])
    status, body = receiver.post(
        f"/api/v1/referrals/{referral.id}/comments", json={"body": "Consult on Monday"}
    )
    assert status == 201 and body["body"] == "Consult on Monday"
    assert receiver.post(f"/api/v1/referrals/{referral.id}/comments", json={"body": ""})[0] == 400
    referrer = api_as(cast.referring["coordinator"])
    status, body = referrer.get(f"/api/v1/referrals/{referral.id}/comments")
    assert [c["body"] for c in body["items"]] == ["Consult on Monday"]
    status, notes = referrer.get("/api/v1/notifications")
    assert notes["items"][0]["kind"] == "referral_comment"  # the newest first


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/referrals/abc"])
def test_unknown_paths_are_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_api_messages_follow_accept_language(api_as, cast, db, client):
    referral = cast.referral("submitted")
    db.session.commit()
    receiver = api_as(cast.receiving["coordinator"])
    url = f"/api/v1/referrals/{referral.id}/transitions"
    stale = {"event": "acknowledge", "version": referral.version + 5}
    headers = {**receiver._headers(), "Accept-Language": "fr-CA,fr;q=0.9"}
    response = client.post(url, json=stale, headers=headers)
    assert response.status_code == 409
    assert "changé" in response.json["error"]["message"]
    status, body = receiver.post(url, json=stale)
    assert status == 409 and "changed since" in body["error"]["message"]
