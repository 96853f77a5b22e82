"""Shared fixtures: the app on a real database, clients, factories, login.

``TEST_DB=sqlite`` (default) runs on a temporary SQLite file; ``TEST_DB=postgresql``
creates a throw-away PostgreSQL database for this test process. Each test starts
from empty tables.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import itertools
import os
import uuid

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from config import TestingConfig
from referral_app import create_app
from referral_app.extensions import db as _db
from referral_app.models import (
    Centre,
    Community,
    Membership,
    Region,
    Role,
    SiteStatus,
    Trial,
    TrialSite,
    TrialStatus,
    User,
)
from referral_app.security import hash_password
from tests.services import require_postgres

TEST_DB = os.environ.get("TEST_DB", "sqlite")
PASSWORD = "correct-horse-battery"
_PASSWORD_HASH = hash_password(PASSWORD)


def _create_postgres_database() -> tuple[str, callable]:
    admin_url = make_url(require_postgres())
    name = f"passerelle_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if TEST_DB == "postgresql":
        url, drop = _create_postgres_database()
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app_config(database_url, tmp_path_factory):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        EXPORT_DIR = tmp_path_factory.mktemp("exports")
        MAILBOX_DIR = tmp_path_factory.mktemp("mailbox")

    return Config()


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    Without this, requests reuse the test's app context, sharing ``g`` (cached
    user, locale) and the database session between requests.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def _app(app_config):
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _empty_all_tables() -> None:
    _db.session.rollback()
    with _db.engine.begin() as conn:
        tables = list(reversed(_db.metadata.sorted_tables))
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def app(_app):
    with _app.app_context():
        yield _app
        _empty_all_tables()
        _db.session.remove()
    from referral_app.extensions import limiter

    limiter.reset()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_seq = itertools.count(1)


class Factory:
    """Builds valid rows with sensible defaults; every call flushes."""

    def __init__(self, session):
        self.session = session

    def _add(self, obj):
        self.session.add(obj)
        self.session.flush()
        return obj

    def region(self, **kw) -> Region:
        n = next(_seq)
        return self._add(
            Region(code=kw.pop("code", f"R{n}"), name=kw.pop("name", f"Region {n}"), **kw)
        )

    def centre(self, region: Region | None = None, **kw) -> Centre:
        n = next(_seq)
        region = region or self.region()
        kw.setdefault("name", f"Centre {n}")
        kw.setdefault("short_name", f"C{n}")
        kw.setdefault("city", "Montréal")
        kw.setdefault("intake_email", f"intake{n}@example.test")
        return self._add(Centre(region=region, **kw))

    def user(self, centre: Centre | None = None, role: Role | str = Role.COORDINATOR, **kw) -> User:
        n = next(_seq)
        centre = centre or self.centre()
        kw.setdefault("email", f"user{n}@example.test")
        kw.setdefault("name", f"User {n}")
        kw.setdefault("password_hash", _PASSWORD_HASH)
        return self._add(User(centre=centre, role=Role(role), **kw))

    def community(self, **kw) -> Community:
        n = next(_seq)
        kw.setdefault("slug", f"community-{n}")
        kw.setdefault("name_fr", f"Communauté {n}")
        kw.setdefault("name_en", f"Community {n}")
        kw.setdefault("launched_on", dt.date(2020, 1, 1))
        return self._add(Community(**kw))

    def member(self, user: User, community: Community) -> Membership:
        return self._add(Membership(user=user, community=community))

    def trial(self, community: Community | None = None, **kw) -> Trial:
        n = next(_seq)
        kw.setdefault("nct_number", f"NCT{n:08d}")
        kw.setdefault("title", f"A phase II trial number {n}")
        kw.setdefault("acronym", f"TRIAL{n}")
        kw.setdefault("status", TrialStatus.RECRUITING)
        kw.setdefault("tumour_site", "Lung")
        return self._add(Trial(community=community, **kw))

    def site(self, trial: Trial, centre: Centre, status=SiteStatus.RECRUITING, **kw) -> TrialSite:
        return self._add(
            TrialSite(
                trial=trial,
                centre=centre,
                region_id=centre.region_id,
                niche=trial.is_niche,
                status=status,
                **kw,
            )
        )


@pytest.fixture
def make(db):
    return Factory(db.session)


@pytest.fixture
def login(client):
    """``login(user)`` logs the test client in through the real login form."""

    def _login(user: User, password: str = PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.data[:500]
        return response

    return _login
