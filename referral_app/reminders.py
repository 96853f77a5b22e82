"""Reminders and escalations on the referral clocks (DESIGN §3, §4), run by Celery beat.

- ``submitted`` and not acknowledged after ``ACK_REMINDER_BUSINESS_DAYS`` → a
  reminder to the site's intake contacts;
- after ``ACK_ESCALATION_BUSINESS_DAYS`` → an escalation to the receiving
  centre's managers and the leader of the trial's community;
- ``info_requested`` unanswered after ``INFO_REMINDER_BUSINESS_DAYS`` → a reminder
  to the referrer.

Business days skip weekends and Quebec statutory holidays. Each reminder goes
once per threshold and clock start: its dedupe key holds the referral and the
moment the clock started, so a forward (a new submission) or a second question
starts a new clock. ``now`` is a parameter so that tests can move time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from referral_app import notify
from referral_app.business_days import business_days_between
from referral_app.extensions import db
from referral_app.models import Notification, Referral, ReferralState, Role, User
from referral_app.timeutil import as_utc, utcnow


@dataclass(frozen=True)
class _Clock:
    """One reminder: who is told, in which state, from which clock, after which setting."""

    template: str
    key_prefix: str
    state: ReferralState
    clock_column: InstrumentedAttribute
    threshold_setting: str
    recipients: Callable[[Referral], list[User]]


def _clocks() -> tuple[_Clock, ...]:
    return (
        _Clock(
            "reminder_ack",
            "reminder:ack",
            ReferralState.SUBMITTED,
            Referral.submitted_at,
            "ACK_REMINDER_BUSINESS_DAYS",
            notify.intake_recipients,
        ),
        _Clock(
            "escalation_ack",
            "escalation:ack",
            ReferralState.SUBMITTED,
            Referral.submitted_at,
            "ACK_ESCALATION_BUSINESS_DAYS",
            escalation_recipients,
        ),
        _Clock(
            "reminder_info",
            "reminder:info",
            ReferralState.INFO_REQUESTED,
            Referral.info_requested_at,
            "INFO_REMINDER_BUSINESS_DAYS",
            notify.referring_recipients,
        ),
    )


def run(now: dt.datetime | None = None) -> dict[str, int]:
    """Queue every reminder that is due; the caller commits. Returns rows queued per kind."""
    now = now or utcnow()
    config = current_app.config
    counts = {
        clock.template: _queue_due(clock, now, config[clock.threshold_setting])
        for clock in _clocks()
    }
    db.session.flush()
    return counts


def _waiting(state: ReferralState, clock_column, now: dt.datetime, threshold: int):
    """Referrals in ``state`` whose clock started at least ``threshold`` business days ago.

    Calendar days bound business days from above, so the SQL filter keeps the
    candidates few; the exact count (holidays) is done per candidate.
    """
    latest_start = now - dt.timedelta(days=threshold)
    candidates = db.session.scalars(
        select(Referral)
        .where(Referral.state == state, clock_column.is_not(None), clock_column <= latest_start)
        .order_by(Referral.id)
    )
    for referral in candidates:
        started = as_utc(getattr(referral, clock_column.key))
        days = business_days_between(started, now)
        if days >= threshold:
            yield referral, started, days


def _clock_key(kind: str, referral: Referral, started: dt.datetime) -> str:
    return f"{kind}:{referral.id}:{started.strftime('%Y-%m-%dT%H:%M:%S')}"


def _queue_due(clock: _Clock, now: dt.datetime, threshold: int) -> int:
    queued = 0
    for referral, started, days in _waiting(clock.state, clock.clock_column, now, threshold):
        queued += _queue_all(
            clock.recipients(referral),
            clock.template,
            referral,
            _clock_key(clock.key_prefix, referral, started),
            days,
        )
    return queued


def escalation_recipients(referral: Referral) -> list[User]:
    """The receiving centre's managers and the leader of the trial's community."""
    people = notify.active_staff(referral.receiving_centre_id, Role.MANAGER)
    community = referral.trial.community
    leader = community.leader if community else None
    if leader is not None and leader.active and all(p.id != leader.id for p in people):
        people.append(leader)
    return people


def _queue_all(
    recipients: list[User], template: str, referral: Referral, key: str, days: int
) -> int:
    rows: list[Notification] = []
    context = notify.referral_context(referral, days=days)
    for user in recipients:
        rows += notify.queue(user, template, context, dedupe_key=key, referral_id=referral.id)
    return len(rows)
