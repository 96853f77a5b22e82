"""The business-day durations the workflow stores on a referral for the reports.

March 2026 has no Quebec holiday; 2026-03-02 is a Monday.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from referral_app.models import Referral, ReferralState, Role
from referral_app.workflow import durations as stored_durations
from referral_app.workflow import engine

S = ReferralState


def day(date: str, hour: int = 15) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(date), dt.time(hour), tzinfo=dt.UTC)


def durations(referral: Referral) -> tuple[int | None, int | None, int | None]:
    return (
        referral.ack_business_days,
        referral.decision_business_days,
        referral.enrollment_business_days,
    )


def test_each_milestone_stores_its_business_days(cast, db):
    referral = cast.referral("submitted", submitted_at=day("2026-03-02"))
    receiver, referrer = cast.receiving["coordinator"], cast.referring["physician"]

    def apply(event, when, actor=receiver, **data):
        engine.apply_event(referral, event, actor, version=referral.version, data=data, now=when)

    assert durations(referral) == (None, None, None)
    apply("acknowledge", day("2026-03-04"))
    assert durations(referral) == (2, None, None)
    # Waiting for information Thursday 5 -> Tuesday 10: Fri, Mon, Tue = 3 paused days.
    apply("request_info", day("2026-03-05"), note="PET scan?")
    apply("provide_info", day("2026-03-10"), referrer, note="Attached")
    assert referral.paused_business_days == 3
    # Accepted Thursday 12: 8 business days after submission, less 3 paused.
    apply("accept", day("2026-03-12"))
    assert durations(referral) == (2, 5, None)
    apply("start_screening", day("2026-03-16"), consent_on="2026-03-16")
    apply("enroll", day("2026-03-23"), enrolled_on="2026-03-20", study_subject_id="S-1")
    db.session.commit()
    db.session.refresh(referral)
    # Enrolled on Friday 20: 14 business days after Monday 2.
    assert durations(referral) == (2, 5, 14)


def test_forward_restarts_the_acknowledgement_and_a_decision_answers_it(cast, db):
    referral = cast.referral("submitted", submitted_at=day("2026-03-02"))
    receiver = cast.receiving["coordinator"]
    engine.apply_event(referral, "acknowledge", receiver, version=None, now=day("2026-03-03"))
    assert referral.ack_business_days == 1
    engine.apply_event(
        referral,
        "forward",
        receiver,
        version=None,
        data={"target_site_id": cast.other_site.id, "note": "Closer"},
        now=day("2026-03-04"),
    )
    assert durations(referral) == (None, None, None)
    new_receiver = cast.make.user(cast.other_site.centre, Role.COORDINATOR)
    engine.apply_event(
        referral,
        "decline",
        new_receiver,
        version=None,
        data={"reason_code": "no_capacity", "note": "Full"},
        now=day("2026-03-06"),
    )
    # The first answer after the forward is the decision: Friday 6, 4 business days.
    assert durations(referral) == (4, 4, None)


def test_declining_while_waiting_for_information_ends_the_pause_first(cast, db):
    referral = cast.referral("acknowledged", submitted_at=day("2026-03-02"))
    receiver = cast.receiving["coordinator"]
    engine.apply_event(
        referral, "request_info", receiver, version=None, data={"note": "?"}, now=day("2026-03-03")
    )
    engine.apply_event(
        referral,
        "decline",
        receiver,
        version=None,
        data={"reason_code": "not_eligible", "note": "Sorry"},
        now=day("2026-03-09"),
    )
    # Paused Wed 4, Thu 5, Fri 6, Mon 9 = 4 of the 5 business days to the decision.
    assert referral.paused_business_days == 4
    assert referral.decision_business_days == 1


def test_a_draft_has_no_durations(cast, db):
    referral = cast.referral("draft")
    stored_durations.record(referral)
    assert durations(referral) == (None, None, None)


@pytest.mark.parametrize(
    "column", ["ack_business_days", "decision_business_days", "enrollment_business_days"]
)
def test_negative_durations_are_refused_by_the_database(cast, db, column):
    referral = cast.referral("enrolled")
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(
            sa.update(Referral).where(Referral.id == referral.id).values({column: -1})
        )
        db.session.flush()
    db.session.rollback()


def test_a_question_after_the_decision_does_not_change_the_decision_time(cast, db):
    """The decision clock stops at the decision; later pauses belong to no clock."""
    referral = cast.referral("submitted", submitted_at=day("2026-03-02"))
    receiver, referrer = cast.receiving["coordinator"], cast.referring["physician"]

    def apply(event, when, actor=receiver, **data):
        engine.apply_event(referral, event, actor, version=referral.version, data=data, now=when)

    apply("accept", day("2026-03-05"))
    assert referral.decision_business_days == 3
    apply("request_info", day("2026-03-06"), note="Latest CT?")
    apply("provide_info", day("2026-03-12"), referrer, note="Attached")
    assert referral.paused_business_days > 0
    assert referral.decision_business_days == 3
