"""The referral state machine (DESIGN §3): one table, one function that applies it.

``TRANSITIONS`` holds one row per (from state, event, side): the state it leads
to, the roles allowed, the fields the event requires and who is told. Views, the
API and workers all call ``apply_event()``, which

1. locks the referral row (``SELECT … FOR UPDATE`` where the database has it) and
   refuses a stale ``version`` (the page or client saw an older referral);
2. finds the row for the referral's state, the event and the actor's side, and
   checks the actor's role and centre (``permissions``);
3. parses and checks the fields, then the event's guard (e.g. submit needs a
   complete summary, a recruiting site and no duplicate);
4. sets the new state and the milestone timestamps, writes a ``ReferralEvent`` and
   the outbox rows (``notify``) in the caller's transaction. ``Referral.version``
   is the mapper's ``version_id_col``, so a concurrent change makes the flush fail
   and nothing is written.

Domain errors are exceptions: views flash them, the API answers 400 or 409.
Nothing here commits.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm.exc import StaleDataError

from referral_app import business_days, notify, patient_data, permissions
from referral_app.extensions import db
from referral_app.labels import STATE_LABELS
from referral_app.models import (
    OPEN_STATES,
    Comment,
    Referral,
    ReferralEvent,
    ReferralState,
    Role,
    SiteStatus,
    Trial,
    TrialSite,
    TrialStatus,
    User,
)
from referral_app.notify import Audience
from referral_app.permissions import CLINICAL_ROLES
from referral_app.timeutil import utcnow

S = ReferralState


class Event(enum.StrEnum):
    SUBMIT = "submit"
    ACKNOWLEDGE = "acknowledge"
    FORWARD = "forward"
    REQUEST_INFO = "request_info"
    PROVIDE_INFO = "provide_info"
    ACCEPT = "accept"
    DECLINE = "decline"
    SCHEDULE_CONSULT = "schedule_consult"
    START_SCREENING = "start_screening"
    ENROLL = "enroll"
    SCREEN_FAIL = "screen_fail"
    WITHDRAW = "withdraw"


class Side(enum.StrEnum):
    REFERRING = "referring"
    RECEIVING = "receiving"


# -- Reason codes (DESIGN §3) -----------------------------------------------


class DeclineReason(enum.StrEnum):
    NOT_ELIGIBLE = "not_eligible"
    TRIAL_CLOSED_OR_FULL = "trial_closed_or_full"
    NO_CAPACITY = "no_capacity"
    BETTER_SERVED_ELSEWHERE = "better_served_elsewhere"
    INCOMPLETE_INFORMATION = "incomplete_information"
    OTHER = "other"


class ScreenFailCategory(enum.StrEnum):
    INCLUSION_NOT_MET = "inclusion_not_met"
    EXCLUSION_MET = "exclusion_met"
    LABORATORY = "laboratory"
    IMAGING = "imaging"
    PERFORMANCE_STATUS = "performance_status"
    PATIENT_DECISION = "patient_decision"
    OTHER = "other"


class WithdrawReason(enum.StrEnum):
    PATIENT_DECLINED = "patient_declined"
    PATIENT_UNREACHABLE = "patient_unreachable"
    PATIENT_DECEASED = "patient_deceased"
    CHOSE_STANDARD_OF_CARE = "chose_standard_of_care"
    REFERRED_IN_ERROR = "referred_in_error"
    OTHER = "other"


REASON_LABELS: dict[enum.StrEnum, Any] = {
    DeclineReason.NOT_ELIGIBLE: _l("Not eligible"),
    DeclineReason.TRIAL_CLOSED_OR_FULL: _l("Trial closed or full"),
    DeclineReason.NO_CAPACITY: _l("No capacity"),
    DeclineReason.BETTER_SERVED_ELSEWHERE: _l("Better served at another site"),
    DeclineReason.INCOMPLETE_INFORMATION: _l("Incomplete information"),
    DeclineReason.OTHER: _l("Other"),
    ScreenFailCategory.INCLUSION_NOT_MET: _l("Inclusion criterion not met"),
    ScreenFailCategory.EXCLUSION_MET: _l("Exclusion criterion met"),
    ScreenFailCategory.LABORATORY: _l("Laboratory values"),
    ScreenFailCategory.IMAGING: _l("Imaging"),
    ScreenFailCategory.PERFORMANCE_STATUS: _l("Performance status"),
    ScreenFailCategory.PATIENT_DECISION: _l("Patient decision"),
    ScreenFailCategory.OTHER: _l("Other"),
    WithdrawReason.PATIENT_DECLINED: _l("Patient declined"),
    WithdrawReason.PATIENT_UNREACHABLE: _l("Patient unreachable"),
    WithdrawReason.PATIENT_DECEASED: _l("Patient deceased"),
    WithdrawReason.CHOSE_STANDARD_OF_CARE: _l("Chose standard of care"),
    WithdrawReason.REFERRED_IN_ERROR: _l("Referred in error"),
    WithdrawReason.OTHER: _l("Other"),
}

EVENT_LABELS: dict[Event, Any] = {
    Event.SUBMIT: _l("Submit"),
    Event.ACKNOWLEDGE: _l("Acknowledge"),
    Event.FORWARD: _l("Forward to another site"),
    Event.REQUEST_INFO: _l("Request information"),
    Event.PROVIDE_INFO: _l("Provide information"),
    Event.ACCEPT: _l("Accept"),
    Event.DECLINE: _l("Decline"),
    Event.SCHEDULE_CONSULT: _l("Schedule consult"),
    Event.START_SCREENING: _l("Start screening"),
    Event.ENROLL: _l("Enroll"),
    Event.SCREEN_FAIL: _l("Screen failure"),
    Event.WITHDRAW: _l("Withdraw"),
}


def reason_label(code: str | None, event: str | None = None) -> str:
    """The translated label of a stored reason code ('' when none)."""
    if not code:
        return ""
    kinds: list[type[enum.StrEnum]] = {
        Event.DECLINE.value: [DeclineReason],
        Event.SCREEN_FAIL.value: [ScreenFailCategory],
        Event.WITHDRAW.value: [WithdrawReason],
    }.get(event or "", [DeclineReason, ScreenFailCategory, WithdrawReason])
    for kind in kinds:
        try:
            return str(REASON_LABELS[kind(code)])
        except ValueError:
            continue
    return code


def event_label(event: str) -> str:
    try:
        return str(EVENT_LABELS[Event(event)])
    except ValueError:
        return event


# -- Domain errors ----------------------------------------------------------


class WorkflowError(Exception):
    """Base of the state machine's refusals; ``message`` is for people."""

    code = "workflow_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class IllegalTransition(WorkflowError):  # noqa: N818 (the name the issue uses)
    """The event does not apply to the referral in its current state."""

    code = "illegal_transition"


class NotPermitted(IllegalTransition):
    """The event applies, but not for this user (wrong side, role or team)."""

    code = "not_permitted"


class StaleReferral(WorkflowError):  # noqa: N818
    """The referral changed since the caller read it (``version`` moved on)."""

    code = "stale"

    def __init__(self, message: str | None = None):
        super().__init__(
            message or _("This referral changed since you opened it. Reload it and try again.")
        )


class TransitionInputError(WorkflowError):
    """Missing or invalid fields: ``fields`` maps each field to its message."""

    code = "invalid"

    def __init__(self, fields: dict[str, str], message: str | None = None):
        super().__init__(message or _("Please correct the fields marked below."))
        self.fields = fields


class TransitionRefused(WorkflowError):  # noqa: N818
    """A guard refused the event (site not recruiting, own centre…)."""

    code = "refused"


class DuplicateReferral(TransitionRefused):
    """The patient already has an open referral to the same trial."""

    code = "duplicate"

    def __init__(self, existing: Referral):
        super().__init__(
            _(
                "This patient already has an open referral to this trial: %(reference)s.",
                reference=existing.reference or existing.id,
            )
        )
        self.existing = existing


# -- Fields -----------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """An input an event takes: ``kind`` is text, textarea, date, choice, site or trial."""

    name: str
    kind: str
    label: Any
    required: bool = True
    choices: tuple[enum.StrEnum, ...] = ()
    max_length: int = 2000
    not_in_future: bool = False

    def choice_pairs(self) -> list[tuple[str, str]]:
        return [(c.value, str(REASON_LABELS[c])) for c in self.choices]


def _note(label, required: bool = True) -> Field:
    return Field("note", "textarea", label, required=required)


ALL_WITHDRAW = tuple(WithdrawReason)
# The receiving side withdraws only when the patient declines or cannot be reached.
RECEIVING_WITHDRAW = (
    WithdrawReason.PATIENT_DECLINED,
    WithdrawReason.PATIENT_UNREACHABLE,
    WithdrawReason.PATIENT_DECEASED,
)

FORWARD_FIELDS = (
    Field("target_site_id", "site", _l("Forward to site")),
    _note(_l("Reason")),
)
DECLINE_FIELDS = (
    Field("reason_code", "choice", _l("Reason"), choices=tuple(DeclineReason)),
    _note(_l("Note to the referrer")),
    Field("suggested_site_id", "site", _l("Suggested site"), required=False),
    Field("suggested_trial_id", "trial", _l("Suggested trial"), required=False),
)
REQUEST_INFO_FIELDS = (_note(_l("Question")),)
PROVIDE_INFO_FIELDS = (_note(_l("Answer")),)
OPTIONAL_NOTE = (_note(_l("Note"), required=False),)
SCHEDULE_FIELDS = (Field("consult_on", "date", _l("Consult date")), *OPTIONAL_NOTE)
SCREENING_FIELDS = (
    Field("consent_on", "date", _l("Study consent date"), not_in_future=True),
    *OPTIONAL_NOTE,
)
ENROLL_FIELDS = (
    Field("enrolled_on", "date", _l("Enrollment date"), not_in_future=True),
    Field("study_subject_id", "text", _l("Study subject ID"), max_length=60),
    *OPTIONAL_NOTE,
)
SCREEN_FAIL_FIELDS = (
    Field("reason_code", "choice", _l("Category"), choices=tuple(ScreenFailCategory)),
    _note(_l("Failed criterion")),
)


def _withdraw_fields(choices) -> tuple[Field, ...]:
    return (Field("reason_code", "choice", _l("Reason"), choices=choices), *OPTIONAL_NOTE)


# -- The table --------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    source: ReferralState
    event: Event
    side: Side
    # None: back to the state the referral was in when information was requested.
    target: ReferralState | None
    fields: tuple[Field, ...] = ()
    notify: tuple[Audience, ...] = ()
    roles: frozenset[Role] = CLINICAL_ROLES

    @property
    def label(self) -> str:
        return str(EVENT_LABELS[self.event])


def _rows(sources, event: Event, side: Side, target, fields=(), notify_=()) -> list[Transition]:
    return [Transition(s, event, side, target, tuple(fields), tuple(notify_)) for s in sources]


REF, REC = Side.REFERRING, Side.RECEIVING
TO_REFERRER = (Audience.REFERRING,)
TO_RECEIVER = (Audience.RECEIVING,)

TRANSITIONS: dict[tuple[ReferralState, Event, Side], Transition] = {
    (t.source, t.event, t.side): t
    for t in [
        *_rows([S.DRAFT], Event.SUBMIT, REF, S.SUBMITTED, (), (Audience.INTAKE,)),
        *_rows([S.SUBMITTED], Event.ACKNOWLEDGE, REC, S.ACKNOWLEDGED, OPTIONAL_NOTE, TO_REFERRER),
        *_rows(
            [S.SUBMITTED, S.ACKNOWLEDGED],
            Event.FORWARD,
            REC,
            S.SUBMITTED,
            FORWARD_FIELDS,
            (Audience.INTAKE, Audience.REFERRING),
        ),
        *_rows(
            [S.SUBMITTED, S.ACKNOWLEDGED, S.ACCEPTED],
            Event.REQUEST_INFO,
            REC,
            S.INFO_REQUESTED,
            REQUEST_INFO_FIELDS,
            TO_REFERRER,
        ),
        *_rows([S.INFO_REQUESTED], Event.PROVIDE_INFO, REF, None, PROVIDE_INFO_FIELDS, TO_RECEIVER),
        *_rows(
            [S.SUBMITTED, S.ACKNOWLEDGED], Event.ACCEPT, REC, S.ACCEPTED, OPTIONAL_NOTE, TO_REFERRER
        ),
        *_rows(
            [S.SUBMITTED, S.ACKNOWLEDGED, S.INFO_REQUESTED],
            Event.DECLINE,
            REC,
            S.DECLINED,
            DECLINE_FIELDS,
            TO_REFERRER,
        ),
        *_rows(
            [S.ACCEPTED], Event.SCHEDULE_CONSULT, REC, S.SCHEDULED, SCHEDULE_FIELDS, TO_REFERRER
        ),
        *_rows(
            [S.ACCEPTED, S.SCHEDULED],
            Event.START_SCREENING,
            REC,
            S.SCREENING,
            SCREENING_FIELDS,
            TO_REFERRER,
        ),
        *_rows([S.SCREENING], Event.ENROLL, REC, S.ENROLLED, ENROLL_FIELDS, TO_REFERRER),
        *_rows(
            [S.SCREENING], Event.SCREEN_FAIL, REC, S.SCREEN_FAILED, SCREEN_FAIL_FIELDS, TO_REFERRER
        ),
        *_rows(
            sorted(OPEN_STATES),
            Event.WITHDRAW,
            REF,
            S.WITHDRAWN,
            _withdraw_fields(ALL_WITHDRAW),
            # The receiving side, and the referrer when a colleague withdraws.
            (Audience.RECEIVING, Audience.REFERRING),
        ),
        *_rows(
            sorted(OPEN_STATES),
            Event.WITHDRAW,
            REC,
            S.WITHDRAWN,
            _withdraw_fields(RECEIVING_WITHDRAW),
            TO_REFERRER,
        ),
    ]
}


def field_labels(event: str) -> dict[str, str]:
    """Field name → label of ``event``'s inputs, to name the fields in error messages."""
    return {
        f.name: str(f.label) for t in TRANSITIONS.values() if t.event == event for f in t.fields
    }


def transitions_for(state: ReferralState, side: Side | None) -> list[Transition]:
    """The table's rows from ``state`` for ``side``, in table order."""
    return [t for (s, _e, sd), t in TRANSITIONS.items() if s == state and sd == side]


# -- Who may act ------------------------------------------------------------


def actor_side(user: User, referral: Referral) -> Side | None:
    side = permissions.side_of(user, referral)
    return Side(side) if side else None


def _may_act(user: User, referral: Referral, transition: Transition) -> bool:
    if not user.is_authenticated or not user.active or user.role not in transition.roles:
        return False
    if transition.side == Side.RECEIVING:
        return permissions.can_act_for_receiving(user, referral)
    return permissions.can_act_for_referring(user, referral)


def available_transitions(referral: Referral, user: User) -> list[Transition]:
    """The events ``user`` may fire on ``referral`` now: the buttons of its page."""
    side = actor_side(user, referral)
    if side is None:
        return []
    return [t for t in transitions_for(referral.state, side) if _may_act(user, referral, t)]


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
                state=_state_label(referral.state),
            )
        )
    if not _may_act(user, referral, transition):
        raise NotPermitted(_("You are not allowed to do this on this referral."))
    return transition


def _state_label(state: ReferralState) -> str:
    return str(STATE_LABELS[state])


# -- Field parsing ------------------------------------------------------------


def parse_fields(transition: Transition, data: Mapping[str, Any]) -> dict[str, Any]:
    """Clean values for the transition's fields, or TransitionInputError."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in transition.fields:
        raw = data.get(f.name)
        if isinstance(raw, str):
            raw = raw.strip()
        if raw in (None, ""):
            if f.required:
                errors[f.name] = _("This field is required.")
            values[f.name] = None
            continue
        try:
            values[f.name] = _parse_value(f, raw)
        except ValueError as error:
            errors[f.name] = str(error)
    if errors:
        raise TransitionInputError(errors)
    return values


def _parse_value(f: Field, raw: Any) -> Any:
    if f.kind in ("text", "textarea"):
        text = str(raw)
        if len(text) > f.max_length:
            raise ValueError(_("At most %(n)d characters.", n=f.max_length))
        return text
    if f.kind == "date":
        return _parse_date(f, raw)
    if f.kind == "choice":
        allowed = {c.value: c for c in f.choices}
        if str(raw) not in allowed:
            raise ValueError(_("Choose one of the listed values."))
        return allowed[str(raw)]
    if f.kind in ("site", "trial"):
        try:
            ident = int(raw)
        except (TypeError, ValueError):
            raise ValueError(_("Choose one of the listed values.")) from None
        obj = db.session.get(TrialSite if f.kind == "site" else Trial, ident)
        if obj is None:
            raise ValueError(_("Choose one of the listed values."))
        return obj
    raise ValueError(f"unknown field kind {f.kind}")


def _parse_date(f: Field, raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        value = raw.date()
    elif isinstance(raw, dt.date):
        value = raw
    else:
        try:
            value = dt.date.fromisoformat(str(raw))
        except ValueError:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None
    if f.not_in_future and value > business_days.today() + dt.timedelta(days=1):
        raise ValueError(_("This date cannot be in the future."))
    if value.year < 2000:
        raise ValueError(_("Enter a date as YYYY-MM-DD."))
    return value


# -- Guards -------------------------------------------------------------------


def site_refusal(site: TrialSite, referring_centre_id: int) -> str | None:
    """Why a referral cannot target ``site`` now, or None."""
    if site.centre_id == referring_centre_id:
        return _("This site is at your own centre: refer only to another centre.")
    if site.trial.status != TrialStatus.RECRUITING:
        return _("This trial is not recruiting.")
    if site.status != SiteStatus.RECRUITING:
        return _("This site is not recruiting.")
    return None


def missing_for_submit(referral: Referral) -> dict[str, str]:
    """Fields a referral must have before it is submitted (empty when complete)."""
    required = _("This field is required.")
    errors: dict[str, str] = {}
    if not referral.patient_consent:
        errors["patient_consent"] = _("The patient must consent to the referral.")
    if not referral.identifiers_encrypted:
        errors["patient"] = _("Patient identifiers are required.")
    if not referral.patient_region_id:
        errors["patient_region_id"] = required
    for name in ("diagnosis", "stage"):
        if not (getattr(referral, name) or "").strip():
            errors[name] = required
    if referral.ecog is None:
        errors["ecog"] = required
    if referral.prior_lines is None:
        errors["prior_lines"] = required
    return errors


def _guard_submit(referral: Referral, actor: User, values: dict[str, Any]) -> None:
    errors = missing_for_submit(referral)
    if errors:
        raise TransitionInputError(errors, _("The referral is not complete yet."))
    refusal = site_refusal(referral.site, referral.referring_centre_id)
    if refusal:
        raise TransitionRefused(refusal)
    for other in patient_data.open_referrals_of_patient(referral):
        if other.trial_id == referral.trial_id:
            raise DuplicateReferral(other)


def _guard_forward(referral: Referral, actor: User, values: dict[str, Any]) -> None:
    site: TrialSite = values["target_site_id"]
    if site.trial_id != referral.trial_id:
        raise TransitionInputError({"target_site_id": _("Choose a site of the same trial.")})
    if site.id == referral.site_id:
        raise TransitionInputError({"target_site_id": _("The referral is already at this site.")})
    refusal = site_refusal(site, referral.referring_centre_id)
    if refusal:
        raise TransitionInputError({"target_site_id": refusal})


def _guard_decline(referral: Referral, actor: User, values: dict[str, Any]) -> None:
    site = values.get("suggested_site_id")
    if site is not None and site.status != SiteStatus.RECRUITING:
        raise TransitionInputError({"suggested_site_id": _("This site is not recruiting.")})


GUARDS: dict[Event, Callable[[Referral, User, dict[str, Any]], None]] = {
    Event.SUBMIT: _guard_submit,
    Event.FORWARD: _guard_forward,
    Event.DECLINE: _guard_decline,
}


# -- Clocks -------------------------------------------------------------------


def start_clocks(referral: Referral, start: dt.datetime) -> None:
    """Acknowledge and decision due dates counted from ``start`` (submission, forward)."""
    config = current_app.config
    referral.ack_due_on = business_days.add_business_days(
        start, config["ACK_REMINDER_BUSINESS_DAYS"]
    )
    referral.decision_due_on = business_days.add_business_days(
        start, config["DECISION_TARGET_BUSINESS_DAYS"] + (referral.paused_business_days or 0)
    )


def _end_pause(referral: Referral, now: dt.datetime) -> None:
    """Leaving ``info_requested``: the time waited does not count against the receiver."""
    if referral.info_requested_at is None:
        return
    paused = business_days.business_days_between(referral.info_requested_at, now)
    referral.paused_business_days = (referral.paused_business_days or 0) + paused
    if paused:
        if referral.decision_due_on:
            referral.decision_due_on = business_days.add_business_days(
                referral.decision_due_on, paused
            )
        if referral.ack_due_on:
            referral.ack_due_on = business_days.add_business_days(referral.ack_due_on, paused)


def overdue_kind(referral: Referral, today: dt.date | None = None) -> str | None:
    """``"acknowledge"``, ``"decision"`` or None: what is late on this referral."""
    today = today or business_days.today()
    if referral.state == S.SUBMITTED and referral.ack_due_on and today > referral.ack_due_on:
        return "acknowledge"
    if (
        referral.state in (S.SUBMITTED, S.ACKNOWLEDGED)
        and referral.decision_due_on
        and today > referral.decision_due_on
    ):
        return "decision"
    return None


def overdue_clause(today: dt.date | None = None):
    """SQL condition matching ``overdue_kind(...) is not None``."""
    today = today or business_days.today()
    return or_(
        and_(Referral.state == S.SUBMITTED, Referral.ack_due_on < today),
        and_(
            Referral.state.in_([S.SUBMITTED, S.ACKNOWLEDGED]),
            Referral.decision_due_on < today,
        ),
    )


# -- Effects: the new state's milestones ----------------------------------------


def reference_for(referral: Referral) -> str:
    """``REF-YYYY-NNNNNN``: the year of submission and the referral's own id.

    Derived from the primary key, so it is unique without a counter to contend on.
    """
    year = business_days.local_date(referral.submitted_at or utcnow()).year
    return f"REF-{year}-{referral.id:06d}"


def _effect(referral: Referral, t: Transition, values: dict[str, Any], now: dt.datetime) -> None:
    if referral.state == S.INFO_REQUESTED:
        _end_pause(referral, now)
    event = t.event
    if event == Event.SUBMIT:
        referral.submitted_at = now
        referral.reference = referral.reference or reference_for(referral)
        start_clocks(referral, now)
    elif event == Event.ACKNOWLEDGE:
        referral.acknowledged_at = now
    elif event == Event.FORWARD:
        site: TrialSite = values["target_site_id"]
        referral.site = site
        referral.site_id = site.id
        referral.receiving_centre_id = site.centre_id
        referral.acknowledged_at = None
        start_clocks(referral, now)
    elif event == Event.REQUEST_INFO:
        referral.info_requested_at = now
        referral.state_before_info = referral.state
    elif event in (Event.ACCEPT, Event.DECLINE):
        referral.decided_at = now
    elif event == Event.SCHEDULE_CONSULT:
        referral.consult_on = values["consult_on"]
    elif event == Event.START_SCREENING:
        referral.consent_on = values["consent_on"]
        referral.screening_at = now
    elif event == Event.ENROLL:
        referral.enrolled_on = values["enrolled_on"]
        referral.study_subject_id = values["study_subject_id"]
        referral.enrolled_at = now
    if event != Event.REQUEST_INFO and referral.state == S.INFO_REQUESTED:
        referral.state_before_info = None
    reason = values.get("reason_code")
    if t.target in (S.DECLINED, S.SCREEN_FAILED, S.WITHDRAWN, S.ENROLLED):
        referral.closed_at = now
        referral.outcome_reason = reason.value if reason else t.target.value
    record_durations(referral)


def record_durations(referral: Referral) -> None:
    """Store the business days from submission to each milestone reached (DESIGN §5).

    - to acknowledge: to the first answer, the acknowledgement or else the decision
      (a forward clears the acknowledgement, so the clock runs to the new answer);
    - to decision: to the decision, less the business days paused waiting for
      information before it (``paused_business_days`` at the decision; then frozen);
    - to enrollment: to the enrollment date.

    None for a milestone not reached. Called after every event, so the stored values
    always follow the milestones; reports read these columns.
    """
    submitted = referral.submitted_at
    if submitted is None:
        referral.ack_business_days = None
        referral.decision_business_days = None
        referral.enrollment_business_days = None
        return
    between = business_days.business_days_between
    answered = referral.acknowledged_at or referral.decided_at
    referral.ack_business_days = between(submitted, answered) if answered else None
    if referral.decided_at is None:
        referral.decision_business_days = None
    elif referral.decision_business_days is None:
        # Frozen at the decision: a question asked after it pauses no clock.
        referral.decision_business_days = max(
            0, between(submitted, referral.decided_at) - (referral.paused_business_days or 0)
        )
    referral.enrollment_business_days = (
        between(submitted, referral.enrolled_on) if referral.enrolled_on else None
    )


def _target_state(referral: Referral, t: Transition) -> ReferralState:
    if t.target is not None:
        return t.target
    return referral.state_before_info or S.SUBMITTED


def _event_data(values: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe copy of the values for ``ReferralEvent.data`` (no note, no reason)."""
    data: dict[str, Any] = {}
    for name, value in values.items():
        if name in ("note", "reason_code") or value is None:
            continue
        if isinstance(value, dt.date):
            data[name] = value.isoformat()
        elif isinstance(value, TrialSite):
            data[name] = value.id
            data[name.removesuffix("_id") + "_label"] = (
                f"{value.centre.short_name} · {value.trial.label}"
            )
        elif isinstance(value, Trial):
            data[name] = value.id
            data[name.removesuffix("_id") + "_label"] = value.label
        else:
            data[name] = value
    return data


# -- The one function -----------------------------------------------------------


def lock_referral(referral_id: int) -> Referral | None:
    """Load the referral with a row lock (PostgreSQL) and fresh attributes."""
    return db.session.scalar(
        select(Referral)
        .where(Referral.id == referral_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


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
    transition = _find_transition(locked, event, actor)
    values = parse_fields(transition, data or {})
    guard = GUARDS.get(event)
    if guard:
        guard(locked, actor, values)
    now = now or utcnow()
    from_state = locked.state
    to_state = _target_state(locked, transition)
    _effect(locked, transition, values, now)
    locked.state = to_state
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleReferral() from None
    reason = values.get("reason_code")
    row = ReferralEvent(
        referral=locked,
        event=event.value,
        from_state=from_state,
        to_state=to_state,
        actor_id=actor.id,
        created_at=now,
        reason_code=reason.value if reason else None,
        note=values.get("note") or "",
        data=_event_data(values),
    )
    db.session.add(row)
    for audience in transition.notify:
        notify.notify_referral_event(locked, row, audience)
    return row


# -- Comments -----------------------------------------------------------------


def can_comment(user: User, referral: Referral) -> bool:
    """Clinical staff of either centre, once the referral is submitted."""
    return (
        referral.state != S.DRAFT
        and permissions.is_clinical(user)
        and permissions.side_of(user, referral) is not None
    )


def add_comment(referral: Referral, author: User, body: str) -> Comment:
    """A message to the other centre; the other side is notified."""
    body = (body or "").strip()
    if not body:
        raise TransitionInputError({"body": _("This field is required.")})
    if len(body) > 5000:
        raise TransitionInputError({"body": _("At most %(n)d characters.", n=5000)})
    if not can_comment(author, referral):
        raise NotPermitted(_("You are not allowed to comment on this referral."))
    comment = Comment(referral=referral, author_id=author.id, body=body, created_at=utcnow())
    db.session.add(comment)
    db.session.flush()
    side = actor_side(author, referral)
    audience = Audience.RECEIVING if side == Side.REFERRING else Audience.REFERRING
    notify.notify_referral_comment(referral, comment, audience)
    return comment
