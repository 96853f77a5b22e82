"""Twenty simultaneous decisions on one referral: exactly one wins, the rest get 409.

Each thread sends a real API request through its own app context and database
session (the test client runs every request in a fresh context). The PostgreSQL
variant is the one that matters (row locks under real concurrency); the SQLite
variant checks the same contract on the embedded default.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from referral_app.api import tokens
from referral_app.models import Notification, Referral, ReferralEvent, ReferralState
from tests.concurrency import at_once
from tests.services import require_postgres_pass

THREADS = 20


def _race(app, db, cast):
    referral = cast.referral("acknowledged")
    deciders = [cast.receiving["coordinator"], cast.receiving["nurse"]]
    plain = {}
    for user in deciders:
        _row, plain[user.id] = tokens.create_token(user, "race")
    db.session.commit()
    version, referral_id = referral.version, referral.id
    token_of = [plain[deciders[0].id], plain[deciders[1].id]]
    events_before = db.session.scalar(select(func.count(ReferralEvent.id)))
    outbox_before = db.session.scalar(select(func.count(Notification.id)))

    def decide(i: int) -> tuple[int, dict]:
        body = {"event": "accept", "version": version}
        if i % 2:
            body = {**body, "event": "decline", "reason_code": "no_capacity", "note": "Full"}
        response = app.test_client().post(
            f"/api/v1/referrals/{referral_id}/transitions",
            json=body,
            headers={"Authorization": f"Bearer {token_of[i % 2]}"},
        )
        return response.status_code, response.get_json()

    results = at_once(THREADS, decide)

    statuses = sorted(status for status, _body in results)
    assert len(results) == THREADS
    assert statuses == [200] + [409] * (THREADS - 1), results
    assert all(b["error"]["code"] == "stale" for s, b in results if s == 409)
    db.session.expire_all()
    final = db.session.get(Referral, referral_id)
    assert final.state in (ReferralState.ACCEPTED, ReferralState.DECLINED)
    assert final.version == version + 1
    new_events = db.session.scalars(
        select(ReferralEvent).where(ReferralEvent.id > 0).order_by(ReferralEvent.id)
    ).all()[events_before:]
    assert len(new_events) == 1
    assert new_events[0].to_state == final.state
    outbox = db.session.scalars(select(Notification)).all()[outbox_before:]
    assert outbox and {n.dedupe_key.split(":")[1] for n in outbox} == {str(new_events[0].id)}


@pytest.mark.postgres
def test_concurrent_decisions_on_postgresql(app, db, cast):
    require_postgres_pass()
    _race(app, db, cast)


def test_concurrent_decisions_on_the_current_database(app, db, cast):
    _race(app, db, cast)
