"""The referral clocks (DESIGN §3): due dates stored on the referral, one rule each.

Three clocks, counted in Quebec business days (``business_days``):

- **acknowledge**: the receiving site acknowledges within ``ACK_REMINDER_BUSINESS_DAYS``
  of the submission, or of the forward that sends the referral to a new site;
  escalated after ``ACK_ESCALATION_BUSINESS_DAYS``;
- **decision**: the site accepts or declines within ``DECISION_TARGET_BUSINESS_DAYS``;
  escalated ``DECISION_ESCALATION_BUSINESS_DAYS`` after that due date;
- **information**: the referrer answers a question within ``INFO_REMINDER_BUSINESS_DAYS``.

Every date is computed once, when its clock starts, and stored on the referral.
While information is requested the receiving clocks pause: when the question is
answered (or the referral declined), their dates move by the business days waited.

A clock is *overdue* on the days after its due date while the referral is in a
state where the clock runs: the states from which its event can be fired (the
table in ``states.py``). The lists, the home page, the reminders job, the
escalations and the reports all ask ``overdue_clause`` (SQL) or ``overdue_kind``
(one loaded referral); both read ``CLOCKS`` and the stored dates, and a property
test proves they agree. Nothing else computes a due date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from referral_app.business_days import add_business_days, business_days_between
from referral_app.models import Referral
from referral_app.timeutil import local_today
from referral_app.workflow.states import PAUSED_STATES, Audience, Event, Side, sources_of


@dataclass(frozen=True)
class Threshold:
    """A stored date of a clock after which someone is told, once."""

    kind: str  # the notification kind
    column: str  # the referral's date column
    audience: Audience
    sentence: Any  # lazy string; %(due_on)s is the stored date, formatted for the reader
    subject: Any


@dataclass(frozen=True)
class Clock:
    name: str
    label: Any  # what is late, for the lists ("Acknowledgement overdue")
    due_label: Any  # what the due date is for ("Acknowledgement due by")
    runs_in: frozenset
    owner: Side  # the side that is late when it is overdue
    reminder: Threshold
    escalation: Threshold | None = None

    @property
    def due_column(self) -> str:
        return self.reminder.column

    @property
    def thresholds(self) -> tuple[Threshold, ...]:
        return (self.reminder, self.escalation) if self.escalation else (self.reminder,)


ACKNOWLEDGE = Clock(
    "acknowledge",
    _l("Acknowledgement overdue"),
    _l("Acknowledgement due by"),
    sources_of(Event.ACKNOWLEDGE),
    Side.RECEIVING,
    Threshold(
        "reminder_ack",
        "ack_due_on",
        Audience.INTAKE,
        _l(
            "Reminder: referral %(reference)s (%(trial)s) is waiting for acknowledgement; "
            "it was due on %(due_on)s."
        ),
        _l("Acknowledgement overdue"),
    ),
    Threshold(
        "escalation_ack",
        "ack_escalation_on",
        Audience.ESCALATION,
        _l(
            "Escalation: referral %(reference)s (%(trial)s) to %(receiving_centre)s is still "
            "not acknowledged (escalation date %(due_on)s)."
        ),
        _l("Escalation: not acknowledged"),
    ),
)
DECISION = Clock(
    "decision",
    _l("Decision overdue"),
    _l("Decision due by"),
    sources_of(Event.ACCEPT),
    Side.RECEIVING,
    Threshold(
        "reminder_decision",
        "decision_due_on",
        Audience.INTAKE,
        _l(
            "Reminder: referral %(reference)s (%(trial)s) is waiting for a decision; "
            "it was due on %(due_on)s."
        ),
        _l("Decision overdue"),
    ),
    Threshold(
        "escalation_decision",
        "decision_escalation_on",
        Audience.ESCALATION,
        _l(
            "Escalation: referral %(reference)s (%(trial)s) to %(receiving_centre)s still has "
            "no decision (escalation date %(due_on)s)."
        ),
        _l("Escalation: no decision"),
    ),
)
INFORMATION = Clock(
    "information",
    _l("Answer overdue"),
    _l("Answer due by"),
    PAUSED_STATES,
    Side.REFERRING,
    Threshold(
        "reminder_info",
        "info_due_on",
        Audience.REFERRER,
        _l(
            "Reminder: %(receiving_centre)s is waiting for your answer on referral "
            "%(reference)s (%(trial)s); it was due on %(due_on)s."
        ),
        _l("Answer overdue"),
    ),
)
CLOCKS: tuple[Clock, ...] = (ACKNOWLEDGE, DECISION, INFORMATION)
THRESHOLDS: tuple[Threshold, ...] = tuple(t for c in CLOCKS for t in c.thresholds)
CLOCK_OF: dict[str, Clock] = {t.kind: c for c in CLOCKS for t in c.thresholds}
# The dates the receiving side's clocks set; a pause moves them all.
RECEIVING_COLUMNS = tuple(
    t.column for c in CLOCKS if c.owner == Side.RECEIVING for t in c.thresholds
)


# -- Setting the dates --------------------------------------------------------------


def _settings(config: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return config if config is not None else current_app.config


def start(referral: Referral, now: dt.datetime, config: Mapping[str, Any] | None = None) -> None:
    """A new receiving site has the referral (submission, forward): its clocks start now."""
    c = _settings(config)
    referral.ack_due_on = add_business_days(now, c["ACK_REMINDER_BUSINESS_DAYS"])
    referral.ack_escalation_on = add_business_days(now, c["ACK_ESCALATION_BUSINESS_DAYS"])
    referral.decision_due_on = add_business_days(now, c["DECISION_TARGET_BUSINESS_DAYS"])
    referral.decision_escalation_on = add_business_days(
        referral.decision_due_on, c["DECISION_ESCALATION_BUSINESS_DAYS"]
    )


def pause(referral: Referral, now: dt.datetime, config: Mapping[str, Any] | None = None) -> None:
    """A question is asked: the receiving clocks wait, the referrer's clock starts."""
    referral.info_requested_at = now
    referral.info_due_on = add_business_days(now, _settings(config)["INFO_REMINDER_BUSINESS_DAYS"])


def resume(referral: Referral, now: dt.datetime) -> int:
    """The wait is over (answer or decline): receiving dates move by the business days
    waited, which also count as paused for the reports. Returns those days."""
    if referral.info_requested_at is None:
        return 0
    waited = business_days_between(referral.info_requested_at, now)
    referral.paused_business_days = (referral.paused_business_days or 0) + waited
    if waited:
        for column in RECEIVING_COLUMNS:
            due = getattr(referral, column)
            if due is not None:
                setattr(referral, column, add_business_days(due, waited))
    return waited


def on_transition(
    referral: Referral,
    *,
    restarts: bool,
    from_state,
    to_state,
    now: dt.datetime,
    config: Mapping[str, Any] | None = None,
) -> None:
    """What one event does to the clocks: the only caller is the workflow engine."""
    if from_state in PAUSED_STATES and to_state not in PAUSED_STATES:
        resume(referral, now)
    if to_state in PAUSED_STATES and from_state not in PAUSED_STATES:
        pause(referral, now, config)
    if restarts:
        start(referral, now, config)


# -- Reading them ----------------------------------------------------------------------


def due_date(referral: Referral, threshold: Threshold) -> dt.date | None:
    return getattr(referral, threshold.column)


def is_past(referral: Referral, clock: Clock, threshold: Threshold, today: dt.date) -> bool:
    due = due_date(referral, threshold)
    return referral.state in clock.runs_in and due is not None and due < today


def running(referral: Referral) -> list[tuple[Clock, dt.date]]:
    """The clocks running now, with their due dates (the referral page shows them)."""
    return [
        (c, due_date(referral, c.reminder))
        for c in CLOCKS
        if referral.state in c.runs_in and due_date(referral, c.reminder) is not None
    ]


def overdue_clocks(referral: Referral, today: dt.date | None = None) -> list[Clock]:
    today = today or local_today()
    return [c for c in CLOCKS if is_past(referral, c, c.reminder, today)]


def overdue_kind(referral: Referral, today: dt.date | None = None) -> str | None:
    """The name of the first overdue clock of a loaded referral, or None."""
    late = overdue_clocks(referral, today)
    return late[0].name if late else None


def overdue_label(kind: str | None) -> str:
    clock = next((c for c in CLOCKS if c.name == kind), None)
    return str(clock.label) if clock else ""


def past_condition(clock: Clock, threshold: Threshold, today: dt.date) -> sa.ColumnElement[bool]:
    """SQL for ``is_past``: the same rule over many referrals."""
    column = getattr(Referral, threshold.column)
    return sa.and_(Referral.state.in_(sorted(clock.runs_in)), column < today)


def overdue_clause(today: dt.date | None = None, owner: Side | None = None):
    """SQL: some clock (of ``owner``'s side, when given) is overdue."""
    today = today or local_today()
    return sa.or_(
        *(past_condition(c, c.reminder, today) for c in CLOCKS if owner is None or c.owner == owner)
    )


def overdue_kind_expression(today: dt.date) -> sa.ColumnElement[str]:
    """SQL for ``overdue_kind`` (NULL when nothing is overdue)."""
    return sa.case(
        *((past_condition(c, c.reminder, today), sa.literal(c.name)) for c in CLOCKS),
        else_=sa.null(),
    )


def overdue_due_expression(today: dt.date) -> sa.ColumnElement[dt.date]:
    """SQL: the due date of the clock ``overdue_kind_expression`` names."""
    return sa.case(
        *((past_condition(c, c.reminder, today), getattr(Referral, c.due_column)) for c in CLOCKS),
        else_=sa.null(),
    )
