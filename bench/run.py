"""Time every report query on PostgreSQL at benchmark scale (``make bench``).

Fills ``passerelle_bench`` first if it does not hold the requested number of
referrals (see ``bench.generate``), then runs each figure of the report page for
the admin (whole network), a manager (one centre) and a community leader, with
the page's default filter (the last twelve months) and, for the network, all
time. Each is run once to warm up, then ``--repeat`` times; the median is
reported in milliseconds and as a ratio to a baseline measured in the same run
(``SELECT count(*) FROM referrals``), so figures from different machines compare.
Results go to ``bench/results/latest.md``.

    .venv/bin/python -m bench.run [--referrals 1000000] [--repeat 5] [--regenerate]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from bench.generate import bench_url, ensure, make_app, row_counts

RESULTS = Path(__file__).parent / "results" / "latest.md"


def timed(func: Callable[[], object], repeat: int) -> float:
    """Median wall time in milliseconds of ``repeat`` runs, after one warm-up run."""
    from referral_app.extensions import db

    func()
    db.session.rollback()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    return statistics.median(samples)


def figures(scope, filters) -> dict[str, Callable[[], object]]:
    """Every query of the report page, plus the first batch of the referral export."""
    from referral_app.reports import aggregates, exports, queries
    from referral_app.reports.scope import referral_conditions

    where = referral_conditions(scope, filters)
    ctx = exports.Context(scope, filters)
    return {
        "counts, funnel and rates": lambda: queries.summary(where),
        "referrals by state": lambda: queries.state_counts(where),
        "median and p90 durations (3 measures)": lambda: queries.durations(where),
        "decline / screen-fail / withdraw reasons": lambda: queries.reasons(where),
        "flow matrix (centre x centre)": lambda: queries.flow_matrix(where),
        "monthly trend": lambda: queries.monthly_trend(where),
        "per trial (top 25)": lambda: queries.by_trial(where, 25),
        "per community": lambda: queries.by_community(where),
        "credit to referring centres": lambda: queries.referrer_credit(where, 25),
        "overdue now": lambda: queries.overdue(where),
        "niche coverage by region": lambda: queries.niche_coverage(scope, filters, where),
        "export: row count": lambda: exports.count_referrals(ctx),
        "export: first 1,000 rows": lambda: list(
            zip(range(1000), exports.iter_referral_rows(ctx), strict=False)
        ),
        "figures from the monthly summaries": lambda: (
            aggregates.figures(scope, filters) if aggregates.covers(scope, filters) else None
        ),
        "whole dashboard (all of the above)": lambda: aggregates.dashboard(scope, filters),
        "whole dashboard from the referrals only": lambda: queries.dashboard(scope, filters),
    }


def busiest(column) -> int:
    from referral_app.extensions import db

    return db.session.scalar(
        sa.select(column).group_by(column).order_by(sa.func.count().desc()).limit(1)
    )


def run(repeat: int) -> tuple[list[tuple[str, str, str, float]], dict[str, float]]:
    from referral_app.business_days import today
    from referral_app.extensions import db
    from referral_app.models import Referral, Trial
    from referral_app.reports.forms import default_date_from
    from referral_app.reports.scope import Filters, Scope

    some_id = db.session.scalar(sa.select(sa.func.max(Referral.id))) // 2
    baselines = {
        "SELECT count(*) FROM referrals": timed(
            lambda: db.session.execute(sa.text("SELECT count(*) FROM referrals")).scalar(), repeat
        ),
        "primary-key lookup of one referral": timed(
            lambda: db.session.execute(
                sa.text("SELECT * FROM referrals WHERE id = :id"), {"id": some_id}
            ).one(),
            repeat,
        ),
    }
    centre = busiest(Referral.receiving_centre_id)
    community = db.session.scalar(
        sa.select(Trial.community_id)
        .join(Referral, Referral.trial_id == Trial.id)
        .group_by(Trial.community_id)
        .order_by(sa.func.count().desc())
        .limit(1)
    )
    last_year = Filters(date_from=default_date_from(today()))
    cases = [
        ("admin (network)", "last 12 months", Scope("network"), last_year),
        ("admin (network)", "all time", Scope("network"), Filters()),
        ("manager (1 centre)", "last 12 months", Scope("centre", centre_id=centre), last_year),
        (
            "leader (1 community)",
            "last 12 months",
            Scope("community", community_ids=(community,)),
            last_year,
        ),
    ]
    results = []
    for who, period, scope, filters in cases:
        for name, func in figures(scope, filters).items():
            results.append((name, who, period, timed(func, repeat)))
            print(f"{who:22} {period:15} {name:45} {results[-1][3]:9.1f} ms", flush=True)
    return results, baselines


def write_report(
    results, baselines, counts: dict[str, int], repeat: int, output: Path = RESULTS
) -> str:
    from referral_app.extensions import db

    version = db.session.scalar(sa.text("SHOW server_version"))
    unit = baselines["SELECT count(*) FROM referrals"]
    lines = [
        "# Report queries at benchmark scale",
        "",
        f"Run on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC · PostgreSQL {version} · "
        f"{os.cpu_count()} CPU · Python {platform.python_version()} · "
        f"median of {repeat} runs after one warm-up.",
        "",
        "Data: " + ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in counts.items()) + ".",
        "",
        "Baselines measured in the same run:",
        "",
    ]
    lines += [f"- {name}: {ms:.1f} ms" for name, ms in baselines.items()]
    lines += [
        "",
        "Ratio = median time ÷ `SELECT count(*) FROM referrals` (a full scan of the table).",
        "",
        "| Figure | Who | Period | Median (ms) | Ratio |",
        "|---|---|---|---:|---:|",
    ]
    lines += [
        f"| {name} | {who} | {period} | {ms:.1f} | {ms / unit:.2f} |"
        for name, who, period, ms in results
    ]
    text = "\n".join(lines) + "\n"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=bench_url())
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    ensure(args.url, args.referrals, regenerate=args.regenerate)
    app = make_app(args.url)
    with app.app_context():
        from flask_babel import force_locale

        from referral_app.extensions import db

        counts = row_counts(db.engine)
        with force_locale("fr"):  # labels in the export rows, as for a French user
            results, baselines = run(args.repeat)
        print(write_report(results, baselines, counts, args.repeat, args.output))


if __name__ == "__main__":
    main()
