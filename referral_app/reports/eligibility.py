"""Eligibility in the reports (issue 14): what criteria stop referrals, and the finder's use.

- Declines and screen failures by the kind of the criterion they name (the kind
  read from the criteria version the referral was checked against, so renaming a
  trial's criteria later does not move past referrals between rows);
- referrals submitted although the pre-screen said a criterion was not met
  (``Referral.prescreen_not_met``, set at submission), and what became of them;
- the trial finder: searches (audit rows ``find_trials``), referrals started from
  a result (``Referral.origin``), and their outcomes.

Scoped and filtered like every other figure of the page (``scope``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from referral_app.eligibility.criteria import KIND_LABELS
from referral_app.extensions import db
from referral_app.models import AuditLog, EligibilityVersion, Referral, ReferralEvent, User
from referral_app.reports.scope import (
    CENTRE,
    NETWORK,
    Filters,
    Scope,
    period_conditions,
    referral_conditions,
    scope_conditions,
)
from referral_app.workflow.states import Event, ReferralState

NOT_NAMED = "not_named"


@dataclass(frozen=True)
class EligibilityFigures:
    # kind -> (declines, screen failures), "not_named" for those naming no criterion
    by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)
    sent_despite: int = 0
    sent_despite_outcomes: dict[ReferralState, int] = field(default_factory=dict)
    searches: int | None = None  # None: not counted for this scope (a community)
    started_from_finder: int = 0
    finder_outcomes: dict[ReferralState, int] = field(default_factory=dict)

    def kind_rows(self) -> list[tuple[str, int, int]]:
        labels = {**{k: str(v) for k, v in KIND_LABELS.items()}}
        rows = [(labels.get(k, k), d, s) for k, (d, s) in self.by_kind.items() if k != NOT_NAMED]
        rows.sort(key=lambda r: (-(r[1] + r[2]), r[0]))
        if NOT_NAMED in self.by_kind:
            rows.append((None, *self.by_kind[NOT_NAMED]))
        return rows


def figures(scope: Scope, filters: Filters) -> EligibilityFigures:
    where = referral_conditions(scope, filters)
    return EligibilityFigures(
        by_kind=_by_kind(where),
        sent_despite=sum(_outcomes(where, Referral.prescreen_not_met > 0).values()),
        sent_despite_outcomes=_outcomes(where, Referral.prescreen_not_met > 0),
        searches=_searches(scope, filters),
        started_from_finder=_started(scope),
        finder_outcomes=_outcomes(where, Referral.origin == "finder"),
    )


def _by_kind(where) -> dict[str, tuple[int, int]]:
    rows = db.session.execute(
        sa.select(ReferralEvent.event, ReferralEvent.data, Referral.eligibility_version_id)
        .join(Referral, Referral.id == ReferralEvent.referral_id)
        .where(*where, ReferralEvent.event.in_([Event.DECLINE.value, Event.SCREEN_FAIL.value]))
    ).all()
    version_ids = {v for _e, _d, v in rows if v is not None}
    kinds_by_version = {
        version.id: {item.get("id"): item.get("kind") for item in version.criteria or []}
        for version in db.session.scalars(
            sa.select(EligibilityVersion).where(EligibilityVersion.id.in_(version_ids))
        )
    }
    counts: Counter[tuple[str, str]] = Counter()
    for event, data, version_id in rows:
        named = (data or {}).get("criterion_id")
        kind = kinds_by_version.get(version_id, {}).get(named) if named else None
        counts[(kind or NOT_NAMED, event)] += 1
    kinds = sorted({kind for kind, _event in counts})
    return {
        kind: (counts[(kind, Event.DECLINE.value)], counts[(kind, Event.SCREEN_FAIL.value)])
        for kind in kinds
    }


def _outcomes(where, condition) -> dict[ReferralState, int]:
    rows = db.session.execute(
        sa.select(Referral.state, sa.func.count()).where(*where, condition).group_by(Referral.state)
    )
    return {ReferralState(state): count for state, count in rows}


def _started(scope: Scope) -> int:
    """Referrals started from a finder's result, drafts included (any date)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Referral)
            .where(Referral.origin == "finder", *scope_conditions(scope))
        )
        or 0
    )


def _searches(scope: Scope, filters: Filters) -> int | None:
    """Finder searches in the period: the network's, or a centre's users'."""
    if scope.kind not in (NETWORK, CENTRE):
        return None
    stmt = sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action == "find_trials")
    if scope.kind == CENTRE:
        stmt = stmt.join(User, User.id == AuditLog.user_id).where(User.centre_id == scope.centre_id)
    return db.session.scalar(stmt.where(*period_conditions(AuditLog.at, filters))) or 0
