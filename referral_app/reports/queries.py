"""Report figures (DESIGN §5), every one aggregated in SQL.

Each function takes the WHERE conditions of ``scope.referral_conditions`` and
returns plain data for the views, the exports and the benchmark. They run on
PostgreSQL and on SQLite; where the two differ (percentiles, Quebec dates) the
difference is hidden behind one function.

Durations are in Quebec business days, stored on each referral by the workflow
when the milestone happens (``workflow.durations``: ``ack_business_days``,
``decision_business_days``, ``enrollment_business_days``), so a percentile reads
one small column. A referral submitted on a Friday and acknowledged on the Monday
took 1 business day; the same day is 0.

Milestones a referral "reached":

- acknowledged: ``acknowledged_at`` or a decision (a direct decision is an answer);
- accepted: a decision that was not a decline (later states keep ``decided_at``);
- screening: ``screening_at``; enrolled: the state ``enrolled``.

Time to acknowledge runs to the first answer (acknowledgement or decision); time
to decision excludes the business days spent waiting for information (the clock
pauses, DESIGN §3); time to enrollment runs to the enrollment date.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from referral_app.business_days import business_days_between
from referral_app.models import (
    Centre,
    Community,
    Referral,
    ReferralState,
    Region,
    SiteStatus,
    Trial,
    TrialSite,
)
from referral_app.reports import replica
from referral_app.reports import scope as scopes
from referral_app.reports.sql import count_if, quebec_month
from referral_app.timeutil import local_today
from referral_app.workflow import clocks
from referral_app.workflow.spec import OUTCOME_STATES, outcome_reason_label
from referral_app.workflow.states import LIFECYCLE_ORDER, OPEN_STATES

S = ReferralState
Where = list[sa.ColumnElement[bool]]

PERCENTILES = (0.5, 0.9)


def _acknowledged() -> sa.ColumnElement[bool]:
    return sa.or_(Referral.acknowledged_at.is_not(None), Referral.decided_at.is_not(None))


def _accepted() -> sa.ColumnElement[bool]:
    return sa.and_(Referral.decided_at.is_not(None), Referral.state != S.DECLINED)


def _enrolled() -> sa.ColumnElement[bool]:
    return Referral.state == S.ENROLLED


def _open() -> sa.ColumnElement[bool]:
    return Referral.state.in_(sorted(OPEN_STATES))


def _screening() -> sa.ColumnElement[bool]:
    return Referral.screening_at.is_not(None)


def _decided() -> sa.ColumnElement[bool]:
    return Referral.decided_at.is_not(None)


def _declined() -> sa.ColumnElement[bool]:
    return Referral.state == S.DECLINED


# What each summary figure counts: the raw queries and the monthly summaries
# (``aggregates``) are both built from this one mapping.
MEASURES = {
    "acknowledged": _acknowledged,
    "accepted": _accepted,
    "screening": _screening,
    "enrolled": _enrolled,
    "decided": _decided,
    "declined": _declined,
    "open": _open,
}
OUTCOME_MEASURES = ("accepted", "enrolled", "declined", "open")


def reason_code() -> sa.ColumnElement[str]:
    """The reason a referral is counted under in ``reasons`` (outcome states only)."""
    return sa.func.coalesce(Referral.outcome_reason, "other")


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# ---------------------------------------------------------------------------
# Counts, funnel and rates
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    submitted: int = 0
    acknowledged: int = 0
    accepted: int = 0
    screening: int = 0
    enrolled: int = 0
    decided: int = 0
    declined: int = 0
    open: int = 0

    @property
    def acceptance_rate(self) -> float | None:
        """Accepted among referrals with a decision."""
        return _rate(self.accepted, self.decided)

    @property
    def enrollment_rate(self) -> float | None:
        """Enrolled among all submitted referrals."""
        return _rate(self.enrolled, self.submitted)


def summary(where: Where) -> Summary:
    row = replica.execute(
        sa.select(
            sa.func.count().label("submitted"),
            *(count_if(measure()).label(name) for name, measure in MEASURES.items()),
        ).where(*where)
    ).one()
    return Summary(**{key: int(value or 0) for key, value in row._mapping.items()})


def state_counts(where: Where) -> list[tuple[ReferralState, int]]:
    """Every non-draft state with its count (zeros included), in workflow order."""
    rows = replica.execute(
        sa.select(Referral.state, sa.func.count()).where(*where).group_by(Referral.state)
    ).all()
    return states_from_counts(dict(rows))


def states_from_counts(found: Mapping[str, int]) -> list[tuple[ReferralState, int]]:
    counts = {ReferralState(state): count for state, count in found.items()}
    return [(state, counts.get(state, 0)) for state in LIFECYCLE_ORDER]


@dataclass(frozen=True)
class FunnelStep:
    key: str
    count: int
    share_of_submitted: float | None
    lost_from_previous: float | None  # share of the previous step that did not get here


FUNNEL_KEYS = ("submitted", "acknowledged", "accepted", "screening", "enrolled")


def funnel(totals: Summary) -> list[FunnelStep]:
    """Submitted → acknowledged → accepted → screening → enrolled (from ``summary``)."""
    steps = []
    previous = None
    for key in FUNNEL_KEYS:
        count = getattr(totals, key)
        lost = None if previous is None or not previous else 1 - count / previous
        steps.append(FunnelStep(key, count, _rate(count, totals.submitted), lost))
        previous = count
    return steps


# ---------------------------------------------------------------------------
# Durations in business days: median and 90th percentile
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Duration:
    key: str
    count: int
    median: float | None
    p90: float | None


DURATION_COLUMNS = {
    "acknowledge": Referral.ack_business_days,
    "decision": Referral.decision_business_days,
    "enrollment": Referral.enrollment_business_days,
}


def durations(where: Where) -> list[Duration]:
    """Median and 90th percentile of each stored duration (NULLs: milestone not reached).

    Durations are a few distinct small integers, so one ``GROUP BY`` over the three
    columns returns how many referrals have each combination (hundreds of rows for a
    million referrals; one scan, in parallel on PostgreSQL, the same SQL on SQLite),
    and the percentiles are read off those counts exactly as ``percentile_cont``
    defines them. This is cheaper than sorting every value three times.
    """
    columns = list(DURATION_COLUMNS.values())
    rows = replica.execute(
        sa.select(*columns, sa.func.count()).where(*where).group_by(*columns)
    ).all()
    counts: dict[str, Counter[int]] = {key: Counter() for key in DURATION_COLUMNS}
    for row in rows:
        for key, value in zip(DURATION_COLUMNS, row[:-1], strict=True):
            if value is not None:
                counts[key][int(value)] += row[-1]
    return durations_from_counts(counts)


def durations_from_counts(counts: Mapping[str, Counter[int]]) -> list[Duration]:
    """One ``Duration`` per stored duration from ``{kind: {business days: how many}}``."""
    return [Duration(key, counts[key].total(), *percentiles(counts[key])) for key in counts]


def percentiles(
    counts: Mapping[int, int], fractions: tuple[float, ...] = PERCENTILES
) -> list[float | None]:
    """Continuous percentiles of values given as ``{value: how many}`` (``percentile_cont``).

    The fraction ``p`` sits at position ``p * (n - 1)`` in the sorted values; between
    two values the result is interpolated linearly. None when there are no values.
    """
    n = sum(counts.values())
    if not n:
        return [None for _ in fractions]
    values = sorted(counts)
    ends = list(itertools.accumulate(counts[value] for value in values))  # last position + 1

    def at(position: int) -> int:
        return values[bisect.bisect_right(ends, position)]

    found = []
    for fraction in fractions:
        position = fraction * (n - 1)
        lower = math.floor(position)
        low = at(lower)
        high = at(min(lower + 1, n - 1))
        found.append(round(float(low + (position - lower) * (high - low)), 2))
    return found


# ---------------------------------------------------------------------------
# Reasons, flow between centres, monthly trend
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReasonCount:
    state: ReferralState
    reason: str
    count: int

    @property
    def label(self) -> str:
        return outcome_reason_label(self.state, self.reason) or self.reason


def reasons(where: Where) -> list[ReasonCount]:
    """Decline, screen-failure and withdrawal reasons, most frequent first."""
    reason = reason_code()
    rows = replica.execute(
        sa.select(Referral.state, reason, sa.func.count())
        .where(*where, Referral.state.in_(sorted(OUTCOME_STATES)))
        .group_by(Referral.state, reason)
        .order_by(Referral.state, sa.func.count().desc(), reason)
    )
    return reasons_from_rows(rows)


def reasons_from_rows(rows) -> list[ReasonCount]:
    """``(state, reason, count)`` rows in workflow order of the states, most frequent first."""
    found = [ReasonCount(ReferralState(state), code, int(count)) for state, code, count in rows]
    return sorted(found, key=lambda r: (LIFECYCLE_ORDER.index(r.state), -r.count, r.reason))


@dataclass
class FlowMatrix:
    """Referrals from each referring centre (rows) to each receiving centre (columns)."""

    referring: list[Centre] = field(default_factory=list)
    receiving: list[Centre] = field(default_factory=list)
    cells: dict[tuple[int, int], int] = field(default_factory=dict)
    enrolled: dict[tuple[int, int], int] = field(default_factory=dict)

    @property
    def maximum(self) -> int:
        return max(self.cells.values(), default=0)

    def count(self, referring_id: int, receiving_id: int) -> int:
        return self.cells.get((referring_id, receiving_id), 0)

    def heat(self, referring_id: int, receiving_id: int) -> int:
        return _heat(self.count(referring_id, receiving_id), self.maximum)

    def row_total(self, referring_id: int) -> int:
        return sum(n for (r, _c), n in self.cells.items() if r == referring_id)

    def column_total(self, receiving_id: int) -> int:
        return sum(n for (_r, c), n in self.cells.items() if c == receiving_id)

    def grid(self) -> FlowGrid:
        """Every cell, its heat and the totals, computed once for the page: a
        network of 50 centres has 2,500 cells, too many to look up one by one
        from the template (it was a third of the report page's time)."""
        maximum = self.maximum
        row_totals: dict[int, int] = {}
        column_totals: dict[int, int] = {}
        for (r, c), n in self.cells.items():
            row_totals[r] = row_totals.get(r, 0) + n
            column_totals[c] = column_totals.get(c, 0) + n

        rows = [
            FlowRow(
                centre,
                [
                    (n, _heat(n, maximum))
                    for n in (self.count(centre.id, c.id) for c in self.receiving)
                ],
                row_totals.get(centre.id, 0),
            )
            for centre in self.referring
        ]
        columns = [column_totals.get(c.id, 0) for c in self.receiving]
        return FlowGrid(rows, columns, sum(self.cells.values()))

    def partners(self, centre_id: int) -> list[Partner]:
        """One centre's flows, a row per other centre: a centre's matrix has only
        its own row and column filled, 2,500 mostly empty cells in a network of 50."""
        centres = {c.id: c for c in (*self.referring, *self.receiving)}
        rows = [
            Partner(
                centres[other],
                self.count(centre_id, other),
                self.count(other, centre_id),
                self.enrolled.get((centre_id, other), 0),
                self.enrolled.get((other, centre_id), 0),
            )
            for other in centres.keys() - {centre_id}
        ]
        return sorted(
            (row for row in rows if row.sent or row.received),
            key=lambda row: (-(row.sent + row.received), row.centre.short_name),  # busiest first
        )


def _heat(count: int, maximum: int) -> int:
    """A cell's shade: 0 when empty, else 1..5 relative to the busiest pair."""
    return max(1, min(5, math.ceil(5 * count / maximum))) if count else 0


@dataclass(frozen=True)
class Partner:
    centre: Centre
    sent: int  # referred by the centre to this one
    received: int  # referred to the centre by this one
    sent_enrolled: int
    received_enrolled: int


@dataclass(frozen=True)
class FlowRow:
    centre: Centre
    cells: list[tuple[int, int]]  # (referrals, heat) for each receiving centre
    total: int


@dataclass(frozen=True)
class FlowGrid:
    rows: list[FlowRow]
    column_totals: list[int]
    total: int


def flow_matrix(where: Where) -> FlowMatrix:
    rows = replica.execute(
        sa.select(
            Referral.referring_centre_id,
            Referral.receiving_centre_id,
            sa.func.count(),
            count_if(_enrolled()),
        )
        .where(*where)
        .group_by(Referral.referring_centre_id, Referral.receiving_centre_id)
    ).all()
    return flow_from_rows(rows)


def flow_from_rows(rows) -> FlowMatrix:
    """The matrix from ``(referring id, receiving id, referrals, enrolled)`` rows."""
    matrix = FlowMatrix()
    for referring_id, receiving_id, count, enrolled in rows:
        matrix.cells[(referring_id, receiving_id)] = count
        matrix.enrolled[(referring_id, receiving_id)] = int(enrolled)
    ids = {r for r, _c in matrix.cells} | {c for _r, c in matrix.cells}
    centres = {
        centre.id: centre for centre in replica.scalars(sa.select(Centre).where(Centre.id.in_(ids)))
    }

    def ordered(keys):
        return sorted((centres[key] for key in keys), key=lambda c: c.short_name.casefold())

    matrix.referring = ordered({r for r, _c in matrix.cells})
    matrix.receiving = ordered({c for _r, c in matrix.cells})
    return matrix


@dataclass(frozen=True)
class MonthRow:
    month: str  # YYYY-MM
    submitted: int
    accepted: int
    enrolled: int


def monthly_trend(where: Where) -> list[MonthRow]:
    """Referrals submitted per month (Quebec time), with how many were accepted and enrolled.

    Months without referrals between the first and the last appear with zeros.
    """
    month = quebec_month(Referral.submitted_at).label("month")
    rows = replica.execute(
        sa.select(month, sa.func.count(), count_if(_accepted()), count_if(_enrolled()))
        .where(*where)
        .group_by(month)
        .order_by(month)
    ).all()
    return trend_from_rows(rows)


def trend_from_rows(rows) -> list[MonthRow]:
    """The trend from ``(month, submitted, accepted, enrolled)`` rows."""
    found = {row[0]: MonthRow(row[0], row[1], int(row[2]), int(row[3])) for row in rows}
    if not found:
        return []
    return [found.get(key, MonthRow(key, 0, 0, 0)) for key in _months(min(found), max(found))]


def _months(first: str, last: str) -> list[str]:
    year, month = (int(part) for part in first.split("-"))
    keys = []
    while f"{year:04d}-{month:02d}" <= last:
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


# ---------------------------------------------------------------------------
# Tables per trial, per community, per referring centre
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeRow:
    """Counts for one trial, community or centre."""

    key: int | None
    name: str
    detail: str
    submitted: int
    accepted: int
    enrolled: int
    declined: int
    open: int

    @property
    def acceptance_rate(self) -> float | None:
        return _rate(self.accepted, self.accepted + self.declined)

    @property
    def enrollment_rate(self) -> float | None:
        return _rate(self.enrolled, self.submitted)


def _outcome_counts(where: Where, group_column, key: str, name: str) -> sa.Subquery:
    """Referral outcomes counted per value of ``group_column``, exposed as ``key``."""
    return (
        sa.select(
            group_column.label(key),
            sa.func.count().label("submitted"),
            *(count_if(MEASURES[name]()).label(name) for name in OUTCOME_MEASURES),
        )
        .where(*where)
        .group_by(group_column)
        .subquery(name)
    )


def _per_trial(where: Where) -> sa.Subquery:
    return _outcome_counts(where, Referral.trial_id, "trial_id", "per_trial")


def _outcome_columns(sub: sa.Subquery, summed: bool):
    names = ("submitted", "accepted", "enrolled", "declined", "open")
    if summed:
        return [sa.func.sum(sub.c[name]).label(name) for name in names]
    return [sub.c[name] for name in names]


def by_trial(
    where: Where, limit: int | None = None, sub: sa.Subquery | None = None
) -> list[OutcomeRow]:
    """One row per trial with referrals, the most referred first.

    ``sub`` (outcome counts per ``trial_id``) replaces the count over ``where``."""
    sub = _per_trial(where) if sub is None else sub
    query = (
        sa.select(Trial.id, Trial.acronym, Trial.nct_number, *_outcome_columns(sub, False))
        .join(sub, sub.c.trial_id == Trial.id)
        .order_by(sub.c.submitted.desc(), Trial.nct_number)
        .limit(limit)
    )
    return [
        OutcomeRow(row[0], row[1] or row[2], row[2], *(int(v) for v in row[3:]))
        for row in replica.execute(query)
    ]


def by_community(
    where: Where, language: str = "fr", sub: sa.Subquery | None = None
) -> list[OutcomeRow]:
    """One row per community (trials without one grouped under an empty name)."""
    sub = _per_trial(where) if sub is None else sub
    name = Community.name_en if language == "en" else Community.name_fr
    query = (
        sa.select(Community.id, name, Community.slug, *_outcome_columns(sub, True))
        .select_from(sub)
        .join(Trial, Trial.id == sub.c.trial_id)
        .outerjoin(Community, Community.id == Trial.community_id)
        .group_by(Community.id, name, Community.slug)
        .order_by(sa.func.sum(sub.c.submitted).desc(), name)
    )
    return [
        OutcomeRow(row[0], row[1] or "", row[2] or "", *(int(v or 0) for v in row[3:]))
        for row in replica.execute(query)
    ]


def referrer_credit(
    where: Where, limit: int | None = None, sub: sa.Subquery | None = None
) -> list[OutcomeRow]:
    """Credit to referring centres: referrals sent, accepted and enrolled, best first.

    ``sub`` (outcome counts per ``centre_id``) replaces the count over ``where``."""
    if sub is None:
        sub = _outcome_counts(where, Referral.referring_centre_id, "centre_id", "per_centre")
    query = (
        sa.select(Centre.id, Centre.short_name, Centre.name, *_outcome_columns(sub, False))
        .join(sub, sub.c.centre_id == Centre.id)
        .order_by(sub.c.enrolled.desc(), sub.c.submitted.desc(), Centre.short_name)
        .limit(limit)
    )
    return [
        OutcomeRow(row[0], row[1], row[2], *(int(v) for v in row[3:]))
        for row in replica.execute(query)
    ]


# ---------------------------------------------------------------------------
# Overdue referrals now
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueRow:
    referral_id: int
    reference: str
    state: ReferralState
    kind: str  # the name of the overdue clock (``clocks.overdue_kind``)
    due_on: dt.date
    referring: str
    receiving: str
    trial: str
    business_days_late: int  # business days since the due date

    @property
    def label(self) -> str:
        return clocks.overdue_label(self.kind)


@dataclass(frozen=True)
class Overdue:
    total: int
    by_clock: list[tuple[clocks.Clock, int]]
    rows: list[OverdueRow]


def overdue(where: Where, today: dt.date | None = None, limit: int | None = 20) -> Overdue:
    """Referrals past a clock's due date now (``workflow.clocks``), oldest due first."""
    today = today or local_today()
    condition = [*where, clocks.overdue_clause(today)]
    kind = clocks.overdue_kind_expression(today)
    counts = dict(
        replica.execute(sa.select(kind, sa.func.count()).where(*condition).group_by(kind)).all()
    )
    by_clock = [(clock, int(counts.get(clock.name, 0))) for clock in clocks.CLOCKS]

    # The few overdue referrals first (a materialised CTE: found through the state
    # index), then their names; otherwise the planner may walk every referral in
    # submission order looking for the oldest overdue ones.
    late = (
        sa.select(
            Referral.id,
            Referral.reference,
            Referral.state,
            kind.label("kind"),
            clocks.overdue_due_expression(today).label("due_on"),
            Referral.referring_centre_id,
            Referral.receiving_centre_id,
            Referral.trial_id,
        )
        .where(*condition)
        .cte("late")
        .prefix_with("MATERIALIZED")
    )
    referring = aliased(Centre)
    receiving = aliased(Centre)
    query = (
        sa.select(
            late.c.id,
            late.c.reference,
            late.c.state,
            late.c.kind,
            late.c.due_on,
            referring.short_name,
            receiving.short_name,
            sa.func.coalesce(Trial.acronym, Trial.nct_number),
        )
        .select_from(late)
        .join(referring, referring.id == late.c.referring_centre_id)
        .join(receiving, receiving.id == late.c.receiving_centre_id)
        .join(Trial, Trial.id == late.c.trial_id)
        .order_by(late.c.due_on, late.c.id)
        .limit(limit)
    )
    rows = [
        OverdueRow(
            r[0],
            r[1] or "",
            ReferralState(r[2]),
            r[3],
            _as_date(r[4]),
            r[5],
            r[6],
            r[7],
            business_days_between(_as_date(r[4]), today),
        )
        for r in replica.execute(query)
    ]
    return Overdue(sum(n for _c, n in by_clock), by_clock, rows)


def _as_date(value) -> dt.date:
    """A CASE over date columns comes back as text on SQLite."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


# ---------------------------------------------------------------------------
# Niche-trial coverage by region
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageRow:
    region_id: int
    region: str
    niche_trials_here: int
    niche_trials_total: int
    referrals: int  # referrals to niche trials from centres of the region
    referred_out: int  # ... of which to a site in another region
    enrolled: int

    @property
    def coverage(self) -> float | None:
        return _rate(self.niche_trials_here, self.niche_trials_total)


def niche_coverage(scope: scopes.Scope, filters: scopes.Filters, where: Where) -> list[CoverageRow]:
    """For each region: recruiting niche trials with a recruiting site there, and the
    referrals its centres sent to niche trials (how many had to leave the region)."""
    niche_trials = sa.select(Trial.id).where(
        Trial.is_niche,
        scopes.recruiting_trial_condition(),
        *scopes.trial_conditions(scope, filters),
    )
    total = replica.scalar(sa.select(sa.func.count()).select_from(niche_trials.subquery()))
    covered = dict(
        replica.execute(
            sa.select(TrialSite.region_id, sa.func.count(sa.distinct(TrialSite.trial_id)))
            .where(TrialSite.status == SiteStatus.RECRUITING, TrialSite.trial_id.in_(niche_trials))
            .group_by(TrialSite.region_id)
        ).all()
    )
    referring = aliased(Centre)
    receiving = aliased(Centre)
    sent = {
        row[0]: row[1:]
        for row in replica.execute(
            sa.select(
                referring.region_id,
                sa.func.count(),
                count_if(receiving.region_id != referring.region_id),
                count_if(_enrolled()),
            )
            .select_from(Referral)
            .join(referring, referring.id == Referral.referring_centre_id)
            .join(receiving, receiving.id == Referral.receiving_centre_id)
            .where(*where, Referral.trial_id.in_(sa.select(Trial.id).where(Trial.is_niche)))
            .group_by(referring.region_id)
        )
    }
    regions = replica.execute(sa.select(Region.id, Region.name).order_by(Region.name)).all()
    rows = []
    for region_id, name in regions:
        referrals, out, enrolled = sent.get(region_id, (0, 0, 0))
        rows.append(
            CoverageRow(
                region_id,
                name,
                covered.get(region_id, 0),
                int(total or 0),
                int(referrals),
                int(out),
                int(enrolled),
            )
        )
    return rows


# ---------------------------------------------------------------------------
# The whole dashboard
# ---------------------------------------------------------------------------


@dataclass
class Dashboard:
    scope: scopes.Scope
    filters: scopes.Filters
    summary: Summary
    states: list[tuple[ReferralState, int]]
    funnel: list[FunnelStep]
    durations: list[Duration]
    reasons: list[ReasonCount]
    flow: FlowMatrix
    trend: list[MonthRow]
    trials: list[OutcomeRow]
    communities: list[OutcomeRow]
    overdue: Overdue
    coverage: list[CoverageRow]
    credit: list[OutcomeRow]


TABLE_LIMIT = 25


def dashboard(
    scope: scopes.Scope,
    filters: scopes.Filters,
    *,
    today: dt.date | None = None,
    language: str = "fr",
    limit: int | None = TABLE_LIMIT,
    found=None,
) -> Dashboard:
    """Every figure of the report page for a scope and its filters.

    All from the referrals (the reference), except the figures given in ``found``
    (``aggregates.Figures``: ``aggregates.dashboard`` reads them from the summaries).
    """
    where = scopes.referral_conditions(scope, filters)
    if found is not None:
        totals = found.summary
        states, spans, why = found.states, found.durations, found.reasons
        flow, trend, credit = found.flow, found.trend, found.credit
        trials = found.trials if found.trials is not None else by_trial(where, limit)
        communities = (
            found.communities if found.communities is not None else by_community(where, language)
        )
    else:
        totals = summary(where)
        states, spans, why = state_counts(where), durations(where), reasons(where)
        flow, trend = flow_matrix(where), monthly_trend(where)
        credit = referrer_credit(where, limit)
        trials, communities = by_trial(where, limit), by_community(where, language)
    return Dashboard(
        scope=scope,
        filters=filters,
        summary=totals,
        states=states,
        funnel=funnel(totals),
        durations=spans,
        reasons=why,
        flow=flow,
        trend=trend,
        trials=trials,
        communities=communities,
        overdue=overdue(where, today, limit),
        coverage=niche_coverage(scope, filters, where),
        credit=credit,
    )
