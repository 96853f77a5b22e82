"""The referring centre's watchlist: patients to re-match when a trial or site opens.

A referral goes on it (``after_event``, called by the workflow engine; and
``on_site_closed``, called when a site closes) when it is

- declined because the trial was closed or full, or the site had no capacity;
- a screen failure on a criterion that may change (ECOG, brain metastases…);
- open at a site that closes;

and stays while the patient's consent stands (not withdrawn, no follow-up
referral filed from it). ``check_all`` (beat, hourly) re-runs the finder for each
entry with the referral's own summary: a matching site that was not open at the
last check is news, told once to the referring coordinator (in-app and e-mail,
with the referral's reference and the number of sites, never patient data).

"Matching" is the finder's evaluation with no criterion not met, except, for a
screen failure, criteria that may change: time or treatment may have changed them.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from referral_app import audit, notify
from referral_app.eligibility import finder
from referral_app.eligibility.evaluate import Fit
from referral_app.eligibility.service import referral_criteria
from referral_app.eligibility.summary import of_referral
from referral_app.extensions import db
from referral_app.models import Referral, TrialSite, User, WatchEntry
from referral_app.timeutil import utcnow
from referral_app.workflow.fields import DeclineReason
from referral_app.workflow.spec import WATCH_MATCH
from referral_app.workflow.states import TERMINAL_STATES, Event, ReferralState

REASONS = {
    "trial_closed_or_full": _l("Declined: trial closed or full"),
    "no_capacity": _l("Declined: no capacity"),
    "screen_fail_may_change": _l("Screen failure on a criterion that may change"),
    "site_closed": _l("The site closed"),
}
WATCHED_DECLINES = {DeclineReason.TRIAL_CLOSED_OR_FULL.value, DeclineReason.NO_CAPACITY.value}


def after_event(referral: Referral, event: Event, values: dict) -> WatchEntry | None:
    """Put the referral on its centre's watchlist when this event calls for it."""
    reason = None
    code = values.get("reason_code")
    code = getattr(code, "value", code)
    if event == Event.DECLINE and code in WATCHED_DECLINES:
        reason = code
    elif event == Event.SCREEN_FAIL and _named_may_change(referral, values.get("criterion_id")):
        reason = "screen_fail_may_change"
    if reason is None:
        return None
    return watch(referral, reason, criterion_id=values.get("criterion_id"))


def _named_may_change(referral: Referral, criterion_id: str | None) -> bool:
    if not criterion_id:
        return False
    return any(c.id == criterion_id and c.may_change for c in referral_criteria(referral))


def on_site_closed(site: TrialSite) -> int:
    """The site's open referrals go on their centres' watchlists; how many."""
    open_ones = db.session.scalars(
        select(Referral).where(
            Referral.site_id == site.id,
            Referral.state.not_in([s.value for s in TERMINAL_STATES]),
            Referral.state != ReferralState.DRAFT,
        )
    ).all()
    return sum(1 for r in open_ones if watch(r, "site_closed") is not None)


def on_opened(site_ids: list[int]) -> None:
    """Sites that just opened or reopened (or whose trial did): the entries that knew
    them open forget them, so the next check tells of them if the patient may fit.

    Without this a site closed and reopened between two checks was never news (the
    check saw it open both times), nor was the site that declined for "trial full"
    reopening after a closure the hourly job did not see.
    """
    opened = set(site_ids)
    if not opened:
        return
    for entry in db.session.scalars(active_entries()).all():
        known = set(entry.open_site_ids or [])
        if known & opened:
            entry.open_site_ids = sorted(known - opened)


def watch(referral: Referral, reason: str, *, criterion_id: str | None = None) -> WatchEntry | None:
    """Add (or renew) the referral's entry; None when consent does not stand."""
    if not referral.patient_consent or referral.state == ReferralState.WITHDRAWN:
        return None
    entry = db.session.scalar(select(WatchEntry).where(WatchEntry.referral_id == referral.id))
    if entry is None:
        entry = WatchEntry(referral_id=referral.id, centre_id=referral.referring_centre_id)
        db.session.add(entry)
    entry.reason, entry.criterion_id = reason, criterion_id
    entry.added_at, entry.cleared_at, entry.cleared_by_id, entry.cleared_why = (
        utcnow(),
        None,
        None,
        "",
    )
    entry.referral = referral
    entry.open_site_ids = sorted(s.id for s in matching_sites(entry))
    db.session.flush()
    return entry


def passes(entry: WatchEntry, fit: Fit) -> bool:
    if entry.reason == "screen_fail_may_change":
        return all(v.may_change for v in fit.failing())
    return fit.not_met == 0


def matching_sites(entry: WatchEntry) -> list[TrialSite]:
    """Open sites (not the referring centre's) whose trial the patient may now fit."""
    referral = entry.referral
    matches = finder.find(of_referral(referral), referral.referring_user, limit=finder.MAX_LIMIT)
    return [m.site for m in matches if m.referable and passes(entry, m.fit)]


def active_entries(centre_id: int | None = None):
    stmt = select(WatchEntry).where(WatchEntry.cleared_at.is_(None)).order_by(WatchEntry.id)
    if centre_id is not None:
        stmt = stmt.where(WatchEntry.centre_id == centre_id)
    return stmt


def clear(entry: WatchEntry, user: User | None, why: str = "reviewed") -> None:
    entry.cleared_at, entry.cleared_by_id, entry.cleared_why = (
        utcnow(),
        getattr(user, "id", None),
        why,
    )
    audit.record(
        "clear_watch",
        "referral",
        entry.referral_id,
        user_id=getattr(user, "id", None),
        why=why,
    )


def _consent_stands(entry: WatchEntry) -> str | None:
    """Why the entry should end by itself, or None."""
    referral = entry.referral
    if not referral.patient_consent or referral.state == ReferralState.WITHDRAWN:
        return "consent"
    follow_up = db.session.scalar(
        select(Referral.id).where(Referral.previous_referral_id == referral.id).limit(1)
    )
    return "redirected" if follow_up else None


def check_all(now: dt.datetime | None = None) -> int:
    """Re-match every active entry; tell of newly opened sites. Returns alerts sent."""
    now = now or utcnow()
    sent = 0
    for entry in db.session.scalars(active_entries()).all():
        ended = _consent_stands(entry)
        if ended:
            clear(entry, None, ended)
            continue
        now_open = {s.id for s in matching_sites(entry)}
        new = sorted(now_open - set(entry.open_site_ids or []))
        if new:
            _tell(entry, new)
            entry.alerts += 1
            sent += 1
        entry.open_site_ids = sorted(now_open)
        entry.checked_at = now
    db.session.commit()
    return sent


def _tell(entry: WatchEntry, site_ids: list[int]) -> None:
    """Tell the referrer (the workflow's rule: their colleagues if their account closed)."""
    referral = entry.referral
    for recipient in notify.referring_recipients(referral):
        notify.queue(
            recipient,
            WATCH_MATCH.kind,
            notify.referral_context(referral, count=len(site_ids)),
            dedupe_key=f"watch:{entry.id}:{entry.alerts}",  # once per news, even a reopening
            referral_id=referral.id,
        )
