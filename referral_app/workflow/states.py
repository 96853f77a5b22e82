"""The referral's states, its events and the table that links them (DESIGN §3).

This module is the lifecycle's vocabulary and imports nothing of the project but
the shared enumerations, so the models' CHECK constraints can be built from it.
Every state set used anywhere (open, terminal, decided, redirectable, the order
of report columns, where each clock runs) is derived here from ``TABLE``; nothing
else lists states.

A row of ``TABLE`` says: from ``source``, ``event`` fired by someone of ``side``
with one of ``roles`` leads to ``target``. ``source`` None is the creation of a
draft; ``target`` None goes back to the state the referral was in when
information was requested. What each event requires and does is in ``spec.py``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from referral_app.enums import CLINICAL_ROLES, Role


class ReferralState(enum.StrEnum):
    """Declared in lifecycle order: reports show states in this order."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    INFO_REQUESTED = "info_requested"
    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    SCREENING = "screening"
    ENROLLED = "enrolled"
    SCREEN_FAILED = "screen_failed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Event(enum.StrEnum):
    SAVE_DRAFT = "save_draft"
    SUBMIT = "submit"
    ACKNOWLEDGE = "acknowledge"
    FORWARD = "forward"
    REQUEST_INFO = "request_info"
    PROVIDE_INFO = "provide_info"
    ACCEPT = "accept"
    DECLINE = "decline"
    SCHEDULE_CONSULT = "schedule_consult"
    RESCHEDULE_CONSULT = "reschedule_consult"
    START_SCREENING = "start_screening"
    ENROLL = "enroll"
    SCREEN_FAIL = "screen_fail"
    CORRECT_DATE = "correct_date"
    WITHDRAW = "withdraw"
    REDIRECT = "redirect"


class Side(enum.StrEnum):
    REFERRING = "referring"
    RECEIVING = "receiving"


class Audience(enum.StrEnum):
    """Who hears about something that happened to a referral (``notify`` resolves them)."""

    INTAKE = "intake"  # the target site's intake contacts; fallback: the centre's coordinators
    OTHER_SIDE = "other_side"  # the side that did not act: intake or the referrer
    REFERRER = "referrer"  # the referring user: the referrer always learns the outcome
    ESCALATION = "escalation"  # the receiving centre's managers and the community's leader


S, E = ReferralState, Event
REF, REC = Side.REFERRING, Side.RECEIVING


@dataclass(frozen=True)
class Row:
    source: ReferralState | None
    event: Event
    side: Side
    target: ReferralState | None
    roles: frozenset[Role]


def _rows(
    sources: Iterable[ReferralState | None],
    event: Event,
    side: Side,
    target: ReferralState | None,
    roles: frozenset[Role] = CLINICAL_ROLES,
) -> list[Row]:
    return [Row(source, event, side, target, roles) for source in sources]


# Physicians act for the receiving side only on the site's team: that is a rule of
# the person, not of the event, and lives in ``permissions.can_act_for_receiving``.
_OPEN = (S.SUBMITTED, S.ACKNOWLEDGED, S.INFO_REQUESTED, S.ACCEPTED, S.SCHEDULED, S.SCREENING)
_CLOSED_UNFULFILLED = (S.DECLINED, S.SCREEN_FAILED, S.WITHDRAWN)

TABLE: tuple[Row, ...] = (
    *_rows([None, S.DRAFT], E.SAVE_DRAFT, REF, S.DRAFT),
    *_rows([S.DRAFT], E.SUBMIT, REF, S.SUBMITTED),
    *_rows([S.SUBMITTED], E.ACKNOWLEDGE, REC, S.ACKNOWLEDGED),
    *_rows([S.SUBMITTED, S.ACKNOWLEDGED], E.FORWARD, REC, S.SUBMITTED),
    *_rows([S.SUBMITTED, S.ACKNOWLEDGED, S.ACCEPTED], E.REQUEST_INFO, REC, S.INFO_REQUESTED),
    *_rows([S.INFO_REQUESTED], E.PROVIDE_INFO, REF, None),
    *_rows([S.SUBMITTED, S.ACKNOWLEDGED], E.ACCEPT, REC, S.ACCEPTED),
    *_rows([S.SUBMITTED, S.ACKNOWLEDGED, S.INFO_REQUESTED], E.DECLINE, REC, S.DECLINED),
    *_rows([S.ACCEPTED], E.SCHEDULE_CONSULT, REC, S.SCHEDULED),
    *_rows([S.SCHEDULED], E.RESCHEDULE_CONSULT, REC, S.SCHEDULED),
    *_rows([S.ACCEPTED, S.SCHEDULED], E.START_SCREENING, REC, S.SCREENING),
    *_rows([S.SCREENING], E.ENROLL, REC, S.ENROLLED),
    *_rows([S.SCREENING], E.SCREEN_FAIL, REC, S.SCREEN_FAILED),
    *[
        row
        for state in (S.SCREENING, S.ENROLLED, S.SCREEN_FAILED)
        for row in _rows([state], E.CORRECT_DATE, REC, state)
    ],
    *_rows(_OPEN, E.WITHDRAW, REF, S.WITHDRAWN),
    *_rows(_OPEN, E.WITHDRAW, REC, S.WITHDRAWN),
    # Redirect leaves the closed referral as it is and drafts a new one (spec.py).
    *[row for state in _CLOSED_UNFULFILLED for row in _rows([state], E.REDIRECT, REF, state)],
)

ROWS: dict[tuple[ReferralState | None, Event, Side], Row] = {
    (row.source, row.event, row.side): row for row in TABLE
}
assert len(ROWS) == len(TABLE), "one row per (state, event, side)"


# -- Sets derived from the table ------------------------------------------------


def sources_of(*events: Event) -> frozenset[ReferralState]:
    """The states from which any of ``events`` can be fired."""
    return frozenset(r.source for r in TABLE if r.event in events and r.source is not None)


def targets_of(*events: Event) -> frozenset[ReferralState]:
    return frozenset(r.target for r in TABLE if r.event in events and r.target is not None)


def _moves_on(state: ReferralState) -> bool:
    """Some event takes ``state`` to another state (self-loops such as a date
    correction or a redirect do not count)."""
    return any(r.source == state and r.target != state for r in TABLE)


def _reachable(start: ReferralState, skipping: frozenset[Event] = frozenset()):
    seen, todo = {start}, [start]
    while todo:
        state = todo.pop()
        for r in TABLE:
            # A target of None goes back to the state before the question: seen already.
            new = r.source == state and r.event not in skipping and r.target is not None
            if new and r.target not in seen:
                seen.add(r.target)
                todo.append(r.target)
    return frozenset(seen)


INITIAL_STATE = next(r.target for r in TABLE if r.source is None)
ALL_STATES = _reachable(INITIAL_STATE)
assert frozenset(ReferralState) == ALL_STATES, "every state is reachable from a draft"

# Terminal: nothing leads out of them any more (DESIGN: declined, enrolled,
# screen failed, withdrawn). Open: submitted and not terminal.
TERMINAL_STATES = frozenset(s for s in ALL_STATES if not _moves_on(s))
OPEN_STATES = ALL_STATES - TERMINAL_STATES - {INITIAL_STATE}
assert frozenset(_OPEN) == OPEN_STATES, "withdraw is possible from every open state"
# Decided: every way into these passes an acceptance or a decline, so the referral
# has a decision time (the ``decided_at`` CHECK constraint).
DECIDED_EVENTS = frozenset({E.ACCEPT, E.DECLINE})
DECIDED_STATES = ALL_STATES - _reachable(INITIAL_STATE, skipping=DECIDED_EVENTS)
REDIRECTABLE_STATES = sources_of(E.REDIRECT)
# States whose clock waits for the referring side (the receiving clocks pause).
PAUSED_STATES = sources_of(E.PROVIDE_INFO)
# Every state but the draft, in lifecycle order: the columns of the reports.
LIFECYCLE_ORDER = tuple(s for s in ReferralState if s != INITIAL_STATE)


def entering_event(state: ReferralState) -> Event | None:
    """The one event that leads into a terminal ``state`` (its reason codes)."""
    events = {r.event for r in TABLE if r.target == state and r.source != state}
    return events.pop() if len(events) == 1 else None


# -- Per state: label and HL7 FHIR R4 mapping (DESIGN §3) -------------------------


@dataclass(frozen=True)
class StateSpec:
    label: object  # lazy translated string
    task_status: str  # FHIR Task.status; our state is Task.businessStatus
    research_subject_status: str | None  # FHIR ResearchSubject.status


STATES: dict[ReferralState, StateSpec] = {
    S.DRAFT: StateSpec(_l("Draft"), "draft", None),
    S.SUBMITTED: StateSpec(_l("Submitted"), "requested", "potential-candidate"),
    S.ACKNOWLEDGED: StateSpec(_l("Acknowledged"), "received", "potential-candidate"),
    # While information is requested the subject keeps the status it had.
    S.INFO_REQUESTED: StateSpec(_l("Information requested"), "on-hold", None),
    S.ACCEPTED: StateSpec(_l("Accepted"), "accepted", "candidate"),
    S.SCHEDULED: StateSpec(_l("Consult scheduled"), "in-progress", "candidate"),
    S.SCREENING: StateSpec(_l("Screening"), "in-progress", "screening"),
    S.ENROLLED: StateSpec(_l("Enrolled"), "completed", "on-study"),
    S.SCREEN_FAILED: StateSpec(_l("Screen failed"), "completed", "ineligible"),
    S.DECLINED: StateSpec(_l("Declined"), "rejected", "not-registered"),
    S.WITHDRAWN: StateSpec(_l("Withdrawn"), "cancelled", "withdrawn"),
}
assert set(STATES) == set(ReferralState), "every state has its spec"


def research_subject_status(
    state: ReferralState, state_before_info: ReferralState | None = None
) -> str | None:
    """FHIR ResearchSubject.status; while information is requested, the one before."""
    if state == S.INFO_REQUESTED:
        return STATES[state_before_info or S.SUBMITTED].research_subject_status
    return STATES[state].research_subject_status
