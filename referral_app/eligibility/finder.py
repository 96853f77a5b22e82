"""The trial finder: every recruiting site of the network, ranked for one patient.

From a summary (no identifiers needed): hard filters first (the trial recruiting,
the site recruiting and open to referrals from the user's centre: the same rule as
a referral's, ``guards.site_refusal``; the user's own centre only when asked),
then the trial's fit (``evaluate``): fewest criteria not met, most met, fewest
unknown; then the patient's region first, so a niche trial's single site for the
region leads. Each result carries its verdicts: why it is there.

Parsed criteria are kept per (trial, version) in the process, so a search over
thousands of trials evaluates without re-reading the vocabulary for each.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from referral_app.eligibility import criteria as criteria_module
from referral_app.eligibility.evaluate import Fit, evaluate
from referral_app.eligibility.summary import PatientSummary
from referral_app.extensions import db
from referral_app.models import SiteStatus, Trial, TrialSite, TrialStatus, User, fulltext
from referral_app.workflow.guards import site_refusal

DEFAULT_LIMIT = 25
MAX_LIMIT = 200


@dataclass(frozen=True)
class Match:
    site: TrialSite
    trial: Trial
    fit: Fit
    in_region: bool
    referable: bool = True  # False for a site of the user's own centre (shown when asked)

    @property
    def rank_key(self) -> tuple:
        return (
            self.fit.not_met,
            -self.fit.met,
            self.fit.unknown,
            not self.in_region,
            (self.trial.acronym or self.trial.title).lower(),
            self.site.centre.short_name,
        )


@lru_cache(maxsize=8192)
def _criteria(trial_id: int, version: int, frozen: str) -> tuple:
    """Parsed criteria of one trial version (``frozen`` is the stored JSON, as a key)."""
    import json

    try:
        return tuple(criteria_module.parse(json.loads(frozen)))
    except criteria_module.CriteriaInvalid:
        return ()


def trial_criteria(trial: Trial) -> tuple:
    import json

    return _criteria(trial.id, trial.eligibility_version, json.dumps(trial.criteria or []))


def candidate_sites(user: User | None, *, query: str = "", include_own_centre: bool = False):
    """Recruiting sites of recruiting trials (matching ``query``), with trial and centre."""
    stmt = (
        select(TrialSite)
        .join(Trial, Trial.id == TrialSite.trial_id)
        .where(TrialSite.status == SiteStatus.RECRUITING, Trial.status == TrialStatus.RECRUITING)
        .options(contains_eager(TrialSite.trial), joinedload(TrialSite.centre))
    )
    if user is not None and user.centre_id and not include_own_centre:
        stmt = stmt.where(TrialSite.centre_id != user.centre_id)
    text = fulltext.matching(Trial.id, query, db.session.get_bind().dialect.name)
    if text is not None:
        stmt = stmt.where(text)
    return db.session.scalars(stmt).unique().all()


def find(
    summary: PatientSummary,
    user: User | None,
    *,
    query: str = "",
    include_own_centre: bool = False,
    limit: int = DEFAULT_LIMIT,
) -> list[Match]:
    """The ranked matches, best first, at most ``limit``."""
    fits: dict[int, Fit] = {}
    matches = []
    own_centre = user.centre_id if user is not None else None
    for site in candidate_sites(user, query=query, include_own_centre=include_own_centre):
        own = site.centre_id == own_centre
        # The referral's own rule decides what is open (the query above only narrows).
        if not own and site_refusal(site, own_centre) is not None:
            continue
        trial = site.trial
        if trial.id not in fits:
            fits[trial.id] = evaluate(trial_criteria(trial), summary)
        in_region = summary.region_id is not None and site.region_id == summary.region_id
        matches.append(Match(site, trial, fits[trial.id], in_region, referable=not own))
    matches.sort(key=lambda m: m.rank_key)
    return matches[: max(1, min(limit, MAX_LIMIT))]


def ranked_trials(matches: list[Match]) -> list[Trial]:
    """The trials of ``matches`` in order, each once (its best site's place)."""
    seen: dict[int, Trial] = {}
    for match in matches:
        seen.setdefault(match.trial.id, match.trial)
    return list(seen.values())


def record_search(
    user: User | None, summary: PatientSummary, matches: list[Match], *, channel: str
):
    """An audit row per search: who, how many results, which criteria were given.

    The report's "matches found" counts these. Which fields were filled, never their
    values: the summary is clinical data, and the audit trail keeps none.
    """
    from referral_app import audit

    given = sorted(k for k, v in summary.as_json().items() if v not in (None, "", []))
    audit.record(
        "find_trials",
        "trial_finder",
        None,
        user_id=user.id if user is not None else None,
        results=len(matches),
        fully_met=sum(1 for m in matches if m.fit.not_met == 0 and m.fit.unknown == 0),
        fields=given,
        channel=channel,
    )
