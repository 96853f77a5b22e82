"""Fill a PostgreSQL database with a benchmark network (DESIGN §8).

Default size: 50 centres, 5,000 trials, 1,000,000 referrals with their events.
Everything is generated inside PostgreSQL with ``generate_series`` and
``INSERT … SELECT`` (no row crosses the wire), with foreign-key triggers off
during the load and the indexes built once at the end; CHECK constraints stay
on, so the rows obey the model's invariants (decided states have ``decided_at``,
enrolled ones an enrollment date…). Referrals go only to recruiting sites, never
from a centre to itself, and niche trials recruit at one site only.

    .venv/bin/python -m bench.generate --referrals 1000000
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/passerelle_bench

The database is created if missing and its tables are dropped and re-created.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from config import QUEBEC_TIME_ZONE as TZ
from config import TestingConfig
from referral_app.reports.aggregates import rebuild_on
from referral_app.workflow.queue import queue_rank_sql

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/passerelle_bench"
BULK_TABLES = ("referrals", "referral_events")
USERS_PER_CENTRE = 8  # 6 coordinators, 1 manager, 1 physician
COMMUNITIES = 12
YEARS = 5  # referrals are submitted over the last five years


def bench_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def ensure_database(url: str) -> None:
    """CREATE DATABASE if it does not exist (connecting to the ``postgres`` database)."""
    parsed = make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": parsed.database},
            )
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        admin.dispose()


def make_app(url: str):
    """The Flask app bound to the benchmark database (for its models and queries)."""
    from referral_app import create_app

    class BenchConfig(TestingConfig):
        TESTING = False
        SQLALCHEMY_DATABASE_URI = url
        CELERY_BROKER_URL = "memory://"

    return create_app(BenchConfig())


def generate(
    url: str,
    *,
    centres: int = 50,
    trials: int = 5000,
    referrals: int = 1_000_000,
    seed: float = 0.42,
    log: Callable[[str], None] = print,
) -> dict[str, int]:
    """Re-create the schema in ``url`` and fill it; returns the row counts."""
    from referral_app.extensions import db
    from referral_app.seed_data import REGIONS

    ensure_database(url)
    app = make_app(url)
    started = time.perf_counter()
    with app.app_context():
        engine = db.engine
        db.metadata.drop_all(engine)
        db.metadata.create_all(engine)
        dropped = _drop_bulk_indexes(engine)
        with engine.begin() as conn:
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            conn.execute(sa.text("SELECT setseed(:seed)"), {"seed": seed})
            steps = [
                ("network", lambda: _network(conn, REGIONS, centres, trials)),
                ("referrals", lambda: _referrals(conn, centres, referrals)),
                ("events", lambda: _events(conn)),
                ("report summaries", lambda: rebuild_on(conn)),
            ]
            for name, step in steps:
                began = time.perf_counter()
                step()
                log(f"  {name}: {time.perf_counter() - began:.1f} s")
        began = time.perf_counter()
        _create_indexes(engine, dropped)
        log(f"  indexes: {time.perf_counter() - began:.1f} s")
        began = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
        log(f"  vacuum analyze: {time.perf_counter() - began:.1f} s")
        counts = row_counts(engine)
        engine.dispose()
    log(f"generated in {time.perf_counter() - started:.1f} s: {counts}")
    return counts


def ensure(
    url: str, referrals: int, *, regenerate: bool = False, log: Callable[[str], None] = print
) -> dict[str, int]:
    """Fill ``url`` unless it already holds exactly ``referrals`` referrals; the row counts."""
    from referral_app.extensions import db

    ensure_database(url)
    app = make_app(url)
    with app.app_context():
        try:
            counts = row_counts(db.engine)
        except sa.exc.ProgrammingError:
            counts = None
        missing = missing_columns(db.engine)
        db.engine.dispose()
    if missing:
        log(f"The models changed since {url} was filled (no {', '.join(missing[:5])}).")
    if regenerate or counts is None or counts["referrals"] != referrals or missing:
        log(f"Generating {referrals:,} referrals in {url} …")
        counts = generate(url, referrals=referrals, log=log)
    return counts


def missing_columns(engine: Engine) -> list[str]:
    """``table.column`` of the models that the database lacks (its schema is older)."""
    from referral_app.extensions import db

    inspector = sa.inspect(engine)
    missing = []
    for table in db.metadata.sorted_tables:
        have = (
            {c["name"] for c in inspector.get_columns(table.name)}
            if inspector.has_table(table.name)
            else set()
        )
        missing += [f"{table.name}.{c.name}" for c in table.columns if c.name not in have]
    return missing


def row_counts(engine: Engine) -> dict[str, int]:
    names = ("centres", "trials", "trial_sites", "users", "referrals", "referral_events")
    with engine.connect() as conn:
        return {name: conn.scalar(sa.text(f"SELECT count(*) FROM {name}")) for name in names}


# ---------------------------------------------------------------------------
# Indexes: dropped before the bulk load, built once afterwards
# ---------------------------------------------------------------------------


def _drop_bulk_indexes(engine: Engine) -> list[sa.Index | sa.UniqueConstraint]:
    from referral_app.extensions import db

    dropped: list = []
    with engine.begin() as conn:
        for name in BULK_TABLES:
            table = db.metadata.tables[name]
            for index in table.indexes:
                index.drop(conn)
                dropped.append(index)
            for constraint in table.constraints:
                if isinstance(constraint, sa.UniqueConstraint):
                    conn.execute(sa.schema.DropConstraint(constraint))
                    dropped.append(constraint)
    return dropped


def _create_indexes(engine: Engine, dropped: list) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL maintenance_work_mem = '256MB'"))
        for item in dropped:
            if isinstance(item, sa.Index):
                item.create(conn)
            else:
                conn.execute(sa.schema.AddConstraint(item))


# ---------------------------------------------------------------------------
# The network: regions, centres, users, communities, trials, sites
# ---------------------------------------------------------------------------


def _network(conn, regions: list[tuple[str, str]], centres: int, trials: int) -> None:
    conn.execute(
        sa.text("INSERT INTO regions (id, code, name) VALUES (:id, :code, :name)"),
        [{"id": i, "code": code, "name": name} for i, (code, name) in enumerate(regions, 1)],
    )
    conn.execute(
        sa.text(
            """
            INSERT INTO centres (id, name, short_name, city, region_id, intake_email, is_active)
            SELECT c, 'Centre hospitalier ' || c, 'C' || c, 'Ville ' || c,
                   1 + (c - 1) % :regions, 'intake' || c || '@bench.test', true
            FROM generate_series(1, :centres) c
            """
        ),
        {"regions": len(regions), "centres": centres},
    )
    conn.execute(
        sa.text(
            """
            INSERT INTO users (id, email, name, role, centre_id, session_nonce, created_at)
            SELECT u, 'user' || u || '@bench.test', 'User ' || u,
                   CASE WHEN (u - 1) % :per = :per - 2 THEN 'manager'
                        WHEN (u - 1) % :per = :per - 1 THEN 'physician'
                        ELSE 'coordinator' END,
                   1 + (u - 1) / :per, md5(u::text), now()
            FROM generate_series(1, :centres * :per) u
            """
        ),
        {"per": USERS_PER_CENTRE, "centres": centres},
    )
    conn.execute(
        sa.text(
            """
            INSERT INTO users (id, email, name, role, centre_id, session_nonce, created_at)
            VALUES (:id, 'admin@bench.test', 'Admin', 'admin', 1, 'admin', now())
            """
        ),
        {"id": centres * USERS_PER_CENTRE + 1},
    )
    conn.execute(
        sa.text(
            """
            INSERT INTO communities (id, slug, name_fr, name_en, tumour_sites, description_fr,
                                     description_en, goals_fr, goals_en, leader_id)
            SELECT k, 'community-' || k, 'Communauté ' || k, 'Community ' || k, '', '', '', '',
                   '', k * :per  -- the physician of centre k
            FROM generate_series(1, :communities) k
            """
        ),
        {"per": USERS_PER_CENTRE, "communities": COMMUNITIES},
    )
    conn.execute(
        sa.text(
            """
            INSERT INTO trials (id, nct_number, title, acronym, sponsor, phase, community_id,
                                tumour_site, conditions, eligibility_summary, biomarkers,
                                is_niche, status, created_at, updated_at)
            SELECT t, 'NCT' || lpad(t::text, 8, '0'), 'Benchmark trial ' || t, 'BT' || t,
                   'Sponsor ' || (t % 40), 'phase2', 1 + t % :communities, 'Site', '', '', '',
                   t % 10 = 0,
                   CASE WHEN t % 20 = 0 THEN 'closed' WHEN t % 20 = 1 THEN 'upcoming'
                        ELSE 'recruiting' END,
                   now(), now()
            FROM generate_series(1, :trials) t
            """
        ),
        {"communities": COMMUNITIES, "trials": trials},
    )
    # 1 to 4 sites per trial at distinct centres; a niche trial recruits at its first
    # site only (the others are upcoming), so the niche rule holds.
    conn.execute(
        sa.text(
            """
            INSERT INTO trial_sites (trial_id, centre_id, region_id, niche, status,
                                     investigator_name)
            SELECT t.id, c.id, c.region_id, t.is_niche,
                   CASE WHEN t.is_niche AND j > 0 THEN 'upcoming'
                        WHEN (t.id + j) % 25 = 0 THEN 'closed'
                        ELSE 'recruiting' END,
                   'Dr ' || t.id
            FROM trials t
            CROSS JOIN generate_series(0, 3) j
            JOIN centres c ON c.id = 1 + (t.id * 7 + t.id / 10 + j * 13) % :centres
            WHERE j <= t.id % 4
            """
        ),
        {"centres": centres},
    )
    for table in ("regions", "centres", "users", "communities", "trials", "trial_sites"):
        conn.execute(
            sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
        )


# ---------------------------------------------------------------------------
# Referrals
# ---------------------------------------------------------------------------

# Over the last ninety days every state occurs; older referrals have an outcome.
_STATE = """
CASE WHEN r.age_days > 90 THEN
    CASE WHEN r.u_state < 0.35 THEN 'enrolled'
         WHEN r.u_state < 0.48 THEN 'screen_failed'
         WHEN r.u_state < 0.83 THEN 'declined'
         ELSE 'withdrawn' END
ELSE
    CASE WHEN r.u_state < 0.25 THEN 'enrolled'
         WHEN r.u_state < 0.35 THEN 'screen_failed'
         WHEN r.u_state < 0.60 THEN 'declined'
         WHEN r.u_state < 0.70 THEN 'withdrawn'
         WHEN r.u_state < 0.78 THEN 'accepted'
         WHEN r.u_state < 0.84 THEN 'scheduled'
         WHEN r.u_state < 0.92 THEN 'screening'
         WHEN r.u_state < 0.94 THEN 'info_requested'
         WHEN r.u_state < 0.97 THEN 'acknowledged'
         ELSE 'submitted' END
END
"""

_REASONS = {
    "declined": "(ARRAY['not_eligible','not_eligible','trial_closed_or_full','no_capacity',"
    "'better_served_elsewhere','incomplete_information','other'])[1 + floor(r.u4 * 7)::int]",
    "screen_failed": "(ARRAY['inclusion_not_met','exclusion_met','laboratory','imaging',"
    "'performance_status','patient_decision','other'])[1 + floor(r.u4 * 7)::int]",
    "withdrawn": "(ARRAY['patient_declined','patient_unreachable','patient_deceased',"
    "'chose_standard_of_care','referred_in_error','other'])[1 + floor(r.u4 * 6)::int]",
}


# The events each referral gets below, counted: ``version`` is that number.
_VERSION = """
2 + (m.acknowledged_at IS NOT NULL)::int + (q0.asked_at IS NOT NULL)::int
  + (q0.answered_at IS NOT NULL)::int + (m.decided_at IS NOT NULL)::int
  + (r.state IN ('scheduled', 'screening', 'enrolled', 'screen_failed'))::int
  + (m.screening_at IS NOT NULL)::int
  + (r.state IN ('enrolled', 'screen_failed', 'withdrawn'))::int
"""


def _clock_settings() -> dict[str, int]:
    """The clocks' thresholds, as the app is configured (``workflow.clocks``)."""
    config = TestingConfig
    return {
        "ack": config.ACK_REMINDER_BUSINESS_DAYS,
        "ack_escalation": config.ACK_ESCALATION_BUSINESS_DAYS,
        "decision": config.DECISION_TARGET_BUSINESS_DAYS,
        "decision_escalation": config.DECISION_ESCALATION_BUSINESS_DAYS,
        "info": config.INFO_REMINDER_BUSINESS_DAYS,
    }


def _calendar(conn) -> None:
    """A temporary calendar of Quebec business days for the generation's date arithmetic.

    ``ordinal`` counts the business days up to and including each day, so the business
    days after ``a`` up to ``b`` are ``ordinal(b) - ordinal(a)`` (the same count as
    ``business_days.business_days_between``), and ``a`` plus ``n`` business days is
    the business day whose ordinal is ``ordinal(a) + n``.
    """
    from referral_app.business_days import is_business_day

    first = dt.date.today().replace(month=1, day=1) - dt.timedelta(days=366 * (YEARS + 1))
    last = dt.date.today() + dt.timedelta(days=366)
    rows, ordinal, day = [], 0, first
    while day <= last:
        business = is_business_day(day)
        ordinal += int(business)
        rows.append({"day": day, "ordinal": ordinal, "business": business})
        day += dt.timedelta(days=1)
    conn.execute(
        sa.text(
            "CREATE TEMP TABLE bench_calendar (day date PRIMARY KEY, ordinal int NOT NULL, "
            "is_business_day boolean NOT NULL) ON COMMIT DROP"
        )
    )
    conn.execute(sa.text("INSERT INTO bench_calendar VALUES (:day, :ordinal, :business)"), rows)
    conn.execute(sa.text("ANALYZE bench_calendar"))


def _referrals(conn, centres: int, count: int) -> None:
    _calendar(conn)
    conn.execute(
        sa.text(
            """
            CREATE TEMP TABLE bench_sites ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY s.id) AS rn, s.id AS site_id, s.trial_id,
                   s.centre_id
            FROM trial_sites s JOIN trials t ON t.id = s.trial_id
            WHERE s.status = 'recruiting' AND t.status = 'recruiting'
            """
        )
    )
    sites = conn.scalar(sa.text("SELECT count(*) FROM bench_sites"))
    # Random draws first, then milestones derived from them: one row per referral.
    conn.execute(
        sa.text(
            f"""
            CREATE TEMP TABLE bench_draws ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY submitted_at) AS id, *
            FROM (
                SELECT 1 + floor(random() * :sites)::int AS site_rn,
                       random() AS u_ref, random() AS u_user, random() AS u_state,
                       random() AS u2, random() AS u3, random() AS u4, random() AS u_urg,
                       now() - interval '1 hour'
                           - power(random(), 0.8) * interval '{YEARS} years' AS submitted_at
                FROM generate_series(1, :count) g
            ) draws  -- ids in submission order, as the application assigns them
            """
        ),
        {"sites": sites, "count": count},
    )
    conn.execute(
        sa.text(
            """
            CREATE TEMP TABLE bench_steps ON COMMIT DROP AS
            SELECT d.*, s.site_id, s.trial_id, s.centre_id AS receiving_centre_id,
                   1 + (s.centre_id + floor(d.u_ref * (:centres - 1))::int) % :centres
                       AS referring_centre_id,
                   extract(epoch FROM now() - d.submitted_at) / 86400 AS age_days
            FROM bench_draws d JOIN bench_sites s ON s.rn = d.site_rn
            """
        ),
        {"centres": centres},
    )
    conn.execute(
        sa.text(
            "ALTER TABLE bench_steps ADD COLUMN state text; "
            f"UPDATE bench_steps r SET state = {_STATE}"
        )
    )
    reason = (
        "CASE r.state "
        + " ".join(f"WHEN '{state}' THEN {expr}" for state, expr in _REASONS.items())
        + " WHEN 'enrolled' THEN 'enrolled' END"
    )
    conn.execute(
        sa.text(
            f"""
            INSERT INTO referrals (
                id, reference, state, version, urgency, trial_id, site_id,
                referring_centre_id, receiving_centre_id, referring_user_id, patient_consent,
                patient_language, diagnosis, histology, stage, biomarkers, clinical_notes,
                created_at, updated_at, submitted_at, acknowledged_at, info_requested_at,
                state_before_info, paused_business_days, ack_due_on, ack_escalation_on,
                decision_due_on, decision_escalation_on, info_due_on,
                decided_at, consult_on, consent_on, screening_at, enrolled_on, enrolled_at,
                study_subject_id, closed_at, outcome_reason, ack_business_days,
                decision_business_days, enrollment_business_days)
            SELECT
                r.id,
                'REF-' || extract(year FROM r.submitted_at AT TIME ZONE '{TZ}')
                    || '-' || lpad(r.id::text, greatest(6, length(r.id::text)), '0'),
                r.state,
                {_VERSION},
                CASE WHEN r.u_urg < 0.75 THEN 'routine' WHEN r.u_urg < 0.93 THEN 'priority'
                     ELSE 'urgent' END,
                r.trial_id, r.site_id, r.referring_centre_id, r.receiving_centre_id,
                (r.referring_centre_id - 1) * :per + 1 + floor(r.u_user * (:per - 2))::int,
                true, 'fr', 'Carcinoma', '', 'IV', '', '',
                r.submitted_at - interval '2 hours', coalesce(m.closed_at, r.submitted_at),
                r.submitted_at, m.acknowledged_at, q.asked_at,
                CASE WHEN r.state = 'info_requested' THEN 'acknowledged' END,
                q.paused,
                ack_due.day, ack_escalation.day, decision_due.day, decision_escalation.day,
                info_due.day,
                m.decided_at,
                CASE WHEN r.state IN ('scheduled', 'screening', 'enrolled', 'screen_failed')
                     THEN ((m.decided_at + interval '3 days') AT TIME ZONE '{TZ}')::date END,
                (m.screening_at AT TIME ZONE '{TZ}')::date, m.screening_at,
                (m.enrolled_at AT TIME ZONE '{TZ}')::date, m.enrolled_at,
                CASE WHEN r.state = 'enrolled' THEN 'S-' || r.id END,
                m.closed_at,
                {reason},
                -- as workflow.durations.record: first answer, decision less pauses,
                -- enrollment date
                answered.ordinal - sub.ordinal,
                CASE WHEN m.decided_at IS NOT NULL
                     THEN greatest(0, decided.ordinal - sub.ordinal - q.paused) END,
                CASE WHEN m.enrolled_at IS NOT NULL
                     THEN greatest(0, enrolled.ordinal - sub.ordinal) END
            FROM bench_steps r
            CROSS JOIN LATERAL (
                SELECT
                    r.submitted_at + interval '1 hour' + r.u2 * interval '3 days'
                        AS acknowledged_raw
            ) a
            CROSS JOIN LATERAL (
                SELECT
                    CASE WHEN r.state = 'submitted' THEN NULL
                         WHEN r.state = 'withdrawn' AND r.u3 > 0.5 THEN NULL
                         ELSE a.acknowledged_raw END AS acknowledged_at,
                    CASE WHEN r.state IN ('accepted', 'scheduled', 'screening', 'enrolled',
                                          'screen_failed', 'declined')
                              OR (r.state = 'withdrawn' AND r.u3 < 0.3)
                         THEN a.acknowledged_raw + interval '4 hours' + r.u3 * interval '6 days'
                    END AS decided_at
            ) b
            CROSS JOIN LATERAL (
                SELECT b.acknowledged_at, b.decided_at,
                       CASE WHEN r.state IN ('screening', 'enrolled', 'screen_failed')
                            THEN b.decided_at + interval '5 days' + r.u4 * interval '10 days'
                       END AS screening_at,
                       CASE WHEN r.state = 'enrolled'
                            THEN b.decided_at + interval '8 days' + r.u4 * interval '10 days'
                                 + r.u2 * interval '20 days'
                       END AS enrolled_at,
                       CASE WHEN r.state = 'enrolled'
                                THEN b.decided_at + interval '8 days' + r.u4 * interval '10 days'
                                     + r.u2 * interval '20 days'
                            WHEN r.state = 'screen_failed'
                                THEN b.decided_at + interval '15 days' + r.u4 * interval '10 days'
                            WHEN r.state = 'declined' THEN b.decided_at
                            WHEN r.state = 'withdrawn'
                                THEN a.acknowledged_raw + interval '2 days'
                       END AS closed_at
            ) m
            -- A question: still waiting (info_requested), or asked an hour after the
            -- acknowledgement and answered an hour before the decision (15% of those
            -- decided); the business days between pause the site's clocks.
            CROSS JOIN LATERAL (
                SELECT CASE WHEN r.state = 'info_requested'
                            THEN a.acknowledged_raw + interval '1 day'
                            WHEN m.decided_at IS NOT NULL AND r.u4 < 0.15
                            THEN a.acknowledged_raw + interval '1 hour' END AS asked_at,
                       CASE WHEN m.decided_at IS NOT NULL AND r.u4 < 0.15
                            THEN m.decided_at - interval '1 hour' END AS answered_at
            ) q0
            LEFT JOIN bench_calendar asked
              ON asked.day = (q0.asked_at AT TIME ZONE '{TZ}')::date
            LEFT JOIN bench_calendar answer
              ON answer.day = (q0.answered_at AT TIME ZONE '{TZ}')::date
            CROSS JOIN LATERAL (
                SELECT q0.asked_at, coalesce(answer.ordinal - asked.ordinal, 0) AS paused
            ) q
            JOIN bench_calendar sub
              ON sub.day = (r.submitted_at AT TIME ZONE '{TZ}')::date
            JOIN bench_calendar ack_due
              ON ack_due.ordinal = sub.ordinal + :ack + q.paused AND ack_due.is_business_day
            JOIN bench_calendar ack_escalation
              ON ack_escalation.ordinal = sub.ordinal + :ack_escalation + q.paused
             AND ack_escalation.is_business_day
            JOIN bench_calendar decision_due
              ON decision_due.ordinal = sub.ordinal + :decision + q.paused
             AND decision_due.is_business_day
            JOIN bench_calendar decision_escalation
              ON decision_escalation.ordinal = sub.ordinal + :decision + :decision_escalation
                                               + q.paused
             AND decision_escalation.is_business_day
            LEFT JOIN bench_calendar info_due
              ON info_due.ordinal = asked.ordinal + :info AND info_due.is_business_day
            LEFT JOIN bench_calendar answered
              ON answered.day = (coalesce(m.acknowledged_at, m.decided_at)
                                 AT TIME ZONE '{TZ}')::date
            LEFT JOIN bench_calendar decided
              ON decided.day = (m.decided_at AT TIME ZONE '{TZ}')::date
            LEFT JOIN bench_calendar enrolled
              ON enrolled.day = (m.enrolled_at AT TIME ZONE '{TZ}')::date
            ORDER BY r.id
            """
        ),
        {"per": USERS_PER_CENTRE, **_clock_settings()},
    )
    # The inbox order, by the engine's own rule rendered as SQL (workflow.queue).
    referrals = sa.table(
        "referrals", sa.column("state"), sa.column("urgency"), sa.column("queue_rank")
    )
    conn.execute(
        referrals.update().values(queue_rank=queue_rank_sql(referrals.c.state, referrals.c.urgency))
    )
    conn.execute(
        sa.text("SELECT setval(pg_get_serial_sequence('referrals', 'id'), :n)"), {"n": count}
    )


# ---------------------------------------------------------------------------
# Events: one per milestone, from the referral's own timestamps
# ---------------------------------------------------------------------------


def _events(conn) -> None:
    receiver = f"(r.receiving_centre_id - 1) * {USERS_PER_CENTRE} + 1"
    referrer = "r.referring_user_id"
    rows = [
        ("'submit'", "'draft'", "'submitted'", referrer, "r.submitted_at", "NULL", "true"),
        ("'save_draft'", "NULL", "'draft'", referrer, "r.created_at", "NULL", "true"),
        (
            "'acknowledge'",
            "'submitted'",
            "'acknowledged'",
            receiver,
            "r.acknowledged_at",
            "NULL",
            "r.acknowledged_at IS NOT NULL",
        ),
        (
            "'request_info'",
            "'acknowledged'",
            "'info_requested'",
            receiver,
            "r.info_requested_at",
            "NULL",
            "r.info_requested_at IS NOT NULL",
        ),
        (
            "'provide_info'",
            "'info_requested'",
            "'acknowledged'",
            referrer,
            "r.decided_at - interval '1 hour'",
            "NULL",
            "r.info_requested_at IS NOT NULL AND r.decided_at IS NOT NULL",
        ),
        (
            "'accept'",
            "CASE WHEN r.acknowledged_at IS NULL THEN 'submitted' ELSE 'acknowledged' END",
            "'accepted'",
            receiver,
            "r.decided_at",
            "NULL",
            "r.decided_at IS NOT NULL AND r.state <> 'declined'",
        ),
        (
            "'decline'",
            "CASE WHEN r.acknowledged_at IS NULL THEN 'submitted' ELSE 'acknowledged' END",
            "'declined'",
            receiver,
            "r.decided_at",
            "r.outcome_reason",
            "r.state = 'declined'",
        ),
        (
            "'schedule_consult'",
            "'accepted'",
            "'scheduled'",
            receiver,
            "r.decided_at + interval '1 day'",
            "NULL",
            "r.consult_on IS NOT NULL",
        ),
        (
            "'start_screening'",
            "CASE WHEN r.consult_on IS NULL THEN 'accepted' ELSE 'scheduled' END",
            "'screening'",
            receiver,
            "r.screening_at",
            "NULL",
            "r.screening_at IS NOT NULL",
        ),
        (
            "'enroll'",
            "'screening'",
            "'enrolled'",
            receiver,
            "r.enrolled_at",
            "NULL",
            "r.state = 'enrolled'",
        ),
        (
            "'screen_fail'",
            "'screening'",
            "'screen_failed'",
            receiver,
            "r.closed_at",
            "r.outcome_reason",
            "r.state = 'screen_failed'",
        ),
        (
            "'withdraw'",
            "CASE WHEN r.decided_at IS NOT NULL THEN 'accepted' "
            "WHEN r.acknowledged_at IS NOT NULL THEN 'acknowledged' ELSE 'submitted' END",
            "'withdrawn'",
            referrer,
            "r.closed_at",
            "r.outcome_reason",
            "r.state = 'withdrawn'",
        ),
    ]
    selects = [
        f"SELECT r.id, {event}, {from_}, {to}, {actor}, {at}, {reason}, '', CAST('{{}}' AS json) "
        f"FROM referrals r WHERE {where}"
        for event, from_, to, actor, at, reason, where in rows
    ]
    conn.execute(
        sa.text(
            "INSERT INTO referral_events (referral_id, event, from_state, to_state, actor_id, "
            "created_at, reason_code, note, data) " + " UNION ALL ".join(selects)
        )
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=bench_url())
    parser.add_argument("--centres", type=int, default=50)
    parser.add_argument("--trials", type=int, default=5000)
    parser.add_argument("--referrals", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    generate(args.url, centres=args.centres, trials=args.trials, referrals=args.referrals)


if __name__ == "__main__":
    main()
