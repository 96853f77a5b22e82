"""What applying an event does besides changing the state."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from referral_app import business_days
from referral_app.models import (
    Notification,
    NotificationChannel,
    ReferralEvent,
    ReferralState,
    SiteStatus,
    TrialStatus,
)
from referral_app.timeutil import local_today, utcnow
from referral_app.workflow import clocks, engine, errors
from referral_app.workflow.states import Event

S = ReferralState


def _outbox_for(db, event_row) -> list[Notification]:
    return db.session.scalars(
        select(Notification).where(Notification.dedupe_key.like(f"referral-event:{event_row.id}:%"))
    ).all()


def test_stale_version_changes_nothing(cast, db):
    referral = cast.referral("submitted")
    db.session.commit()
    outbox_before = db.session.scalar(select(func.count(Notification.id)))
    actor = cast.receiving["coordinator"]
    with pytest.raises(errors.StaleReferral) as caught, force_locale("en"):
        engine.apply_event(referral, "accept", actor, version=referral.version - 1)
    assert "changed since you opened it" in caught.value.message
    db.session.rollback()
    db.session.refresh(referral)
    assert referral.state == S.SUBMITTED
    assert db.session.scalar(select(func.count(Notification.id))) == outbox_before


def test_unknown_event_is_an_input_error(cast, db):
    referral = cast.referral("submitted")
    with pytest.raises(errors.TransitionInputError) as caught:
        engine.apply_event(referral, "teleport", cast.receiving["coordinator"], version=None)
    assert set(caught.value.fields) == {"event"}


def test_invalid_values_are_reported_per_field(cast, db):
    referral = cast.referral("screening")
    data = {"enrolled_on": "not a date", "study_subject_id": "x" * 61}
    with pytest.raises(errors.TransitionInputError) as caught:
        engine.apply_event(
            referral, "enroll", cast.receiving["nurse"], version=referral.version, data=data
        )
    assert set(caught.value.fields) == {"enrolled_on", "study_subject_id"}
    data = {"reason_code": "bogus", "note": "x"}
    with pytest.raises(errors.TransitionInputError) as caught:
        engine.apply_event(
            referral, "screen_fail", cast.receiving["nurse"], version=referral.version, data=data
        )
    assert set(caught.value.fields) == {"reason_code"}


def test_receiving_side_withdraws_only_for_patient_reasons(cast, db):
    referral = cast.referral("accepted")
    with pytest.raises(errors.TransitionInputError):
        engine.apply_event(
            referral,
            "withdraw",
            cast.receiving["coordinator"],
            version=referral.version,
            data={"reason_code": "referred_in_error"},
        )
    row = engine.apply_event(
        referral,
        "withdraw",
        cast.receiving["coordinator"],
        version=referral.version,
        data={"reason_code": "patient_unreachable"},
    )
    assert row.reason_code == "patient_unreachable"


def test_decision_milestones_and_terminal_outcome_reach_the_referrer(cast, db):
    referral = cast.referral("acknowledged")
    row = engine.apply_event(
        referral,
        "decline",
        cast.receiving["coordinator"],
        version=referral.version,
        data={
            "reason_code": "no_capacity",
            "note": "Full until spring",
            "suggested_site_id": str(cast.other_site.id),
        },
    )
    db.session.commit()
    assert referral.state == S.DECLINED
    assert referral.decided_at and referral.closed_at
    assert referral.outcome_reason == "no_capacity"
    assert row.data["suggested_site_id"] == cast.other_site.id
    outbox = _outbox_for(db, row)
    to_referrer = [n for n in outbox if n.recipient_id == cast.referring["coordinator"].id]
    assert {n.channel for n in to_referrer} == {
        NotificationChannel.IN_APP,
        NotificationChannel.EMAIL,
    }
    assert to_referrer[0].context["reason_code"] == "no_capacity"
    assert to_referrer[0].context["state"] == "declined"
    assert "Full until spring" not in str(to_referrer[0].context)  # notes stay in the app


def test_enroll_records_date_and_subject(cast, db):
    referral = cast.referral("screening")
    engine.apply_event(
        referral,
        "enroll",
        cast.receiving["physician_on_team"],
        version=referral.version,
        data={"enrolled_on": local_today().isoformat(), "study_subject_id": "S-042"},
    )
    db.session.commit()
    assert referral.state == S.ENROLLED
    assert referral.study_subject_id == "S-042"
    assert referral.enrolled_on == local_today()
    assert referral.closed_at is not None


def test_info_request_pauses_the_clock_and_returns_to_its_state(cast, db):
    submitted = dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC)  # a Monday
    referral = cast.referral("accepted", submitted_at=submitted)
    due_before = referral.decision_due_on
    asked = dt.datetime(2026, 3, 4, 15, tzinfo=dt.UTC)  # Wednesday
    answered = dt.datetime(2026, 3, 11, 15, tzinfo=dt.UTC)  # next Wednesday: 5 business days
    engine.apply_event(
        referral,
        "request_info",
        cast.receiving["coordinator"],
        version=referral.version,
        data={"note": "PET scan?"},
        now=asked,
    )
    assert referral.state == S.INFO_REQUESTED
    assert referral.state_before_info == S.ACCEPTED
    engine.apply_event(
        referral,
        "provide_info",
        cast.referring["physician"],
        version=referral.version,
        data={"note": "Done on March 3"},
        now=answered,
    )
    db.session.commit()
    assert referral.state == S.ACCEPTED
    assert referral.state_before_info is None
    assert referral.paused_business_days == 5
    assert referral.decision_due_on == business_days.add_business_days(due_before, 5)


def test_forward_moves_the_referral_and_tells_the_new_intake(cast, db, make):
    referral = cast.referral("acknowledged")
    new_intake = make.user(cast.other_site.centre)
    cast.other_site.intake_contacts = [new_intake]
    db.session.commit()
    row = engine.apply_event(
        referral,
        Event.FORWARD,
        cast.receiving["nurse"],
        version=referral.version,
        data={"target_site_id": cast.other_site.id, "note": "Closer to the patient"},
    )
    db.session.commit()
    assert referral.state == S.SUBMITTED
    assert referral.site_id == cast.other_site.id
    assert referral.receiving_centre_id == cast.other_site.centre_id
    assert referral.acknowledged_at is None
    recipients = {n.recipient_id for n in _outbox_for(db, row)}
    assert new_intake.id in recipients
    assert cast.referring["coordinator"].id in recipients
    # The old receiving centre no longer acts on it.
    assert engine.available_transitions(referral, cast.receiving["coordinator"]) == []
    assert row.data["target_site_label"].startswith(cast.other_site.centre.short_name)


@pytest.mark.parametrize("problem", ["same_site", "closed_site", "own_centre"])
def test_forward_refuses_bad_targets(cast, db, make, problem):
    referral = cast.referral("submitted")
    target = cast.other_site
    if problem == "same_site":
        target = cast.site
    elif problem == "closed_site":
        target.status = SiteStatus.CLOSED
    else:
        target = make.site(cast.site.trial, cast.referring["coordinator"].centre)
    db.session.flush()
    with pytest.raises(errors.TransitionInputError) as caught:
        engine.apply_event(
            referral,
            "forward",
            cast.receiving["coordinator"],
            version=referral.version,
            data={"target_site_id": target.id, "note": "x"},
        )
    assert set(caught.value.fields) == {"target_site_id"}


def test_submit_assigns_reference_clocks_and_notifies_intake(cast, db):
    draft = cast.referral("draft")
    db.session.commit()
    row = engine.apply_event(draft, "submit", cast.referring["physician"], version=draft.version)
    db.session.commit()
    assert draft.state == S.SUBMITTED
    assert re.fullmatch(rf"REF-{utcnow().year}-\d{{6}}", draft.reference)
    assert draft.reference.endswith(f"{draft.id:06d}")
    assert draft.ack_due_on == business_days.add_business_days(draft.submitted_at, 2)
    assert draft.decision_due_on == business_days.add_business_days(draft.submitted_at, 7)
    recipients = {n.recipient_id for n in _outbox_for(db, row)}
    assert recipients == {cast.receiving["coordinator"].id, cast.receiving["physician_on_team"].id}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("no_consent", errors.TransitionInputError),
        ("no_stage", errors.TransitionInputError),
        ("no_identifiers", errors.TransitionInputError),
        ("site_closed", errors.TransitionRefused),
        ("trial_closed", errors.TransitionRefused),
    ],
)
def test_submit_guards(cast, db, change, expected):
    kwargs = {"identifiers": False} if change == "no_identifiers" else {}
    draft = cast.referral("draft", **kwargs)
    if change == "no_consent":
        draft.patient_consent = False
    elif change == "no_stage":
        draft.stage = ""
    elif change == "site_closed":
        cast.site.status = SiteStatus.CLOSED
    elif change == "trial_closed":
        cast.site.trial.status = TrialStatus.CLOSED
    db.session.commit()
    with pytest.raises(expected):
        engine.apply_event(draft, "submit", cast.referring["coordinator"], version=draft.version)
    db.session.rollback()
    db.session.refresh(draft)
    assert draft.state == S.DRAFT and draft.reference is None


def test_duplicate_patient_same_trial_refused_other_trial_allowed(cast, db, make):
    first = cast.referral("accepted")
    from referral_app import patient_data

    same_patient = patient_data.load(first)
    draft = cast.referral("draft", identifiers=same_patient)
    db.session.commit()
    with pytest.raises(errors.DuplicateReferral) as caught:
        engine.apply_event(draft, "submit", cast.referring["coordinator"], version=draft.version)
    assert caught.value.existing.id == first.id
    db.session.rollback()

    other_trial_site = make.site(make.trial(), cast.site.centre)
    other = make.referral(
        "draft",
        site=other_trial_site,
        referring_user=cast.referring["coordinator"],
        identifiers=same_patient,
    )
    db.session.commit()
    engine.apply_event(other, "submit", cast.referring["coordinator"], version=other.version)
    assert other.state == S.SUBMITTED


def test_comment_tells_the_other_side(cast, db):
    referral = cast.referral("acknowledged")
    comment = engine.add_comment(referral, cast.referring["physician"], "  Any news?  ")
    db.session.commit()
    assert comment.body == "Any news?"
    rows = db.session.scalars(
        select(Notification).where(Notification.dedupe_key.like(f"referral-comment:{comment.id}:%"))
    ).all()
    assert {n.recipient_id for n in rows} == {
        cast.receiving["coordinator"].id,
        cast.receiving["physician_on_team"].id,
    }
    reply = engine.add_comment(referral, cast.receiving["nurse"], "Tomorrow.")
    db.session.commit()
    rows = db.session.scalars(
        select(Notification).where(Notification.dedupe_key.like(f"referral-comment:{reply.id}:%"))
    ).all()
    assert {n.recipient_id for n in rows} == {cast.referring["coordinator"].id}
    with pytest.raises(errors.NotPermitted):
        engine.add_comment(referral, cast.outsider["coordinator"], "Hello")
    with pytest.raises(errors.TransitionInputError):
        engine.add_comment(referral, cast.referring["physician"], "   ")


def test_overdue_flag_and_sql_clause_agree(cast, db):
    from referral_app.models import Referral

    long_ago = utcnow() - dt.timedelta(days=30)
    late_ack = cast.referral("submitted", submitted_at=long_ago)
    late_decision = cast.referral("acknowledged", submitted_at=long_ago)
    waiting = cast.referral("info_requested", submitted_at=long_ago)
    fresh = cast.referral("submitted", submitted_at=utcnow())
    decided = cast.referral("accepted", submitted_at=long_ago)
    db.session.commit()
    assert clocks.overdue_kind(late_ack) == "acknowledge"
    assert clocks.overdue_kind(late_decision) == "decision"
    assert clocks.overdue_kind(waiting) == "information"  # the referrer's answer is late
    assert clocks.overdue_kind(fresh) is None
    assert clocks.overdue_kind(decided) is None
    ids = set(db.session.scalars(select(Referral.id).where(clocks.overdue_clause())))
    assert ids == {late_ack.id, late_decision.id, waiting.id}


def test_events_are_written_once_per_transition(cast, db):
    referral = cast.referral("submitted")
    before = len(referral.events)
    engine.apply_event(
        referral, "acknowledge", cast.receiving["coordinator"], version=referral.version
    )
    engine.apply_event(referral, "accept", cast.receiving["coordinator"], version=referral.version)
    db.session.commit()
    rows = db.session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral.id)
        .order_by(ReferralEvent.id)
    ).all()[before:]
    assert [(r.event, r.from_state, r.to_state) for r in rows] == [
        ("acknowledge", S.SUBMITTED, S.ACKNOWLEDGED),
        ("accept", S.ACKNOWLEDGED, S.ACCEPTED),
    ]
