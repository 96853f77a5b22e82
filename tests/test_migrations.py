"""Models and migrations agree, and there is one head (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from referral_app import create_app
from referral_app.extensions import db
from referral_app.models import fulltext
from tests.conftest import TEST_DB


def _migrated_app(database_url, app_config):
    class Config(type(app_config)):
        SQLALCHEMY_DATABASE_URI = database_url

    return create_app(Config())


def test_single_head(app):
    config = app.extensions["migrate"].migrate.get_config()
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_migrations_match_models(database_url, app_config, tmp_path):
    """Upgrade a fresh database and let autogenerate look for differences."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'migrated.db'}"
    else:
        url = _fresh_postgres_database(database_url)
    app = _migrated_app(url, app_config)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "render_as_batch": True,
                    # Made by ``models.fulltext.install``, not by the models.
                    "include_name": lambda name, *_: not fulltext.is_fulltext_object(name),
                },
            )
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == [], diff


def _fresh_postgres_database(database_url: str, suffix: str = "_mig") -> str:
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    name = url.database + suffix
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.mark.skipif(TEST_DB != "postgresql", reason="PostgreSQL feature")
def test_month_statistics_exist_on_postgresql(app, db):
    """The trend query's grouping expression has extended statistics."""
    names = db.session.scalars(sa.text("SELECT stxname FROM pg_statistic_ext")).all()
    assert "st_referrals_submitted_month" in names


CLOCK_COLUMNS = (
    "id",
    "version",
    "ack_due_on",
    "ack_escalation_on",
    "decision_due_on",
    "decision_escalation_on",
    "info_due_on",
)


def test_the_clock_migration_fills_what_the_workflow_writes(database_url, app_config, tmp_path):
    """Referrals made by the workflow, their new columns dropped (downgrade to 0002)
    and filled again by migration 0003: the same dates and versions come back."""
    from flask_migrate import downgrade

    from referral_app.reports.demo import seed_demo_referrals
    from referral_app.seeding import seed_demo

    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'backfill.db'}"
    else:
        url = _fresh_postgres_database(database_url, "_fill")
    app = _migrated_app(url, app_config)
    query = sa.text(f"SELECT {', '.join(CLOCK_COLUMNS)} FROM referrals ORDER BY id")
    with app.app_context():
        upgrade()
        seed_demo()
        seed_demo_referrals(120)
        db.session.commit()
        written = db.session.execute(query).all()
        db.session.remove()
        downgrade(revision="0002")
        upgrade()
        filled = db.session.execute(query).all()
        db.session.remove()
        db.engine.dispose()
    assert any(row[6] for row in written)  # some questions were asked
    assert filled == written


def test_the_inbox_order_migration_fills_what_the_engine_writes(database_url, app_config, tmp_path):
    """Referrals in every state, made by the workflow; ``queue_rank`` dropped
    (downgrade to 0005) and backfilled by 0006: the engine's ranks come back."""
    from flask_migrate import downgrade

    from referral_app.reports.demo import seed_demo_referrals
    from referral_app.seeding import seed_demo

    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'queue.db'}"
    else:
        url = _fresh_postgres_database(database_url, "_queue")
    app = _migrated_app(url, app_config)
    query = sa.text("SELECT id, state, urgency, queue_rank FROM referrals ORDER BY id")
    with app.app_context():
        upgrade()
        seed_demo()
        seed_demo_referrals(80)
        db.session.commit()
        written = db.session.execute(query).all()
        db.session.remove()
        downgrade(revision="0005")
        upgrade()
        filled = db.session.execute(query).all()
        db.session.remove()
        db.engine.dispose()
    assert len({row.queue_rank for row in written}) >= 4  # open and closed, several urgencies
    assert filled == written


def test_the_catalogue_search_works_on_a_migrated_database(database_url, app_config, tmp_path):
    """Migration 0008 makes what ``create_all`` makes: a trial added later is found."""
    from referral_app.models import Trial
    from referral_app.trials.search import TrialFilters, trial_query

    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'search.db'}"
    else:
        url = _fresh_postgres_database(database_url, "_search")
    app = _migrated_app(url, app_config)
    with app.app_context():
        upgrade()
        db.session.add(Trial(nct_number="NCT01234567", title="Mesothelioma basket study"))
        db.session.commit()
        found = db.session.scalars(trial_query(TrialFilters(q="mesothel"))).all()
        db.session.remove()
        db.engine.dispose()
    assert [t.nct_number for t in found] == ["NCT01234567"]


def test_a_downgrade_and_upgrade_keep_every_row(database_url, app_config, tmp_path):
    """Batch mode recreates ``referrals`` (0011); on SQLite, with foreign keys on, that
    DROP TABLE used to cascade to every event, document and outbox row of the demo.
    Down to 0010 and back up: the same rows in the tables both revisions have."""
    from flask_migrate import downgrade

    from referral_app.reports.demo import seed_demo_referrals
    from referral_app.seeding import seed_demo

    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    else:
        url = _fresh_postgres_database(database_url, "_trip")
    app = _migrated_app(url, app_config)
    tables = ("referrals", "referral_events", "documents", "notifications", "trial_sites")

    def counts() -> dict[str, int]:
        return {
            t: db.session.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in tables
        }

    with app.app_context():
        upgrade()
        seed_demo()
        seed_demo_referrals(40)
        db.session.commit()
        before = counts()
        db.session.remove()
        downgrade(revision="0010")
        upgrade()
        after = counts()
        db.session.remove()
        db.engine.dispose()
    assert before["referral_events"] > before["referrals"] > 0 and before["documents"] > 0
    assert after == before
