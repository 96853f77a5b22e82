"""Filing and listing referrals: the services behind the referral pages and the API.

State changes after submission go through ``referral_app.workflow``; this module
creates and edits drafts, submits them (through the workflow), redirects closed
referrals to a new draft, and builds the list queries. Nothing here commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload

from referral_app import audit, business_days, patient_data, permissions, workflow
from referral_app.extensions import db
from referral_app.models import (
    OPEN_STATES,
    TERMINAL_STATES,
    Comment,
    Language,
    Referral,
    ReferralEvent,
    ReferralState,
    Region,
    SiteStatus,
    Trial,
    TrialSite,
    TrialStatus,
    Urgency,
    User,
)
from referral_app.trials import search
from referral_app.workflow import (
    Event,
    NotPermitted,
    StaleReferral,
    TransitionInputError,
    TransitionRefused,
)

REDIRECTABLE_STATES = frozenset(
    {ReferralState.DECLINED, ReferralState.SCREEN_FAILED, ReferralState.WITHDRAWN}
)

# The draft's plain columns and their maximum lengths.
TEXT_FIELDS = {
    "diagnosis": 300,
    "histology": 200,
    "stage": 40,
    "biomarkers": 300,
    "clinical_notes": 10000,
}
IDENTIFIER_FIELDS = ("patient_name", "date_of_birth", "health_insurance_number", "phone")


# -- Visibility ---------------------------------------------------------------


def can_open(user: User, referral: Referral) -> bool:
    """Staff of the two centres and admins; a draft only for its referring centre."""
    if not permissions.can_view_referral(user, referral):
        return False
    if referral.state == ReferralState.DRAFT:
        return permissions.is_admin(user) or user.centre_id == referral.referring_centre_id
    return True


def visible_referral(referral_id: int, user: User) -> Referral | None:
    """The referral if ``user`` may open it, else None (callers answer 404)."""
    referral = db.session.get(Referral, referral_id)
    if referral is None or not can_open(user, referral):
        return None
    return referral


# -- Drafts -------------------------------------------------------------------


def _clean(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _parse_int(value: Any, low: int, high: int, errors: dict, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[name] = _("Enter a whole number.")
        return None
    if not low <= number <= high:
        errors[name] = _("Enter a number from %(low)d to %(high)d.", low=low, high=high)
        return None
    return number


def _parse_date(value: Any, errors: dict, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        parsed = value
    else:
        try:
            parsed = dt.date.fromisoformat(str(value))
        except ValueError:
            errors[name] = _("Enter a date as YYYY-MM-DD.")
            return None
    if parsed > business_days.today() or parsed.year < 1900:
        errors[name] = _("Enter a plausible date of birth.")
        return None
    return parsed


def apply_draft_data(referral: Referral, data: Mapping[str, Any]) -> None:
    """Copy the fields present in ``data`` onto the draft; TransitionInputError if invalid.

    Keys: urgency, patient_consent, patient_name, date_of_birth,
    health_insurance_number, phone, patient_language, patient_region_id,
    diagnosis, histology, stage, biomarkers, ecog, prior_lines, clinical_notes.
    Identifiers are stored encrypted (``patient_data``) as one set.
    """
    errors: dict[str, str] = {}
    updates: dict[str, Any] = {}
    if "urgency" in data and data["urgency"] not in (None, ""):
        try:
            updates["urgency"] = Urgency(data["urgency"])
        except ValueError:
            errors["urgency"] = _("Choose one of the listed values.")
    if "patient_language" in data and data["patient_language"] not in (None, ""):
        try:
            updates["patient_language"] = Language(data["patient_language"])
        except ValueError:
            errors["patient_language"] = _("Choose one of the listed values.")
    if "patient_consent" in data:
        updates["patient_consent"] = bool(data["patient_consent"])
    if "patient_region_id" in data:
        region_id = _parse_int(data["patient_region_id"], 1, 2**31, errors, "patient_region_id")
        if region_id is not None and db.session.get(Region, region_id) is None:
            errors["patient_region_id"] = _("Choose one of the listed values.")
        updates["patient_region_id"] = region_id
    for name, limit in TEXT_FIELDS.items():
        if name in data:
            text = _clean(data[name]) or ""
            if len(text) > limit:
                errors[name] = _("At most %(n)d characters.", n=limit)
            updates[name] = text
    if "ecog" in data:
        updates["ecog"] = _parse_int(data["ecog"], 0, 4, errors, "ecog")
    if "prior_lines" in data:
        updates["prior_lines"] = _parse_int(data["prior_lines"], 0, 30, errors, "prior_lines")
    identifiers = _identifiers_from(data, referral, errors)
    if errors:
        raise TransitionInputError(errors)
    for name, value in updates.items():
        setattr(referral, name, value)
    if identifiers is not None:
        patient_data.store(referral, identifiers)


def _identifiers_from(
    data: Mapping[str, Any], referral: Referral, errors: dict[str, str]
) -> patient_data.PatientIdentifiers | None:
    """New identifiers when any identifier key is in ``data`` (others kept), else None."""
    if not any(name in data for name in IDENTIFIER_FIELDS):
        return None
    current = patient_data.load(referral)
    name = _clean(data.get("patient_name", current.name if current else "")) or ""
    dob = (
        _parse_date(data.get("date_of_birth"), errors, "date_of_birth")
        if "date_of_birth" in data
        else (current.date_of_birth if current else None)
    )
    hin = _clean(
        data.get("health_insurance_number", current.health_insurance_number if current else "")
    )
    phone = _clean(data.get("phone", current.phone if current else "")) or ""
    if len(name) > 160:
        errors["patient_name"] = _("At most %(n)d characters.", n=160)
    if len(phone) > 40:
        errors["phone"] = _("At most %(n)d characters.", n=40)
    if hin:
        problem = patient_data.hin_error(hin, dob)
        if problem:
            errors["health_insurance_number"] = problem
    if not (name or dob or hin or phone):
        return None
    return patient_data.PatientIdentifiers(
        name=name, date_of_birth=dob, health_insurance_number=hin or "", phone=phone
    )


def create_draft(
    actor: User,
    site: TrialSite,
    data: Mapping[str, Any],
    *,
    previous: Referral | None = None,
    check_site: bool = True,
) -> Referral:
    """A new draft referral from ``actor`` to ``site``."""
    if not permissions.can_file_referral(actor):
        raise NotPermitted(_("Only coordinators, nurses and physicians file referrals."))
    if check_site:
        refusal = workflow.site_refusal(site, actor.centre_id)
        if refusal:
            raise TransitionRefused(refusal)
    referral = Referral(
        state=ReferralState.DRAFT,
        trial_id=site.trial_id,
        site_id=site.id,
        referring_centre_id=actor.centre_id,
        receiving_centre_id=site.centre_id,
        referring_user_id=actor.id,
        previous_referral_id=previous.id if previous else None,
    )
    apply_draft_data(referral, data)
    db.session.add(referral)
    db.session.flush()
    db.session.add(
        ReferralEvent(
            referral=referral,
            event="save_draft",
            from_state=None,
            to_state=ReferralState.DRAFT,
            actor_id=actor.id,
            data={"previous_referral_id": previous.id} if previous else {},
        )
    )
    audit.record("create", "referral", referral.id, user_id=actor.id)
    return referral


def _check_draft_editable(referral: Referral, actor: User, version: int | None) -> None:
    if referral.state != ReferralState.DRAFT:
        raise workflow.IllegalTransition(_("Only a draft can be edited."))
    if not permissions.can_act_for_referring(actor, referral):
        raise NotPermitted(_("You are not allowed to do this on this referral."))
    if version is not None and referral.version != version:
        raise StaleReferral()


def update_draft(
    referral: Referral, actor: User, data: Mapping[str, Any], *, version: int | None
) -> Referral:
    _check_draft_editable(referral, actor, version)
    apply_draft_data(referral, data)
    db.session.flush()
    audit.record("update", "referral", referral.id, user_id=actor.id)
    return referral


def retarget_draft(
    referral: Referral, actor: User, site: TrialSite, *, version: int | None
) -> Referral:
    """Point a draft at another trial site (after a redirect, or a change of mind)."""
    _check_draft_editable(referral, actor, version)
    refusal = workflow.site_refusal(site, referral.referring_centre_id)
    if refusal:
        raise TransitionRefused(refusal)
    referral.site_id = site.id
    referral.trial_id = site.trial_id
    referral.receiving_centre_id = site.centre_id
    db.session.flush()
    audit.record("update", "referral", referral.id, user_id=actor.id, site_id=site.id)
    return referral


def submit(referral: Referral, actor: User, *, version: int | None) -> ReferralEvent:
    return workflow.apply_event(referral, Event.SUBMIT, actor, version=version)


def delete_draft(referral: Referral, actor: User, *, version: int | None) -> None:
    _check_draft_editable(referral, actor, version)
    audit.record("delete", "referral", referral.id, user_id=actor.id)
    db.session.delete(referral)
    db.session.flush()


def redirect_referral(
    old: Referral,
    actor: User,
    *,
    site: TrialSite | None = None,
    data: Mapping[str, Any] | None = None,
) -> Referral:
    """A new draft prefilled from a declined, screen-failed or withdrawn referral.

    The page then lets the user choose the new site; the API may give ``site`` and
    ``data`` (applied over the copied fields) in the same call.
    """
    if old.state not in REDIRECTABLE_STATES:
        raise workflow.IllegalTransition(
            _("Only a declined, screen-failed or withdrawn referral can be redirected.")
        )
    if not permissions.can_act_for_referring(actor, old):
        raise NotPermitted(_("You are not allowed to do this on this referral."))
    draft = create_draft(actor, old.site, {}, previous=old, check_site=False)
    for name in (
        "urgency",
        "patient_consent",
        "patient_region_id",
        "patient_language",
        "ecog",
        "prior_lines",
        *TEXT_FIELDS,
    ):
        setattr(draft, name, getattr(old, name))
    draft.identifiers_encrypted = old.identifiers_encrypted
    draft.patient_key = old.patient_key
    db.session.flush()
    if site is not None and site.id != draft.site_id:
        retarget_draft(draft, actor, site, version=None)
    if data:
        update_draft(draft, actor, data, version=None)
    return draft


def duplicate_warnings(referral: Referral) -> list[Referral]:
    """Open referrals of the same patient to other trials (a warning, not a refusal)."""
    return [
        other
        for other in patient_data.open_referrals_of_patient(referral)
        if other.trial_id != referral.trial_id
    ]


# -- Choosing a site ------------------------------------------------------------


def other_recruiting_sites(referral: Referral) -> list[TrialSite]:
    """Recruiting sites of the referral's trial it could go to instead (forward, suggest)."""
    return list(
        db.session.scalars(
            select(TrialSite)
            .where(
                TrialSite.trial_id == referral.trial_id,
                TrialSite.status == SiteStatus.RECRUITING,
                TrialSite.id != referral.site_id,
                TrialSite.centre_id != referral.referring_centre_id,
            )
            .order_by(TrialSite.id)
        )
    )


def alternative_trials(referral: Referral, limit: int = 100) -> list[Trial]:
    """Other recruiting trials to suggest on a decline, of the same community if any."""
    trial = referral.trial
    stmt = (
        select(Trial)
        .where(Trial.status == TrialStatus.RECRUITING, Trial.id != trial.id)
        .order_by(Trial.acronym)
        .limit(limit)
    )
    if trial.community_id:
        stmt = stmt.where(Trial.community_id == trial.community_id)
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class SiteChoice:
    site: TrialSite
    in_patient_region: bool
    reason: str  # why it is proposed first ('' when it is not)


def site_choices(trial: Trial, actor: User, patient_region_id: int | None) -> list[SiteChoice]:
    """Recruiting sites of ``trial`` at other centres, the patient's region first.

    For a niche trial (at most one recruiting site per region) the site in the
    patient's region is proposed first, and the form says why.
    """
    sites = search.recruiting_sites(trial, exclude_centre_id=actor.centre_id)
    ordered = search.sites_for_patient_region(sites, patient_region_id)
    choices = []
    for site in ordered:
        in_region = patient_region_id is not None and site.region_id == patient_region_id
        reason = ""
        if in_region and trial.is_niche:
            reason = _(
                "Niche trial: one recruiting site per region. This is the site in the "
                "patient's region."
            )
        elif in_region:
            reason = _("In the patient's region.")
        choices.append(SiteChoice(site, in_region, reason))
    return choices


def trial_search(
    actor: User,
    *,
    q: str = "",
    community: str | None = None,
    tumour_site: str | None = None,
    region_id: int | None = None,
) -> Select:
    """Recruiting trials with a recruiting site at another centre than ``actor``'s."""
    return search.trial_query(
        search.TrialFilters(
            q=q,
            community=community or None,
            tumour_site=tumour_site or None,
            region_id=region_id,
            recruiting_only=True,
            exclude_centre_id=actor.centre_id,
        )
    )


# -- Lists --------------------------------------------------------------------


URGENCY_ORDER = case(
    (Referral.urgency == Urgency.URGENT, 0),
    (Referral.urgency == Urgency.PRIORITY, 1),
    else_=2,
)


def _list_options(stmt: Select) -> Select:
    """Everything a list row shows, loaded in the same statement (no query per row)."""
    return stmt.options(
        joinedload(Referral.trial),
        joinedload(Referral.site),
        joinedload(Referral.referring_centre),
        joinedload(Referral.receiving_centre),
        joinedload(Referral.referring_user),
    )


def _filters(
    stmt: Select,
    *,
    state: ReferralState | str | None = None,
    trial_id: int | None = None,
    overdue: bool = False,
) -> Select:
    if state == "open":
        stmt = stmt.where(Referral.state.in_(OPEN_STATES))
    elif state == "closed":
        stmt = stmt.where(Referral.state.in_(TERMINAL_STATES))
    elif state:
        stmt = stmt.where(Referral.state == ReferralState(state))
    if trial_id:
        stmt = stmt.where(Referral.trial_id == trial_id)
    if overdue:
        stmt = stmt.where(workflow.overdue_clause())
    return stmt


def incoming_query(user: User, **filters: Any) -> Select:
    """Referrals to the user's centre: open work first, then urgency, then age."""
    stmt = select(Referral).where(
        Referral.receiving_centre_id == user.centre_id,
        Referral.state != ReferralState.DRAFT,
    )
    stmt = _filters(stmt, **filters)
    open_first = case((Referral.state.in_(OPEN_STATES), 0), else_=1)
    return _list_options(stmt).order_by(
        open_first, URGENCY_ORDER, Referral.submitted_at.asc(), Referral.id
    )


def outgoing_query(user: User, **filters: Any) -> Select:
    """Referrals from the user's centre, newest first."""
    stmt = select(Referral).where(Referral.referring_centre_id == user.centre_id)
    stmt = _filters(stmt, **filters)
    return _list_options(stmt).order_by(Referral.created_at.desc(), Referral.id.desc())


def both_boxes_query(user: User, **filters: Any) -> Select:
    """Incoming and outgoing together (the API's default box)."""
    stmt = select(Referral).where(
        (Referral.referring_centre_id == user.centre_id)
        | (
            (Referral.receiving_centre_id == user.centre_id)
            & (Referral.state != ReferralState.DRAFT)
        )
    )
    stmt = _filters(stmt, **filters)
    return _list_options(stmt).order_by(Referral.id.desc())


@dataclass(frozen=True)
class AttentionCounts:
    to_acknowledge: int  # submitted to the user's centre
    overdue: int  # at the user's centre, past a due date
    info_requested: int  # the user's own referrals waiting for their answer


def attention_counts(user: User) -> AttentionCounts:
    """What waits for ``user`` on the home page, counted in one statement."""
    incoming = Referral.receiving_centre_id == user.centre_id
    mine = Referral.referring_user_id == user.id
    row = db.session.execute(
        select(
            func.count(Referral.id).filter(incoming, Referral.state == ReferralState.SUBMITTED),
            func.count(Referral.id).filter(incoming, workflow.overdue_clause()),
            func.count(Referral.id).filter(mine, Referral.state == ReferralState.INFO_REQUESTED),
        ).where(incoming | mine)
    ).one()
    return AttentionCounts(*(count or 0 for count in row))


def comments(referral: Referral) -> list[Comment]:
    return list(
        db.session.scalars(
            select(Comment)
            .where(Comment.referral_id == referral.id)
            .options(joinedload(Comment.author))
            .order_by(Comment.id)
        )
    )


def timeline(referral: Referral) -> list[ReferralEvent]:
    return list(
        db.session.scalars(
            select(ReferralEvent)
            .where(ReferralEvent.referral_id == referral.id)
            .options(joinedload(ReferralEvent.actor))
            .order_by(ReferralEvent.id)
        )
    )
