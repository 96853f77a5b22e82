"""Idempotent writes, audited answers and errors that say what happened (issue 10)."""

from __future__ import annotations

import os
import threading
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from referral_app import db_errors
from referral_app.api.core import purge_idempotency_keys
from referral_app.models import AuditLog, Comment, IdempotencyKey, Referral, ReferralEvent, Region
from referral_app.timeutil import utcnow
from tests.api.test_referrals_api import _new_referral


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def _views_of(db, referral_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(AuditLog.id)).where(
            AuditLog.action == "view_identifiers", AuditLog.object_id == referral_id
        )
    )


def test_identifiers_in_a_write_answer_are_audited(api_as, cast, db):
    """Regression: the answer of a create or a transition showed identifiers after
    the commit, so the audit row of that display was rolled back."""
    referrer = api_as(cast.referring["coordinator"])
    status, body = referrer.post("/api/v1/referrals", json=_new_referral(cast, submit=True))
    assert status == 201 and body["patient"]["name"]
    db.session.expire_all()
    assert _views_of(db, body["id"]) == 1
    receiver = api_as(cast.receiving["nurse"])
    status, body = receiver.post(
        f"/api/v1/referrals/{body['id']}/transitions",
        json={"event": "acknowledge", "version": body["version"]},
    )
    assert status == 200 and body["patient"]["name"]
    db.session.expire_all()
    assert _views_of(db, body["id"]) == 2


def test_a_repeated_create_gets_the_first_answer(api_as, cast, db):
    api = api_as(cast.referring["coordinator"])
    headers = _key()
    first = api.client.post(
        "/api/v1/referrals",
        json=_new_referral(cast, submit=True),
        headers={**api.headers, **headers},
    )
    again = api.client.post(
        "/api/v1/referrals",
        json=_new_referral(cast, submit=True),
        headers={**api.headers, **headers},
    )
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(sa.select(sa.func.count(Referral.id))) == 1

    other = api.client.post(
        "/api/v1/referrals", json=_new_referral(cast), headers={**api.headers, **headers}
    )
    assert other.status_code == 409
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"


def test_a_repeated_transition_or_comment_does_it_once(api_as, cast, db):
    referral = cast.referral("submitted")
    db.session.commit()
    api = api_as(cast.receiving["coordinator"])
    headers = {**api.headers, **_key()}
    body = {"event": "acknowledge", "version": referral.version}
    first = api.client.post(
        f"/api/v1/referrals/{referral.id}/transitions", json=body, headers=headers
    )
    again = api.client.post(
        f"/api/v1/referrals/{referral.id}/transitions", json=body, headers=headers
    )
    assert first.status_code == again.status_code == 200  # not a 409 "stale"
    events = db.session.scalars(
        sa.select(ReferralEvent.event).where(ReferralEvent.referral_id == referral.id)
    ).all()
    assert events.count("acknowledge") == 1

    headers = {**api.headers, **_key()}
    for _ in range(2):
        response = api.client.post(
            f"/api/v1/referrals/{referral.id}/comments", json={"body": "Vu."}, headers=headers
        )
        assert response.status_code == 201
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 1


def test_a_malformed_key_is_refused(api_as, cast, db):
    api = api_as(cast.referring["coordinator"])
    response = api.client.post(
        "/api/v1/referrals",
        json=_new_referral(cast),
        headers={**api.headers, "Idempotency-Key": "x" * 101},
    )
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Referral.id))) == 0


def test_the_header_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/referrals", "/api/v1/referrals/{referral_id}/transitions"):
        names = [p["name"] for p in spec["paths"][path]["post"].get("parameters", [])]
        assert "Idempotency-Key" in names, path


def test_old_answers_are_forgotten_after_a_day(api_as, cast, db):
    api = api_as(cast.referring["coordinator"])
    api.client.post(
        "/api/v1/referrals", json=_new_referral(cast), headers={**api.headers, **_key()}
    )
    assert purge_idempotency_keys(now=utcnow()) == 0
    import datetime as dt

    assert purge_idempotency_keys(now=utcnow() + dt.timedelta(hours=25)) == 1
    assert db.session.scalar(sa.select(sa.func.count(IdempotencyKey.id))) == 0


def test_concurrent_twins_create_one_referral(app, api_as, cast, db):
    """Two identical requests at once: one does the work, the other answers the same."""
    if os.environ.get("TEST_DB", "sqlite") != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (TEST_DB=postgresql)")
    api = api_as(cast.referring["coordinator"])
    headers = {**api.headers, **_key()}
    body = _new_referral(cast)
    barrier = threading.Barrier(4)
    answers = []

    def send():
        client = app.test_client()
        barrier.wait()
        answers.append(client.post("/api/v1/referrals", json=body, headers=headers))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [a.status_code for a in answers] == [201] * 4
    assert len({a.get_json()["id"] for a in answers}) == 1
    assert db.session.scalar(sa.select(sa.func.count(Referral.id))) == 1


def test_integrity_errors_say_what_they_are(db, make):
    region = make.region(code="ZZ")
    db.session.commit()
    db.session.add(Region(code="ZZ", name="Twin"))
    with pytest.raises(IntegrityError) as caught:
        db.session.commit()
    db.session.rollback()
    described = db_errors.describe(caught.value)
    assert described.code == "duplicate" and described.constraint.startswith("uq_regions_code")
    assert region.id


def test_a_lost_database_at_commit_is_a_503_that_says_retry(api_as, cast, db, monkeypatch):
    api = api_as(cast.referring["coordinator"])

    def lost():
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(db.session, "commit", lost)  # the one thing this machine cannot do
    status, body = api.post("/api/v1/referrals", json=_new_referral(cast))
    assert status == 503 and body["error"]["code"] == "unavailable"
    assert "Idempotency-Key" in body["error"]["message"]


def test_kept_answers_hold_no_readable_identifiers_and_replays_are_audited(api_as, cast, db):
    api = api_as(cast.referring["coordinator"])
    headers = {**api.headers, **_key()}
    first = api.client.post("/api/v1/referrals", json=_new_referral(cast), headers=headers)
    kept = db.session.scalar(sa.select(IdempotencyKey.answer_encrypted))
    assert "Jeanne" not in kept and "TREM" not in kept and first.get_json()["patient"]
    views = _views_of(db, first.get_json()["id"])
    again = api.client.post("/api/v1/referrals", json=_new_referral(cast), headers=headers)
    assert again.get_json()["patient"] == first.get_json()["patient"]
    db.session.expire_all()
    assert _views_of(db, first.get_json()["id"]) == views + 1
