"""Each shared service pulled out from under a production-mode instance (issue 10).

gunicorn (production settings) and a real Celery worker run on the tests'
PostgreSQL database, a Redis server of the tests' own and a real SMTP server. Each
scenario prints its counts.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
import uuid

import requests
import sqlalchemy as sa

from referral_app.api import tokens
from referral_app.models import AuditLog, Notification, NotificationChannel, Referral, Role
from referral_app.workflow.builder import api_referral_body
from tests.faults.conftest import elapsed_since
from tests.workers.support import wait_for

_patients = itertools.count(500_000)


class Cast:
    def __init__(self, make, db):
        self.referrer = make.user(make.centre(), Role.COORDINATOR)
        self.site = make.site(make.trial(), make.centre())
        self.intake = make.user(self.site.centre, Role.COORDINATOR)
        self.site.intake_contacts.append(self.intake)
        _row, self.token = tokens.create_token(self.referrer, "faults")
        db.session.commit()
        self.site_id, self.region_id = self.site.id, self.referrer.centre.region_id
        self.intake_email = self.intake.email


def _new_referral(cast: Cast) -> dict:
    return api_referral_body(cast.site_id, cast.region_id, next(_patients))


def _call(web, cast, method, path, body=None, key=None, replayed=None) -> int:
    headers = {"Authorization": f"Bearer {cast.token}"}
    if key:
        headers["Idempotency-Key"] = key
    response = requests.request(method, web.url + path, json=body, headers=headers, timeout=30)
    if replayed is not None and response.headers.get("Idempotent-Replayed"):
        replayed.append(key)
    return response.status_code


def _login_attempts(web, email: str, password: str) -> list[int]:
    """GET and POST the login form (production cookies are Secure: sent by hand)."""
    page = requests.get(web.url + "/login", timeout=30)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    cookie = page.headers.get("Set-Cookie", "").split(";")[0]
    answer = requests.post(
        web.url + "/login",
        data={"email": email, "password": password, "csrf_token": token.group(1) if token else ""},
        headers={"Cookie": cookie},
        allow_redirects=False,
        timeout=30,
    )
    return [page.status_code, answer.status_code]


def _delivered_once(smtp_sink, address: str, expected: int) -> bool:
    ids = [m["Message-ID"] for m in smtp_sink.to(address)]
    return len(ids) == expected and len(set(ids)) == expected


def test_redis_down_keeps_the_app_up_and_the_outbox_delivers_after(
    postgres_only, app, db, make, smtp_sink, redis_server, stack
):
    """Regression: with Redis stopped, every API call and the login answered 500."""
    web, worker = stack
    cast = Cast(make, db)
    statuses: list[int] = []
    for _ in range(3):
        statuses.append(_call(web, cast, "POST", "/api/v1/referrals", _new_referral(cast)))
    wait_for(lambda: _delivered_once(smtp_sink, cast.intake_email, 3), timeout=30)

    redis_server.stop()
    down = time.monotonic()
    for _ in range(8):
        statuses.append(_call(web, cast, "POST", "/api/v1/referrals", _new_referral(cast)))
    for _ in range(5):
        statuses.append(_call(web, cast, "GET", "/api/v1/referrals?box=outgoing"))
    statuses += _login_attempts(web, cast.referrer.email, "not-the-password")
    statuses += _login_attempts(web, cast.referrer.email, "correct-horse-battery")
    statuses.append(requests.get(web.url + "/network/communities", timeout=30).status_code)
    writes_down = 8
    print(f"redis outage: {len(statuses)} requests, down for {elapsed_since(down)}")

    assert [s for s in statuses if s >= 500] == []
    assert statuses.count(201) == 3 + writes_down
    assert 302 in statuses[-3:-1]  # the right password logged in, Redis or not
    assert smtp_sink.to(cast.intake_email) and len(smtp_sink.to(cast.intake_email)) == 3

    redis_server.start()
    back = time.monotonic()

    def delivered():
        worker.send("passerelle.sweep_outbox")
        return _delivered_once(smtp_sink, cast.intake_email, 3 + writes_down)

    wait_for(delivered, timeout=90, interval=1.0, message="the e-mails held during the outage")
    print(
        f"redis outage: {statuses.count(201)} writes answered 201, 0 × 5xx, "
        f"{3 + writes_down} e-mails delivered once, the last {elapsed_since(back)} after Redis"
    )
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Referral.id))) == 3 + writes_down


def test_database_backends_terminated_during_writes(
    postgres_only, app, db, make, smtp_sink, redis_server, stack
):
    """Regression: a create that had committed answered 500, so a retrying client
    filed it twice. Now a lost database is a 503, and a retry with the same
    Idempotency-Key gets the first answer."""
    web, _worker = stack
    cast = Cast(make, db)
    clients, per_client = 4, 8
    answers: dict[str, int] = {}
    failures: list[int] = []
    replayed: list[str] = []
    stop = threading.Event()
    killed = []
    url = db.engine.url.render_as_string(hide_password=False)

    # The killer strikes every 0.1 s for a while, then stops: a write slower than its
    # rhythm could otherwise never land, and the test would measure the machine's
    # speed instead of the rule (every write lands exactly once, blips or not).
    killing_until = time.monotonic() + 8

    def kill_backends() -> None:
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            while not stop.wait(0.1) and time.monotonic() < killing_until:
                killed.extend(
                    conn.scalars(
                        sa.text(
                            # This test's database only: another test's server may
                            # run at the same time on the other xdist worker.
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE application_name = 'passerelle-web' "
                            "AND datname = current_database()"
                        )
                    )
                )
        engine.dispose()

    def client() -> None:
        for _ in range(per_client):
            key, body = str(uuid.uuid4()), _new_referral(cast)
            # Backends die every 0.1 s: a write may need many tries; each must land once.
            for _attempt in range(200):
                try:
                    status = _call(
                        web, cast, "POST", "/api/v1/referrals", body, key=key, replayed=replayed
                    )
                except requests.RequestException:
                    status = 599
                if status < 500:
                    answers[key] = status
                    break
                failures.append(status)
                time.sleep(0.2)

    killer = threading.Thread(target=kill_backends)
    killer.start()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(240)
    stop.set()
    killer.join(10)

    db.session.expire_all()
    referrals = db.session.scalars(sa.select(Referral)).all()
    views = db.session.scalar(
        sa.select(sa.func.count(AuditLog.id)).where(AuditLog.action == "view_identifiers")
    )
    outbox = db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.kind == "referral_submit",
            Notification.channel == NotificationChannel.EMAIL,
        )
    )
    print(
        f"database blips: {sum(killed)} backends terminated, {len(failures)} answers to retry "
        f"({sorted(set(failures))}), {len(answers)} writes answered ({len(replayed)} replayed), "
        f"{len(referrals)} referrals, "
        f"{views} identifier displays audited, {outbox} e-mails in the outbox"
    )
    assert sum(killed) > 0 and failures  # the blips happened, and writes met them
    assert len(answers) == clients * per_client and set(answers.values()) == {201}
    assert len(referrals) == clients * per_client  # no write lost, none twice
    assert len({r.patient_key for r in referrals}) == len(referrals)
    assert 500 not in failures  # 503 (retry) or a dropped connection, never a 500
    assert views >= len(answers)  # every answer showing identifiers left its audit row
    assert outbox == len(referrals)  # every submission told the site


def test_smtp_down_longer_than_the_retry_window(
    postgres_only, app, db, make, smtp_sink, redis_server, stack
):
    """Regression: retries stopped after Celery's default of three and waited for the
    sweeper; with the backoff capped (2 s here, a minute by default) every e-mail goes
    out once, soon after the SMTP server is back."""
    web, _worker = stack
    cast = Cast(make, db)
    smtp_sink.stop()
    count = 10
    try:
        for _ in range(count):
            status = _call(web, cast, "POST", "/api/v1/referrals", _new_referral(cast))
            assert status == 201, web.log()
        time.sleep(12)  # several capped retry windows
        attempts = db.session.scalar(
            sa.select(sa.func.min(Notification.attempts)).where(
                Notification.channel == NotificationChannel.EMAIL
            )
        )
    finally:
        smtp_sink.restart()  # the sink is shared by the session's other tests
    back = time.monotonic()
    wait_for(lambda: _delivered_once(smtp_sink, cast.intake_email, count), timeout=60)
    resumed = time.monotonic() - back
    time.sleep(2)  # nothing more comes
    print(
        f"smtp outage: {count} e-mails, at least {attempts} failed attempts each, all "
        f"delivered once {resumed:.1f} s after the server's return"
    )
    assert attempts >= 4
    assert _delivered_once(smtp_sink, cast.intake_email, count)
    assert resumed < 60
