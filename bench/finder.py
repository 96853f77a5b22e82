"""The trial finder: its speed over 2,000 trials and its recall on clinical vignettes (issue 14).

``make bench-finder``. Runs the real app in this process on a throw-away SQLite
database (the embedded default; ``--postgres`` for a throw-away PostgreSQL one):

1. **Recall@10** on the demo catalogue (``seed-demo``: 36 trials with their
   criteria): for each vignette of ``bench/vignettes.json`` (written from the
   catalogue's text by a reviewer who did not see the structured criteria, with
   the trials a clinician would pick), the share of the expected trials among the
   finder's first ten. Vignettes with no fitting trial count apart: how often the
   finder still puts a trial with no criterion "not met" first.
2. **Speed** with 2,000 recruiting trials (the demo criteria, varied, 1-4 sites
   each): each vignette's summary through ``finder.find``, p50 and p95 in ms, and
   as ratios to a baseline measured in the same run: the finder's own candidate
   query (the recruiting sites' rows) without any evaluation.

Results go to ``bench/results/finder.md``.

    .venv/bin/python -m bench.finder [--trials 2000] [--repeat 3] [--postgres]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

from config import TestingConfig

VIGNETTES = Path(__file__).parent / "vignettes.json"
RESULTS = Path(__file__).parent / "results" / "finder.md"


def make_app(url: str, workdir: Path):
    from referral_app import create_app
    from referral_app.extensions import db

    class BenchConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        DOCUMENT_STORAGE_DIR = workdir / "documents"
        EXPORT_DIR = workdir / "exports"
        MAILBOX_DIR = workdir / "mailbox"

    app = create_app(BenchConfig())
    with app.app_context():
        db.create_all()
    return app


def vignettes() -> list[dict]:
    return json.loads(VIGNETTES.read_text())["vignettes"]


def ranked_ncts(summary, limit: int = 10) -> tuple[list[str], list]:
    from referral_app.eligibility import finder

    matches = finder.find(summary, None, limit=finder.MAX_LIMIT)
    trials = finder.ranked_trials(matches)[:limit]
    return [t.nct_number for t in trials], matches


def recall(cases: list[dict]) -> dict:
    """Recall@10 (and @1, @3) over the vignettes with expected trials; the others apart."""
    from referral_app.eligibility.summary import parse

    recalls, misses, traps, trapped = [], [], 0, []
    at = {1: [], 3: []}
    for case in cases:
        top, matches = ranked_ncts(parse(case["summary"]))
        expected = set(case["expected"])
        if expected:
            found = expected & set(top)
            recalls.append(len(found) / len(expected))
            for k in at:
                # At k, a vignette with two expected trials can find at most k of them.
                at[k].append(len(expected & set(top[:k])) / min(k, len(expected)))
            if found != expected:
                misses.append((case["id"], sorted(expected - found)))
        else:
            traps += 1
            best = matches[0] if matches else None
            if best is not None and best.fit.not_met == 0:
                trapped.append((case["id"], best.trial.nct_number))
    by_language = {}
    for language in ("fr", "en"):
        subset = [c for c in cases if c["language"] == language and c["expected"]]
        values = []
        for case in subset:
            top, _ = ranked_ncts(parse(case["summary"]))
            values.append(len(set(case["expected"]) & set(top)) / len(case["expected"]))
        by_language[language] = (statistics.mean(values) if values else 0.0, len(values))
    return {
        "recall": statistics.mean(recalls),
        "at": {k: statistics.mean(v) for k, v in at.items()},
        "with_expected": len(recalls),
        "misses": misses,
        "traps": traps,
        "trapped": trapped,
        "by_language": by_language,
    }


def grow_catalogue(total: int, seed: int = 2026) -> int:
    """Copies of the demo trials (criteria varied) until ``total`` recruiting trials."""
    from referral_app.eligibility.demo_criteria import DEMO_CRITERIA
    from referral_app.eligibility.service import set_criteria
    from referral_app.extensions import db
    from referral_app.models import Centre, SiteStatus, Trial, TrialSite, TrialStatus

    rng = random.Random(seed)
    centres = db.session.query(Centre).all()
    models = list(DEMO_CRITERIA.items())
    existing = db.session.query(Trial).filter(Trial.status == TrialStatus.RECRUITING).count()
    made = 0
    for n in range(total - existing):
        nct, items = models[n % len(models)]
        trial = Trial(
            nct_number=f"NCT8{n:07d}",
            acronym=f"BENCH-{n}",
            title=f"Benchmark copy {n} of {nct}",
            status=TrialStatus.RECRUITING,
            tumour_site="",
        )
        db.session.add(trial)
        db.session.flush()
        set_criteria(trial, _varied(items, rng), None)
        for centre in rng.sample(centres, rng.randint(1, 4)):
            db.session.add(
                TrialSite(
                    trial=trial,
                    centre=centre,
                    region_id=centre.region_id,
                    status=SiteStatus.RECRUITING,
                )
            )
        made += 1
        if made % 200 == 0:
            db.session.commit()
    db.session.commit()
    return made


def _varied(items: list[dict], rng: random.Random) -> list[dict]:
    varied = copy.deepcopy(items)
    for item in varied:
        if item["kind"] == "ecog_max":
            item["max"] = rng.choice([1, 2])
        if item["kind"] == "age" and "min" in item and item.get("max", 120) >= 30:
            item["min"] = rng.choice([12, 18])
    return varied


def timings(cases: list[dict], repeat: int) -> dict:
    from referral_app.eligibility import finder
    from referral_app.eligibility.summary import parse
    from referral_app.extensions import db

    summaries = [parse(c["summary"]) for c in cases]
    finder.find(summaries[0], None)  # warm the parsed-criteria cache
    db.session.rollback()
    samples, baseline = [], []
    for _ in range(repeat):
        for summary in summaries:
            started = time.perf_counter()
            finder.candidate_sites(None)
            baseline.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
            started = time.perf_counter()
            finder.find(summary, None)
            samples.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
    return {"p50": _pct(samples, 50), "p95": _pct(samples, 95), "base": _pct(baseline, 50)}


def _pct(samples: list[float], p: int) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    from referral_app.extensions import db
    from referral_app.seeding import seed_demo

    cases = vignettes()
    with tempfile.TemporaryDirectory(prefix="passerelle-bench-finder-") as tmp:
        workdir = Path(tmp)
        drop = None
        if args.postgres:
            from tests.conftest import _create_postgres_database

            url, drop = _create_postgres_database()
        else:
            url = f"sqlite:///{workdir / 'bench.db'}"
        try:
            app = make_app(url, workdir)
            with app.app_context():
                seed_demo()
                quality = recall(cases)
                print(f"recall@10 {quality['recall']:.3f}", flush=True)
                grown = grow_catalogue(args.trials)
                print(f"{grown} trials added", flush=True)
                speed = timings(cases, args.repeat)
                db.session.remove()
                db.engine.dispose()
        finally:
            if drop is not None:
                drop()
    report(quality, speed, args, "PostgreSQL" if args.postgres else "SQLite", len(cases))


def report(quality: dict, speed: dict, args, engine: str, count: int) -> None:
    fr, en = quality["by_language"]["fr"], quality["by_language"]["en"]
    missed = "; ".join(f"{v} ({', '.join(m)})" for v, m in quality["misses"]) or "none"
    trapped = "; ".join(f"{v}: {n}" for v, n in quality["trapped"])
    lines = [
        "# Trial finder (`make bench-finder`)",
        "",
        f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{engine}.",
        "",
        "## Recall on the vignettes (demo catalogue, 36 trials)",
        "",
        f"- {count} vignettes; {quality['with_expected']} with at least one trial a clinician "
        f"would pick: **recall@10 = {quality['recall']:.2f}** (French {fr[0]:.2f} over {fr[1]}, "
        f"English {en[0]:.2f} over {en[1]}); recall@1 = {quality['at'][1]:.2f}, "
        f"recall@3 = {quality['at'][3]:.2f} (of min(k, expected) trials).",
        f"- Missed: {missed}.",
        f"- {quality['traps']} vignettes with no fitting trial; the finder's first result had no "
        f"criterion not met for {len(quality['trapped'])} of them"
        + (f" ({trapped})." if trapped else "."),
        "",
        f"## Speed with {args.trials:,} recruiting trials",
        "",
        f"Each vignette's summary, {args.repeat} rounds; baseline in the same run: the "
        "finder's candidate query alone (the recruiting sites' rows: ids, region, version, names).",
        "",
        "| | ms | ratio to the baseline |",
        "|---|---|---|",
        f"| baseline (candidate query) p50 | {speed['base']:.1f} | 1.0× |",
        f"| finder p50 | {speed['p50']:.1f} | {speed['p50'] / speed['base']:.1f}× |",
        f"| finder p95 | {speed['p95']:.1f} | {speed['p95'] / speed['base']:.1f}× |",
    ]
    text = "\n".join(lines) + "\n"
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
