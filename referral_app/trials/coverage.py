"""Niche trial coverage: which region has a recruiting centre for each niche trial."""

from __future__ import annotations

from sqlalchemy import and_, select, true

from referral_app.extensions import db
from referral_app.models import Centre, Community, Region, SiteStatus, Trial, TrialSite, TrialStatus


def niche_trials_stmt(community_slug: str | None = None):
    """Ids of the niche trials still open, in display order."""
    stmt = select(Trial.id).where(Trial.is_niche.is_(True), Trial.status != TrialStatus.CLOSED)
    if community_slug:
        stmt = stmt.join(Community, Community.id == Trial.community_id).where(
            Community.slug == community_slug
        )
    return stmt.order_by(Trial.acronym, Trial.nct_number)


def niche_coverage(trial_ids: list[int]):
    """For these niche trials, each region with centres: the centre recruiting there, or none.

    One query: trials × regions that have an active centre, left-joined to the
    recruiting site of the trial in the region (the partial unique index
    ``uq_trial_sites_niche_region`` serves the join).
    """
    regions_with_centres = (
        select(Region.id, Region.code, Region.name)
        .where(
            select(Centre.id)
            .where(Centre.region_id == Region.id, Centre.is_active.is_(True))
            .exists()
        )
        .subquery()
    )
    stmt = (
        select(
            Trial.id,
            Trial.acronym,
            Trial.nct_number,
            Trial.status,
            regions_with_centres.c.id.label("region_id"),
            regions_with_centres.c.name.label("region_name"),
            Centre.short_name,
        )
        .select_from(Trial)
        .join(regions_with_centres, true())  # every trial × every region
        .outerjoin(
            TrialSite,
            and_(
                TrialSite.trial_id == Trial.id,
                TrialSite.region_id == regions_with_centres.c.id,
                TrialSite.niche.is_(True),
                TrialSite.status == SiteStatus.RECRUITING,
            ),
        )
        .outerjoin(Centre, Centre.id == TrialSite.centre_id)
        .where(Trial.id.in_(trial_ids))
        .order_by(Trial.acronym, Trial.nct_number, regions_with_centres.c.code)
    )
    regions: dict[int, str] = {}
    trials: dict[int, dict] = {}
    for row in db.session.execute(stmt):
        regions.setdefault(row.region_id, row.region_name)
        entry = trials.setdefault(
            row.id,
            {
                "id": row.id,
                "label": row.acronym or row.nct_number,
                "status": row.status,
                "cells": {},
            },
        )
        centres = entry["cells"].setdefault(row.region_id, [])
        if row.short_name:
            centres.append(row.short_name)
    for entry in trials.values():
        entry["covered"] = sum(1 for centres in entry["cells"].values() if centres)
        entry["uncovered"] = [regions[r] for r, centres in entry["cells"].items() if not centres]
    return regions, list(trials.values())
