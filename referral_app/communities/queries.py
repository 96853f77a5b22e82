"""Read-side queries shared by the members' community pages and the public pages."""

from __future__ import annotations

from itertools import groupby

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from referral_app.extensions import db
from referral_app.models import (
    Centre,
    Community,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    Trial,
    TrialSite,
    TrialStatus,
    User,
)


def community_by_slug(slug: str) -> Community | None:
    return db.session.scalar(
        select(Community).where(Community.slug == slug).options(joinedload(Community.leader))
    )


def member_counts_subquery():
    """Active members and their distinct centres, per community (one grouped query)."""
    return (
        select(
            Membership.community_id,
            func.count(Membership.id).label("members"),
            func.count(func.distinct(User.centre_id)).label("centres"),
        )
        .join(User, User.id == Membership.user_id)
        .where(User.active.is_(True))
        .group_by(Membership.community_id)
        .subquery()
    )


def member_counts(community: Community) -> tuple[int, int]:
    """(active members, their distinct centres) of one community."""
    counts = member_counts_subquery()
    row = db.session.execute(
        select(counts.c.members, counts.c.centres).where(counts.c.community_id == community.id)
    ).first()
    return (row.members, row.centres) if row else (0, 0)


def communities_with_counts():
    counts = member_counts_subquery()
    return db.session.execute(
        select(Community, counts.c.members, counts.c.centres)
        .outerjoin(counts, counts.c.community_id == Community.id)
        .options(joinedload(Community.leader))
        .order_by(Community.launched_on.is_(None), Community.launched_on, Community.name_fr)
    ).all()


def members_by_centre(community: Community) -> list[tuple[Centre, list[tuple[User, object]]]]:
    rows = db.session.execute(
        select(User, Membership.since)
        .join(Membership, Membership.user_id == User.id)
        .join(Centre, Centre.id == User.centre_id)
        .where(Membership.community_id == community.id, User.active.is_(True))
        .order_by(Centre.name, User.name)
    ).all()
    return [
        (centre, [(row[0], row[1]) for row in group])
        for centre, group in groupby(rows, key=lambda row: row[0].centre)
    ]


def community_trials(community: Community) -> tuple[list[Trial], list[Trial]]:
    """The community's (recruiting, upcoming) trials, sites preloaded."""
    trials = list(
        db.session.scalars(
            select(Trial)
            .where(
                Trial.community_id == community.id,
                Trial.status.in_([TrialStatus.RECRUITING, TrialStatus.UPCOMING]),
            )
            .options(selectinload(Trial.sites).joinedload(TrialSite.centre))
            .order_by(Trial.acronym, Trial.nct_number)
        )
    )
    recruiting = [t for t in trials if t.status == TrialStatus.RECRUITING]
    upcoming = [t for t in trials if t.status == TrialStatus.UPCOMING]
    return recruiting, upcoming


def pending_request_count(community: Community) -> int:
    return db.session.scalar(
        select(func.count(JoinRequest.id)).where(
            JoinRequest.community_id == community.id,
            JoinRequest.status == JoinRequestStatus.PENDING,
        )
    )


def join_requests(community: Community, limit: int = 200) -> list[JoinRequest]:
    """The community's requests, pending first, then the newest."""
    return list(
        db.session.scalars(
            select(JoinRequest)
            .where(JoinRequest.community_id == community.id)
            .options(joinedload(JoinRequest.centre))
            .order_by(
                (JoinRequest.status != JoinRequestStatus.PENDING), JoinRequest.created_at.desc()
            )
            .limit(limit)
        )
    )
