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
# Set by the workflow at each milestone (``workflow.record_durations``), unless given.
DURATION_COLUMNS = {"ack_business_days", "decision_business_days", "enrollment_business_days"}


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

    # The events that lead to each state, and the milestone each one sets.
    REFERRAL_PATHS = {
        "draft": [],
        "submitted": ["submit"],
        "acknowledged": ["submit", "acknowledge"],
        "info_requested": ["submit", "acknowledge", "request_info"],
        "accepted": ["submit", "acknowledge", "accept"],
        "scheduled": ["submit", "acknowledge", "accept", "schedule_consult"],
        "screening": ["submit", "acknowledge", "accept", "start_screening"],
        "enrolled": ["submit", "acknowledge", "accept", "start_screening", "enroll"],
        "screen_failed": ["submit", "acknowledge", "accept", "start_screening", "screen_fail"],
        "declined": ["submit", "acknowledge", "decline"],
        "withdrawn": ["submit", "withdraw"],
    }
    _EVENT_TO = {
        "submit": "submitted",
        "acknowledge": "acknowledged",
        "request_info": "info_requested",
        "accept": "accepted",
        "schedule_consult": "scheduled",
        "start_screening": "screening",
        "enroll": "enrolled",
        "screen_fail": "screen_failed",
        "decline": "declined",
        "withdraw": "withdrawn",
    }
    _MILESTONE = {
        "submit": "submitted_at",
        "acknowledge": "acknowledged_at",
        "request_info": "info_requested_at",
        "accept": "decided_at",
        "decline": "decided_at",
        "start_screening": "screening_at",
        "enroll": "enrolled_at",
    }
    _REASONS = {"decline": "not_eligible", "screen_fail": "inclusion_not_met", "withdraw": "other"}

    def referral(
        self,
        state="submitted",
        *,
        trial: Trial | None = None,
        site: TrialSite | None = None,
        referring_user: User | None = None,
        submitted_at: dt.datetime | None = None,
        step: dt.timedelta = dt.timedelta(days=1),
        identifiers=True,
        events: bool = True,
        **kw,
    ):
        """A valid referral in ``state`` with its trial, site, centres and users.

        Milestones follow the usual path (submit, acknowledge, accept…), one
        ``step`` apart from ``submitted_at`` (default: ten days ago); any milestone
        or column can be set directly in ``kw`` (``acknowledged_at=…``,
        ``decided_at=…``, ``urgency=…``, ``reference=…``). ``identifiers``: True
        for a fresh fictional patient, a ``PatientIdentifiers`` for a given one,
        False for none. ``events`` writes the ReferralEvent rows of the path.
        """
        from referral_app import patient_data, workflow
        from referral_app.models import Referral, ReferralEvent, ReferralState
        from referral_app.timeutil import utcnow

        state = ReferralState(state)
        if site is None:
            trial = trial or self.trial()
            site = self.site(trial, self.centre())
        trial = site.trial
        referring_user = referring_user or self.user(self.centre(), Role.COORDINATOR)
        n = next(_seq)
        start = submitted_at or utcnow() - dt.timedelta(days=10)
        path = self.REFERRAL_PATHS[state.value]
        values = {
            "urgency": "routine",
            "patient_consent": True,
            "patient_region_id": referring_user.centre.region_id,
            "diagnosis": "Non-small cell lung cancer",
            "histology": "Adenocarcinoma",
            "stage": "IV",
            "biomarkers": "EGFR exon 19 deletion",
            "ecog": 1,
            "prior_lines": 1,
        }
        when = {}
        for index, event in enumerate(path):
            milestone = self._MILESTONE.get(event)
            if milestone:
                when[milestone] = start + step * index
        if state.value in ("enrolled", "screen_failed", "declined", "withdrawn"):
            when["closed_at"] = start + step * (len(path) - 1)
            values["outcome_reason"] = self._REASONS.get(path[-1], state.value)
        if "schedule_consult" in path:
            values["consult_on"] = (start + step * len(path)).date()
        if "start_screening" in path:
            values["consent_on"] = when["screening_at"].date()
        if state.value == "enrolled":
            values["enrolled_on"] = when["enrolled_at"].date()
            values["study_subject_id"] = f"SUBJ-{n:04d}"
        if state == ReferralState.INFO_REQUESTED:
            values["state_before_info"] = ReferralState.ACKNOWLEDGED
        values.update(when)
        values.update(kw)
        referral = Referral(
            state=state,
            trial=trial,
            site=site,
            referring_centre_id=referring_user.centre_id,
            receiving_centre_id=site.centre_id,
            referring_user=referring_user,
            **values,
        )
        if identifiers is True:
            identifiers = patient_data.PatientIdentifiers(
                name=f"Patient {n}",
                date_of_birth=dt.date(1930 + n % 70, 1 + n % 12, 1 + n % 28),
                health_insurance_number=(
                    f"TEST{(1930 + n % 70) % 100:02d}{1 + n % 12:02d}{1 + n % 28:02d}{n % 100:02d}"
                ),
                phone="514-555-0100",
            )
        if identifiers:
            patient_data.store(referral, identifiers)
        self._add(referral)
        if state != ReferralState.DRAFT:
            referral.reference = kw.get("reference") or workflow.reference_for(referral)
            if "ack_due_on" not in kw and "decision_due_on" not in kw:
                workflow.start_clocks(referral, referral.submitted_at)
            if not DURATION_COLUMNS & kw.keys():
                workflow.record_durations(referral)
        if events:
            self.session.add(
                ReferralEvent(
                    referral=referral,
                    event="save_draft",
                    to_state=ReferralState.DRAFT,
                    actor_id=referring_user.id,
                    created_at=start - step,
                )
            )
            previous = ReferralState.DRAFT
            for index, event in enumerate(path):
                to_state = ReferralState(self._EVENT_TO[event])
                self.session.add(
                    ReferralEvent(
                        referral=referral,
                        event=event,
                        from_state=previous,
                        to_state=to_state,
                        actor_id=referring_user.id if event in ("submit", "withdraw") else None,
                        created_at=start + step * index,
                        reason_code=self._REASONS.get(event),
                    )
                )
                previous = to_state
        self.session.flush()
        return referral


@pytest.fixture
def make(db):
    return Factory(db.session)


def emailed_password_path(notification) -> str:
    """The password link of an outbox e-mail, as the recipient receives it.

    The row itself never holds the link (a credential); it is made at rendering.
    """
    import re

    from referral_app.trials.news import render_email

    assert "reset_url" not in notification.context
    assert "/password/reset/" not in str(notification.context)
    _subject, text, _html = render_email(notification)
    match = re.search(r"https?://[^/\s]+(/password/reset/\S+)", text)
    assert match, text
    return match.group(1)


@pytest.fixture
def login(client):
    """``login(user)`` logs the test client in through the real login form."""

    def _login(user: User, password: str = PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
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
        "MAIL_MAX_ATTEMPTS": "4",
        "MAIL_RETRY_BASE_SECONDS": "1",
        "MAIL_RETRY_MAX_SECONDS": "2",
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
