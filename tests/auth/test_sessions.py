"""Server-side sessions: logout, rotation, idle and absolute limits, ending them all."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from referral_app.models.session import UserSession
from referral_app.timeutil import utcnow
from tests.conftest import PASSWORD


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(app, cookie: str, path: str = "/home"):
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get(path)


def test_a_cookie_captured_before_logout_is_refused_after(app, client, make, db, login):
    user = make.user()
    db.session.commit()
    login(user)
    captured = _cookie(client)
    assert _replay(app, captured).status_code == 200
    assert client.post("/logout").status_code == 302
    replayed = _replay(app, captured)
    assert replayed.status_code == 302
    assert "/login" in replayed.headers["Location"]
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert row.ended_at is not None and row.end_reason == "logout"


def test_the_cookie_holds_a_token_and_the_database_only_its_hash(client, make, db, login):
    import hashlib

    user = make.user()
    db.session.commit()
    login(user)
    with client.session_transaction() as session:
        token = session["sid"]
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row.token_hash


def test_login_rotates_the_session(app, client, make, db):
    user = make.user()
    db.session.commit()
    client.get("/login")
    with client.session_transaction() as session:
        session["sid"] = "planted-by-an-attacker"
        session["planted"] = "yes"
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    with client.session_transaction() as session:
        assert session["sid"] != "planted-by-an-attacker"
        assert "planted" not in session
    client.post("/logout")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert len(rows) == 2 and len({row.token_hash for row in rows}) == 2


def test_a_session_ends_after_its_absolute_lifetime_even_when_active(client, make, db, login):
    user = make.user()
    db.session.commit()
    login(user)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    row.created_at = utcnow() - dt.timedelta(hours=12, minutes=1)
    db.session.commit()
    response = client.get("/home")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    db.session.refresh(row)
    assert row.end_reason == "lifetime"


def test_the_absolute_lifetime_is_configurable(app, client, make, db, login, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_ABSOLUTE_HOURS", 1)
    user = make.user()
    db.session.commit()
    login(user)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    row.created_at = utcnow() - dt.timedelta(minutes=61)
    db.session.commit()
    assert client.get("/home").status_code == 302


def test_last_seen_is_written_at_most_once_a_minute(client, make, db, login):
    user = make.user()
    db.session.commit()
    login(user)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    first = row.last_seen_at
    client.get("/home")
    db.session.refresh(row)
    assert row.last_seen_at == first
    row.last_seen_at = utcnow() - dt.timedelta(minutes=2)
    db.session.commit()
    client.get("/home")
    db.session.refresh(row)
    assert utcnow() - row.last_seen_at.replace(tzinfo=dt.UTC) < dt.timedelta(seconds=30)


def test_logout_everywhere_ends_every_session(app, client, make, db, login):
    user = make.user()
    db.session.commit()
    login(user)
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": PASSWORD})
    assert other.get("/home").status_code == 200
    response = client.post("/logout/everywhere")
    assert response.status_code == 302
    assert other.get("/home").status_code == 302
    assert client.get("/home").status_code == 302
    ends = db.session.scalars(select(UserSession.end_reason)).all()
    assert ends == ["everywhere", "everywhere"]


def test_deactivation_ends_the_rows(app, client, make, db, login):
    from referral_app.admin.services import deactivate_user
    from referral_app.models import Role

    admin = make.user(role=Role.ADMIN)
    user = make.user()
    db.session.commit()
    login(user)
    deactivate_user(user, actor_id=admin.id)
    db.session.commit()
    assert client.get("/home").status_code == 302
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert row.end_reason == "deactivated"


def test_a_cookie_without_a_server_session_is_refused(app, make, db):
    """An old ``id:nonce`` cookie, or a forged one without a row, logs nobody in."""
    user = make.user()
    db.session.commit()
    other = app.test_client()
    with other.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    assert other.get("/home").status_code == 302
    with other.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["sid"] = "no-such-token"
    assert other.get("/home").status_code == 302


def test_rows_older_than_thirty_days_are_purged_daily(app, client, make, db, login):
    from referral_app.auth.session import purge_old_sessions
    from workers.schedule import beat_schedule

    user = make.user()
    db.session.commit()
    login(user)
    client.post("/logout")
    login(user)
    old, recent = db.session.scalars(select(UserSession).order_by(UserSession.id)).all()
    old.created_at = utcnow() - dt.timedelta(days=31)
    db.session.commit()
    assert purge_old_sessions() == 1
    db.session.commit()
    assert db.session.scalars(select(UserSession.id)).all() == [recent.id]
    assert client.get("/home").status_code == 200
    assert beat_schedule(app)["purge-old-sessions"]["task"] == "passerelle.purge_old_sessions"
