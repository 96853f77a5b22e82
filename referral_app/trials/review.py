"""Review before publish (issue 15, item 1, first part): an imported study is not
announced, listed publicly nor referable until an admin or its community's leader
publishes it, explicitly overriding what looks wrong with it.

"Published" is one rule: ``Trial.is_published`` in Python, ``published_clause`` in
SQL; the referral's ``site_refusal``, the finder, the catalogue and the public
directory all read it.

A published study the registry changes is not changed: the new version waits
beside it (``Trial.pending_record``) until a reviewer applies or rejects it
(``held_changes``). Each decision claims its row with a conditional UPDATE
(``claim``), so two reviewers deciding at once never both win.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from referral_app import audit, permissions
from referral_app.extensions import db
from referral_app.models import Community, SiteStatus, Trial, User
from referral_app.timeutil import utcnow
from referral_app.trials import ctgov_details, news

FLAGS = {
    "not_oncology": _l('No condition is a cancer (MeSH "Neoplasms" branch, or its words).'),
    "no_quebec_site": _l("No site in Quebec."),
}


def published_clause() -> sa.ColumnElement[bool]:
    return Trial.awaiting_review.is_(False)


def flags(trial: Trial) -> list[str]:
    """Why the study may not belong in the network's catalogue (codes of ``FLAGS``)."""
    found = []
    text = " ".join([trial.title or "", trial.conditions or ""])
    if not ctgov_details.is_oncology(trial.registry_record or {}, text):
        found.append("not_oncology")
    if not trial.sites:
        found.append("no_quebec_site")
    return found


class FlagsNotOverridden(ValueError):  # noqa: N818 (a refusal)
    pass


class AlreadyDecided(ValueError):  # noqa: N818 (a refusal)
    """Another reviewer decided first, or the registry sent a newer version since."""


def claim(trial: Trial, *conditions: sa.ColumnElement[bool], **values) -> None:
    """One UPDATE that only one of two concurrent reviewers can win."""
    claimed = db.session.execute(
        sa.update(Trial)
        .where(Trial.id == trial.id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise AlreadyDecided(trial.id)
    db.session.refresh(trial)


def publish(trial: Trial, user: User, *, override: bool = False) -> None:
    """Publish: announced to its community now, public, referable. The caller commits."""
    raised = flags(trial)
    if raised and not override:
        raise FlagsNotOverridden(raised)
    claim(trial, Trial.awaiting_review.is_(True), awaiting_review=False, rejected_at=None)
    audit.record("publish", "trial", trial.id, user_id=user.id, overridden=raised)
    db.session.flush()
    if trial.status.value in ("upcoming", "recruiting"):
        news.announce_trial(trial, trial.status.value, actor_id=user.id)
    for site in trial.sites:
        if site.status == SiteStatus.RECRUITING:
            news.announce_site(site, "site_opened", actor_id=user.id)


def reject(trial: Trial, user: User) -> None:
    """Turn down an imported study: kept unpublished, out of the queue. The caller commits."""
    claim(
        trial,
        Trial.awaiting_review.is_(True),
        Trial.rejected_at.is_(None),
        rejected_at=utcnow(),
    )
    audit.record("reject", "trial", trial.id, user_id=user.id)


def waiting_clause() -> sa.ColumnElement[bool]:
    """In the review queue: new studies not yet decided, and held registry changes."""
    new = sa.and_(Trial.awaiting_review.is_(True), Trial.rejected_at.is_(None))
    return sa.or_(new, Trial.pending_digest.is_not(None))


def queue(user: User) -> list[Trial]:
    """What ``user`` reviews: everything for admins, their communities' for leaders."""
    query = sa.select(Trial).where(waiting_clause())
    if not permissions.is_admin(user):
        led = sa.select(Community.id).where(Community.leader_id == user.id)
        query = query.where(Trial.community_id.in_(led))
    oldest_first = sa.func.coalesce(Trial.pending_since, Trial.created_at)
    return list(db.session.scalars(query.order_by(oldest_first, Trial.id)))
