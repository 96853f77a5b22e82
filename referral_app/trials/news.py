"""Trial news (DESIGN §4): new trials and site openings/closings told to a community.

Every member of the trial's community, at every centre, gets an outbox row per
channel through :func:`referral_app.notify.queue` (which holds e-mails for members
who chose the digest). A weekly digest per community lists the new and upcoming
trials (Celery beat, ``workers/trial_news.py``).

Templates: ``trial_news_<event>`` under ``templates/email/`` (``.txt`` and
``.html``); events worded alike share one body (:data:`EMAIL_BODIES`). Contexts
carry no patient data, only what a sponsor's public page would show, plus
absolute links.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from jinja2 import TemplateNotFound
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from referral_app import notify
from referral_app.extensions import db
from referral_app.models import (
    Community,
    Membership,
    Notification,
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
DIGEST_TEMPLATE = "trial_news_weekly_digest"
# Events whose e-mail shows the same details (only the sentence differs) share a body.
EMAIL_BODIES = {
    **dict.fromkeys(TRIAL_EVENTS.values(), "trial_news_trial"),
    **dict.fromkeys(SITE_EVENTS.values(), "trial_news_site"),
}


def absolute_url(path: str) -> str:
    """A link for e-mails and notifications, built without a request."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


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
    template: str,
    context: dict[str, Any],
    dedupe_key: str,
    actor_id: int | None,
) -> int:
    rows = 0
    for user in community_members(trial.community_id):
        if actor_id is not None and user.id == actor_id:
            continue  # nobody is told of their own act
        rows += len(notify.queue(user, template, context, dedupe_key))
    return rows


def announce_trial(trial: Trial, event: str, *, actor_id: int | None = None) -> int:
    """``event`` is ``upcoming`` (a new trial) or ``recruiting`` (it starts recruiting).

    Returns the number of outbox rows written. Each event is told once per trial.
    """
    template = TRIAL_EVENTS[event]
    context = {"event": event, **trial_context(trial)}
    return _queue_for_members(trial, template, context, f"trial-news:{trial.id}:{event}", actor_id)


def announce_site(site: TrialSite, event: str, *, actor_id: int | None = None) -> int:
    """``event`` is ``site_opened`` or ``site_closed``.

    The dedupe key carries the day, so a site that reopens later is announced again
    while a double click (or a re-import the same day) is not.
    """
    template = SITE_EVENTS[event]
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
    return _queue_for_members(trial, template, context, key, actor_id)


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
                notify.queue(
                    user, DIGEST_TEMPLATE, context, key, channels=(NotificationChannel.EMAIL,)
                )
            )
    return counts


# ---------------------------------------------------------------------------
# What these notifications say (in-app sentence, e-mail subject and body)
# ---------------------------------------------------------------------------
#
# Contract with the delivery (``referral_app.notifications.content``): for a
# template that :func:`has_own_email` accepts, the sentence comes from
# :func:`sentence` and the e-mail from :func:`render_email`, which renders
# ``templates/email/<body>.txt`` and ``.html`` (the template's own name unless
# :data:`EMAIL_BODIES` gives a shared one) with ``item`` (sentence, link),
# ``context`` (the row's context), ``recipient`` and ``preferences_link``.

OWN_PREFIXES = ("trial_news_", "join_", "password_")

SENTENCES = {
    "trial_news_trial_upcoming": _l("New upcoming trial in %(community_name)s: %(trial)s."),
    "trial_news_trial_recruiting": _l("%(trial)s is now recruiting (%(community_name)s)."),
    "trial_news_site_opened": _l("%(centre)s opened a recruiting site for %(trial)s."),
    "trial_news_site_closed": _l("%(centre)s closed its site for %(trial)s."),
    "trial_news_weekly_digest": _l("This week's trials in %(community_name)s."),
    "join_request_received": _l("%(name)s asks to join %(community_name)s."),
    "join_approved": _l("Welcome to %(community_name)s."),
    "join_declined": _l("Your request to join %(community_name)s was declined."),
    "password_reset": _l("Reset your Passerelle password."),
    "password_reset_welcome": _l("Your Passerelle account is ready: choose a password."),
}


class _Params(dict):
    def __missing__(self, key: str) -> str:
        return ""


def has_own_email(template: str) -> bool:
    return template.startswith(OWN_PREFIXES)


def _language() -> str:
    return str(get_locale() or "fr")


def sentence(template: str, context: dict[str, Any]) -> str:
    """One line in the current locale, for the inbox and the e-mail subject."""
    params = _Params(context or {})
    lang = _language()
    params["community_name"] = context.get(f"community_name_{lang}") or context.get(
        "community_name_fr", ""
    )
    text = SENTENCES.get(template)
    if text is None:
        return str(context.get("trial") or template)
    return str(text) % params


def render_email(notification: Notification) -> tuple[str, str, str | None]:
    """(subject, text, html) in the recipient's language."""
    from referral_app.auth.password import with_password_link

    recipient = notification.recipient
    context = with_password_link(notification.context or {}, recipient)
    with force_locale(recipient.language.value):
        line = sentence(notification.template, context)
        values = {
            "item": {"sentence": line, "link": context.get("url") or absolute_url("/home")},
            "context": context,
            "recipient": recipient,
            "lang": recipient.language.value,
            "preferences_link": absolute_url("/preferences"),
        }
        body = EMAIL_BODIES.get(notification.template, notification.template)
        text = render_template(f"email/{body}.txt", **values)
        try:
            html = render_template(f"email/{body}.html", **values)
        except TemplateNotFound:
            html = None
        return f"Passerelle · {line}", text, html
