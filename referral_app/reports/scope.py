"""Which referrals a report covers: the user's scope, narrowed by filters.

A manager sees their centre, as referrer and as receiver; a community leader the
communities they lead; an admin the whole network (DESIGN §5). Filters (submission
date range, community, trial, centre, urgency) only narrow a scope, never widen
it. Views, exports and the export worker all build their SQL conditions here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from referral_app.business_days import QUEBEC_TZ
from referral_app.extensions import db
from referral_app.models import Community, Referral, Role, Trial, TrialStatus, Urgency, User

NETWORK = "network"
CENTRE = "centre"
COMMUNITY = "community"

SCOPE_LABELS = {
    NETWORK: _l("Whole network"),
    CENTRE: _l("My centre"),
    COMMUNITY: _l("My communities"),
}


@dataclass(frozen=True)
class Scope:
    """What a user may report on. ``kind`` is network, centre or community."""

    kind: str
    centre_id: int | None = None
    community_ids: tuple[int, ...] = ()

    @property
    def label(self) -> str:
        return str(SCOPE_LABELS[self.kind])


@dataclass(frozen=True)
class Filters:
    """Optional narrowing of a scope; dates are Quebec calendar dates of submission."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    community_id: int | None = None
    trial_id: int | None = None
    centre_id: int | None = None
    urgency: Urgency | None = None

    def to_params(self) -> dict[str, Any]:
        """JSON-ready form, stored on an ExportJob."""
        data = asdict(self)
        for key in ("date_from", "date_to"):
            data[key] = data[key].isoformat() if data[key] else None
        data["urgency"] = self.urgency.value if self.urgency else None
        return data

    @classmethod
    def from_params(cls, data: dict[str, Any]) -> Filters:
        def day(value):
            return dt.date.fromisoformat(value) if value else None

        return cls(
            date_from=day(data.get("date_from")),
            date_to=day(data.get("date_to")),
            community_id=data.get("community_id"),
            trial_id=data.get("trial_id"),
            centre_id=data.get("centre_id"),
            urgency=Urgency(data["urgency"]) if data.get("urgency") else None,
        )


# ---------------------------------------------------------------------------
# Scopes of a user
# ---------------------------------------------------------------------------


def led_community_ids(user: User) -> tuple[int, ...]:
    ids = db.session.scalars(
        sa.select(Community.id).where(Community.leader_id == user.id).order_by(Community.id)
    )
    return tuple(ids)


def available_scopes(user: User) -> list[Scope]:
    """Every scope the user may choose, the default first; empty for no reports."""
    if not user.is_authenticated:
        return []
    scopes = []
    if user.role == Role.ADMIN:
        scopes.append(Scope(NETWORK))
    if user.role == Role.MANAGER:
        scopes.append(Scope(CENTRE, centre_id=user.centre_id))
    communities = led_community_ids(user)
    if communities:
        scopes.append(Scope(COMMUNITY, community_ids=communities))
    return scopes


def scope_for(user: User, kind: str | None = None) -> Scope | None:
    """The user's scope of ``kind`` (their default when None); None if not allowed."""
    scopes = available_scopes(user)
    if not scopes:
        return None
    if kind is None:
        return scopes[0]
    return next((scope for scope in scopes if scope.kind == kind), None)


# ---------------------------------------------------------------------------
# SQL conditions
# ---------------------------------------------------------------------------


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight in Quebec of ``day``, as a UTC timestamp (how the columns are stored)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=QUEBEC_TZ).astimezone(dt.UTC)


def trials_of_communities(community_ids) -> sa.Select:
    return sa.select(Trial.id).where(Trial.community_id.in_(community_ids))


def scope_conditions(scope: Scope) -> list[sa.ColumnElement[bool]]:
    if scope.kind == NETWORK:
        return []
    if scope.kind == CENTRE:
        return [
            sa.or_(
                Referral.referring_centre_id == scope.centre_id,
                Referral.receiving_centre_id == scope.centre_id,
            )
        ]
    if scope.kind == COMMUNITY:
        return [Referral.trial_id.in_(trials_of_communities(scope.community_ids))]
    raise ValueError(f"unknown scope {scope.kind!r}")


def period_conditions(column, filters: Filters) -> list[sa.ColumnElement[bool]]:
    """``column`` (a moment) within the filters' Quebec dates, both days included."""
    conditions = []
    if filters.date_from:
        conditions.append(column >= start_of_day(filters.date_from))
    if filters.date_to:
        conditions.append(column < start_of_day(filters.date_to + dt.timedelta(days=1)))
    return conditions


def filter_conditions(filters: Filters) -> list[sa.ColumnElement[bool]]:
    conditions = period_conditions(Referral.submitted_at, filters)
    if filters.community_id:
        conditions.append(Referral.trial_id.in_(trials_of_communities([filters.community_id])))
    if filters.trial_id:
        conditions.append(Referral.trial_id == filters.trial_id)
    if filters.centre_id:
        conditions.append(
            sa.or_(
                Referral.referring_centre_id == filters.centre_id,
                Referral.receiving_centre_id == filters.centre_id,
            )
        )
    if filters.urgency:
        conditions.append(Referral.urgency == filters.urgency)
    return conditions


def referral_conditions(scope: Scope, filters: Filters) -> list[sa.ColumnElement[bool]]:
    """WHERE conditions on ``referrals`` for a scope and its filters (drafts excluded)."""
    return [
        Referral.submitted_at.is_not(None),
        *scope_conditions(scope),
        *filter_conditions(filters),
    ]


def trial_conditions(scope: Scope, filters: Filters) -> list[sa.ColumnElement[bool]]:
    """WHERE conditions on ``trials`` for figures about trials (niche coverage)."""
    conditions = []
    if scope.kind == COMMUNITY:
        conditions.append(Trial.community_id.in_(scope.community_ids))
    if filters.community_id:
        conditions.append(Trial.community_id == filters.community_id)
    if filters.trial_id:
        conditions.append(Trial.id == filters.trial_id)
    return conditions


def recruiting_trial_condition() -> sa.ColumnElement[bool]:
    return Trial.status == TrialStatus.RECRUITING
