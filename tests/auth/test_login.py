"""Login, logout, rate limits, idle timeout and session invalidation."""

from __future__ import annotations

import datetime as dt
import statistics
import time

from sqlalchemy import select

from referral_app.models.session import UserSession
from referral_app.timeutil import utcnow
from tests.conftest import PASSWORD


def test_login_page_renders_in_french_by_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'lang="fr"' in response.text
    assert "Connexion" in response.text


def test_login_success_redirects_home(client, make, db):
    user = make.user(name="Ada Coordinatrice")
    db.session.commit()
    response = client.post("/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/home")
    home = client.get("/home")
    assert home.status_code == 200
    assert "Ada Coordinatrice" in home.text


def test_wrong_password_gets_a_clear_message_and_no_session(client, make, db):
    user = make.user()
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": "nope-nope-nope"})
    assert response.status_code == 200
    assert "Adresse courriel ou mot de passe incorrect" in response.text
    assert client.get("/home").status_code == 302


def test_invalid_email_is_a_form_error_not_a_500(client):
    response = client.post("/login", data={"email": "not-an-email", "password": "x"})
    assert response.status_code == 200
    assert "is-invalid" in response.text


def test_failed_logins_are_limited_per_account(client, make, db, app):
    user = make.user()
    db.session.commit()
    for _ in range(5):
        client.post("/login", data={"email": user.email, "password": "wrong-password"})
    blocked = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Trop de tentatives" in blocked.text
    assert client.get("/home").status_code == 302


def test_the_per_address_ceiling_blocks_many_failed_logins(client, make, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_IP", "20 per 15 minutes")
    user = make.user()
    db.session.commit()
    for n in range(20):
        client.post(
            "/login", data={"email": f"someone{n}@example.test", "password": "bad-password"}
        )
    blocked = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429


def test_the_per_address_ceiling_is_high_enough_for_a_hospital_nat(app):
    from limits import parse

    assert parse(app.config["LOGIN_FAILURES_PER_IP"]).amount >= 300


def test_failures_on_one_account_do_not_lock_another_from_the_same_address(
    client, make, db, app, monkeypatch
):
    """A hospital's NAT: one address for everyone; 20 real failures on A leave B alone."""
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_ACCOUNT", "20 per 15 minutes")
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_IP_ACCOUNT", "20 per 15 minutes")
    a, b = make.user(), make.user()
    db.session.commit()
    for _ in range(20):
        client.post("/login", data={"email": a.email, "password": "wrong-password"})
    assert client.post("/login", data={"email": a.email, "password": PASSWORD}).status_code == 429
    ok = client.post("/login", data={"email": b.email, "password": PASSWORD})
    assert ok.status_code == 302


def test_an_account_locked_from_one_address_still_opens_from_another(app, make, db):
    user = make.user()
    db.session.commit()
    attacker = app.test_client()
    for _ in range(5):
        attacker.post(
            "/login",
            data={"email": user.email, "password": "wrong-password"},
            environ_base={"REMOTE_ADDR": "203.0.113.9"},
        )
    blocked = attacker.post(
        "/login",
        data={"email": user.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert blocked.status_code == 429
    ok = app.test_client().post(
        "/login",
        data={"email": user.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert ok.status_code == 302


def test_an_unknown_address_takes_as_long_as_a_wrong_password(client, make, db, app, monkeypatch):
    """The argon2 check runs whether or not the account exists (ratio of medians)."""
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_IP_ACCOUNT", "1000 per minute")
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_ACCOUNT", "1000 per minute")
    user = make.user()
    db.session.commit()

    def median_seconds(email: str) -> float:
        times = []
        for _ in range(7):
            start = time.perf_counter()
            client.post("/login", data={"email": email, "password": "wrong-password"})
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    median_seconds(user.email)  # warm-up
    known = median_seconds(user.email)
    unknown = median_seconds("nobody-here@example.test")
    assert 0.5 <= unknown / known <= 2, (known, unknown)


def test_open_redirect_is_refused(client, make, db):
    user = make.user()
    db.session.commit()
    response = client.post(
        "/login?next=https://evil.example/", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/home")


def test_logout_requires_post_and_ends_session(client, make, db, login):
    user = make.user()
    db.session.commit()
    login(user)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/home").status_code == 302


def test_idle_timeout_logs_out(client, make, db, login, app):
    user = make.user()
    db.session.commit()
    login(user)
    assert client.get("/home").status_code == 200
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    row.last_seen_at = utcnow() - dt.timedelta(minutes=31)
    db.session.commit()
    response = client.get("/home")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    db.session.refresh(row)
    assert row.end_reason == "idle"


def test_deactivated_user_loses_session_at_once(client, make, db, login):
    user = make.user()
    db.session.commit()
    login(user)
    user.active = False
    db.session.commit()
    assert client.get("/home").status_code == 302


def test_session_cookie_flags(client, make, db):
    user = make.user()
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_security_headers(client):
    response = client.get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_csrf_is_enforced_when_enabled(app, make, db):
    user = make.user()
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = app.test_client().post(
            "/login", data={"email": user.email, "password": PASSWORD}
        )
        assert response.status_code == 400
        assert "formulaire" in response.text
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
