"""What one API create-and-submit costs, and where it goes (issue 12, item 4).

``make bench-writes``. Runs the real app in this process (``create_app``; no HTTP
server, so the figures are the app's own) on a throw-away PostgreSQL database made
like the tests' one, with production-like settings: not in testing mode, the
outbox published to the real Redis at ``BENCH_REDIS_URL`` (default
``redis://127.0.0.1:6379/0``) on a queue of this run's own (emptied at the end),
rate limits counted in that Redis.
Then it

1. times ``--requests`` sequential ``POST /api/v1/referrals`` with ``"submit": true``
   (a new fictional patient each, three intake contacts to notify, an
   ``Idempotency-Key``) after a few warm-up ones: p50 and p95 in milliseconds;
2. times a baseline in the same run on the same engine: a bare ``INSERT`` of one
   row and its ``COMMIT``; the figures are also given as ratios to its p50;
3. profiles ``--profile`` more requests with cProfile and prints the top functions
   by cumulative and by own time, and the statements per request.

    .venv/bin/python -m bench.writes [--requests 200] [--profile 50] [--top 25]

``BENCH_ADMIN_URL`` (default: the tests' ``TEST_DATABASE_URL`` or postgres on
127.0.0.1) is where the throw-away database is created and dropped.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import time
import uuid
from collections.abc import Callable

import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlalchemy import event

from config import Config

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
INTAKE_CONTACTS = 3
WARM_UP = 10


def _admin_url() -> str:
    from tests.services import require_postgres

    return os.environ.get("BENCH_ADMIN_URL") or require_postgres()


def throwaway_database() -> tuple[str, Callable[[], None]]:
    """A fresh PostgreSQL database (as ``tests/conftest.py`` makes one) and its drop."""
    from tests.conftest import _create_postgres_database

    if os.environ.get("BENCH_ADMIN_URL"):
        os.environ["TEST_DATABASE_URL"] = os.environ["BENCH_ADMIN_URL"]
    return _create_postgres_database()


def bench_config(database_url: str, queue: str) -> Config:
    class BenchConfig(Config):
        SECRET_KEY = "bench-writes-secret-key-0123456789abcdef"  # noqa: S105 (throw-away)
        PATIENT_DATA_KEYS = [Fernet.generate_key().decode()]
        PATIENT_HASH_KEY = "bench-writes-hash-key"
        SQLALCHEMY_DATABASE_URI = database_url
        CELERY_BROKER_URL = REDIS_URL
        CELERY_OVERRIDES = {"task_default_queue": queue}
        # As in production, the rate limits are counted in Redis; high enough not to stop the run.
        RATELIMIT_STORAGE_URI = REDIS_URL
        RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
        API_RATE_LIMIT = "1000000 per minute"

    return BenchConfig()


def seed(db) -> tuple[str, int, int]:
    """A referrer with a token, a recruiting site at another centre with intake contacts."""
    from referral_app.api import tokens
    from referral_app.models import Role
    from tests.conftest import Factory

    make = Factory(db.session)
    region = make.region()
    referring, receiving = make.centre(region), make.centre(region)
    referrer = make.user(referring, Role.PHYSICIAN)
    site = make.site(make.trial(), receiving)
    site.intake_contacts = [make.user(receiving, Role.COORDINATOR) for _ in range(INTAKE_CONTACTS)]
    make.user(receiving, Role.COORDINATOR)
    _token, plain = tokens.create_token(referrer, "bench-writes")
    db.session.commit()
    return plain, site.id, region.id


def body(site_id: int, region_id: int, n: int) -> dict:
    from referral_app.workflow.builder import api_referral_body

    return api_referral_body(site_id, region_id, n)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", type=int, default=50)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--only", help="restrict the top lists to paths matching this regex")
    parser.add_argument("--trace", action="store_true", help="print one request's statements")
    args = parser.parse_args()

    from referral_app import create_app
    from referral_app.extensions import db

    url, drop = throwaway_database()
    queue = f"bench-writes-{uuid.uuid4().hex[:8]}"
    app = create_app(bench_config(url, queue))
    try:
        with app.app_context():
            db.create_all()
            token, site_id, region_id = seed(db)
            with db.engine.begin() as conn:
                conn.execute(
                    sa.text("CREATE TABLE bench_baseline (id serial PRIMARY KEY, note text)")
                )
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        counter = {"n": 0, "statements": 0}
        cpu: list[float] = []

        def one() -> float:
            counter["n"] += 1
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.post(
                "/api/v1/referrals",
                json=body(site_id, region_id, counter["n"]),
                headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
            )
            elapsed = (time.perf_counter() - started) * 1000
            cpu.append((time.process_time() - cpu_started) * 1000)
            assert response.status_code == 201, response.get_data(as_text=True)[:500]
            assert response.json["state"] == "submitted"
            return elapsed

        def baseline() -> float:
            with app.app_context():
                started = time.perf_counter()
                db.session.execute(
                    sa.text("INSERT INTO bench_baseline (note) VALUES (:note)"), {"note": "x"}
                )
                db.session.commit()
                return (time.perf_counter() - started) * 1000

        for _ in range(WARM_UP):
            one()
            baseline()
        times, base = [], []
        cpu.clear()
        for _ in range(args.requests):
            times.append(one())
            base.append(baseline())

        with app.app_context():
            trace: list[str] = []

            def count(_conn, _cursor, statement, *_a, **_k):
                counter["statements"] += 1
                trace.append(" ".join(statement.split())[:110])

            event.listen(db.engine, "before_cursor_execute", count)
            one()
            event.remove(db.engine, "before_cursor_execute", count)
            outbox = db.session.scalar(sa.text("SELECT count(*) FROM notifications"))

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.profile):
            one()
        profiler.disable()

        p50, p95, b50 = percentile(times, 50), percentile(times, 95), statistics.median(base)
        print(f"\nAPI create-and-submit, {args.requests} sequential requests (PostgreSQL, Redis)")
        print(f"  p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   ratio to baseline p50 {p50 / b50:5.1f}")
        print(f"  baseline INSERT+COMMIT p50 {b50:.2f} ms")
        print(f"  CPU time of this process per request p50 {statistics.median(cpu):.2f} ms")
        print(f"  statements per request: {counter['statements']}; outbox rows so far: {outbox}")
        if args.trace:
            print("\n".join(f"    {line}" for line in trace))
        for sort in ("cumulative", "tottime"):
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            if not args.only:
                stats.strip_dirs()
            stats.sort_stats(sort)
            stats.print_stats(*([args.only] if args.only else []), args.top)
            print(f"\n-- cProfile, {args.profile} requests, by {sort} --")
            print(out.getvalue().split("\n", 4)[-1].strip("\n"))
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        _purge_queue(app, queue)
        drop()


def _purge_queue(app, queue: str) -> None:
    celery = app.extensions["celery"]
    with celery.connection_for_write() as conn:
        conn.default_channel.queue_delete(queue)


if __name__ == "__main__":
    main()
