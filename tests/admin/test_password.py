"""Forgotten passwords: a one-time, one-hour link; the same answer for any address."""

from __future__ import annotations

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from referral_app.auth import password, password_links
from referral_app.models import EmailMode, Notification, NotificationStatus, User
from tests.conftest import PASSWORD, emailed_password_path, link_token


def _reset_path(db, user) -> str:
    row = db.session.scalars(
        select(Notification)
        .where(Notification.recipient_id == user.id, Notification.kind == "password_reset")
        .order_by(Notification.id.desc())
    ).first()
    return emailed_password_path(row)


def test_forgot_password_answers_the_same_for_known_and_unknown_addresses(client, network, db):
    client.post("/language/en")
    known = client.post(
        "/password/forgot", data={"email": network.chus_nurse.email}, follow_redirects=True
    )
    unknown = client.post(
        "/password/forgot", data={"email": "nobody@example.test"}, follow_redirects=True
    )
    message = "If an active account uses this address"
    assert message in known.text and message in unknown.text
    rows = db.session.scalars(select(Notification)).all()
    assert [(r.recipient_id, r.kind) for r in rows] == [(network.chus_nurse.id, "password_reset")]


def test_reset_link_is_sent_at_once_even_for_digest_users(client, network, db):
    network.chus_nurse.email_mode = EmailMode.DIGEST
    db.session.commit()
    client.post("/password/forgot", data={"email": network.chus_nurse.email})
    row = db.session.scalar(select(Notification))
    assert row.status == NotificationStatus.PENDING


def test_reset_changes_the_password_once_and_ends_other_sessions(app, client, network, db):
    client.post("/language/en")
    other = app.test_client()
    other.post("/login", data={"email": network.chus_nurse.email, "password": PASSWORD})
    assert other.get("/home").status_code == 200
    client.post("/password/forgot", data={"email": network.chus_nurse.email})
    path = _reset_path(db, network.chus_nurse)
    assert path.startswith("/password/reset#token=")
    token = link_token(path)
    page = client.get(path)
    assert page.status_code == 200
    assert "js/password_reset.js" in page.text and 'name="token"' in page.text
    short = client.post(
        "/password/reset", data={"token": token, "password": "short", "confirm": "short"}
    )
    assert "At least 10 characters" in short.text
    new = {"token": token, "password": "brand-new-secret", "confirm": "brand-new-secret"}
    done = client.post("/password/reset", data=new)
    assert done.status_code == 302
    assert other.get("/home").status_code == 302  # the other session ended
    used = client.post("/password/reset", data=new, follow_redirects=True)
    assert "invalid, expired or already used" in used.text
    ok = client.post(
        "/login", data={"email": network.chus_nurse.email, "password": "brand-new-secret"}
    )
    assert ok.status_code == 302


def test_the_old_token_in_the_path_route_is_gone(client, network, db):
    token = password_links.make_token(network.chus_nurse)
    assert client.get(f"/password/reset/{token}").status_code == 404


def test_reset_links_expire_after_an_hour(app, network, db, monkeypatch):
    from itsdangerous.timed import TimestampSigner

    token = password_links.make_token(network.chus_nurse)
    assert password_links.user_for_token(token).id == network.chus_nurse.id
    now = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now(self) - 3601)
    old_token = password_links.make_token(network.chus_nurse)
    monkeypatch.undo()
    assert password_links.user_for_token(old_token) is None


def test_tampered_and_foreign_tokens_are_refused(network, db, app):
    token = password_links.make_token(network.chus_nurse)
    assert password_links.user_for_token(token[:-2] + "xx") is None
    assert password_links.user_for_token("garbage") is None
    forged = URLSafeTimedSerializer("another-secret", salt="password-reset:").dumps(
        {"u": network.chus_nurse.id, "p": "reset"}
    )
    assert password_links.user_for_token(forged) is None
    network.chus_nurse.active = False
    assert password_links.user_for_token(token) is None


def test_forgot_password_is_rate_limited(client, network):
    for _ in range(5):
        client.post("/password/forgot", data={"email": "x@example.test"})
    assert client.post("/password/forgot", data={"email": "x@example.test"}).status_code == 429


def test_change_password_keeps_this_session_and_ends_others(app, client, login, network, db):
    other = app.test_client()
    other.post("/login", data={"email": network.jgh_coordinator.email, "password": PASSWORD})
    login(network.jgh_coordinator)
    wrong = client.post(
        "/password/change",
        data={
            "current": "nope-nope-nope",
            "password": "another-secret-1",
            "confirm": "another-secret-1",
        },
    )
    assert "not correct" in wrong.text
    right = client.post(
        "/password/change",
        data={"current": PASSWORD, "password": "another-secret-1", "confirm": "another-secret-1"},
    )
    assert right.status_code == 302
    assert client.get("/home").status_code == 200
    assert other.get("/home").status_code == 302
    db.session.expire_all()
    user = db.session.get(User, network.jgh_coordinator.id)
    assert password.verify_password(user.password_hash, "another-secret-1")
    assert not password.verify_password(user.password_hash, PASSWORD)
