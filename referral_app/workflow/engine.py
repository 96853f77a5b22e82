"""The one function that changes a referral: ``apply_event`` (DESIGN §3).

Views, the API, workers, the demo seed and the test builder all call it. It

1. locks the referral row (``SELECT … FOR UPDATE`` where the database has it) and
   refuses a stale ``version`` (the page or client saw an older referral);
2. finds the table's row for the referral's state, the event and the actor's
   side, and checks the actor's role and centre (``permissions``);
3. parses the event's fields and runs its guard (``spec.py``);
4. applies the event: milestone, recorded fields, effect, clocks (``clocks.py``),
   closing of the loop, stored durations; bumps ``version`` by one; writes the
   ``ReferralEvent`` (``history.py``), the outbox rows (``notify``) and the change
   to the reports' monthly summaries (``reports.aggregates``), all in the
   caller's transaction. ``version`` is the mapper's version column, so a
   concurrent change makes the flush fail and nothing is written.

So ``version`` is always the number of the referral's events. Domain errors are
exceptions (``errors.py``). Nothing here commits. ``now`` is a parameter, so that
tests and the demo seed can drive the machine with a frozen clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, text
from sqlalchemy.orm.exc import StaleDataError

from referral_app import audit, notify, permissions
from referral_app.eligibility import watchlist
from referral_app.extensions import db
from referral_app.inputs import has_control_characters
from referral_app.models import Comment, Referral, ReferralEvent, User
from referral_app.reports import aggregates
from referral_app.timeutil import utcnow
from referral_app.workflow import clocks, drafts, durations, history, queue
from referral_app.workflow.errors import (
    IllegalTransition,
    NotPermitted,
    StaleReferral,
    TransitionInputError,
    WorkflowError,
)
from referral_app.workflow.spec import COMMENT, TRANSITIONS, Transition, event_label
from referral_app.workflow.states import (
    INITIAL_STATE,
    PAUSED_STATES,
    STATES,
    TERMINAL_STATES,
    Event,
    ReferralState,
    Side,
)

# Events with a page of their own rather than a form on the referral page.
OWN_PAGE_EVENTS = frozenset({Event.SAVE_DRAFT, Event.REDIRECT})


# -- Who may act ------------------------------------------------------------------------


def actor_side(user: User, referral: Referral) -> Side | None:
    side = permissions.side_of(user, referral)
    return Side(side) if side else None


def may_act(user: User, referral: Referral, transition: Transition) -> bool:
    if not user.is_authenticated or not user.active or user.role not in transition.roles:
        return False
    if transition.side == Side.RECEIVING:
        return permissions.can_act_for_receiving(user, referral)
    return permissions.can_act_for_referring(user, referral)


def transitions_for(state: ReferralState, side: Side | None) -> list[Transition]:
    """The table's rows from ``state`` for ``side``, in table order."""
    return [t for (s, _e, sd), t in TRANSITIONS.items() if s == state and sd == side]


def available_transitions(referral: Referral, user: User) -> list[Transition]:
    """The events ``user`` may fire on ``referral`` now."""
    side = actor_side(user, referral)
    if side is None:
        return []
    return [t for t in transitions_for(referral.state, side) if may_act(user, referral, t)]


def page_actions(referral: Referral, user: User) -> list[Transition]:
    """The actions shown as forms on the referral page (drafts and redirects have pages)."""
    return [t for t in available_transitions(referral, user) if t.event not in OWN_PAGE_EVENTS]


def can(user: User, referral: Referral, event: Event) -> bool:
    return any(t.event == event for t in available_transitions(referral, user))


def _find_transition(referral: Referral, event: Event, user: User) -> Transition:
    side = actor_side(user, referral)
    transition = TRANSITIONS.get((referral.state, event, side)) if side else None
    if transition is None:
        if any(s == referral.state and e == event for (s, e, _sd) in TRANSITIONS):
            raise NotPermitted(_("You are not allowed to do this on this referral."))
        raise IllegalTransition(
            _(
                "“%(event)s” is not possible while the referral is “%(state)s”.",
                event=event_label(event),
                state=str(STATES[referral.state].label),
            )
        )
    if not may_act(user, referral, transition):
        raise NotPermitted(_("You are not allowed to do this on this referral."))
    return transition


# -- The one function ----------------------------------------------------------------------


def lock_referral(referral_id: int) -> Referral | None:
    """Load the referral with a row lock (PostgreSQL) and fresh attributes.

    A referral this transaction inserted (a draft submitted at once) is neither
    locked nor reloaded: its uncommitted row is invisible to every other
    transaction, so the object in the session is the row.
    """
    if drafts.created_in_this_transaction(referral_id):
        return db.session.get(Referral, referral_id)
    if db.session.get_bind().dialect.name == "sqlite":
        _take_sqlite_write_lock(referral_id)
    return db.session.scalar(
        select(Referral)
        .where(Referral.id == referral_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _take_sqlite_write_lock(referral_id: int) -> None:
    """SQLite has no row locks (``FOR UPDATE`` is ignored): a write that changes
    nothing takes the database's one write lock, held to the commit, so what the
    caller reads next stays true until then (the documents' budget: four uploads at
    once on a referral with room for one all passed). Raw SQL: no ``onupdate``."""
    db.session.execute(text("UPDATE referrals SET id = id WHERE id = :id"), {"id": referral_id})


def apply_event(
    referral: Referral | int,
    event: Event | str,
    actor: User,
    *,
    version: int | None,
    data: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> ReferralEvent:
    """Apply ``event`` to the referral for ``actor``; the caller commits.

    ``version`` is the version the actor saw (a form's hidden field, the API's
    ``version``): if the referral moved on since, StaleReferral and nothing
    changes. Only trusted internal callers pass None.
    """
    try:
        event = Event(event)
    except ValueError:
        raise TransitionInputError({"event": _("Unknown event.")}) from None
    referral_id = referral if isinstance(referral, int) else referral.id
    locked = lock_referral(referral_id)
    if locked is None:
        raise IllegalTransition(_("This referral does not exist."))
    if version is not None and locked.version != version:
        raise StaleReferral()
    counted = aggregates.snapshot(locked.id)  # what the referral adds to the reports now
    transition = _find_transition(locked, event, actor)
    now = now or utcnow()
    spec = transition.spec
    values = spec.parse(locked, transition.side, data or {}, now)
    if spec.guard:
        spec.guard(locked, actor, values, now)
    from_state = locked.state
    to_state = transition.target or locked.state_before_info or INITIAL_STATE
    recorded = _apply(locked, transition, values, actor, now, to_state)
    locked.state = to_state
    locked.queue_rank = queue.queue_rank(to_state, locked.urgency)
    locked.version = locked.version + 1
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleReferral() from None
    row = history.record(
        locked,
        event,
        actor,
        from_state=from_state,
        to_state=to_state,
        now=now,
        values=values if isinstance(values, dict) else {},
        data=recorded,
    )
    db.session.flush()  # the event's id names its outbox rows
    aggregates.record(counted, locked.id)  # the reports' summaries, in this transaction
    notify.referral_event(locked, row, spec.kind, spec.audience, transition.side)
    watchlist.after_event(locked, event, values if isinstance(values, dict) else {})
    return row


def _apply(
    referral: Referral,
    transition: Transition,
    values: Any,
    actor: User,
    now: dt.datetime,
    to_state: ReferralState,
) -> dict[str, Any]:
    """Everything the event changes but the state; returns what the timeline keeps."""
    spec, from_state = transition.spec, referral.state
    if spec.milestone:
        setattr(referral, spec.milestone, now)
    for name in spec.records:
        setattr(referral, name, values[name])
    recorded = (spec.effect(referral, values, actor, now) if spec.effect else None) or {}
    clocks.on_transition(
        referral,
        restarts=spec.restarts_clocks,
        from_state=from_state,
        to_state=to_state,
        now=now,
    )
    if from_state in PAUSED_STATES and to_state not in PAUSED_STATES:
        referral.state_before_info = None
    if to_state in TERMINAL_STATES and from_state not in TERMINAL_STATES:
        # The loop closes: the referrer is told the outcome and its reason.
        reason = values.get("reason_code") if isinstance(values, dict) else None
        referral.closed_at = now
        referral.outcome_reason = reason.value if reason else to_state.value
    durations.record(referral)
    referral.updated_at = now
    return recorded


# -- Comments -------------------------------------------------------------------------------


def roll_back(error: WorkflowError) -> None:
    """Undo the refused attempt, keeping the audit row the refusal carries (if any).

    Views and the API call this on every ``WorkflowError``, so a refusal that must
    be audited (a duplicate at two other centres) is audited whichever way it came.
    """
    db.session.rollback()
    if error.audit is not None:
        audit.record(**error.audit)
        db.session.commit()


def can_comment(user: User, referral: Referral) -> bool:
    """Clinical staff of either centre, once the referral is submitted."""
    return (
        referral.state != INITIAL_STATE
        and permissions.is_clinical(user)
        and permissions.side_of(user, referral) is not None
    )


MAX_COMMENT = 5000


def add_comment(
    referral: Referral, author: User, body: str, now: dt.datetime | None = None
) -> Comment:
    """A message to the other centre; the other side is notified."""
    body = (body or "").strip()
    if not body:
        raise TransitionInputError({"body": _("Write a message.")})
    if has_control_characters(body, multiline=True):
        raise TransitionInputError(
            {"body": _("This field contains a character that is not allowed.")}
        )
    if len(body) > MAX_COMMENT:
        raise TransitionInputError({"body": _("At most %(n)d characters.", n=MAX_COMMENT)})
    if not can_comment(author, referral):
        raise NotPermitted(_("You are not allowed to comment on this referral."))
    comment = Comment(referral=referral, author_id=author.id, body=body, created_at=now or utcnow())
    db.session.add(comment)
    db.session.flush()
    notify.referral_comment(
        referral, comment, COMMENT.kind, COMMENT.audience, actor_side(author, referral)
    )
    return comment
