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
                conn, opts={"compare_type": True, "render_as_batch": True}
            )
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == [], diff


def _fresh_postgres_database(database_url: str) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    name = url.database + "_mig"
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
