"""Dates that make sense (issue 9): consult, study consent and enrollment dates are
checked against each other and the referral's milestones; the receiving side
reschedules a consult and corrects a recorded date, both on the timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale

from referral_app.timeutil import local_date
from referral_app.workflow import engine
from referral_app.workflow.builder import Builder
from referral_app.workflow.errors import IllegalTransition, TransitionInputError

NOW = dt.datetime(2025, 3, 12, 15, tzinfo=dt.UTC)  # a Wednesday, 11:00 in Quebec


@pytest.fixture
def story():
    return Builder(now=NOW)


def _referral(cast, story, state):
    return story.referral(
        state,
        site=cast.site,
        referrer=cast.referring["coordinator"],
        receiver=cast.receiving["coordinator"],
        submitted_at=NOW - dt.timedelta(days=8),
    )


def _refused(story, referral, event, actor, **fields) -> dict[str, str]:
    version = referral.version
    with force_locale("en"), pytest.raises(TransitionInputError) as caught:
        story.apply(referral, event, actor, **fields)
    assert referral.version == version
    return caught.value.fields


def test_a_consult_before_the_submission_is_refused(cast, db, story):
    """Regression: a consult on 2019-01-01 was accepted for a referral submitted today."""
    referral = _referral(cast, story, "accepted")
    fields = _refused(
        story, referral, "schedule_consult", cast.receiving["nurse"], consult_on="2019-01-01"
    )
    assert "before the referral was submitted" in fields["consult_on"]
    assert "Mar 4, 2025" in fields["consult_on"]  # the submission date, for people
    assert referral.consult_on is None


def test_a_consult_may_be_ahead_but_not_years_ahead(cast, db, story):
    referral = _referral(cast, story, "accepted")
    later = local_date(NOW) + dt.timedelta(days=30)
    story.apply(referral, "schedule_consult", cast.receiving["nurse"], consult_on=later)
    assert referral.consult_on == later
    referral = _referral(cast, story, "accepted")
    fields = _refused(
        story, referral, "schedule_consult", cast.receiving["nurse"], consult_on="2030-01-15"
    )
    assert "more than a year ahead" in fields["consult_on"]


def test_study_consent_not_before_acceptance_nor_in_the_future(cast, db, story):
    referral = _referral(cast, story, "accepted")
    accepted = local_date(referral.decided_at)
    fields = _refused(
        story,
        referral,
        "start_screening",
        cast.receiving["nurse"],
        consent_on=accepted - dt.timedelta(days=1),
    )
    assert "cannot precede the acceptance" in fields["consent_on"]
    fields = _refused(
        story,
        referral,
        "start_screening",
        cast.receiving["nurse"],
        consent_on=local_date(NOW) + dt.timedelta(days=1),
    )
    assert "cannot be in the future" in fields["consent_on"]


def test_an_enrollment_before_the_study_consent_is_refused(cast, db, story):
    """Regression: an enrollment date before the study consent date was accepted."""
    referral = _referral(cast, story, "screening")
    fields = _refused(
        story,
        referral,
        "enroll",
        cast.receiving["nurse"],
        enrolled_on=referral.consent_on - dt.timedelta(days=1),
    )
    assert "cannot precede the study consent" in fields["enrolled_on"]


def test_reschedule_a_consult_keeps_old_and_new_on_the_timeline(cast, db, story):
    referral = _referral(cast, story, "scheduled")
    old = referral.consult_on
    new = old + dt.timedelta(days=7)
    row = story.apply(
        referral,
        "reschedule_consult",
        cast.receiving["coordinator"],
        consult_on=new,
        note="The patient asked for a later date.",
    )
    assert referral.consult_on == new and referral.state.value == "scheduled"
    assert row.data == {
        "consult_on": new.isoformat(),
        "field": "consult_on",
        "old": old.isoformat(),
        "new": new.isoformat(),
    }
    assert row.note == "The patient asked for a later date."


def test_a_recorded_date_is_corrected_with_a_reason(cast, db, story):
    referral = _referral(cast, story, "enrolled")
    consent, enrolled = referral.consent_on, referral.enrolled_on
    row = story.apply(
        referral,
        "correct_date",
        cast.receiving["coordinator"],
        date_field="enrolled_on",
        new_date=consent,
        note="Typed the wrong day.",
    )
    assert referral.enrolled_on == consent
    assert row.data["old"] == enrolled.isoformat() and row.data["new"] == consent.isoformat()
    assert referral.enrollment_business_days is not None  # the report's duration follows
    fields = _refused(
        story,
        referral,
        "correct_date",
        cast.receiving["coordinator"],
        date_field="consent_on",
        new_date=referral.enrolled_on + dt.timedelta(days=1),
        note="x",
    )
    assert "cannot follow the enrollment" in fields["new_date"]
    fields = _refused(
        story,
        referral,
        "correct_date",
        cast.receiving["coordinator"],
        note="x",
        date_field="consult_on",
        new_date=consent,
    )
    assert "not recorded" in fields["date_field"]  # no consult on this path


def test_only_the_receiving_side_corrects_dates(cast, db, story):
    referral = _referral(cast, story, "screening")
    with pytest.raises(IllegalTransition):
        engine.apply_event(
            referral,
            "correct_date",
            cast.referring["coordinator"],
            version=referral.version,
            data={"date_field": "consent_on", "new_date": "2025-03-10", "note": "x"},
            now=NOW,
        )
