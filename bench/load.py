"""Load benchmark: what a coordinator feels when the network is large and busy.

``make bench-load``. On the benchmark database (``bench.generate``; filled only if
it does not hold ``--referrals`` referrals) it starts, in one run:

- the app under gunicorn (2 sync workers, ``PASSERELLE_ENV=production``), with a
  Redis of its own (broker and rate limits), a real Celery worker
  (``-c 2``, prefork) and a local SMTP server that timestamps what it receives;
- the bare baselines (``bench.bare``) under the same gunicorn settings and
  database: one SELECT by id as JSON, and a page with 25 rows from one indexed query.

wrk then drives one endpoint at a time at fixed concurrency (``--connections``,
a warm-up then ``--duration`` seconds), as a coordinator of the busiest
receiving centre (API token or session cookie), its manager (12-month dashboard)
and the administrator (the network, all time). The writes come last: API
create-and-submit (sequential, then concurrent; a new fictional patient each),
then acknowledging the referrals just created. For the e-mails those writes
queue, the time from the outbox row to its arrival at the SMTP server (p50, p99),
the worker's throughput and duplicate Message-IDs are measured. The table
(req/s, p50, p95, p99, ratio to the matching baseline, targets of issue 12) is
printed and written to ``bench/results/load.md``. The referrals created are
deleted at the end, so the database keeps its size for the next run.

    .venv/bin/python -m bench.load [--referrals 1000000] [--duration 10] [--only api,bare]

wrk runs on the same machine as the servers and takes CPU from them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa

from bench.generate import USERS_PER_CENTRE, bench_url, ensure
from tests.faults.conftest import RedisServer, WebServer, _named
from tests.services import free_port
from tests.workers.support import SmtpSink, WorkerProcess, wait_for

HERE = Path(__file__).parent
RESULTS = HERE / "results" / "load.md"
WRK_SCRIPT = HERE / "wrk.lua"
PASSWORD = "bench-load-password"  # noqa: S105 (fictional users of the benchmark database)
# Fixed so that identifiers sealed by one run read in the next (fictional patients only).
PATIENT_DATA_KEY = "0Q4Pmz0TBAWRkJIqv8EqmrM7ayZ7rqYiDq1pOZ7JJFU="
PATIENT_HASH_KEY = "bench-load-hash-key"
SECRET_KEY = "bench-load-secret-key-0123456789abcdef"  # noqa: S105
TOKEN_NAME = "bench-load"
JSON_TARGET_RATIO = PAGE_TARGET_RATIO = 0.5
P99_TARGET_MS = 250
NOTIFICATION_P99_TARGET_S = 2.0


# ---------------------------------------------------------------------------
# The servers
# ---------------------------------------------------------------------------


class TimedSink(SmtpSink):
    """The tests' SMTP sink, noting when each Message-ID arrived (``time.time()``)."""

    def __init__(self, port: int):
        super().__init__(port)
        self.arrivals: list[tuple[float, str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        answer = await super().handle_DATA(server, session, envelope)
        if answer.startswith("250"):
            self.arrivals.append((time.time(), str(self.messages[-1]["Message-ID"])))
        return answer


class Stack:
    """Redis, SMTP sink, Celery worker, the app and the bare app; ``stop()`` ends them all."""

    def __init__(self, url: str, workdir: Path, worker_concurrency: int, centre_id: int):
        self.url, self.workdir = url, workdir
        self.concurrency, self.centre_id = worker_concurrency, centre_id
        self.parts: list = []

    def start(self) -> Stack:
        self.redis = self._add(RedisServer(self.workdir).start())
        self.sink = self._add(TimedSink(free_port()).start())
        shared = {
            "PASSERELLE_ENV": "production",
            "PASSERELLE_INSTANCE": str(self.workdir),
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": self.url,
            "REDIS_URL": self.redis.url,
            "PATIENT_DATA_KEYS": PATIENT_DATA_KEY,
            "PATIENT_HASH_KEY": PATIENT_HASH_KEY,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(self.sink.port),
            "PUBLIC_BASE_URL": "http://localhost",
            # The limit is per token: 600 a minute would turn the benchmark into 429s.
            "API_RATE_LIMIT": "1000000 per minute",
        }
        self.worker = WorkerProcess(self.redis.url, self.url, shared, self.workdir)
        self.worker.start(concurrency=self.concurrency, app="workers.celery_app:celery")
        self.parts.append(self.worker)
        env = {**shared, "CELERY_QUEUE": self.worker.queue}
        web_env = {**env, "DATABASE_URL": _named(self.url, "bench-load-web")}
        self.app = self._add(WebServer(web_env, self.workdir).start())
        bare_env = {**env, "DATABASE_URL": _named(self.url, "bench-load-bare")}
        bare_env["BARE_CENTRE_ID"] = str(self.centre_id)
        self.bare = self._add(
            WebServer(bare_env, self.workdir, app="bench.bare:app", ready_path="/bare/ready")
        )
        self.bare.start()
        return self

    def settle(self, timeout: float = 120) -> None:
        """Wait until the servers have finished the requests wrk left behind.

        wrk closes its connections at the end of a run, but gunicorn's sync workers
        still answer the requests already accepted: after a slow endpoint that is
        tens of seconds of work, which must not count against the next one.
        """
        import requests

        engine = sa.create_engine(self.url)
        busy = sa.text(
            "SELECT pid, state, left(query, 60) FROM pg_stat_activity WHERE state <> 'idle' "
            "AND application_name IN ('bench-load-web', 'bench-load-bare')"
        )
        try:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:

                def idle() -> bool:
                    return not conn.execute(busy).all() and not conn.execute(busy).all()

                try:
                    wait_for(idle, timeout=timeout, interval=0.2, message="idle servers")
                except AssertionError:
                    print(f"  still busy after {timeout:.0f} s: {conn.execute(busy).all()}")
        finally:
            engine.dispose()
        for base in (self.app.url, self.bare.url):  # one answer from each worker's queue
            for _ in range(2):
                requests.get(base + "/bare/ready" if base == self.bare.url else base + "/login",
                             timeout=timeout)  # fmt: skip

    def _add(self, part):
        self.parts.append(part)
        return part

    def stop(self) -> None:
        for part in reversed(self.parts):
            try:
                part.stop()
            except Exception as error:  # noqa: BLE001 (stop the others anyway)
                print(f"stopping {type(part).__name__}: {error}")


# ---------------------------------------------------------------------------
# The cast: users of the busiest receiving centre, tokens, sessions
# ---------------------------------------------------------------------------


@dataclass
class Cast:
    centre_id: int
    coordinator: str
    manager: str
    admin: str
    referrer: str
    coordinator_token: str
    referrer_token: str
    mfa_secret: str
    referral_ids: list[int]
    site_ids: list[int]
    region_id: int
    patient_base: int
    max_referral_id: int
    headers: dict[str, str] = field(default_factory=dict)


def prepare(url: str) -> Cast:
    """Passwords, a second factor for the manager and the admin, two API tokens."""
    import pyotp

    from config import TestingConfig
    from referral_app import create_app
    from referral_app.api.tokens import create_token
    from referral_app.auth import mfa
    from referral_app.extensions import db
    from referral_app.models import ApiToken, User
    from referral_app.security import hash_password
    from referral_app.timeutil import utcnow

    class PrepareConfig(TestingConfig):
        TESTING = False
        SQLALCHEMY_DATABASE_URI = url
        PATIENT_DATA_KEYS = [PATIENT_DATA_KEY]
        PATIENT_HASH_KEY = PATIENT_HASH_KEY
        CELERY_BROKER_URL = "memory://"

    app = create_app(PrepareConfig())
    with app.app_context():
        q = lambda sql, **params: db.session.execute(sa.text(sql), params)  # noqa: E731
        centre = q(
            "SELECT receiving_centre_id FROM referrals GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        ).scalar()
        centres = q("SELECT count(*) FROM centres").scalar()
        other = centre % centres + 1
        first = (centre - 1) * USERS_PER_CENTRE + 1
        coordinator = db.session.get(User, first)
        manager = db.session.get(User, first + USERS_PER_CENTRE - 2)
        referrer = db.session.get(User, (other - 1) * USERS_PER_CENTRE + 1)
        admin = db.session.scalar(sa.select(User).where(User.role == "admin").limit(1))
        assert coordinator.role == "coordinator" and manager.role == "manager"
        secret = pyotp.random_base32()
        for user in (coordinator, manager, admin, referrer):
            user.password_hash = hash_password(PASSWORD)
        for user in (manager, admin):
            mfa.enable_with_secret(user, secret)
        db.session.execute(
            sa.update(ApiToken)
            .where(ApiToken.name == TOKEN_NAME, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        _, coordinator_token = create_token(coordinator, TOKEN_NAME)
        _, referrer_token = create_token(referrer, TOKEN_NAME)
        cast = Cast(
            centre_id=centre,
            coordinator=coordinator.email,
            manager=manager.email,
            admin=admin.email,
            referrer=referrer.email,
            coordinator_token=coordinator_token,
            referrer_token=referrer_token,
            mfa_secret=secret,
            referral_ids=list(
                q(
                    "SELECT id FROM referrals WHERE receiving_centre_id = :c "
                    "ORDER BY id DESC LIMIT 200",
                    c=centre,
                ).scalars()
            ),
            site_ids=list(
                q(
                    "SELECT s.id FROM trial_sites s JOIN trials t ON t.id = s.trial_id "
                    "WHERE s.centre_id = :c AND s.status = 'recruiting' "
                    "AND t.status = 'recruiting' ORDER BY s.id",
                    c=centre,
                ).scalars()
            ),
            region_id=q("SELECT region_id FROM centres WHERE id = :c", c=other).scalar(),
            patient_base=q(
                "SELECT count(*) FROM referrals WHERE identifiers_encrypted IS NOT NULL"
            ).scalar(),
            max_referral_id=q("SELECT max(id) FROM referrals").scalar(),
        )
        db.session.commit()
        db.engine.dispose()
    return cast


def log_in(base: str, email: str, password: str, totp_secret: str | None = None) -> str:
    """A ``Cookie`` header of a session logged in through the forms (and the code step).

    Production cookies are ``Secure``: over plain HTTP they are kept and sent by hand.
    """
    import pyotp
    import requests

    jar: dict[str, str] = {}

    def call(method: str, path: str, **kwargs):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}
        response = requests.request(
            method, base + path, headers=headers, allow_redirects=False, timeout=60, **kwargs
        )
        for header in response.raw.headers.getlist("Set-Cookie"):
            name, _, rest = header.partition("=")
            jar[name.strip()] = rest.split(";")[0]
        return response

    def csrf(html: str) -> str:
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        return found.group(1) if found else ""

    page = call("GET", "/login")
    answer = call(
        "POST", "/login", data={"email": email, "password": password, "csrf_token": csrf(page.text)}
    )
    assert answer.status_code == 302, (email, answer.status_code, answer.text[:300])
    location = answer.headers["Location"]
    if "/mfa/verify" in location:
        parts = urlsplit(location)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        page = call("GET", path)
        code = pyotp.TOTP(totp_secret).now()
        answer = call("POST", path, data={"code": code, "csrf_token": csrf(page.text)})
        assert answer.status_code == 302, (email, "mfa", answer.status_code)
        assert "/mfa/" not in answer.headers["Location"], answer.headers["Location"]
    return "; ".join(f"{k}={v}" for k, v in jar.items())


# ---------------------------------------------------------------------------
# The endpoints
# ---------------------------------------------------------------------------


@dataclass
class Endpoint:
    name: str
    kind: str  # "json", "page", "bare-json", "bare-page"
    who: str  # a key of Cast.headers ("" for anonymous)
    requests: Callable[[Cast, Counter], list[str]]  # lines METHOD<TAB>PATH[<TAB>BODY]
    server: str = "app"
    expect: int = 200
    connections: int | None = None  # None: --connections
    warmup: bool = True
    p50_target_ms: float | None = None
    key: str = ""  # for --only and the tests

    @property
    def method(self) -> str:
        return "POST" if self.name.startswith("POST") else "GET"

    @property
    def baseline(self) -> str:
        return "bare-json" if self.kind == "json" else "bare-page"


def gets(*paths: str) -> Callable[[Cast, Counter], list[str]]:
    """GET lines; ``{id}`` takes each of the centre's sample referral ids in turn."""

    def lines(cast: Cast, _state: Counter) -> list[str]:
        out = []
        for path in paths:
            if "{id}" in path:
                out += [f"GET\t{path.format(id=i)}" for i in cast.referral_ids]
            else:
                out.append(f"GET\t{path}")
        return out

    return lines


def create_and_submit(count: int) -> Callable[[Cast, Counter], list[str]]:
    """POST bodies with ``"submit": true``, each a new fictional patient."""
    from referral_app.workflow.builder import api_referral_body

    def lines(cast: Cast, state: Counter) -> list[str]:
        out = []
        for _ in range(count):
            n = cast.patient_base + 1 + state["patients"]
            state["patients"] += 1
            body = api_referral_body(cast.site_ids[n % len(cast.site_ids)], cast.region_id, n)
            out.append(f"POST\t/api/v1/referrals\t{json.dumps(body)}")
        return out

    return lines


def acknowledgements(url: str) -> Callable[[Cast, Counter], list[str]]:
    """Acknowledge every referral this run submitted (the receiving coordinator)."""

    def lines(cast: Cast, _state: Counter) -> list[str]:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT id, version FROM referrals WHERE id > :max AND state = 'submitted' "
                    "ORDER BY id"
                ),
                {"max": cast.max_referral_id},
            ).all()
        engine.dispose()
        body = '{{"event": "acknowledge", "version": {}}}'
        return [f"POST\t/api/v1/referrals/{i}/transitions\t{body.format(v)}" for i, v in rows]

    return lines


def endpoints(url: str, duration: float) -> list[Endpoint]:
    writes = int(300 * duration) + 500  # more bodies than any run consumes
    dashboard_ms, all_time_ms = 300, 1000
    return [
        Endpoint("bare: one SELECT by id (JSON)", "bare-json", "", gets("/bare/json/{id}"),
                 server="bare", key="bare"),
        Endpoint("bare: layout + 25 rows, one indexed query (page)", "bare-page", "",
                 gets("/bare/page"), server="bare", key="bare"),
        Endpoint("GET /api/v1/referrals/{id}", "json", "coordinator_token",
                 gets("/api/v1/referrals/{id}"), key="api"),
        Endpoint("GET /api/v1/referrals?box=incoming", "json", "coordinator_token",
                 gets("/api/v1/referrals?box=incoming"), key="api"),
        Endpoint("GET /api/v1/referrals?box=outgoing", "json", "coordinator_token",
                 gets("/api/v1/referrals?box=outgoing"), key="api-lists"),
        Endpoint("GET /api/v1/referrals/{id}/events", "json", "coordinator_token",
                 gets("/api/v1/referrals/{id}/events"), key="api-lists"),
        Endpoint("GET /api/v1/referrals/{id}/comments", "json", "coordinator_token",
                 gets("/api/v1/referrals/{id}/comments"), key="api-lists"),
        Endpoint("GET /api/v1/notifications", "json", "coordinator_token",
                 gets("/api/v1/notifications"), key="api-lists"),
        Endpoint("GET /api/v1/trials?q=lung", "json", "coordinator_token",
                 gets("/api/v1/trials?q=lung"), key="api-lists"),
        Endpoint("GET /home (page)", "page", "coordinator_cookie", gets("/home"), key="pages"),
        Endpoint("GET /referrals/incoming (page)", "page", "coordinator_cookie",
                 gets("/referrals/incoming"), key="pages"),
        Endpoint("GET /referrals/outgoing (page)", "page", "coordinator_cookie",
                 gets("/referrals/outgoing"), key="pages"),
        Endpoint("GET /referrals/{id} (page)", "page", "coordinator_cookie",
                 gets("/referrals/{id}"), key="pages"),
        Endpoint("GET /trials/ (page)", "page", "coordinator_cookie", gets("/trials/"),
                 key="pages"),
        Endpoint("GET /directory (public page)", "page", "", gets("/directory"), key="pages"),
        Endpoint("GET /reports/ (manager, 12 months)", "page", "manager_cookie",
                 gets("/reports/"), p50_target_ms=dashboard_ms, key="reports"),
        Endpoint("GET /reports/ (admin, network, all time)", "page", "admin_cookie",
                 gets("/reports/?view=network&date_from="), p50_target_ms=all_time_ms,
                 key="reports"),
        Endpoint("POST /api/v1/referrals submit, sequential", "json", "referrer_token",
                 create_and_submit(writes // 4), expect=201, connections=1,
                 p50_target_ms=30, key="writes"),
        Endpoint("POST /api/v1/referrals submit", "json", "referrer_token",
                 create_and_submit(writes), expect=201, key="writes"),
        Endpoint("POST /api/v1/referrals/{id}/transitions acknowledge", "json",
                 "coordinator_token", acknowledgements(url), warmup=False, key="writes"),
    ]  # fmt: skip


# ---------------------------------------------------------------------------
# Driving wrk
# ---------------------------------------------------------------------------


@dataclass
class Result:
    endpoint: Endpoint
    rps: float
    p50: float  # milliseconds
    p95: float
    p99: float
    requests: int
    errors: int
    started: float
    ended: float
    ratio: float | None = None
    verdict: str = ""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("Installing wrk (apt-get) …", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
    return shutil.which("wrk") or "wrk"


def run_wrk(
    wrk: str, base: str, lines: list[str], headers: str, seconds: float, connections: int,
    expect: int, workdir: Path, once: bool = False,
) -> dict:  # fmt: skip
    threads = min(2, connections)
    requests_file = workdir / "requests.txt"
    requests_file.write_text("\n".join(lines) + "\n")
    out = workdir / "wrk.json"
    out.unlink(missing_ok=True)
    env = {
        **os.environ,
        "BENCH_HEADERS": headers,
        "BENCH_REQUESTS": str(requests_file),
        "BENCH_THREADS": str(threads),
        "BENCH_EXPECT": str(expect),
        "BENCH_OUT": str(out),
        "BENCH_ONCE": "1" if once else "0",
    }
    command = [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
               "--timeout", "30s", "-s", str(WRK_SCRIPT), base]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}{done.stderr}")
    for line in done.stderr.splitlines():  # the first unexpected answer of each thread
        if line.startswith("unexpected"):
            print("  " + line[:300])
    return json.loads(out.read_text())


def probe(base: str, path: str, header: str, expect: int) -> None:
    """One request before the load: a wrong answer (a redirect to the login…) is said."""
    import requests

    name, _, value = header.partition(": ")
    response = requests.get(
        base + path, headers={name: value} if header else {}, allow_redirects=False, timeout=120
    )
    if response.status_code != expect:
        print(f"  {path} answered {response.status_code}: {response.text[:300]!r}")


def measure(
    wrk: str, stack: Stack, cast: Cast, endpoint: Endpoint, args, state: Counter, workdir: Path
) -> Result:
    base = stack.bare.url if endpoint.server == "bare" else stack.app.url
    headers = cast.headers.get(endpoint.who, "")
    connections = endpoint.connections or args.connections
    stack.settle()
    if endpoint.warmup and args.warmup > 0:
        run_wrk(wrk, base, endpoint.requests(cast, state), headers, args.warmup, connections,
                endpoint.expect, workdir)  # fmt: skip
        stack.settle()
    lines = endpoint.requests(cast, state)
    if not lines:
        print(f"  nothing to send for {endpoint.name}")
        return Result(endpoint, 0.0, 0.0, 0.0, 0.0, 0, 0, time.time(), time.time())
    if lines[0].startswith("GET"):
        probe(base, lines[0].split("\t")[1], headers, endpoint.expect)
    started = time.time()
    once = endpoint.method == "POST"
    data = run_wrk(
        wrk, base, lines, headers, args.duration, connections, endpoint.expect, workdir, once
    )
    ended = time.time()
    seconds = data["duration_us"] / 1e6
    if once and data["wrapped"]:  # wrk waits for --duration even when every thread is done
        seconds = data["span_us"] / 1e6
        data["socket_errors"] = 0  # the repeats in flight when a thread stopped
    errors = data["unexpected"] + data["socket_errors"]
    if once and data["wrapped"]:
        print(f"  all {len(lines)} requests answered in {seconds:.1f} s: ended early")
    return Result(
        endpoint,
        rps=data["requests"] / seconds if seconds else 0.0,
        p50=data["p50"] / 1000,
        p95=data["p95"] / 1000,
        p99=data["p99"] / 1000,
        requests=data["requests"],
        errors=errors,
        started=started,
        ended=ended,
    )


def judge(results: list[Result]) -> None:
    """Ratio to the matching baseline and the issue's targets, with the size of each miss."""
    baselines = {r.endpoint.kind: r.rps for r in results if r.endpoint.kind.startswith("bare")}
    for r in results:
        if r.endpoint.kind.startswith("bare"):
            r.verdict = "baseline"
            continue
        misses = []
        base = baselines.get(r.endpoint.baseline)
        sequential = r.endpoint.connections == 1
        if base and not sequential:
            r.ratio = r.rps / base
            if not sequential and r.ratio < JSON_TARGET_RATIO:
                need = JSON_TARGET_RATIO / r.ratio if r.ratio else float("inf")
                misses.append(f"throughput {r.ratio:.2f}× baseline < 0.5 ({need:.1f}× short)")
        if r.p99 > P99_TARGET_MS:
            misses.append(f"p99 {r.p99:,.0f} ms > {P99_TARGET_MS} ({r.p99 / P99_TARGET_MS:.2f}×)")
        target = r.endpoint.p50_target_ms
        if target and r.p50 >= target:
            misses.append(f"p50 {r.p50:,.0f} ms ≥ {target:,.0f} ({r.p50 / target:.1f}×)")
        if r.errors:
            misses.append(f"{r.errors} unexpected answers")
        if not r.requests:
            misses.append("no answer within the duration")
        r.verdict = "met" if not misses else "missed: " + "; ".join(misses)


# ---------------------------------------------------------------------------
# Notifications: outbox row → SMTP server
# ---------------------------------------------------------------------------


@dataclass
class Notifications:
    queued: int
    delivered: int
    p50: float | None
    p99: float | None
    max: float | None
    throughput: float | None
    duplicates: int
    received: int
    concurrency: int

    @property
    def verdict(self) -> str:
        misses = []
        if self.p99 is None or self.p99 >= NOTIFICATION_P99_TARGET_S:
            value = "none delivered" if self.p99 is None else f"p99 {self.p99:.2f} s"
            misses.append(f"{value} ≥ {NOTIFICATION_P99_TARGET_S:.0f} s")
        if self.delivered < self.queued:
            misses.append(f"{self.queued - self.delivered} not delivered")
        if self.duplicates:
            misses.append(f"{self.duplicates} duplicate Message-IDs")
        return "met" if not misses else "missed: " + "; ".join(misses)


def notifications(url: str, sink: TimedSink, windows, concurrency: int, wait: float):
    """The e-mails queued during ``windows`` (the concurrent writes): latency and throughput."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = []
        for start, end in windows:
            rows += conn.execute(
                sa.text(
                    "SELECT id, extract(epoch FROM created_at) FROM notifications "
                    "WHERE channel = 'email' AND created_at BETWEEN to_timestamp(:a) "
                    "AND to_timestamp(:b)"
                ),
                {"a": start, "b": end},
            ).all()
    engine.dispose()
    created = {int(i): float(t) for i, t in rows}

    def arrivals() -> dict[int, float]:
        out = {}
        for at, message_id in list(sink.arrivals):
            found = re.match(r"<notification-(\d+)-", message_id)
            if found and int(found.group(1)) in created:
                out.setdefault(int(found.group(1)), at)
        return out

    try:
        wait_for(lambda: len(arrivals()) >= len(created), timeout=wait, interval=0.5)
    except AssertionError:
        print(f"  not every e-mail arrived within {wait:.0f} s")
    arrived = arrivals()
    latencies = sorted(arrived[i] - created[i] for i in arrived)
    counts = Counter(message_id for _, message_id in sink.arrivals)
    times = sorted(arrived.values())
    throughput = None
    if len(times) > 1:
        throughput = (len(times) - 1) / (times[-1] - times[0])

    def pct(q: float) -> float | None:
        if not latencies:
            return None
        return latencies[min(len(latencies) - 1, int(round(q * (len(latencies) - 1))))]

    return Notifications(
        queued=len(created),
        delivered=len(arrived),
        p50=statistics.median(latencies) if latencies else None,
        p99=pct(0.99),
        max=latencies[-1] if latencies else None,
        throughput=throughput,
        duplicates=sum(n - 1 for n in counts.values() if n > 1),
        received=len(sink.arrivals),
        concurrency=concurrency,
    )


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor()
    found = re.search(r"model name\s*:\s*(.+)", text)
    return found.group(1).strip() if found else platform.processor()


def report(results, mail: Notifications | None, counts, args, server_version: str) -> str:
    lines = [
        "# Load benchmark",
        "",
        f"Run on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC · {os.cpu_count()} CPU "
        f"({cpu_model()}) · PostgreSQL {server_version} · Python {platform.python_version()}.",
        "",
        "Data: " + ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in counts.items()) + ".",
        "",
        f"wrk, {args.connections} connections (2 threads), {args.warmup:g} s warm-up then "
        f"{args.duration:g} s per endpoint, one endpoint at a time; gunicorn 2 sync workers "
        "(`PASSERELLE_ENV=production`) for the app and for the bare baselines (`bench.bare`), "
        f"a Celery worker (prefork, `-c {args.worker_concurrency}`) and an SMTP sink in the same "
        "run. wrk shares the machine with the servers. Each write is sent once (a new "
        "fictional patient each); the acknowledgements have no warm-up and end when every "
        "referral this run created is acknowledged. "
        "Ratio = req/s ÷ the matching bare baseline's req/s (JSON or page).",
        "",
        f"Load average (1 min) just before the run: {args.load_before:.2f}"
        + (
            ": other work shared the 2 cores, so the absolute figures are low "
            "(the ratios, measured in the same conditions, less so)."
            if args.load_before > 1.0
            else "."
        ),
        "",
        "| Endpoint | req/s | p50 (ms) | p95 (ms) | p99 (ms) | Answers | Errors | Ratio "
        "| Targets |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "—"
        lines.append(
            f"| {r.endpoint.name} | {r.rps:,.1f} | {r.p50:,.1f} | {r.p95:,.1f} | {r.p99:,.1f} "
            f"| {r.requests:,} | {r.errors} | {ratio} | {r.verdict} |"
        )
    lines += [
        "",
        "Targets (issue 12): JSON endpoints ≥ 0.5 × the bare JSON baseline and pages ≥ 0.5 × "
        f"the bare page; p99 ≤ {P99_TARGET_MS} ms everywhere; manager's dashboard p50 < 300 ms; "
        "the network's all-time view p50 < 1 s; sequential create-and-submit p50 < 30 ms. "
        "Answers: the requests answered in the measured seconds (the percentiles of a "
        "slow endpoint rest on few of them).",
    ]
    if mail is not None:

        def s(value):
            return "—" if value is None else f"{value:.2f} s"

        rate = "—" if mail.throughput is None else f"{mail.throughput:.1f} e-mails/s"
        lines += [
            "",
            "## Notifications under load",
            "",
            "E-mails queued (outbox rows) during the concurrent writes above, from the row's "
            "`created_at` (inside the request's transaction, a few ms before its commit) to its "
            "arrival at the SMTP sink:",
            "",
            f"- queued {mail.queued}, delivered {mail.delivered}; p50 {s(mail.p50)}, "
            f"p99 {s(mail.p99)}, max {s(mail.max)}",
            f"- worker (`-c {mail.concurrency}`) throughput: {rate} (first to last arrival)",
            f"- duplicate Message-IDs among all {mail.received} e-mails received: "
            f"{mail.duplicates}",
            f"- target p99 < {NOTIFICATION_P99_TARGET_S:.0f} s, no duplicate: {mail.verdict}",
        ]
    return "\n".join(lines) + "\n"


def cleanup(url: str, max_id: int) -> int:
    """Delete the referrals this run created (and what hangs on them)."""
    from referral_app.reports.aggregates import rebuild_on

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        refs = conn.execute(
            sa.text(
                "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c "
                "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
                "WHERE c.contype = 'f' AND c.confrelid = 'referrals'::regclass"
            )
        ).all()
        for table, column in refs:
            if table == "referrals":
                conn.execute(
                    sa.text(f'UPDATE referrals SET "{column}" = NULL WHERE "{column}" > :m'),
                    {"m": max_id},
                )
            else:
                conn.execute(sa.text(f'DELETE FROM {table} WHERE "{column}" > :m'), {"m": max_id})
        deleted = conn.execute(
            sa.text("DELETE FROM referrals WHERE id > :m"), {"m": max_id}
        ).rowcount
        # The rows went without the engine, so the report summaries are recomputed
        # (the next run's dashboards read what the referrals say).
        rebuild_on(conn)
    engine.dispose()
    return deleted


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=bench_url())
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--duration", type=float, default=10, help="seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=2, help="seconds before each")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--only", default="", help="comma-separated groups: bare,api,...")
    parser.add_argument("--mail-wait", type=float, default=300)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    wrk = ensure_wrk()
    args.load_before = os.getloadavg()[0]
    counts = ensure(args.url, args.referrals, regenerate=args.regenerate)
    cast = prepare(args.url)
    chosen = [e for e in endpoints(args.url, args.duration)
              if not args.only or e.key in args.only.split(",")]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        workdir = Path(tmp)
        stack = Stack(args.url, workdir, args.worker_concurrency, cast.centre_id)
        results: list[Result] = []
        mail = None
        try:
            stack.start()
            base = stack.app.url
            cast.headers = {
                "coordinator_token": f"Authorization: Bearer {cast.coordinator_token}",
                "referrer_token": f"Authorization: Bearer {cast.referrer_token}",
                "coordinator_cookie": "Cookie: " + log_in(base, cast.coordinator, PASSWORD),
            }
            if any(e.who == "manager_cookie" for e in chosen):
                cast.headers["manager_cookie"] = "Cookie: " + log_in(
                    base, cast.manager, PASSWORD, cast.mfa_secret
                )
            if any(e.who == "admin_cookie" for e in chosen):
                cast.headers["admin_cookie"] = "Cookie: " + log_in(
                    base, cast.admin, PASSWORD, cast.mfa_secret
                )
            state: Counter = Counter()
            for endpoint in chosen:
                result = measure(wrk, stack, cast, endpoint, args, state, workdir)
                results.append(result)
                print(
                    f"{endpoint.name:55} {result.rps:8.1f} req/s  p50 {result.p50:8.1f}  "
                    f"p95 {result.p95:8.1f}  p99 {result.p99:8.1f} ms  errors {result.errors}",
                    flush=True,
                )
            windows = [(r.started, r.ended) for r in results
                       if r.endpoint.expect == 201 and r.endpoint.connections is None
                       or "transitions" in r.endpoint.name]  # fmt: skip
            if windows:
                mail = notifications(
                    args.url, stack.sink, windows, args.worker_concurrency, args.mail_wait
                )
        finally:
            stack.stop()
            deleted = cleanup(args.url, cast.max_referral_id)
            print(f"deleted the {deleted} referrals this run created")
    judge(results)
    engine = sa.create_engine(args.url)
    with engine.connect() as conn:
        version = conn.scalar(sa.text("SHOW server_version"))
    engine.dispose()
    text = report(results, mail, counts, args, version)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
