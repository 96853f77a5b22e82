"""Review before publish (issue 15, item 1, first part): an imported study is not
announced, listed publicly nor referable until an admin or its community's leader
publishes it, explicitly overriding what looks wrong with it.

"Published" is one rule: ``Trial.is_published`` in Python, ``published_clause`` in
SQL; the referral's ``site_refusal``, the finder, the catalogue and the public
directory all read it.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from referral_app import audit
from referral_app.extensions import db
from referral_app.models import SiteStatus, Trial, User
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


def publish(trial: Trial, user: User, *, override: bool = False) -> None:
    """Publish: announced to its community now, public, referable. The caller commits."""
    raised = flags(trial)
    if raised and not override:
        raise FlagsNotOverridden(raised)
    trial.awaiting_review = False
    audit.record("publish", "trial", trial.id, user_id=user.id, overridden=raised)
    db.session.flush()
    if trial.status.value in ("upcoming", "recruiting"):
        news.announce_trial(trial, trial.status.value, actor_id=user.id)
    for site in trial.sites:
        if site.status == SiteStatus.RECRUITING:
            news.announce_site(site, "site_opened", actor_id=user.id)
