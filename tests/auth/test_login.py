"""Login, logout, rate limits, idle timeout and session invalidation."""

from __future__ import annotations

import time

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


def test_failed_logins_are_limited_per_ip(client, make, db, app):
    user = make.user()
    db.session.commit()
    for n in range(20):
        client.post(
            "/login", data={"email": f"someone{n}@example.test", "password": "bad-password"}
        )
    blocked = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429


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
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - 31 * 60
    response = client.get("/home")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


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
