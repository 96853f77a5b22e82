"""Trial catalogue rules: creating and editing trials and their sites, and the niche rule.

Views, the ClinicalTrials.gov import and the administration all call these
functions. They ``flush()`` and never commit: the request or command commits.

Niche rule (DESIGN §2): a niche trial has at most one recruiting site per region.
It is checked here, with a message naming the site that already recruits, and
backed by the partial unique index ``uq_trial_sites_niche_region`` over the
columns copied onto ``TrialSite`` (``niche`` from the trial, ``region_id`` from the
centre); :func:`sync_trial_niche` and :func:`sync_centre_region` keep the copies
true.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from referral_app import audit
from referral_app.eligibility import watchlist
from referral_app.enums import INTAKE_ROLES
from referral_app.extensions import db
from referral_app.models import (
    Centre,
    Community,
    Phase,
    Role,
    SiteStatus,
    Trial,
    TrialSite,
    TrialStatus,
    User,
)
from referral_app.timeutil import utcnow
from referral_app.trials import news

TRIAL_TRANSITIONS: dict[TrialStatus, frozenset[TrialStatus]] = {
    TrialStatus.UPCOMING: frozenset(
        {TrialStatus.RECRUITING, TrialStatus.SUSPENDED, TrialStatus.CLOSED}
    ),
    TrialStatus.RECRUITING: frozenset({TrialStatus.SUSPENDED, TrialStatus.CLOSED}),
    TrialStatus.SUSPENDED: frozenset({TrialStatus.RECRUITING, TrialStatus.CLOSED}),
    TrialStatus.CLOSED: frozenset(),
}

# A closed site may reopen (a new cohort, a new amendment); it never goes back to upcoming.
SITE_TRANSITIONS: dict[SiteStatus, frozenset[SiteStatus]] = {
    SiteStatus.UPCOMING: frozenset({SiteStatus.RECRUITING, SiteStatus.CLOSED}),
    SiteStatus.RECRUITING: frozenset({SiteStatus.CLOSED}),
    SiteStatus.CLOSED: frozenset({SiteStatus.RECRUITING}),
}


class TrialError(ValueError):
    """A catalogue rule refused the change; ``str(error)`` is a message for people."""


class NicheRuleError(TrialError):
    """A niche trial already recruits in this region; ``holder`` is the site that does."""

    def __init__(self, message: str, holder: TrialSite | None = None):
        super().__init__(message)
        self.holder = holder


@dataclass
class TrialData:
    """The editable fields of a trial, as a form or the import gives them."""

    nct_number: str
    title: str
    acronym: str | None = None
    sponsor: str = ""
    phase: Phase = Phase.NA
    community_id: int | None = None
    tumour_site: str = ""
    conditions: str = ""
    eligibility_summary: str = ""
    biomarkers: str = ""
    is_niche: bool = False
    status: TrialStatus = TrialStatus.UPCOMING
    source: str = "manual"
    # Document categories a referral must carry to be submitted; None: leave as is
    # (the ClinicalTrials.gov import says nothing about them).
    required_documents: list[str] | None = None

    def fields(self) -> dict[str, Any]:
        return {
            "nct_number": self.nct_number,
            "title": self.title,
            "acronym": self.acronym or None,
            "sponsor": self.sponsor,
            "phase": self.phase,
            "community_id": self.community_id,
            "tumour_site": self.tumour_site,
            "conditions": self.conditions,
            "eligibility_summary": self.eligibility_summary,
            "biomarkers": self.biomarkers,
            "is_niche": self.is_niche,
            **(
                {"required_documents": list(self.required_documents)}
                if self.required_documents is not None
                else {}
            ),
        }


@dataclass
class SiteData:
    status: SiteStatus = SiteStatus.UPCOMING
    investigator_name: str = ""
    intake_contact_ids: list[int] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Permissions specific to the catalogue
# ---------------------------------------------------------------------------


def can_add_site_at(user: User, centre: Centre) -> bool:
    """Admins anywhere; coordinators and nurses at their own centre."""
    if not user.is_authenticated:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role in INTAKE_ROLES and user.centre_id == centre.id


def centres_user_may_open(user: User) -> list[Centre]:
    if user.role == Role.ADMIN:
        return list(
            db.session.scalars(
                select(Centre).where(Centre.is_active.is_(True)).order_by(Centre.name)
            )
        )
    if user.role in INTAKE_ROLES:
        return [user.centre]
    return []


# ---------------------------------------------------------------------------
# Trials
# ---------------------------------------------------------------------------


def _check_nct_unique(nct_number: str, trial_id: int | None = None) -> None:
    stmt = select(Trial.id, Trial.acronym).where(Trial.nct_number == nct_number)
    if trial_id is not None:
        stmt = stmt.where(Trial.id != trial_id)
    existing = db.session.execute(stmt).first()
    if existing is not None:
        raise TrialError(
            _(
                "The NCT number %(nct)s is already used by the trial %(trial)s.",
                nct=nct_number,
                trial=existing.acronym or nct_number,
            )
        )


def _check_community(community_id: int | None) -> None:
    if community_id is not None and db.session.get(Community, community_id) is None:
        raise TrialError(_("This community does not exist."))


def check_trial_transition(old: TrialStatus, new: TrialStatus) -> None:
    if old != new and new not in TRIAL_TRANSITIONS[old]:
        raise TrialError(
            _(
                "A trial cannot go from %(old)s to %(new)s.",
                old=_status_label("trial_status", old),
                new=_status_label("trial_status", new),
            )
        )


def create_trial(data: TrialData, *, actor_id: int | None = None, published: bool = True) -> Trial:
    """Add a trial; members of its community hear about it when upcoming or recruiting.

    ``published=False``: an import awaiting review (``trials.review``), told nobody.
    """
    _check_nct_unique(data.nct_number)
    _check_community(data.community_id)
    trial = Trial(
        **data.fields(),
        status=data.status,
        source=data.source,
        awaiting_review=not published,
    )
    db.session.add(trial)
    db.session.flush()
    audit.record(
        "create",
        "trial",
        trial.id,
        user_id=actor_id,
        changes={"nct_number": [None, trial.nct_number], "status": [None, trial.status.value]},
    )
    if trial.status in (TrialStatus.UPCOMING, TrialStatus.RECRUITING):
        news.announce_trial(trial, trial.status.value, actor_id=actor_id)
    return trial


def update_trial(trial: Trial, data: TrialData, *, actor_id: int | None = None) -> dict:
    """Apply ``data``; returns the changes ``{field: [old, new]}`` (recorded in the audit log)."""
    _check_nct_unique(data.nct_number, trial.id)
    _check_community(data.community_id)
    check_trial_transition(trial.status, data.status)
    if data.is_niche and not trial.is_niche:
        _check_can_become_niche(trial)
    changes = audit.apply_changes(trial, data.fields())
    old_status = trial.status
    if old_status != data.status:
        changes["status"] = [old_status.value, data.status.value]
        trial.status = data.status
    if "is_niche" in changes:
        sync_trial_niche(trial)
    db.session.flush()
    if changes:
        audit.record("update", "trial", trial.id, user_id=actor_id, changes=changes)
    if old_status != trial.status:
        _trial_status_changed(trial, old_status, actor_id)
    return changes


def set_trial_status(
    trial: Trial, status: TrialStatus, *, actor_id: int | None = None
) -> dict[str, list]:
    """Move the trial to ``status`` (same rules and news as :func:`update_trial`)."""
    check_trial_transition(trial.status, status)
    if trial.status == status:
        return {}
    old = trial.status
    trial.status = status
    db.session.flush()
    changes = {"status": [old.value, status.value]}
    audit.record("update", "trial", trial.id, user_id=actor_id, changes=changes)
    _trial_status_changed(trial, old, actor_id)
    return changes


def _trial_status_changed(trial: Trial, old: TrialStatus, actor_id: int | None) -> None:
    """What a trial's new status means beyond the trial: when it (re)starts recruiting
    its community hears of it and the watchlist treats its recruiting sites as newly
    open; when it stops, the referrals open at its sites are watched for another."""
    recruiting = [s for s in trial.sites if s.status == SiteStatus.RECRUITING]
    if trial.status == TrialStatus.RECRUITING:
        news.announce_trial(trial, TrialStatus.RECRUITING.value, actor_id=actor_id)
        watchlist.on_opened([s.id for s in recruiting])
    elif old == TrialStatus.RECRUITING:
        for site in recruiting:
            watchlist.on_site_closed(site)


def _check_can_become_niche(trial: Trial) -> None:
    """A trial recruiting at two sites of one region cannot become niche."""
    rows = db.session.execute(
        select(TrialSite.region_id, func.count(TrialSite.id))
        .where(TrialSite.trial_id == trial.id, TrialSite.status == SiteStatus.RECRUITING)
        .group_by(TrialSite.region_id)
        .having(func.count(TrialSite.id) > 1)
    ).all()
    if rows:
        sites = _recruiting_sites_in(trial.id, rows[0][0])
        raise TrialError(
            _(
                "This trial cannot become niche: %(sites)s recruit in the same region "
                "(%(region)s). Close all but one first.",
                sites=", ".join(s.centre.short_name for s in sites),
                region=sites[0].centre.region.name,
            )
        )


def sync_trial_niche(trial: Trial) -> None:
    """Copy ``Trial.is_niche`` onto every site row (the partial unique index reads it)."""
    for site in trial.sites:
        site.niche = trial.is_niche


def _status_label(kind: str, value) -> str:
    from referral_app.labels import label

    return label(kind, value)


# ---------------------------------------------------------------------------
# Sites and the niche rule
# ---------------------------------------------------------------------------


def _recruiting_sites_in(
    trial_id: int, region_id: int, exclude_site_id: int | None = None
) -> list[TrialSite]:
    stmt = select(TrialSite).where(
        TrialSite.trial_id == trial_id,
        TrialSite.region_id == region_id,
        TrialSite.status == SiteStatus.RECRUITING,
    )
    if exclude_site_id is not None:
        stmt = stmt.where(TrialSite.id != exclude_site_id)
    return list(db.session.scalars(stmt.order_by(TrialSite.id)))


def niche_holder(trial: Trial, region_id: int, exclude_site_id: int | None = None):
    """The site that already recruits for niche ``trial`` in the region, if any."""
    if not trial.is_niche:
        return None
    sites = _recruiting_sites_in(trial.id, region_id, exclude_site_id)
    return sites[0] if sites else None


def check_niche_rule(trial: Trial, centre: Centre, exclude_site_id: int | None = None) -> None:
    holder = niche_holder(trial, centre.region_id, exclude_site_id)
    if holder is not None:
        raise NicheRuleError(
            _(
                "%(trial)s is a niche trial: %(centre)s already recruits for it in "
                "%(region)s. Only one centre per region may recruit.",
                trial=trial.acronym or trial.nct_number,
                centre=holder.centre.name,
                region=holder.centre.region.name,
            ),
            holder=holder,
        )


def _intake_contacts(centre: Centre, user_ids: list[int]) -> list[User]:
    if not user_ids:
        return []
    users = list(db.session.scalars(select(User).where(User.id.in_(user_ids))))
    wrong = [u for u in users if u.centre_id != centre.id or not u.active]
    if wrong or len(users) != len(set(user_ids)):
        raise TrialError(
            _("Intake contacts must be active users of %(centre)s.", centre=centre.short_name)
        )
    return sorted(users, key=lambda u: u.name)


def add_site(
    trial: Trial, centre: Centre, data: SiteData, *, actor_id: int | None = None
) -> TrialSite:
    """Add ``centre`` as a site of ``trial``; refused when the niche rule forbids recruiting."""
    exists = db.session.scalar(
        select(TrialSite.id).where(TrialSite.trial_id == trial.id, TrialSite.centre_id == centre.id)
    )
    if exists is not None:
        raise TrialError(_("%(centre)s is already a site of this trial.", centre=centre.short_name))
    if data.status == SiteStatus.RECRUITING:
        check_niche_rule(trial, centre)
    site = TrialSite(
        trial=trial,
        centre=centre,
        region_id=centre.region_id,
        niche=trial.is_niche,
        status=data.status,
        investigator_name=data.investigator_name.strip(),
        intake_contacts=_intake_contacts(centre, data.intake_contact_ids),
    )
    if data.status == SiteStatus.RECRUITING:
        site.opened_on = utcnow().date()
        site.vouched_at, site.vouched_by_id = utcnow(), actor_id
    db.session.add(site)
    db.session.flush()
    audit.record(
        "create",
        "trial_site",
        site.id,
        user_id=actor_id,
        changes={
            "trial_id": [None, trial.id],
            "centre": [None, centre.short_name],
            "status": [None, site.status.value],
        },
    )
    if site.status == SiteStatus.RECRUITING:
        news.announce_site(site, "site_opened", actor_id=actor_id)
    return site


def check_site_transition(old: SiteStatus, new: SiteStatus) -> None:
    if old != new and new not in SITE_TRANSITIONS[old]:
        raise TrialError(
            _(
                "A site cannot go from %(old)s to %(new)s.",
                old=_status_label("site_status", old),
                new=_status_label("site_status", new),
            )
        )


def update_site(site: TrialSite, data: SiteData, *, actor_id: int | None = None) -> dict:
    """Edit a site (status, investigator, intake contacts); announce openings and closings."""
    check_site_transition(site.status, data.status)
    changes: dict[str, list] = {}
    if data.investigator_name.strip() != site.investigator_name:
        changes["investigator_name"] = [site.investigator_name, data.investigator_name.strip()]
        site.investigator_name = data.investigator_name.strip()
    contacts = _intake_contacts(site.centre, data.intake_contact_ids)
    old_ids = sorted(u.id for u in site.intake_contacts)
    new_ids = sorted(u.id for u in contacts)
    if old_ids != new_ids:
        changes["intake_contacts"] = [old_ids, new_ids]
        site.intake_contacts = contacts
    changes.update(_apply_site_status(site, data.status, actor_id))
    db.session.flush()
    if changes:
        audit.record("update", "trial_site", site.id, user_id=actor_id, changes=changes)
    _announce_site_change(site, changes, actor_id)
    return changes


def set_site_status(
    site: TrialSite, status: SiteStatus, *, actor_id: int | None = None
) -> dict[str, list]:
    check_site_transition(site.status, status)
    changes = _apply_site_status(site, status, actor_id)
    db.session.flush()
    if changes:
        audit.record("update", "trial_site", site.id, user_id=actor_id, changes=changes)
    _announce_site_change(site, changes, actor_id)
    return changes


def _apply_site_status(
    site: TrialSite, status: SiteStatus, actor_id: int | None = None
) -> dict[str, list]:
    if status == site.status:
        return {}
    if status == SiteStatus.RECRUITING:
        check_niche_rule(site.trial, site.centre, exclude_site_id=site.id)
        site.opened_on = utcnow().date()
        site.closed_on = None
        site.vouched_at, site.vouched_by_id = utcnow(), actor_id  # who opens it vouches
    elif status == SiteStatus.CLOSED:
        site.closed_on = utcnow().date()
    changes = {"status": [site.status.value, status.value]}
    site.status = status
    if status == SiteStatus.CLOSED:
        watchlist.on_site_closed(site)  # its open referrals are watched for another site
    elif status == SiteStatus.RECRUITING:
        watchlist.on_opened([site.id])  # news for the watchlist, even between two checks
    return changes


def _announce_site_change(site: TrialSite, changes: dict, actor_id: int | None) -> None:
    if "status" not in changes:
        return
    if site.status == SiteStatus.RECRUITING:
        news.announce_site(site, "site_opened", actor_id=actor_id)
    elif site.status == SiteStatus.CLOSED and changes["status"][0] == SiteStatus.RECRUITING:
        news.announce_site(site, "site_closed", actor_id=actor_id)


def sync_centre_region(centre: Centre) -> None:
    """After a centre moves to another region, move its sites too (niche rule checked)."""
    sites = list(db.session.scalars(select(TrialSite).where(TrialSite.centre_id == centre.id)))
    for site in sites:
        if site.region_id == centre.region_id:
            continue
        if site.status == SiteStatus.RECRUITING and site.trial.is_niche:
            holder = niche_holder(site.trial, centre.region_id, exclude_site_id=site.id)
            if holder is not None:
                raise NicheRuleError(
                    _(
                        "%(centre)s cannot move to this region: it recruits for the niche "
                        "trial %(trial)s, for which %(holder)s already recruits there.",
                        centre=centre.short_name,
                        trial=site.trial.acronym or site.trial.nct_number,
                        holder=holder.centre.short_name,
                    ),
                    holder=holder,
                )
        site.region_id = centre.region_id
