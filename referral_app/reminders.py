"""Reminders and escalations on the referral clocks (DESIGN §3, §4): beat's job.

For each threshold of each clock (``workflow.clocks``): the referrals whose stored
date for it has passed, while the clock runs, are told once, by a notification
whose dedupe key holds the referral and that date. A forward restarts the
clocks, and a pause moves their dates: either gives new dates, hence new
reminders; running the job again the same day gives none.

``run(now, dry_run=True)`` walks the same path and writes nothing: the operator
command ``flask --app wsgi reminders --dry-run`` prints what would go.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from referral_app import notify
from referral_app.extensions import db
from referral_app.models import Referral, TrialSite, User
from referral_app.timeutil import local_today, utcnow
from referral_app.workflow.clocks import CLOCKS, Clock, Threshold, due_date, past_condition


@dataclass(frozen=True)
class Due:
    """One threshold passed on one referral."""

    referral: Referral
    clock: Clock
    threshold: Threshold
    due_on: dt.date

    @property
    def dedupe_key(self) -> str:
        return f"{self.threshold.kind}:{self.referral.id}:{self.due_on.isoformat()}"


@dataclass
class Reminder:
    """What the job queued (or would queue) for one ``Due``."""

    reference: str
    kind: str
    recipients: list[User] = field(default_factory=list)
    rows: int = 0


def past_thresholds(today: dt.date, *, for_sending: bool = True) -> Iterator[Due]:
    """Every threshold passed today, clock by clock, in referral order.

    ``for_sending`` also loads what the recipients are found from.
    """
    loading = (
        selectinload(Referral.site).selectinload(TrialSite.intake_contacts),
        selectinload(Referral.trial),
    )
    for clock in CLOCKS:
        for threshold in clock.thresholds:
            referrals = db.session.scalars(
                select(Referral)
                .where(past_condition(clock, threshold, today))
                .options(*(loading if for_sending else ()))
                .order_by(Referral.id)
            )
            for referral in referrals:
                yield Due(referral, clock, threshold, due_date(referral, threshold))


def _new_recipients(due: Due) -> list[User]:
    """The people this reminder has not yet reached (on some channel)."""
    people = notify.recipients_for(due.referral, due.threshold.audience)
    return [
        user
        for user in people
        if not all(
            notify.already_queued(f"{due.dedupe_key}:{channel.value}:{user.id}")
            for channel in notify.ALL_CHANNELS
        )
    ]


def run(now: dt.datetime | None = None, *, dry_run: bool = False) -> list[Reminder]:
    """Queue every reminder and escalation that is due (the caller commits)."""
    today = local_today(now or utcnow())
    sent: list[Reminder] = []
    for due in past_thresholds(today):
        recipients = _new_recipients(due)
        if not recipients:
            continue
        reminder = Reminder(due.referral.reference or str(due.referral.id), due.threshold.kind)
        reminder.recipients = recipients
        if not dry_run:
            context = notify.referral_context(
                due.referral, clock=due.clock.name, due_on=due.due_on.isoformat()
            )
            for user in recipients:
                reminder.rows += len(
                    notify.queue(
                        user,
                        due.threshold.kind,
                        context,
                        due.dedupe_key,
                        referral_id=due.referral.id,
                        channels=notify.ALL_CHANNELS,
                    )
                )
        sent.append(reminder)
    if not dry_run:
        db.session.flush()
    return sent


def counts(reminders: list[Reminder]) -> dict[str, int]:
    """Outbox rows per kind (every threshold kind present, zero included)."""
    totals = {t.kind: 0 for c in CLOCKS for t in c.thresholds}
    for reminder in reminders:
        totals[reminder.kind] += reminder.rows
    return totals
