"""Trial and site search shared by the catalogue, the referral form and the API."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, exists, select
from sqlalchemy.orm import selectinload

from referral_app.extensions import db
from referral_app.models import (
    Community,
    Phase,
    SiteStatus,
    Trial,
    TrialSite,
    TrialStatus,
    fulltext,
)
from referral_app.trials.review import published_clause


@dataclass(frozen=True)
class TrialFilters:
    q: str = ""  # free text: title, acronym, NCT number, conditions, biomarkers
    community: str | None = None  # community slug
    status: TrialStatus | None = None
    region_id: int | None = None  # has a recruiting site in this region
    phase: Phase | None = None
    tumour_site: str | None = None
    recruiting_only: bool = False  # trial recruiting and at least one recruiting site
    exclude_centre_id: int | None = None  # with recruiting_only: a site at another centre
    include_unpublished: bool = False  # studies awaiting review (admins' catalogue)


def _recruiting_site_clause(filters: TrialFilters):
    conditions = [TrialSite.trial_id == Trial.id, TrialSite.status == SiteStatus.RECRUITING]
    if filters.region_id:
        conditions.append(TrialSite.region_id == filters.region_id)
    if filters.exclude_centre_id:
        conditions.append(TrialSite.centre_id != filters.exclude_centre_id)
    return exists().where(and_(*conditions))


def trial_query(filters: TrialFilters) -> Select:
    """A ``select(Trial)`` with the filters applied, ordered by acronym; sites preloaded."""
    stmt = select(Trial).options(selectinload(Trial.sites).joinedload(TrialSite.centre))
    if not filters.include_unpublished:
        stmt = stmt.where(published_clause())
    text_match = fulltext.matching(Trial.id, filters.q, db.session.get_bind().dialect.name)
    if text_match is not None:
        stmt = stmt.where(text_match)
    if filters.community:
        stmt = stmt.join(Community, Community.id == Trial.community_id).where(
            Community.slug == filters.community
        )
    if filters.status:
        stmt = stmt.where(Trial.status == filters.status)
    if filters.phase:
        stmt = stmt.where(Trial.phase == filters.phase)
    if filters.tumour_site:
        stmt = stmt.where(Trial.tumour_site.ilike(f"%{filters.tumour_site}%"))
    if filters.recruiting_only:
        stmt = stmt.where(Trial.status == TrialStatus.RECRUITING, _recruiting_site_clause(filters))
    elif filters.region_id:
        stmt = stmt.where(_recruiting_site_clause(filters))
    return stmt.order_by(Trial.acronym, Trial.nct_number)


def recruiting_sites(trial: Trial, exclude_centre_id: int | None = None) -> list[TrialSite]:
    """The trial's recruiting sites, optionally without one centre (one's own)."""
    return [
        site
        for site in trial.sites
        if site.status == SiteStatus.RECRUITING
        and (exclude_centre_id is None or site.centre_id != exclude_centre_id)
    ]


def sites_for_patient_region(
    sites: list[TrialSite], patient_region_id: int | None
) -> list[TrialSite]:
    """Sites in the patient's region first (niche trials: the one site there)."""
    return sorted(
        sites,
        key=lambda s: (s.region_id != patient_region_id, s.centre.name if s.centre else ""),
    )
