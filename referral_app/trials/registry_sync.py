"""Fetch studies from the ClinicalTrials.gov API v2 (issue 15, item 5).

``flask --app wsgi import-ctgov --nct NCT…`` and the weekly beat job read the
registry when a network is there (``CTGOV_API_URL``). What they fetch goes through
the same import as a file, so new studies wait for review and a published trial's
changes are held for review (``ctgov.import_studies``), never applied straight to
the catalogue. When the registry cannot be reached nothing changes and the message
says so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import requests
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from referral_app.extensions import db
from referral_app.models import Trial
from referral_app.trials import ctgov
from referral_app.validators import NCT_PATTERN

log = logging.getLogger(__name__)


class RegistryError(RuntimeError):
    """The registry could not be reached or did not answer with a study."""


@dataclass
class SyncResult:
    report: ctgov.ImportReport
    not_found: list[str] = field(default_factory=list)  # NCT numbers the registry lacks

    def summary_lines(self) -> list[str]:
        lines = self.report.summary_lines()
        if self.not_found:
            lines.append(_("Not in the registry: %(ncts)s", ncts=", ".join(self.not_found)))
        return lines


def normalise_nct(text: str) -> str:
    nct = (text or "").strip().upper()
    if not NCT_PATTERN.match(nct):
        raise ValueError(_("%(value)s is not an NCT number (NCT and 8 digits).", value=text))
    return nct


def fetch_study(nct: str) -> dict[str, Any] | None:
    """The study's v2 record, or None when the registry has no such study."""
    base = current_app.config["CTGOV_API_URL"].rstrip("/")
    url = f"{base}/studies/{nct}"
    try:
        response = requests.get(
            url,
            params={"format": "json"},
            headers={"Accept": "application/json"},
            timeout=current_app.config["CTGOV_TIMEOUT_SECONDS"],
        )
    except requests.RequestException as error:
        raise RegistryError(
            _(
                "ClinicalTrials.gov cannot be reached at %(url)s (%(error)s). Nothing was "
                "changed; try again later, or import an exported JSON file.",
                url=base,
                error=type(error).__name__,
            )
        ) from None
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise RegistryError(
            _(
                "ClinicalTrials.gov answered %(status)d for %(nct)s. Nothing was changed; "
                "try again later.",
                status=response.status_code,
                nct=nct,
            )
        )
    try:
        return response.json()
    except ValueError:
        raise RegistryError(
            _(
                "ClinicalTrials.gov did not answer with JSON for %(nct)s. Nothing was changed.",
                nct=nct,
            )
        ) from None


def import_from_registry(
    ncts: list[str], *, community_slug: str | None = None, actor_id: int | None = None
) -> SyncResult:
    """Fetch every study first, then import them together; the caller commits.

    All or nothing: one study the registry cannot give (the network fails midway)
    changes nothing, rather than leaving half of a sync applied."""
    studies, not_found = [], []
    for nct in ncts:
        study = fetch_study(nct)
        if study is None:
            not_found.append(nct)
        else:
            studies.append(study)
    report = ctgov.import_studies(
        {"studies": studies}, community_slug=community_slug, actor_id=actor_id
    )
    return SyncResult(report, not_found)


def synced_ncts() -> list[str]:
    """The studies the weekly sync follows: imported from the registry, not rejected."""
    return list(
        db.session.scalars(
            select(Trial.nct_number)
            .where(Trial.source == "ctgov", Trial.rejected_at.is_(None))
            .order_by(Trial.nct_number)
        )
    )


def weekly_sync() -> dict[str, Any]:
    """The beat job: every followed study fetched again; changes go to the review queue."""
    ncts = synced_ncts()
    try:
        result = import_from_registry(ncts)
    except RegistryError as error:
        db.session.rollback()
        log.warning("registry sync skipped: %s", error)
        return {"error": str(error), "studies": len(ncts)}
    db.session.commit()
    report = result.report
    return {
        "studies": len(ncts),
        "created": report.created,
        "held": report.held,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "not_found": result.not_found,
        "bad": len(report.bad_studies),
    }
