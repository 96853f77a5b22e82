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
from sqlalchemy import event
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
        DOCUMENT_STORAGE_DIR = tmp_path_factory.mktemp("documents")

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
    """Every table emptied and, on PostgreSQL, every sequence back to 1.

    DELETE rather than TRUNCATE: a test leaves a few rows, and TRUNCATE gives each
    table new files (50 ms a test here, against 5 ms).
    """
    _db.session.rollback()
    with _db.engine.begin() as conn:
        for table in reversed(_db.metadata.sorted_tables):
            conn.execute(table.delete())
        if conn.dialect.name == "postgresql":
            sequences = conn.scalars(
                sa.text(
                    "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename)"
                    " FROM pg_sequences"
                )
            ).all()
            if sequences:
                resets = ", ".join(f"setval('{name}', 1, false)" for name in sequences)
                conn.execute(sa.text(f"SELECT {resets}"))


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
            Region(code=kw.pop("code", f"R{n % 1000}"), name=kw.pop("name", f"Region {n}"), **kw)
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

    def referral(
        self,
        state="submitted",
        *,
        trial: Trial | None = None,
        site: TrialSite | None = None,
        referring_user: User | None = None,
        receiver: User | None = None,
        submitted_at: dt.datetime | None = None,
        step: dt.timedelta = dt.timedelta(days=1),
        identifiers=True,
        path=None,
        fields=None,
        **data,
    ):
        """A referral in ``state``, driven there through the workflow engine.

        The usual path (submit, acknowledge, accept…; ``workflow.builder.path_to``)
        one ``step`` apart from ``submitted_at`` (default: ten days ago), or the
        given ``path``. ``data`` is draft data (``urgency="urgent"``…).
        ``identifiers``: True for a fresh fictional patient, a
        ``PatientIdentifiers`` for a given one, False for none (drafts only).
        """
        from referral_app.timeutil import utcnow
        from referral_app.workflow.builder import Builder

        if site is None:
            trial = trial or self.trial()
            site = self.site(trial, self.centre())
        referring_user = referring_user or self.user(self.centre(), Role.COORDINATOR)
        if receiver is None and not site.intake_contacts:
            receiver = self._receiver(site)
        story = Builder()
        referral = story.referral(
            state,
            site=site,
            referrer=referring_user,
            receiver=receiver,
            submitted_at=submitted_at or utcnow() - dt.timedelta(days=10),
            step=step,
            path=path,
            data=data,
            identifiers=identifiers,
            fields=fields,
        )
        self.session.flush()
        return referral

    def document(self, referral, user: User, content: bytes | None = None, **kw):
        """A document attached by ``user`` (a PDF with a line of text by default)."""
        import io

        from referral_app.documents import service
        from referral_app.documents.uploads import Upload
        from tests.documents.samples import pdf_with_text

        upload = Upload(
            io.BytesIO(content if content is not None else pdf_with_text("Pathology")),
            kw.pop("filename", "pathology.pdf"),
            kw.pop("category", "pathology"),
            kw.pop("title", None),
        )
        (document,) = service.attach(referral, user, [upload], **kw)
        self.session.flush()
        return document

    def _receiver(self, site: TrialSite) -> User:
        """A coordinator of the site's centre, made when there is none."""
        from sqlalchemy import select

        found = self.session.scalar(
            select(User)
            .where(User.centre_id == site.centre_id, User.role == Role.COORDINATOR)
            .order_by(User.id)
            .limit(1)
        )
        return found or self.user(site.centre, Role.COORDINATOR)


@pytest.fixture
def count_queries(db):
    """``with count_queries() as counter: ...``; ``counter.count`` statements ran.

    Query discipline (``tests/referrals/test_query_discipline.py``) and the list tests use it:
    a list whose count grows with its rows loads something per row.
    """
    from contextlib import contextmanager

    class Counter:
        count = 0

    @contextmanager
    def _count():
        counter = Counter()

        def before(*_args, **_kwargs):
            counter.count += 1

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return _count


@pytest.fixture
def make(db):
    return Factory(db.session)


def emailed_password_path(notification) -> str:
    """The password link of an outbox e-mail (``/password/reset#token=…``), as received.

    The row itself never holds the link (a credential); it is made at rendering.
    """
    import re

    from referral_app.notifications.render import render_email

    assert "reset_url" not in notification.context
    assert "token=" not in str(notification.context)
    _subject, text, _html = render_email(notification)
    match = re.search(r"https?://[^/\s]+(/password/reset#token=\S+)", text)
    assert match, text
    return match.group(1)


def link_token(path: str) -> str:
    """The token in a password link's fragment (what the page's script posts)."""
    return path.split("#token=", 1)[1]


def totp_code(user: User) -> str:
    """A real, current TOTP code of an enrolled user, one not used yet.

    A code is accepted once (``mfa_last_step``): this takes the current step or
    the next (both accepted). When a test logs the same user in a third time within
    one 30-second step, the recorded step is moved back instead of waiting.
    """
    import time

    import pyotp

    from referral_app.auth import mfa

    _db.session.expire_all()
    user = _db.session.get(User, user.id)
    totp = pyotp.TOTP(mfa.secret_of(user))
    step = int(time.time()) // mfa.STEP_SECONDS
    for candidate in (step, step + 1):
        if user.mfa_last_step is None or candidate > user.mfa_last_step:
            return totp.at(candidate * mfa.STEP_SECONDS)
    user.mfa_last_step = step - 1
    _db.session.commit()
    return totp.at(step * mfa.STEP_SECONDS)


def enrol_mfa(user: User) -> list[str]:
    """Turn the user's second factor on (a fresh secret); the recovery codes."""
    import pyotp

    from referral_app.auth import mfa

    user = _db.session.get(User, user.id)
    codes = mfa.enable_with_secret(user, pyotp.random_base32())
    _db.session.commit()
    return codes


def log_in(client, user: User, password: str = PASSWORD, **kwargs):
    """The login form, then, if the user has (or must have) a second factor, its code.

    Managers and administrators are enrolled first when they are not yet, then
    pass the code step with a real TOTP code like a person would.
    """
    fresh = _db.session.get(User, user.id)
    if fresh is not None and fresh.mfa_required and not fresh.mfa_enabled:
        enrol_mfa(fresh)
    response = client.post("/login", data={"email": user.email, "password": password}, **kwargs)
    location = response.headers.get("Location", "")
    if response.status_code == 302 and "/mfa/verify" in location:
        response = client.post(location, data={"code": totp_code(user)})
    return response


@pytest.fixture
def login(client):
    """``login(user)`` logs the test client in through the real login form (and code step)."""

    def _login(user: User, password: str = PASSWORD):
        response = log_in(client, user, password)
        assert response.status_code == 302, response.data[:500]
        return response

    return _login


# --- Real SMTP server and Celery worker (delivery tests; reusable by others) ---------


@pytest.fixture(scope="session")
def smtp_sink():
    """A real SMTP server (aiosmtpd) on a free port; ``smtp_sink.messages`` is what it took."""
    from tests.services import free_port
    from tests.workers.support import SmtpSink

    sink = SmtpSink(free_port()).start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def celery_worker_process(_app, database_url, smtp_sink, tmp_path_factory):
    """A real ``celery worker`` process (prefork, one child) on Redis DB 15, own queue.

    It uses the tests' database, mails ``smtp_sink`` and retries fast. Tests use it
    through the ``worker`` fixture, which points the app's publishing at it.
    """
    from tests.services import require_redis
    from tests.workers.support import WorkerProcess

    broker_url = require_redis()
    env = {
        "PATIENT_DATA_KEYS": ",".join(_app.config["PATIENT_DATA_KEYS"]),
        "PATIENT_HASH_KEY": _app.config["PATIENT_HASH_KEY"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_sink.port),
        "MAIL_MAX_ATTEMPTS": "7",
        "MAIL_RETRY_BASE_SECONDS": "1",
        "MAIL_RETRY_MAX_SECONDS": "1",
        "OUTBOX_SWEEP_AFTER_SECONDS": "1",
        "OUTBOX_SENDING_TIMEOUT_SECONDS": "3",
        "EXPORT_DIR": str(_app.config["EXPORT_DIR"]),
    }
    process = WorkerProcess(broker_url, database_url, env, tmp_path_factory.mktemp("worker"))
    process.start(pool="prefork")
    yield process
    process.stop()


@pytest.fixture
def worker(app, celery_worker_process, smtp_sink, monkeypatch):
    """The running worker; the app publishes its outbox tasks to that worker's queue."""
    smtp_sink.reset()
    monkeypatch.setitem(app.extensions, "celery", celery_worker_process.publisher)
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_sink.port)
    yield celery_worker_process
    smtp_sink.reset()
