"""Reminders and escalations with time moved, across weekends and Quebec holidays.

A clock's reminder goes on the first run after its due date, the same day the
lists start flagging the referral overdue (``workflow.clocks``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from referral_app import reminders
from referral_app.models import Notification, NotificationChannel, ReferralState
from referral_app.timeutil import QUEBEC_TZ, local_date
from referral_app.workflow import clocks
from referral_app.workflow.builder import Builder


def at(year, month, day, hour=10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=QUEBEC_TZ).astimezone(dt.UTC)


def _emails(db) -> list[tuple[str, int]]:
    """(kind, recipient id) of every reminder e-mail, in order."""
    return [
        (n.kind, n.recipient_id)
        for n in db.session.scalars(
            select(Notification)
            .where(
                Notification.channel == NotificationChannel.EMAIL,
                Notification.kind.in_([t.kind for t in clocks.THRESHOLDS]),
            )
            .order_by(Notification.id)
        )
    ]


def _run(moment: dt.datetime) -> dict[str, int]:
    return reminders.counts(reminders.run(now=moment))


def test_acknowledgement_reminder_skips_fete_nationale(db, world):
    # Friday 21 June 2024; Monday 24 June is the Fête nationale (Saint-Jean-Baptiste):
    # acknowledgement due by Wednesday 26.
    referral = world.referral(submitted_at=at(2024, 6, 21, 16))
    assert referral.ack_due_on == dt.date(2024, 6, 26)

    assert set(_run(at(2024, 6, 26, 23)).values()) == {0}  # the due date itself
    assert clocks.overdue_kind(referral, dt.date(2024, 6, 26)) is None
    counts = _run(at(2024, 6, 27, 1))  # Thursday: late

    assert counts["reminder_ack"] == 2  # in-app and e-mail
    assert _emails(db) == [("reminder_ack", world.intake.id)]
    assert clocks.overdue_kind(referral, dt.date(2024, 6, 27)) == "acknowledge"


def test_each_reminder_goes_once_per_threshold(db, world):
    world.referral(submitted_at=at(2024, 6, 21, 16))
    for moment in (at(2024, 6, 27), at(2024, 6, 27, 15), at(2024, 6, 28)):
        _run(moment)
    assert _emails(db) == [("reminder_ack", world.intake.id)]


def test_escalation_after_four_business_days_to_managers_and_leader(db, world):
    world.referral(submitted_at=at(2024, 6, 21, 16))
    _run(at(2024, 6, 28))  # Friday: the fourth business day, not yet past
    assert [kind for kind, _ in _emails(db)] == ["reminder_ack"]

    counts = _run(at(2024, 6, 29))  # the day after

    assert counts["escalation_ack"] == 4
    assert _emails(db)[1:] == [
        ("escalation_ack", world.manager.id),
        ("escalation_ack", world.leader.id),
    ]


def test_labour_day_is_not_a_business_day(db, world):
    # Friday 30 August 2024; Monday 2 September is Labour Day: due Wednesday 4.
    world.referral(submitted_at=at(2024, 8, 30))
    _run(at(2024, 9, 4, 20))
    assert _emails(db) == []
    _run(at(2024, 9, 5, 8))
    assert _emails(db) == [("reminder_ack", world.intake.id)]


def test_weekends_do_not_count(db, world):
    world.referral(submitted_at=at(2024, 6, 13))  # Thursday: due Monday 17
    _run(at(2024, 6, 17, 23))
    assert _emails(db) == []
    _run(at(2024, 6, 18))
    assert _emails(db) == [("reminder_ack", world.intake.id)]


def test_decision_reminder_at_the_due_date_then_escalation_two_business_days_later(db, world):
    """Regression: the decision deadline used to be only a flag in the lists."""
    referral = world.referral(ReferralState.ACKNOWLEDGED, submitted_at=at(2024, 6, 3))
    assert referral.decision_due_on == dt.date(2024, 6, 12)  # 7 business days
    assert referral.decision_escalation_on == dt.date(2024, 6, 14)

    _run(at(2024, 6, 12, 22))
    assert _emails(db) == []
    _run(at(2024, 6, 13))
    assert _emails(db) == [("reminder_decision", world.intake.id)]
    _run(at(2024, 6, 14, 22))
    _run(at(2024, 6, 15))
    _run(at(2024, 6, 17))
    assert _emails(db)[1:] == [
        ("escalation_decision", world.manager.id),
        ("escalation_decision", world.leader.id),
    ]


def test_acknowledged_referrals_get_no_acknowledgement_reminder(db, world):
    world.referral(ReferralState.ACKNOWLEDGED, submitted_at=at(2024, 6, 3))
    _run(at(2024, 6, 11))  # past the acknowledgement's due date, before the decision's
    assert _emails(db) == []


def test_a_decided_referral_gets_no_reminder(db, world):
    world.referral(ReferralState.ACCEPTED, submitted_at=at(2024, 6, 3))
    _run(at(2024, 7, 3))
    assert _emails(db) == []


def test_unanswered_question_reminds_the_referrer_after_five_business_days(db, world):
    referral = world.referral(ReferralState.ACKNOWLEDGED, submitted_at=at(2024, 6, 10))
    Builder(now=at(2024, 6, 17)).apply(referral, "request_info", world.intake)  # Monday
    assert referral.info_due_on == dt.date(2024, 6, 25)  # the Fête nationale skipped
    _run(at(2024, 6, 25, 20))
    assert ("reminder_info", world.referrer.id) not in _emails(db)
    _run(at(2024, 6, 26))
    assert ("reminder_info", world.referrer.id) in _emails(db)


def test_a_new_question_starts_a_new_clock(db, world):
    referral = world.referral(ReferralState.ACKNOWLEDGED, submitted_at=at(2024, 6, 3))
    story = Builder(now=at(2024, 6, 3, 14))
    story.apply(referral, "request_info", world.intake)
    _run(at(2024, 6, 12))
    story.at(at(2024, 6, 12, 14)).apply(referral, "provide_info", world.referrer)
    story.at(at(2024, 6, 13)).apply(referral, "request_info", world.intake)
    _run(at(2024, 6, 21))
    assert [e for e in _emails(db) if e[0] == "reminder_info"] == [
        ("reminder_info", world.referrer.id)
    ] * 2


def test_forward_restarts_the_clocks_for_the_new_site(db, world, make):
    """Regression: a referral submitted on a Monday and forwarded on Thursday got
    acknowledgement reminders at the new site that afternoon, counted from Monday."""
    other = make.site(world.trial, make.centre(region=world.receiving_centre.region))
    new_intake = make.user(centre=other.centre)
    other.intake_contacts.append(new_intake)
    referral = world.referral(submitted_at=at(2024, 6, 3))  # Monday
    Builder(now=at(2024, 6, 6, 14)).apply(
        referral, "forward", world.intake, target_site_id=other.id
    )  # Thursday
    assert referral.ack_due_on == dt.date(2024, 6, 10)

    _run(at(2024, 6, 6, 15))
    assert _emails(db) == []
    assert clocks.overdue_kind(referral, local_date(at(2024, 6, 6, 15))) is None
    _run(at(2024, 6, 11))
    assert _emails(db) == [("reminder_ack", new_intake.id)]


def test_reminders_wait_while_information_is_requested(db, world):
    """Regression: the reminders job counted from the submission through the pause."""
    referral = world.referral(submitted_at=at(2024, 6, 3))  # Monday, due Wednesday 5
    story = Builder(now=at(2024, 6, 3, 11))
    story.apply(referral, "request_info", world.intake)
    _run(at(2024, 6, 7))  # waiting for the referrer: no acknowledgement reminder
    story.at(at(2024, 6, 10, 9)).apply(referral, "provide_info", world.referrer)  # 5 days
    assert referral.state == ReferralState.SUBMITTED
    assert referral.ack_due_on == dt.date(2024, 6, 12)  # moved by the five days waited

    _run(at(2024, 6, 10, 10))
    _run(at(2024, 6, 12, 20))
    assert [e for e in _emails(db) if e[0] == "reminder_ack"] == []
    _run(at(2024, 6, 13))
    assert ("reminder_ack", world.intake.id) in _emails(db)


def test_reminder_falls_back_to_the_centres_coordinators(db, world):
    world.site.intake_contacts.clear()
    world.referral(submitted_at=at(2024, 6, 3))
    _run(at(2024, 6, 6))
    assert sorted(r for _, r in _emails(db)) == sorted(
        [world.intake.id, world.receiving_coordinator.id]
    )


def test_reminder_context_has_no_patient_data(db, world):
    world.referral(submitted_at=at(2024, 6, 3))
    _run(at(2024, 6, 6))
    rows = db.session.scalars(select(Notification).where(Notification.kind == "reminder_ack"))
    for row in rows:
        assert set(row.context) <= {
            "referral_id",
            "reference",
            "trial",
            "state",
            "receiving_centre",
            "referring_centre",
            "clock",
            "due_on",
        }
        assert row.context["due_on"] == "2024-06-05"


def test_dry_run_lists_what_would_go_and_writes_nothing(db, world):
    world.referral(submitted_at=at(2024, 6, 3))
    before = db.session.scalar(select(Notification.id).order_by(Notification.id.desc()))
    planned = reminders.run(now=at(2024, 6, 6), dry_run=True)
    assert [(r.kind, [u.id for u in r.recipients]) for r in planned] == [
        ("reminder_ack", [world.intake.id])
    ]
    assert db.session.scalar(select(Notification.id).order_by(Notification.id.desc())) == before


def test_operator_command_previews_then_sends_what_beat_would(db, world, runner):
    referral = world.referral(ReferralState.ACKNOWLEDGED, submitted_at=at(2024, 6, 3))
    db.session.commit()

    preview = runner.invoke(args=["reminders", "--at", "2024-06-15T09:00", "--dry-run"])
    assert preview.exit_code == 0, preview.output
    lines = preview.output.splitlines()
    assert f"{referral.reference}\treminder_decision\tcoordinator" in lines
    assert any(
        line.startswith(f"{referral.reference}\tescalation_decision\tmanager, physician")
        and "community leader" in line
        for line in lines
    )
    assert lines[-1] == "Dry run: 2 reminder(s) or escalation(s) would be sent."
    assert _emails(db) == []

    sent = runner.invoke(args=["reminders", "--at", "2024-06-15T09:00"])
    assert sent.exit_code == 0, sent.output
    assert sent.output.splitlines()[-1] == "2 reminder(s) or escalation(s) queued."
    assert [kind for kind, _ in _emails(db)] == [
        "reminder_decision",
        "escalation_decision",
        "escalation_decision",
    ]
    again = runner.invoke(args=["reminders", "--at", "2024-06-15T10:00", "--dry-run"])
    assert again.output.splitlines() == ["Dry run: 0 reminder(s) or escalation(s) would be sent."]


def test_operator_command_refuses_a_bad_moment(runner):
    result = runner.invoke(args=["reminders", "--at", "next tuesday"])
    assert result.exit_code == 2
    assert "is not an ISO date-time" in result.output
