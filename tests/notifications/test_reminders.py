"""Reminders and escalations with time moved, across Quebec holidays."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from referral_app import reminders
from referral_app.models import Notification, NotificationChannel, ReferralState

QC = ZoneInfo("America/Toronto")


def at(year, month, day, hour=10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=QC).astimezone(dt.UTC)


def _emails(db) -> list[tuple[str, int]]:
    """(template, recipient id) of every e-mail row, in order."""
    return [
        (n.template, n.recipient_id)
        for n in db.session.scalars(
            select(Notification)
            .where(Notification.channel == NotificationChannel.EMAIL)
            .order_by(Notification.id)
        )
    ]


def test_acknowledgement_reminder_skips_fete_nationale(db, world):
    # Friday 21 June 2024; Monday 24 June is the Fête nationale (Saint-Jean-Baptiste).
    world.referral(submitted_at=at(2024, 6, 21, 16))

    assert reminders.run(now=at(2024, 6, 25)) == {
        "reminder_ack": 0,
        "escalation_ack": 0,
        "reminder_info": 0,
    }  # Tuesday: one business day
    counts = reminders.run(now=at(2024, 6, 26, 1))  # Wednesday: two

    assert counts["reminder_ack"] == 2  # in-app and e-mail
    assert _emails(db) == [("reminder_ack", world.intake.id)]


def test_each_reminder_goes_once_per_threshold(db, world):
    world.referral(submitted_at=at(2024, 6, 21, 16))
    reminders.run(now=at(2024, 6, 26))
    reminders.run(now=at(2024, 6, 26, 15))
    reminders.run(now=at(2024, 6, 27))
    assert _emails(db) == [("reminder_ack", world.intake.id)]


def test_escalation_after_four_business_days_to_managers_and_leader(db, world):
    world.referral(submitted_at=at(2024, 6, 21, 16))
    reminders.run(now=at(2024, 6, 27))  # Thursday: three business days
    assert [t for t, _ in _emails(db)] == ["reminder_ack"]

    counts = reminders.run(now=at(2024, 6, 28))  # Friday: four

    assert counts["escalation_ack"] == 4
    assert _emails(db)[1:] == [
        ("escalation_ack", world.manager.id),
        ("escalation_ack", world.leader.id),
    ]


def test_labour_day_is_not_a_business_day(db, world):
    # Friday 30 August 2024; Monday 2 September is Labour Day.
    world.referral(submitted_at=at(2024, 8, 30))
    reminders.run(now=at(2024, 9, 3, 20))
    assert _emails(db) == []
    reminders.run(now=at(2024, 9, 4, 8))
    assert _emails(db) == [("reminder_ack", world.intake.id)]


def test_weekends_do_not_count(db, world):
    world.referral(submitted_at=at(2024, 6, 13))  # Thursday
    reminders.run(now=at(2024, 6, 16, 23))  # Sunday: one business day (Friday)
    assert _emails(db) == []
    reminders.run(now=at(2024, 6, 17))  # Monday: two
    assert _emails(db) == [("reminder_ack", world.intake.id)]


def test_acknowledged_referrals_get_no_reminder(db, world):
    world.referral(
        state=ReferralState.ACKNOWLEDGED,
        submitted_at=at(2024, 6, 3),
        acknowledged_at=at(2024, 6, 3, 12),
    )
    reminders.run(now=at(2024, 7, 3))
    assert _emails(db) == []


def test_unanswered_question_reminds_the_referrer_after_five_business_days(db, world):
    world.referral(
        state=ReferralState.INFO_REQUESTED,
        submitted_at=at(2024, 6, 10),
        acknowledged_at=at(2024, 6, 11),
        info_requested_at=at(2024, 6, 17),  # Monday
        state_before_info=ReferralState.ACKNOWLEDGED,
    )
    reminders.run(now=at(2024, 6, 24, 20))  # Fête nationale: still four business days
    assert _emails(db) == []
    reminders.run(now=at(2024, 6, 25))
    assert _emails(db) == [("reminder_info", world.referrer.id)]


def test_a_new_question_starts_a_new_clock(db, world):
    referral = world.referral(
        state=ReferralState.INFO_REQUESTED,
        submitted_at=at(2024, 6, 3),
        info_requested_at=at(2024, 6, 3, 11),
        state_before_info=ReferralState.SUBMITTED,
    )
    reminders.run(now=at(2024, 6, 12))
    referral.info_requested_at = at(2024, 6, 13)
    reminders.run(now=at(2024, 6, 21))
    assert _emails(db) == [("reminder_info", world.referrer.id)] * 2


def test_reminder_falls_back_to_the_centres_coordinators(db, world):
    world.site.intake_contacts.clear()
    world.referral(submitted_at=at(2024, 6, 3))
    reminders.run(now=at(2024, 6, 5))
    assert sorted(r for _, r in _emails(db)) == sorted(
        [world.intake.id, world.receiving_coordinator.id]
    )


def test_reminder_context_has_no_patient_data(db, world):
    world.referral(submitted_at=at(2024, 6, 3))
    reminders.run(now=at(2024, 6, 5))
    for row in db.session.scalars(select(Notification)):
        assert set(row.context) <= {
            "referral_id",
            "reference",
            "trial",
            "state",
            "receiving_centre",
            "referring_centre",
            "days",
        }
        assert row.context["days"] == 2
