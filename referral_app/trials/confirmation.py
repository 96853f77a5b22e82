"""Site status that someone vouches for (issue 15, item 6).

A recruiting site carries who last vouched that it recruits and when
(``TrialSite.vouched_at``/``vouched_by``): set when it opens and each time one of
its intake contacts confirms it. Its intake contacts are asked every
``SITE_CONFIRM_EVERY_DAYS`` (30); a recruiting site not vouched for within
``SITE_UNVERIFIED_AFTER_DAYS`` (45) is *unverified*, shown so wherever sites are
listed, and its community's leader is told once.

The rule is written once, here, in Python (``is_unverified``) and in SQL
(``unverified_clause``) from the same cutoff; a test holds them together.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from referral_app import audit, notify
from referral_app.extensions import db
from referral_app.models import SiteStatus, Trial, TrialSite, TrialStatus, User
from referral_app.timeutil import as_utc, utcnow

ASK_KIND = "site_confirmation_request"
UNVERIFIED_KIND = "site_unverified"


def _days(name: str) -> dt.timedelta:
    return dt.timedelta(days=int(current_app.config[name]))


def unverified_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Sites vouched for before this moment are unverified."""
    return (now or utcnow()) - _days("SITE_UNVERIFIED_AFTER_DAYS")


def ask_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Sites vouched for before this moment are asked to confirm."""
    return (now or utcnow()) - _days("SITE_CONFIRM_EVERY_DAYS")


def is_unverified(site: TrialSite, now: dt.datetime | None = None) -> bool:
    if site.status != SiteStatus.RECRUITING:
        return False
    return site.vouched_at is None or as_utc(site.vouched_at) < unverified_cutoff(now)


def unverified_clause(now: dt.datetime | None = None) -> sa.ColumnElement[bool]:
    """``is_unverified`` as SQL."""
    return sa.and_(
        TrialSite.status == SiteStatus.RECRUITING,
        sa.or_(TrialSite.vouched_at.is_(None), TrialSite.vouched_at < unverified_cutoff(now)),
    )


def vouch(site: TrialSite, user: User | None, *, slots_left: int | None = None, now=None) -> None:
    """``user`` says the site recruits (with how many places left, if known)."""
    site.vouched_at = now or utcnow()
    site.vouched_by_id = user.id if user is not None else None
    site.slots_left = slots_left
    site.unverified_told_at = None
    audit.record(
        "confirm_site",
        "trial_site",
        site.id,
        user_id=site.vouched_by_id,
        slots_left=slots_left,
    )


def _recruiting_sites():
    return (
        select(TrialSite)
        .join(Trial, Trial.id == TrialSite.trial_id)
        .where(TrialSite.status == SiteStatus.RECRUITING, Trial.status == TrialStatus.RECRUITING)
        .options(selectinload(TrialSite.intake_contacts), selectinload(TrialSite.trial))
    )


def confirm_path(site_id: int) -> str:
    """The page ``trials.confirm_site`` serves (a worker has no request to build it)."""
    return f"/trials/sites/{site_id}/confirm"


def _context(site: TrialSite, url: str) -> dict:
    return {"trial": site.trial.label, "centre": site.centre.short_name, "url": url}


def ask_and_escalate(now: dt.datetime | None = None) -> tuple[int, int]:
    """Daily: ask the sites due a confirmation; tell leaders of unverified ones.

    Returns (sites asked, leaders told). Each ask and each escalation is once per
    cycle: ``confirmation_asked_at`` and ``unverified_told_at`` remember them.
    """
    now = now or utcnow()
    sent = told = 0
    cutoff = ask_cutoff(now)
    due = sa.or_(TrialSite.vouched_at.is_(None), TrialSite.vouched_at < cutoff)
    for site in db.session.scalars(_recruiting_sites().where(due)).all():
        asked = site.confirmation_asked_at
        # Once per period: not since the last vouch, and not within the period.
        if asked is None or as_utc(asked) < max(as_utc(site.vouched_at) or cutoff, cutoff):
            for contact in site.intake_contacts:
                notify.queue(
                    contact,
                    ASK_KIND,
                    _context(site, confirm_path(site.id)),
                    dedupe_key=f"site-confirm:{site.id}:{now.date().isoformat()}",
                )
            site.confirmation_asked_at = now
            sent += 1
        if is_unverified(site, now) and site.unverified_told_at is None:
            leader = site.trial.community.leader if site.trial.community else None
            if leader is not None:
                notify.queue(
                    leader,
                    UNVERIFIED_KIND,
                    _context(site, f"/trials/{site.trial_id}"),
                    dedupe_key=f"site-unverified:{site.id}:{now.date().isoformat()}",
                )
                told += 1
            site.unverified_told_at = now
    db.session.commit()
    return sent, told


def network_share(now: dt.datetime | None = None) -> float | None:
    """``confirmed_share`` over the network's recruiting sites, in SQL."""
    cutoff = ask_cutoff(now)
    total, fresh = db.session.execute(
        select(
            sa.func.count(),
            sa.func.count().filter(TrialSite.vouched_at >= cutoff),
        ).where(TrialSite.status == SiteStatus.RECRUITING)
    ).one()
    return (fresh / total) if total else None
