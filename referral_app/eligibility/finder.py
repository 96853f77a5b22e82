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

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from referral_app.eligibility import criteria as criteria_module
from referral_app.eligibility.evaluate import Fit, evaluate
from referral_app.eligibility.summary import PatientSummary
from referral_app.extensions import db
from referral_app.models import (
    Centre,
    SiteStatus,
    Trial,
    TrialSite,
    TrialStatus,
    User,
    fulltext,
)
from referral_app.trials.review import published_clause
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


_PARSED: dict[tuple[int, int], tuple] = {}  # (trial id, version) -> parsed criteria
_PARSED_MAX = 20_000


def _parsed(rows: list[tuple[int, int]]) -> dict[tuple[int, int], tuple]:
    """Parsed criteria of these (trial, version) pairs; only unseen ones are read.

    A version never changes once written, so its parse is kept for the process.
    """
    missing = sorted({key for key in rows if key not in _PARSED})
    if missing:
        stored = db.session.execute(
            select(Trial.id, Trial.eligibility_version, Trial.criteria).where(
                Trial.id.in_({trial_id for trial_id, _v in missing})
            )
        )
        if len(_PARSED) > _PARSED_MAX:
            _PARSED.clear()
        for trial_id, version, items in stored:
            try:
                _PARSED[(trial_id, version)] = tuple(criteria_module.parse(items or []))
            except criteria_module.CriteriaInvalid:
                _PARSED[(trial_id, version)] = ()
    return _PARSED


def trial_criteria(trial: Trial) -> tuple:
    return _parsed([(trial.id, trial.eligibility_version)]).get(
        (trial.id, trial.eligibility_version), ()
    )


def _candidates(user: User | None, query: str, include_own_centre: bool) -> Select:
    """Recruiting sites of recruiting trials (matching ``query``): the columns ranking reads."""
    stmt = (
        select(
            TrialSite.id,
            TrialSite.trial_id,
            TrialSite.region_id,
            Trial.eligibility_version,
            func.lower(func.coalesce(Trial.acronym, Trial.title)),
            Centre.short_name,
        )
        .join(Trial, Trial.id == TrialSite.trial_id)
        .join(Centre, Centre.id == TrialSite.centre_id)
        .where(
            TrialSite.status == SiteStatus.RECRUITING,
            Trial.status == TrialStatus.RECRUITING,
            published_clause(),  # as the referral's ``site_refusal`` reads it
        )
    )
    if user is not None and user.centre_id and not include_own_centre:
        stmt = stmt.where(TrialSite.centre_id != user.centre_id)
    text = fulltext.matching(Trial.id, query, db.session.get_bind().dialect.name)
    if text is not None:
        stmt = stmt.where(text)
    return stmt


def candidate_sites(
    user: User | None, *, query: str = "", include_own_centre: bool = False
) -> list[tuple]:
    """The candidate rows as plain tuples (the benchmark's baseline: no evaluation).

    Plain tuples of numbers and strings, which the cyclic collector stops tracking,
    rather than thousands of result rows that would survive into its oldest
    generation and make it scan the whole process (measured: p95 x3).
    """
    result = db.session.execute(_candidates(user, query, include_own_centre))
    return [tuple(row) for row in result]


def find(
    summary: PatientSummary,
    user: User | None,
    *,
    query: str = "",
    include_own_centre: bool = False,
    limit: int = DEFAULT_LIMIT,
) -> list[Match]:
    """The ranked matches, best first, at most ``limit``.

    Ranks plain rows, then loads the sites of the results only.
    """
    rows = candidate_sites(user, query=query, include_own_centre=include_own_centre)
    parsed = _parsed([(row[1], row[3]) for row in rows])
    scores: dict[int, tuple[int, int, int]] = {}
    ranked = []
    for site_id, trial_id, region_id, version, name, centre_name in rows:
        score = scores.get(trial_id)
        if score is None:
            # Only the counts are kept (as for the rows above): the verdicts of
            # thousands of trials are made again for the results alone.
            fit = evaluate(parsed.get((trial_id, version), ()), summary)
            score = scores[trial_id] = (fit.not_met, -fit.met, fit.unknown)
        in_region = summary.region_id is not None and region_id == summary.region_id
        ranked.append((*score, not in_region, name, centre_name, site_id, in_region))
    ranked.sort()
    return _load_matches(ranked, summary, user, max(1, min(limit, MAX_LIMIT)))


def _load_matches(
    ranked: list[tuple], summary: PatientSummary, user: User | None, limit: int
) -> list[Match]:
    """The first ``limit`` ranked rows as matches: sites loaded, verdicts made again."""
    own_centre = user.centre_id if user is not None else None
    matches: list[Match] = []
    for start in range(0, len(ranked), limit):
        chunk = ranked[start : start + limit]
        sites = {
            s.id: s
            for s in db.session.scalars(
                select(TrialSite)
                .where(TrialSite.id.in_([row[-2] for row in chunk]))
                .options(joinedload(TrialSite.trial), joinedload(TrialSite.centre))
            )
        }
        for *_key, site_id, in_region in chunk:
            site = sites[site_id]
            own = site.centre_id == own_centre
            # The referral's own rule decides what is open (the query only narrows).
            if not own and site_refusal(site, own_centre) is not None:
                continue
            fit = evaluate(trial_criteria(site.trial), summary)
            matches.append(Match(site, site.trial, fit, in_region, referable=not own))
            if len(matches) == limit:
                return matches
    return matches


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
