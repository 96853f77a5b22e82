"""One spec per event (DESIGN §3): its fields, guard, effect, audience and words.

``EVENTS`` holds, for each event, everything the engine needs to apply it and
everything people read about it:

- ``fields`` (per side when they differ) and ``guard``: what it requires;
- ``milestone`` (a timestamp set to now), ``records`` (columns copied from the
  fields), ``effect`` and ``restarts_clocks``: what it changes;
- ``audience`` and ``sentence``/``subject``: who is told, and how it is worded;
- ``label`` (the button) and ``done`` (the timeline: what happened).

``TRANSITIONS`` joins these specs to the rows of ``states.TABLE``. States, their
sets and their FHIR mapping are in ``states.py``; the engine is ``engine.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from referral_app.eligibility import service as eligibility
from referral_app.enums import DocumentCategory
from referral_app.models import Referral, TrialSite, User
from referral_app.timeutil import local_date, utcnow
from referral_app.workflow import drafts, guards, redirect
from referral_app.workflow.fields import (
    REASON_KINDS,
    RECEIVING_WITHDRAW,
    DeclineReason,
    Field,
    RecordedDate,
    ScreenFailCategory,
    WithdrawReason,
    note,
    parse_fields,
    reason,
    reason_label,
)
from referral_app.workflow.states import (
    LIFECYCLE_ORDER,
    TABLE,
    TERMINAL_STATES,
    Audience,
    Event,
    ReferralState,
    Row,
    Side,
    entering_event,
)

E = Event
Guard = Callable[[Referral, User, dict[str, Any], dt.datetime], None]
Effect = Callable[[Referral, dict[str, Any], User, dt.datetime], dict[str, Any] | None]


@dataclass(frozen=True)
class EventSpec:
    event: Event
    label: Any  # the action, on its button
    done: Any  # what happened, on the timeline
    fields: tuple[Field, ...] = ()
    side_fields: Mapping[Side, tuple[Field, ...]] = field(default_factory=dict)
    guard: Guard | None = None
    milestone: str | None = None
    records: tuple[str, ...] = ()
    effect: Effect | None = None
    restarts_clocks: bool = False
    audience: tuple[Audience, ...] = (Audience.OTHER_SIDE,)
    sentence: Any = None  # the notification, %(reference)s, %(trial)s, centres
    subject: Any = None  # the e-mail subject's last part

    @property
    def kind(self) -> str:
        """The notification kind of this event (the messages registry's key)."""
        return f"referral_{self.event.value}"

    def fields_for(self, side: Side | None) -> tuple[Field, ...]:
        return self.side_fields.get(side, self.fields) if side else self.fields

    def all_fields(self) -> tuple[Field, ...]:
        seen: dict[str, Field] = {f.name: f for f in self.fields}
        for fields in self.side_fields.values():
            for f in fields:
                seen.setdefault(f.name, f)
        return tuple(seen.values())

    def parse(self, referral: Referral, side: Side, data: Mapping[str, Any], now) -> Any:
        if self.event == E.SAVE_DRAFT:
            return drafts.parse_draft(referral, data, now)
        return parse_fields(self.fields_for(side), data)


@dataclass(frozen=True)
class MessageSpec:
    """Something told about a referral that is not an event (a comment)."""

    kind: str
    audience: tuple[Audience, ...]
    sentence: Any
    subject: Any


# -- Effects ------------------------------------------------------------------------


def reference_for(referral: Referral) -> str:
    """``REF-YYYY-NNNNNN``: the Quebec year of submission and the referral's own id.

    Derived from the primary key, so it is unique without a counter to contend on.
    """
    year = local_date(referral.submitted_at or utcnow()).year
    return f"REF-{year}-{referral.id:06d}"


def _submit(referral: Referral, values, actor, now) -> dict[str, Any]:
    """The reference, and the pre-screen pinned to the criteria version of the moment."""
    referral.reference = referral.reference or reference_for(referral)
    fit = eligibility.record_prescreen(referral, referral.prescreen_answers)
    if referral.eligibility_checked is None:
        referral.prescreen_not_met = None
        return {}
    referral.prescreen_not_met = fit.not_met
    return {
        "eligibility_version": referral.eligibility_checked.number,
        "prescreen": {"met": fit.met, "not_met": fit.not_met, "unknown": fit.unknown},
    }


def _save_draft(referral: Referral, changes, actor, now) -> dict[str, Any]:
    return drafts.apply_changes(referral, changes)


def _forward(referral: Referral, values, actor, now) -> None:
    site: TrialSite = values["target_site_id"]
    drafts.point_at(referral, site)
    referral.acknowledged_at = None  # the new site has not acknowledged it yet


def _request_info(referral: Referral, values, actor, now) -> None:
    referral.state_before_info = referral.state


def _reschedule(referral: Referral, values, actor, now) -> dict[str, Any]:
    old, referral.consult_on = referral.consult_on, values["consult_on"]
    return _change("consult_on", old, referral.consult_on)


def _correct_date(referral: Referral, values, actor, now) -> dict[str, Any]:
    name = values["date_field"].value
    old = getattr(referral, name)
    setattr(referral, name, values["new_date"])
    return _change(name, old, values["new_date"])


def _change(name: str, old: dt.date | None, new: dt.date) -> dict[str, Any]:
    return {"field": name, "old": old.isoformat() if old else None, "new": new.isoformat()}


def _redirect(referral: Referral, values, actor, now) -> dict[str, Any]:
    site: TrialSite = values["site_id"]
    draft = drafts.create_draft(actor, site, {}, previous=referral, now=now)
    return {"new_referral_id": draft.id}


def _redirect_guard(referral: Referral, actor, values, now) -> None:
    redirect.check_target(referral, values["site_id"])


# -- The specs ----------------------------------------------------------------------

OPTIONAL_NOTE = (note(_l("Note"), required=False),)
CONSULT_DATE = Field("consult_on", "date", _l("Consult date"))


def _withdraw_fields(choices) -> tuple[Field, ...]:
    return (reason(_l("Reason"), choices), *OPTIONAL_NOTE)


SPECS: tuple[EventSpec, ...] = (
    EventSpec(
        E.SAVE_DRAFT,
        _l("Save the draft"),
        _l("Draft saved"),
        effect=_save_draft,
        audience=(),
    ),
    EventSpec(
        E.SUBMIT,
        _l("Submit"),
        _l("Submitted"),
        guard=guards.submit,
        milestone="submitted_at",
        effect=_submit,
        restarts_clocks=True,
        audience=(Audience.INTAKE,),
        sentence=_l("New referral %(reference)s for %(trial)s from %(referring_centre)s."),
        subject=_l("New referral"),
    ),
    EventSpec(
        E.ACKNOWLEDGE,
        _l("Acknowledge"),
        _l("Acknowledged"),
        fields=OPTIONAL_NOTE,
        milestone="acknowledged_at",
        sentence=_l("%(receiving_centre)s acknowledged referral %(reference)s (%(trial)s)."),
        subject=_l("Acknowledged"),
    ),
    EventSpec(
        E.FORWARD,
        _l("Forward to another site"),
        _l("Forwarded"),
        fields=(Field("target_site_id", "site", _l("Forward to site")), note(_l("Reason"))),
        guard=guards.forward,
        effect=_forward,
        restarts_clocks=True,
        audience=(Audience.INTAKE, Audience.REFERRER),
        sentence=_l("Referral %(reference)s for %(trial)s was forwarded to %(receiving_centre)s."),
        subject=_l("Forwarded"),
    ),
    EventSpec(
        E.REQUEST_INFO,
        _l("Request information"),
        _l("Information requested"),
        fields=(
            note(_l("Question")),
            Field(
                "requested_documents",
                "choices",
                _l("Documents needed"),
                required=False,
                choices=tuple(DocumentCategory),
            ),
        ),
        effect=_request_info,
        sentence=_l(
            "%(receiving_centre)s asks for more information on referral %(reference)s (%(trial)s)."
        ),
        subject=_l("Information requested"),
    ),
    EventSpec(
        E.PROVIDE_INFO,
        _l("Provide information"),
        _l("Information provided"),
        fields=(note(_l("Answer")),),
        sentence=_l(
            "%(referring_centre)s answered the question on referral %(reference)s (%(trial)s)."
        ),
        subject=_l("Information provided"),
    ),
    EventSpec(
        E.ACCEPT,
        _l("Accept"),
        _l("Accepted"),
        fields=OPTIONAL_NOTE,
        milestone="decided_at",
        sentence=_l("%(receiving_centre)s accepted referral %(reference)s (%(trial)s)."),
        subject=_l("Accepted"),
    ),
    EventSpec(
        E.DECLINE,
        _l("Decline"),
        _l("Declined"),
        fields=(
            reason(_l("Reason"), DeclineReason),
            note(_l("Note to the referrer")),
            Field("suggested_site_id", "site", _l("Suggested site"), required=False),
            Field("suggested_trial_id", "trial", _l("Suggested trial"), required=False),
            Field("criterion_id", "criterion", _l("Criterion not met"), required=False),
        ),
        guard=guards.decline,
        milestone="decided_at",
        sentence=_l("%(receiving_centre)s declined referral %(reference)s (%(trial)s)."),
        subject=_l("Declined"),
    ),
    EventSpec(
        E.SCHEDULE_CONSULT,
        _l("Schedule consult"),
        _l("Consult scheduled"),
        fields=(CONSULT_DATE, *OPTIONAL_NOTE),
        guard=guards.recorded_dates(RecordedDate.CONSULT_ON),
        records=("consult_on",),
        sentence=_l("A consultation is scheduled for referral %(reference)s (%(trial)s)."),
        subject=_l("Consult scheduled"),
    ),
    EventSpec(
        E.RESCHEDULE_CONSULT,
        _l("Reschedule the consult"),
        _l("Consult rescheduled"),
        fields=(Field("consult_on", "date", _l("New consult date")), note(_l("Reason"))),
        guard=guards.recorded_dates(RecordedDate.CONSULT_ON),
        effect=_reschedule,
        sentence=_l("The consult for referral %(reference)s (%(trial)s) was rescheduled."),
        subject=_l("Consult rescheduled"),
    ),
    EventSpec(
        E.START_SCREENING,
        _l("Start screening"),
        _l("Screening started"),
        fields=(Field("consent_on", "date", _l("Study consent date")), *OPTIONAL_NOTE),
        guard=guards.recorded_dates(RecordedDate.CONSENT_ON),
        milestone="screening_at",
        records=("consent_on",),
        sentence=_l("Screening started for referral %(reference)s (%(trial)s)."),
        subject=_l("Screening started"),
    ),
    EventSpec(
        E.ENROLL,
        _l("Enroll"),
        _l("Enrolled"),
        fields=(
            Field("enrolled_on", "date", _l("Enrollment date")),
            Field("study_subject_id", "text", _l("Study subject ID"), max_length=60),
            *OPTIONAL_NOTE,
        ),
        guard=guards.recorded_dates(RecordedDate.ENROLLED_ON),
        milestone="enrolled_at",
        records=("enrolled_on", "study_subject_id"),
        sentence=_l("Referral %(reference)s: the patient is enrolled in %(trial)s."),
        subject=_l("Enrolled"),
    ),
    EventSpec(
        E.SCREEN_FAIL,
        _l("Screen failure"),
        _l("Screen failed"),
        fields=(
            reason(_l("Category"), ScreenFailCategory),
            note(_l("Failed criterion")),
            Field("criterion_id", "criterion", _l("Criterion (from the list)"), required=False),
        ),
        guard=guards.named_criterion,
        sentence=_l("Referral %(reference)s (%(trial)s): screening failed."),
        subject=_l("Screen failed"),
    ),
    EventSpec(
        E.CORRECT_DATE,
        _l("Correct a date"),
        _l("Date corrected"),
        fields=(
            Field("date_field", "choice", _l("Date to correct"), choices=tuple(RecordedDate)),
            Field("new_date", "date", _l("Correct date")),
            note(_l("Reason for the correction")),
        ),
        guard=guards.correct_date,
        effect=_correct_date,
        sentence=_l("A recorded date was corrected on referral %(reference)s (%(trial)s)."),
        subject=_l("Date corrected"),
    ),
    EventSpec(
        E.WITHDRAW,
        _l("Withdraw"),
        _l("Withdrawn"),
        fields=_withdraw_fields(tuple(WithdrawReason)),
        side_fields={Side.RECEIVING: _withdraw_fields(RECEIVING_WITHDRAW)},
        # The other side, and the referrer when a colleague withdraws.
        audience=(Audience.OTHER_SIDE, Audience.REFERRER),
        sentence=_l("Referral %(reference)s (%(trial)s) was withdrawn."),
        subject=_l("Withdrawn"),
    ),
    EventSpec(
        E.REDIRECT,
        _l("Redirect: a new draft to another site or trial"),
        _l("Redirected"),
        fields=(Field("site_id", "site", _l("New site")),),
        guard=_redirect_guard,
        effect=_redirect,
        audience=(),
    ),
)
EVENTS: dict[Event, EventSpec] = {spec.event: spec for spec in SPECS}
assert set(EVENTS) == set(Event), "every event has its spec"
assert all(s.sentence and s.subject for s in SPECS if s.audience), "every told event is worded"

COMMENT = MessageSpec(
    "referral_comment",
    (Audience.OTHER_SIDE,),
    _l("New message on referral %(reference)s (%(trial)s)."),
    _l("New message"),
)

# The watchlist (``eligibility.watchlist``): a site opened that may suit a closed referral.
WATCH_MATCH = MessageSpec(
    "watchlist_match",
    (Audience.REFERRER,),
    _l("%(count)s recruiting site(s) opened that may suit the patient of referral %(reference)s."),
    _l("Watchlist: a trial site opened"),
)

DOCUMENTS = MessageSpec(
    "referral_documents",
    (Audience.OTHER_SIDE,),
    _l("%(count)s new document(s) waiting on referral %(reference)s (%(trial)s)."),
    _l("New documents"),
)


# -- Transitions: the table's rows with their specs -----------------------------------


@dataclass(frozen=True)
class Transition:
    row: Row
    spec: EventSpec

    source = property(lambda self: self.row.source)
    event = property(lambda self: self.row.event)
    side = property(lambda self: self.row.side)
    target = property(lambda self: self.row.target)
    roles = property(lambda self: self.row.roles)

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.spec.fields_for(self.side)

    @property
    def label(self) -> str:
        return str(self.spec.label)


TRANSITIONS: dict[tuple[ReferralState | None, Event, Side], Transition] = {
    (row.source, row.event, row.side): Transition(row, EVENTS[row.event]) for row in TABLE
}

# What an outcome's reason code means: the event that leads into the state.
OUTCOME_REASONS: dict[ReferralState, type] = {}
for _state in sorted(TERMINAL_STATES):
    _spec = EVENTS.get(entering_event(_state))
    _kinds = [f.reason_kind for f in _spec.all_fields() if f.reason_kind in REASON_KINDS]
    if _kinds:
        OUTCOME_REASONS[_state] = _kinds[0]
# Terminal states reached with a reason (declined, screen failed, withdrawn).
OUTCOME_STATES = tuple(s for s in LIFECYCLE_ORDER if s in OUTCOME_REASONS)


def event_label(event: str) -> str:
    try:
        return str(EVENTS[Event(event)].label)
    except ValueError:
        return event


def done_label(event: str) -> str:
    """What the event did, as the timeline says it ("Accepted")."""
    try:
        return str(EVENTS[Event(event)].done)
    except ValueError:
        return event


def field_labels(event: str) -> dict[str, str]:
    """Field name → label of ``event``'s inputs, to name the fields in error messages."""
    try:
        spec = EVENTS[Event(event)]
    except ValueError:
        return {}
    return {f.name: str(f.label) for f in spec.all_fields()}


def outcome_reason_label(state: ReferralState | str, code: str | None) -> str:
    """The label of a terminal state's stored reason code ('' when none)."""
    kind = OUTCOME_REASONS.get(ReferralState(state))
    return reason_label(code, kind) if code and kind else ""
