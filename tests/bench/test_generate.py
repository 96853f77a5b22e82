"""The benchmark still runs, at a tiny size, and its generated data obeys the rules.

Both commands run as subprocesses, as ``make bench`` does: they build their own
app on their own database, which must not replace the test app (nor its Celery).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from referral_app.workflow import durations
from tests.services import require_postgres

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bench_database():
    admin_url = make_url(require_postgres())
    name = f"passerelle_bench_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    yield url
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def bench(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_generator_and_runner_at_a_tiny_size(bench_database, tmp_path):
    out = bench(
        "bench.generate", "--url", bench_database,
        "--centres", "6", "--trials", "30", "--referrals", "200",
    )  # fmt: skip
    assert "'referrals': 200" in out

    engine = sa.create_engine(bench_database)
    with engine.connect() as conn:

        def count(sql: str) -> int:
            return conn.scalar(sa.text(sql))

        assert count("SELECT count(*) FROM centres") == 6
        assert count("SELECT count(*) FROM referrals") == 200
        assert count("SELECT count(*) FROM referral_events") > 200  # submissions + milestones
        assert count("SELECT count(*) FROM referrals WHERE identifiers_encrypted IS NOT NULL") == 0
        assert (
            count("SELECT count(*) FROM referrals WHERE referring_centre_id = receiving_centre_id")
            == 0
        )
        # only to recruiting sites, and the site is the receiving centre's for the trial
        assert (
            count(
                "SELECT count(*) FROM referrals r JOIN trial_sites s ON s.id = r.site_id "
                "WHERE s.status <> 'recruiting' OR s.centre_id <> r.receiving_centre_id "
                "OR s.trial_id <> r.trial_id"
            )
            == 0
        )
        assert (
            count(
                "SELECT count(*) FROM referrals r JOIN users u ON u.id = r.referring_user_id "
                "WHERE u.centre_id <> r.referring_centre_id"
            )
            == 0
        )
        # the niche rule: at most one recruiting site per region for a niche trial
        assert (
            count(
                "SELECT count(*) FROM (SELECT trial_id, region_id FROM trial_sites "
                "WHERE niche AND status = 'recruiting' GROUP BY 1, 2 HAVING count(*) > 1) x"
            )
            == 0
        )
        _check_stored_durations(conn)
    engine.dispose()

    report = tmp_path / "latest.md"
    bench(
        "bench.run", "--url", bench_database, "--referrals", "200",
        "--repeat", "1", "--output", str(report),
    )  # fmt: skip
    text = report.read_text()
    assert "| whole dashboard (all of the above) | admin (network) | all time |" in text
    assert "| overdue now | manager (1 centre) | last 12 months |" in text


def _check_stored_durations(conn) -> None:
    """The generated durations are the ones the workflow would have stored."""
    from referral_app.models import Referral

    names = (
        "submitted_at", "acknowledged_at", "decided_at", "enrolled_on", "paused_business_days",
    )  # fmt: skip
    stored = ("ack_business_days", "decision_business_days", "enrollment_business_days")
    rows = conn.execute(sa.text(f"SELECT {', '.join(names + stored)} FROM referrals")).all()
    assert sum(1 for row in rows if row[-2] is not None) > 0  # some decisions to compare
    for row in rows:
        referral = Referral(**dict(zip(names, row[: len(names)], strict=True)))
        durations.record(referral)
        expected = tuple(getattr(referral, name) for name in stored)
        assert tuple(row[len(names) :]) == expected, row


COMPARED = (
    "state",
    "version",
    "queue_rank",
    "acknowledged_at",
    "decided_at",
    "closed_at",
    "outcome_reason",
    "consult_on",
    "consent_on",
    "enrolled_on",
    "paused_business_days",
    "ack_due_on",
    "ack_escalation_on",
    "decision_due_on",
    "decision_escalation_on",
    "info_due_on",
    "ack_business_days",
    "decision_business_days",
    "enrollment_business_days",
)


def test_generated_histories_are_what_the_engine_writes(bench_database, app, db, make):
    """The generator writes a million referrals in SQL, too many to drive one by one;
    so its histories are replayed here, event by event at the same moments, through
    ``apply_event``: every stored column must come out the same."""
    from referral_app.models import Referral
    from referral_app.workflow.builder import Builder

    bench(
        "bench.generate", "--url", bench_database,
        "--centres", "6", "--trials", "30", "--referrals", "300",
    )  # fmt: skip
    engine = sa.create_engine(bench_database)
    with engine.connect() as conn:
        generated = conn.execute(sa.text("SELECT * FROM referrals ORDER BY id")).mappings().all()
        events = (
            conn.execute(
                sa.text("SELECT * FROM referral_events ORDER BY referral_id, created_at, id")
            )
            .mappings()
            .all()
        )
    engine.dispose()
    history: dict[int, list] = {}
    for event in events:
        history.setdefault(event["referral_id"], []).append(event)

    site = make.site(make.trial(), make.centre())
    receiver = make.user(site.centre)
    site.intake_contacts.append(receiver)
    referrer = make.user(make.centre())
    db.session.commit()
    states = set()
    for row in generated:
        story = Builder(now=row["created_at"])
        referral = story.draft(referrer, site, {"urgency": row["urgency"]})
        for event in history[row["id"]]:
            if event["event"] == "save_draft":
                continue
            actor = referrer if event["actor_id"] == row["referring_user_id"] else receiver
            story.at(event["created_at"]).apply(
                referral, event["event"], actor, **_fields(event["event"], row)
            )
        replayed = {name: _plain(getattr(referral, name)) for name in COMPARED}
        expected = {name: _plain(row[name]) for name in COMPARED}
        assert replayed == expected, row["id"]
        states.add(row["state"])
        db.session.rollback()
    # The sample covers every outcome and the clocks' pause.
    assert {"enrolled", "screen_failed", "declined", "withdrawn", "accepted"} <= states
    assert any(row["paused_business_days"] for row in generated)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 0


def _plain(value):
    """Comparable across databases: aware UTC datetimes, enum values."""
    from referral_app.timeutil import as_utc

    if isinstance(value, dt.datetime):
        return as_utc(value)
    return getattr(value, "value", value)


def _fields(event: str, row) -> dict:
    return {
        "decline": {"reason_code": row["outcome_reason"], "note": "Full."},
        "screen_fail": {"reason_code": row["outcome_reason"], "note": "Criterion."},
        "withdraw": {"reason_code": row["outcome_reason"]},
        "schedule_consult": {"consult_on": row["consult_on"]},
        "start_screening": {"consent_on": row["consent_on"]},
        "enroll": {"enrolled_on": row["enrolled_on"], "study_subject_id": row["study_subject_id"]},
        "request_info": {"note": "Question."},
        "provide_info": {"note": "Answer."},
    }.get(event, {})
