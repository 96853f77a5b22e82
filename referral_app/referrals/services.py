"""Filing and listing referrals: the services behind the referral pages and the API.

Every change goes through the lifecycle (``referral_app.workflow``): drafts are
saved, submitted and redirected by its events. This module adds what the pages
need around it (visibility, site choices, redirect options, list queries,
timeline). Nothing here commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from referral_app import audit, patient_data, permissions
from referral_app.eligibility import summary
from referral_app.enums import SiteStatus, TrialStatus
from referral_app.extensions import db
from referral_app.models import Comment, Referral, ReferralEvent, Trial, TrialSite, User
from referral_app.pagination import KeysetPage, Order, keyset_page
from referral_app.timeutil import local_today
from referral_app.trials import search
from referral_app.workflow import clocks, drafts, engine, redirect
from referral_app.workflow.errors import IllegalTransition, NotPermitted, StaleReferral
from referral_app.workflow.states import (
    INITIAL_STATE,
    OPEN_STATES,
    TERMINAL_STATES,
    Event,
    ReferralState,
    Side,
)

# -- Visibility ---------------------------------------------------------------


def can_open(user: User, referral: Referral) -> bool:
    """Staff of the two centres and admins; a draft only for its referring centre."""
    if not permissions.can_view_referral(user, referral):
        return False
    if referral.state == INITIAL_STATE:
        return permissions.is_admin(user) or user.centre_id == referral.referring_centre_id
    return True


def visible_referral(referral_id: int, user: User) -> Referral | None:
    """The referral if ``user`` may open it, else None (callers answer 404)."""
    referral = db.session.get(Referral, referral_id)
    if referral is None or not can_open(user, referral):
        return None
    return referral


# -- Drafts (the ``save_draft`` event) and redirects ---------------------------------


def create_draft(
    actor: User, site: TrialSite, data: Mapping[str, Any], *, now: dt.datetime | None = None
) -> Referral:
    return drafts.create_draft(actor, site, data, now=now)


def save_draft(
    referral: Referral, actor: User, data: Mapping[str, Any], *, version: int | None
) -> ReferralEvent:
    """Edit a draft (``site_id`` in ``data`` points it at another site)."""
    return engine.apply_event(referral, Event.SAVE_DRAFT, actor, version=version, data=data)


def submit(referral: Referral, actor: User, *, version: int | None) -> ReferralEvent:
    return engine.apply_event(referral, Event.SUBMIT, actor, version=version)


def delete_draft(referral: Referral, actor: User, *, version: int | None) -> None:
    """Drafts are the referrer's own: deleting one is not an event of the lifecycle."""
    if referral.state != ReferralState.DRAFT:
        raise IllegalTransition(_("Only a draft can be deleted."))
    if not engine.can(actor, referral, Event.SAVE_DRAFT):
        raise NotPermitted(_("You are not allowed to do this on this referral."))
    if version is not None and referral.version != version:
        raise StaleReferral()
    audit.record("delete", "referral", referral.id, user_id=actor.id)
    db.session.delete(referral)
    db.session.flush()


def redirect_referral(
    old: Referral,
    actor: User,
    site: TrialSite,
    *,
    version: int | None,
    data: Mapping[str, Any] | None = None,
) -> Referral:
    """A new draft to ``site`` prefilled from a declined, screen-failed or withdrawn
    referral (the ``redirect`` event); ``data`` is applied over the copied fields."""
    row = engine.apply_event(old, Event.REDIRECT, actor, version=version, data={"site_id": site.id})
    draft = db.session.get(Referral, row.data["new_referral_id"])
    if data:
        save_draft(draft, actor, data, version=draft.version)
    return draft


@dataclass(frozen=True)
class RedirectOption:
    site: TrialSite
    suggested: bool  # the declining site suggested it
    refusal: str  # why it cannot be chosen ('' when it can)
    existing: Referral | None  # this patient's live referral to its trial: open it instead


def redirect_options(old: Referral, trial: Trial) -> list[RedirectOption]:
    """Recruiting sites of ``trial`` for a redirect of ``old``, each with what stops it."""
    suggestion = redirect.suggestion(old)
    closed = redirect.closed_site_ids(old)
    existing = redirect.live_referral(old, trial.id)
    options = []
    for site in search.recruiting_sites(trial, exclude_centre_id=old.referring_centre_id):
        refusal = ""
        if site.id in closed:
            refusal = _("Already declined, screen-failed or withdrew this patient.")
        options.append(
            RedirectOption(
                site,
                suggested=suggestion.site is not None and suggestion.site.id == site.id,
                refusal=refusal,
                existing=existing,
            )
        )
    options.sort(key=lambda o: (not o.suggested, bool(o.refusal), o.site.id))
    return options


def duplicate_warnings(referral: Referral, viewer: User) -> list[Referral]:
    """Open referrals of the same patient to other trials (a warning, not a refusal).

    Only those ``viewer``'s centre is a party to: one between two other centres is
    not named, nor counted (that would tell a third centre of another's patient);
    that it matched is written to the audit log, to be committed by the caller.
    """
    visible, hidden = [], []
    for other in patient_data.open_referrals_of_patient(referral):
        if other.trial_id == referral.trial_id:
            continue
        (visible if permissions.side_of(viewer, other) is not None else hidden).append(other)
    if hidden:
        audit.record(
            "duplicate_elsewhere",
            "referral",
            referral.id,
            user_id=viewer.id,
            existing_referral_ids=[other.id for other in hidden],
        )
    return visible


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


# Each list's order, served by an index from its first page to its last.
INCOMING_ORDER = Order((Referral.queue_rank, Referral.submitted_at, Referral.id))
OUTGOING_ORDER = Order((Referral.created_at, Referral.id), descending=True)
BOTH_BOXES_ORDER = Order((Referral.id,), descending=True)


def _list_options(stmt: Select) -> Select:
    """Everything a list row shows, in a fixed number of statements (none per row).

    One ``IN`` query per relationship rather than one eleven-table join: PostgreSQL
    plans such a join afresh on every request (12 ms at a million referrals, ten
    times its execution), while each of these is planned in a fraction of a
    millisecond; centres and regions already loaded are not fetched again.
    """
    return stmt.options(
        selectinload(Referral.trial),
        selectinload(Referral.site),
        selectinload(Referral.referring_centre),
        selectinload(Referral.receiving_centre),
        selectinload(Referral.referring_user),
    )


def _filters(
    stmt: Select,
    *,
    state: ReferralState | str | None = None,
    trial_id: int | None = None,
    overdue: bool = False,
    overdue_owner: Side | None = None,
    today: dt.date | None = None,
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
        stmt = stmt.where(clocks.overdue_clause(today or local_today(), owner=overdue_owner))
    return stmt


def incoming_query(user: User, **filters: Any) -> Select:
    """Referrals to the user's centre: open work first, most urgent first, then age."""
    stmt = select(Referral).where(
        Referral.receiving_centre_id == user.centre_id,
        Referral.state != ReferralState.DRAFT,
    )
    stmt = _filters(stmt, overdue_owner=Side.RECEIVING, **filters)
    return _list_options(stmt).order_by(*INCOMING_ORDER.clauses())


def outgoing_query(user: User, **filters: Any) -> Select:
    """Referrals from the user's centre, newest first."""
    stmt = select(Referral).where(Referral.referring_centre_id == user.centre_id)
    stmt = _filters(stmt, overdue_owner=Side.REFERRING, **filters)
    return _list_options(stmt).order_by(*OUTGOING_ORDER.clauses())


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
    return _list_options(stmt).order_by(*BOTH_BOXES_ORDER.clauses())


BOXES = {
    "incoming": (incoming_query, INCOMING_ORDER),
    "outgoing": (outgoing_query, OUTGOING_ORDER),
    None: (both_boxes_query, BOTH_BOXES_ORDER),
}


def box_page(
    user: User, box: str | None, *, after: str | None, per_page: int, **filters: Any
) -> KeysetPage:
    """One page of a box (keyset: the rows after ``after``); raises CursorError."""
    query, order = BOXES[box]
    return keyset_page(query(user, **filters), order, after=after, per_page=per_page)


@dataclass(frozen=True)
class AttentionCounts:
    to_acknowledge: int  # submitted to the user's centre
    overdue: int  # to the user's centre, past a due date of the receiving side
    info_requested: int  # the user's own referrals waiting for their answer


def attention_counts(user: User) -> AttentionCounts:
    """What waits for ``user`` on the home page, counted in one statement.

    Every figure is about open referrals (a receiving clock runs only in open
    states), so the statement reads the centre's open referrals by index, never
    its closed history, which grows without bound.
    """
    incoming = (Referral.receiving_centre_id == user.centre_id) & Referral.state.in_(OPEN_STATES)
    mine = (Referral.referring_user_id == user.id) & (
        Referral.state == ReferralState.INFO_REQUESTED
    )
    row = db.session.execute(
        select(
            func.count(Referral.id).filter(incoming, Referral.state == ReferralState.SUBMITTED),
            func.count(Referral.id).filter(incoming, clocks.overdue_clause(owner=Side.RECEIVING)),
            func.count(Referral.id).filter(mine),
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


# -- The minimum necessary --------------------------------------------------------

# The referral's columns that only readers of patient data see
# (``permissions.can_see_patient_data``); everyone who opens a referral sees its
# state, dates, trial, centres and reason codes, which is what reports need.
# The clinical part of a draft, in the order the referral form shows it (the form's
# fields are built from it, so a clinical field added there is withheld here too).
CLINICAL_DRAFT_FIELDS = (
    "patient_region_id",
    "diagnosis",
    "histology",
    "stage",
    "biomarkers",
    "ecog",
    "prior_lines",
    "clinical_notes",
)
# The structured summary (``eligibility.summary.DRAFT_KEYS``): as clinical as the text.
CLINICAL_FIELDS = (*CLINICAL_DRAFT_FIELDS, *summary.DRAFT_KEYS, "study_subject_id")
# Clinical values an event may carry in its data.
CLINICAL_EVENT_DATA = ("study_subject_id",)


@dataclass(frozen=True)
class TimelineEntry:
    """An event as one reader sees it: the note and clinical data withheld or not."""

    row: ReferralEvent
    note: str | None
    data: dict[str, Any]
    kind: str = "event"  # beside the documents' entries on the page's timeline

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)


def timeline(referral: Referral, *, clinical: bool) -> list[TimelineEntry]:
    """The events, oldest first; free text and clinical data only when ``clinical``."""
    rows = db.session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral.id)
        .options(joinedload(ReferralEvent.actor))
        .order_by(ReferralEvent.id)
    )
    entries = []
    for row in rows:
        data = dict(row.data or {})
        if not clinical:
            for name in CLINICAL_EVENT_DATA:
                data.pop(name, None)
        entries.append(TimelineEntry(row, row.note if clinical else None, data))
    return entries
