"""Trial news (DESIGN §4): new trials and site openings/closings told to a community.

Every member of the trial's community, at every centre, gets an outbox row per
channel through :func:`referral_app.notify.queue` (which holds e-mails for members
who chose the digest). A weekly digest per community lists the new and upcoming
trials (Celery beat, ``workers/trial_news.py``).

What each kind says, and its e-mail body, is in ``notifications.messages``.
Contexts carry no patient data, only what a sponsor's public page would show,
plus absolute links.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from referral_app import notify
from referral_app.extensions import db
from referral_app.links import absolute_url
from referral_app.models import (
    Community,
    Membership,
    NotificationChannel,
    SiteStatus,
    Trial,
    TrialSite,
    TrialStatus,
    User,
)
from referral_app.timeutil import as_utc, utcnow

TRIAL_EVENTS = {
    "upcoming": "trial_news_trial_upcoming",
    "recruiting": "trial_news_trial_recruiting",
}
SITE_EVENTS = {"site_opened": "trial_news_site_opened", "site_closed": "trial_news_site_closed"}
DIGEST_KIND = "trial_news_weekly_digest"


def community_members(community_id: int | None) -> list[User]:
    """Active members of a community, at every centre."""
    if community_id is None:
        return []
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.community_id == community_id, User.active.is_(True))
            .order_by(User.id)
        )
    )


def trial_context(trial: Trial) -> dict[str, Any]:
    community = trial.community
    return {
        "trial_id": trial.id,
        "trial": trial.acronym or trial.nct_number,
        "nct_number": trial.nct_number,
        "title": trial.title,
        "phase": trial.phase.value,
        "status": trial.status.value,
        "tumour_site": trial.tumour_site,
        "is_niche": trial.is_niche,
        "community": community.slug if community else None,
        "community_name_fr": community.name_fr if community else "",
        "community_name_en": community.name_en if community else "",
        "url": absolute_url(f"/trials/{trial.id}"),
    }


def _queue_for_members(
    trial: Trial,
    kind: str,
    context: dict[str, Any],
    dedupe_key: str,
    actor_id: int | None,
) -> int:
    rows = 0
    for user in community_members(trial.community_id):
        if actor_id is not None and user.id == actor_id:
            continue  # nobody is told of their own act
        rows += len(notify.queue(user, kind, context, dedupe_key))
    return rows


def announce_trial(trial: Trial, event: str, *, actor_id: int | None = None) -> int:
    """``event`` is ``upcoming`` (a new trial) or ``recruiting`` (it starts recruiting).

    Returns the number of outbox rows written. Each event is told once per trial.
    """
    if not trial.is_published:
        return 0  # told when published (``trials.review``)
    kind = TRIAL_EVENTS[event]
    context = {"event": event, **trial_context(trial)}
    return _queue_for_members(trial, kind, context, f"trial-news:{trial.id}:{event}", actor_id)


def announce_site(site: TrialSite, event: str, *, actor_id: int | None = None) -> int:
    """``event`` is ``site_opened`` or ``site_closed``.

    The dedupe key carries the day, so a site that reopens later is announced again
    while a double click (or a re-import the same day) is not.
    """
    if not site.trial.is_published:
        return 0  # told when published (``trials.review``)
    kind = SITE_EVENTS[event]
    trial = site.trial
    context = {
        "event": event,
        **trial_context(trial),
        "site_id": site.id,
        "centre": site.centre.short_name,
        "centre_name": site.centre.name,
        "city": site.centre.city,
        "region": site.centre.region.name,
        "site_status": site.status.value,
    }
    key = f"trial-news:site:{site.id}:{event}:{utcnow().date().isoformat()}"
    return _queue_for_members(trial, kind, context, key, actor_id)


# ---------------------------------------------------------------------------
# Weekly digest
# ---------------------------------------------------------------------------


def digest_trials(community_id: int, since: dt.datetime) -> tuple[list[Trial], list[Trial]]:
    """(new trials since ``since`` that are upcoming or recruiting, other upcoming trials)."""
    trials = list(
        db.session.scalars(
            select(Trial)
            .options(selectinload(Trial.sites).joinedload(TrialSite.centre))
            .where(
                Trial.community_id == community_id,
                or_(
                    Trial.status == TrialStatus.UPCOMING,
                    (Trial.created_at >= since) & (Trial.status == TrialStatus.RECRUITING),
                ),
            )
            .order_by(Trial.acronym, Trial.nct_number)
        )
    )
    new = [t for t in trials if as_utc(t.created_at) >= since]
    upcoming = [t for t in trials if t not in new]
    return new, upcoming


def _digest_entry(trial: Trial) -> dict[str, Any]:
    return {
        "trial_id": trial.id,
        "trial": trial.acronym or trial.nct_number,
        "nct_number": trial.nct_number,
        "title": trial.title,
        "phase": trial.phase.value,
        "status": trial.status.value,
        "centres": [s.centre.short_name for s in trial.sites if s.status == SiteStatus.RECRUITING],
        "url": absolute_url(f"/trials/{trial.id}"),
    }


def send_weekly_digests(now: dt.datetime | None = None) -> dict[str, int]:
    """Queue this week's digest for every member of every community with news.

    Idempotent per ISO week: the dedupe key is the community and the week, so a
    beat task that runs twice writes nothing the second time.
    """
    now = now or utcnow()
    since = now - dt.timedelta(days=7)
    year, week, _day = now.isocalendar()
    counts = {"communities": 0, "notifications": 0}
    for community in db.session.scalars(select(Community).order_by(Community.id)):
        new, upcoming = digest_trials(community.id, since)
        if not new and not upcoming:
            continue
        counts["communities"] += 1
        context = {
            "community": community.slug,
            "community_name_fr": community.name_fr,
            "community_name_en": community.name_en,
            "week": f"{year}-W{week:02d}",
            "new_trials": [_digest_entry(t) for t in new],
            "upcoming_trials": [_digest_entry(t) for t in upcoming],
            "url": absolute_url(f"/network/communities/{community.slug}"),
        }
        key = f"trial-news-digest:{community.id}:{year}-W{week:02d}"
        for user in community_members(community.id):
            counts["notifications"] += len(
                notify.queue(user, DIGEST_KIND, context, key, channels=(NotificationChannel.EMAIL,))
            )
    return counts
