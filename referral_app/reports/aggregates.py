"""Monthly report summaries, kept up to date at every transition (issue 12).

The dashboard of a manager or of the whole network reads these small tables
instead of the referrals (``queries.dashboard``); the raw-table queries in
``queries`` stay the reference, and a test checks that both give the same figures.

Each summary table is filled by one or more *sources*: a ``SELECT … GROUP BY``
over ``referrals`` whose keys and measures are built from the reports' own
definitions (``queries.MEASURES``, ``queries.DURATION_COLUMNS``,
``queries.reason_code``, the state sets of ``workflow``). The same sources serve

- ``rebuild``: ``INSERT … SELECT`` over every referral (``flask reports
  rebuild-aggregates``, migration 0007, the benchmark generator);
- ``snapshot`` / ``record``: the engine takes the referral's contribution before
  an event and after it (the same SELECT restricted to that referral) and adds the
  difference, in the event's transaction, so a reader never sees half an event.

Medians cannot be summed: durations are small integers of business days, so
``report_duration_months`` keeps how many referrals took each number of days
and ``queries.percentiles`` reads the median and the 90th percentile exactly.

What the summaries serve: a network or a one-centre scope, over whole months
(or all time), without a community, trial or urgency filter. Everything else
(community leaders, those filters, a date range that cuts a month, overdue
referrals now, niche coverage) stays on the indexed raw table.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from referral_app.extensions import db
from referral_app.models import (
    Referral,
    ReportCentreMonth,
    ReportDurationMonth,
    ReportFlowMonth,
    ReportTrialMonth,
)
from referral_app.reports import queries, replica
from referral_app.reports import scope as scopes
from referral_app.reports.sql import count_if, quebec_month
from referral_app.workflow.spec import OUTCOME_STATES

REFERRING = "referring"
RECEIVING = "receiving"
NETWORK = "network"
NETWORK_CENTRE = 0  # the ``centre_id`` of the network's own rows (no centre has id 0)


# ---------------------------------------------------------------------------
# What each table holds
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    table: sa.Table
    keys: dict[str, sa.ColumnElement]
    measures: dict[str, sa.ColumnElement]
    where: tuple[sa.ColumnElement[bool], ...] = ()

    def select(self, *where: sa.ColumnElement[bool]) -> sa.Select:
        return (
            sa.select(
                *(expr.label(name) for name, expr in self.keys.items()),
                *(expr.label(name) for name, expr in self.measures.items()),
            )
            .where(Referral.submitted_at.is_not(None), *self.where, *where)
            .group_by(*self.keys.values())
        )


def _month() -> sa.ColumnElement[str]:
    return quebec_month(Referral.submitted_at)


def _state() -> sa.ColumnElement[str]:
    return sa.cast(Referral.state, sa.String(20))


def _all_measures() -> dict[str, sa.ColumnElement]:
    return {
        "referrals": sa.func.count(),
        **{name: count_if(measure()) for name, measure in queries.MEASURES.items()},
    }


def _outcome_measures() -> dict[str, sa.ColumnElement]:
    return {
        "referrals": sa.func.count(),
        **{name: count_if(queries.MEASURES[name]()) for name in queries.OUTCOME_MEASURES},
    }


# A referral counts at its referring centre, and at its receiving centre when that
# is another one: a centre's rows are exactly its referrals. It also counts once in
# the network's rows (centre 0), so the network's dashboard reads a few hundred rows.
_SIDES = (
    (NETWORK, sa.literal(NETWORK_CENTRE), ()),
    (REFERRING, Referral.referring_centre_id, ()),
    (
        RECEIVING,
        Referral.receiving_centre_id,
        (Referral.receiving_centre_id != Referral.referring_centre_id,),
    ),
)


def sources() -> list[Source]:
    centre = ReportCentreMonth.__table__
    duration = ReportDurationMonth.__table__
    found = []
    for role, column, where in _SIDES:
        reason = sa.case(
            (Referral.state.in_(sorted(OUTCOME_STATES)), queries.reason_code()), else_=""
        )
        keys = {"month": _month(), "centre_id": column, "role": sa.literal(role)}
        found.append(
            Source(centre, {**keys, "state": _state(), "reason": reason}, _all_measures(), where)
        )
        for kind, days in queries.DURATION_COLUMNS.items():
            found.append(
                Source(
                    duration,
                    {**keys, "kind": sa.literal(kind), "days": days},
                    {"referrals": sa.func.count()},
                    (*where, days.is_not(None)),
                )
            )
    flow_keys = {
        "month": _month(),
        "referring_centre_id": Referral.referring_centre_id,
        "receiving_centre_id": Referral.receiving_centre_id,
    }
    found.append(Source(ReportFlowMonth.__table__, flow_keys, _outcome_measures()))
    trial_keys = {"month": _month(), "trial_id": Referral.trial_id}
    found.append(Source(ReportTrialMonth.__table__, trial_keys, _outcome_measures()))
    return found


TABLES = (
    ReportCentreMonth.__table__,
    ReportDurationMonth.__table__,
    ReportFlowMonth.__table__,
    ReportTrialMonth.__table__,
)


# ---------------------------------------------------------------------------
# Rebuilding and keeping up to date
# ---------------------------------------------------------------------------


def rebuild_on(connection: sa.Connection) -> None:
    """Empty the summaries and recompute them from every referral (one transaction)."""
    for table in TABLES:
        connection.execute(table.delete())
    for source in sources():
        names = [*source.keys, *source.measures]
        connection.execute(source.table.insert().from_select(names, source.select()))


def rebuild() -> None:
    """``rebuild_on`` in the session's transaction; the caller commits."""
    rebuild_on(db.session.connection())


Contribution = dict[tuple[str, tuple], Counter[str]]


def snapshot(referral_id: int) -> Contribution:
    """What the referral adds to each summary now (read from the database)."""
    found: Contribution = {}
    by_table: dict[sa.Table, list[Source]] = defaultdict(list)
    for source in sources():
        by_table[source.table].append(source)
    for table, group in by_table.items():
        selects = [source.select(Referral.id == referral_id) for source in group]
        query = selects[0] if len(selects) == 1 else sa.union_all(*selects)
        keys, measures = list(group[0].keys), list(group[0].measures)
        for row in db.session.execute(query).mappings():
            key = tuple(row[name] for name in keys)
            found[(table.name, key)] = Counter({name: int(row[name]) for name in measures})
    return found


def record(before: Contribution, referral_id: int) -> None:
    """Add the referral's change since ``before`` to the summaries (after the flush).

    One upsert per table, its rows in key order, so two events never lock them in
    opposite orders; a row whose count falls to zero is deleted."""
    after = snapshot(referral_id)
    changes: dict[str, dict[tuple, Counter[str]]] = defaultdict(dict)
    for table_name, key in sorted(set(before) | set(after)):
        delta = Counter(after.get((table_name, key), Counter()))
        delta.subtract(before.get((table_name, key), Counter()))
        if any(delta.values()):
            changes[table_name][key] = delta
    for table in TABLES:
        if changes.get(table.name):
            _add(table, changes[table.name])


def _add(table: sa.Table, changes: dict[tuple, Counter[str]]) -> None:
    keys = [column.name for column in table.primary_key.columns]
    measures = [column.name for column in table.columns if not column.primary_key]
    rows = [
        {**dict(zip(keys, key, strict=True)), **{name: delta.get(name, 0) for name in measures}}
        for key, delta in changes.items()
    ]
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    db.session.execute(
        insert.values(rows).on_conflict_do_update(
            index_elements=keys,
            set_={name: table.c[name] + insert.excluded[name] for name in measures},
        )
    )
    emptied = [row for row in rows if row["referrals"] < 0]
    if emptied:
        matches = sa.or_(*(sa.and_(*(table.c[k] == row[k] for k in keys)) for row in emptied))
        db.session.execute(table.delete().where(matches, table.c.referrals <= 0))


# ---------------------------------------------------------------------------
# Reading the dashboard from the summaries
# ---------------------------------------------------------------------------


def months(filters: scopes.Filters) -> tuple[str | None, str | None] | None:
    """The first and last months the filters cover; None if a date cuts a month."""
    first = last = None
    if filters.date_from:
        if filters.date_from.day != 1:
            return None
        first = f"{filters.date_from:%Y-%m}"
    if filters.date_to:
        if (filters.date_to + dt.timedelta(days=1)).day != 1:
            return None
        last = f"{filters.date_to:%Y-%m}"
    return first, last


def _centre(scope: scopes.Scope, filters: scopes.Filters) -> tuple[bool, int | None]:
    """(servable, the one centre the figures are about, or None for the network)."""
    if scope.kind == scopes.NETWORK:
        return True, filters.centre_id
    if scope.kind == scopes.CENTRE:
        return filters.centre_id in (None, scope.centre_id), scope.centre_id
    return False, None


def covers(scope: scopes.Scope, filters: scopes.Filters) -> bool:
    """Whether the summaries can serve this dashboard (else the raw table does)."""
    if filters.community_id or filters.trial_id or filters.urgency:
        return False
    return months(filters) is not None and _centre(scope, filters)[0]


def _month_conditions(table, filters: scopes.Filters) -> list[sa.ColumnElement[bool]]:
    first, last = months(filters)
    conditions = []
    if first:
        conditions.append(table.c.month >= first)
    if last:
        conditions.append(table.c.month <= last)
    return conditions


def _centre_conditions(table, centre_id: int | None) -> list[sa.ColumnElement[bool]]:
    return [table.c.centre_id == (NETWORK_CENTRE if centre_id is None else centre_id)]


def _flow_conditions(centre_id: int | None) -> list[sa.ColumnElement[bool]]:
    flow = ReportFlowMonth.__table__
    if centre_id is None:
        return []
    return [
        sa.or_(flow.c.referring_centre_id == centre_id, flow.c.receiving_centre_id == centre_id)
    ]


def _sum(column) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(column), 0)


@dataclass
class Figures:
    """The dashboard's figures that the summaries serve."""

    summary: queries.Summary
    states: list
    durations: list
    reasons: list
    flow: queries.FlowMatrix
    trend: list
    trials: list | None
    communities: list | None
    credit: list


def figures(
    scope: scopes.Scope,
    filters: scopes.Filters,
    *,
    language: str = "fr",
    limit: int | None = queries.TABLE_LIMIT,
) -> Figures:
    """The figures of ``queries.dashboard`` from the summaries (``covers`` must hold).

    The tables per trial and per community need the trial: served for the network
    only (``trials`` and ``communities`` None for a centre: the raw table answers)."""
    _ok, centre_id = _centre(scope, filters)
    centre = ReportCentreMonth.__table__
    where = [*_month_conditions(centre, filters), *_centre_conditions(centre, centre_id)]

    measures = ["referrals", *queries.MEASURES]
    row = replica.execute(sa.select(*(_sum(centre.c[m]) for m in measures)).where(*where)).one()
    totals = dict(zip(measures, (int(v) for v in row), strict=True))
    totals["submitted"] = totals.pop("referrals")
    summary = queries.Summary(**totals)

    states = queries.states_from_counts(
        {
            state: int(count)
            for state, count in replica.execute(
                sa.select(centre.c.state, _sum(centre.c.referrals))
                .where(*where)
                .group_by(centre.c.state)
            )
        }
    )

    total = _sum(centre.c.referrals)
    reasons = queries.reasons_from_rows(
        replica.execute(
            sa.select(centre.c.state, centre.c.reason, total)
            .where(*where, centre.c.state.in_([s.value for s in sorted(OUTCOME_STATES)]))
            .group_by(centre.c.state, centre.c.reason)
        ).all()
    )

    trend = queries.trend_from_rows(
        replica.execute(
            sa.select(
                centre.c.month,
                _sum(centre.c.referrals),
                _sum(centre.c.accepted),
                _sum(centre.c.enrolled),
            )
            .where(*where)
            .group_by(centre.c.month)
            .order_by(centre.c.month)
        ).all()
    )

    duration = ReportDurationMonth.__table__
    counts: dict[str, Counter[int]] = {kind: Counter() for kind in queries.DURATION_COLUMNS}
    for kind, days, count in replica.execute(
        sa.select(duration.c.kind, duration.c.days, _sum(duration.c.referrals))
        .where(*_month_conditions(duration, filters), *_centre_conditions(duration, centre_id))
        .group_by(duration.c.kind, duration.c.days)
    ):
        counts[kind][int(days)] += int(count)

    flow_table = ReportFlowMonth.__table__
    flow_where = [*_month_conditions(flow_table, filters), *_flow_conditions(centre_id)]
    flow = queries.flow_from_rows(
        replica.execute(
            sa.select(
                flow_table.c.referring_centre_id,
                flow_table.c.receiving_centre_id,
                _sum(flow_table.c.referrals),
                _sum(flow_table.c.enrolled),
            )
            .where(*flow_where)
            .group_by(flow_table.c.referring_centre_id, flow_table.c.receiving_centre_id)
        ).all()
    )
    per_referrer = _outcome_sub(
        flow_table, flow_table.c.referring_centre_id, "centre_id", flow_where
    )
    credit = queries.referrer_credit([], limit, per_referrer)

    trials = communities = None
    if centre_id is None:
        trial_table = ReportTrialMonth.__table__
        trial_where = _month_conditions(trial_table, filters)
        trials = queries.by_trial(
            [], limit, _outcome_sub(trial_table, trial_table.c.trial_id, "trial_id", trial_where)
        )
        communities = queries.by_community(
            [],
            language,
            _outcome_sub(trial_table, trial_table.c.trial_id, "trial_id", trial_where),
        )
    return Figures(
        summary=summary,
        states=states,
        durations=queries.durations_from_counts(counts),
        reasons=reasons,
        flow=flow,
        trend=trend,
        trials=trials,
        communities=communities,
        credit=credit,
    )


def _outcome_sub(table, group_column, key: str, where: Iterable) -> sa.Subquery:
    """Outcome counts per ``group_column`` summed from a summary table (as ``queries``)."""
    return (
        sa.select(
            group_column.label(key),
            _sum(table.c.referrals).label("submitted"),
            *(_sum(table.c[name]).label(name) for name in queries.OUTCOME_MEASURES),
        )
        .where(*where)
        .group_by(group_column)
        .subquery()
    )


def dashboard(
    scope: scopes.Scope,
    filters: scopes.Filters,
    *,
    today: dt.date | None = None,
    language: str = "fr",
    limit: int | None = queries.TABLE_LIMIT,
) -> queries.Dashboard:
    """The report page's figures: from the summaries where they hold them (``covers``),
    the rest from the referrals (``queries.dashboard``)."""
    found = (
        figures(scope, filters, language=language, limit=limit) if covers(scope, filters) else None
    )
    return queries.dashboard(
        scope, filters, today=today, language=language, limit=limit, found=found
    )
