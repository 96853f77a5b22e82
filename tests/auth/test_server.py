"""Against a real production-mode gunicorn server: sessions end on the server."""

from __future__ import annotations

from tests.conftest import PASSWORD


def test_a_cookie_replayed_after_logout_is_refused_by_the_real_server(web, browser, make, db):
    referral = make.referral("submitted")
    user = referral.referring_user
    db.session.commit()
    page = f"/referrals/{referral.id}"

    alice = browser()
    login = alice.post("/login", {"email": user.email, "password": PASSWORD})
    assert login.status_code == 302, login.text[:500]
    assert alice.get(page).status_code == 200
    captured = alice.cookie

    assert alice.post("/logout", token_from="/home").status_code == 302

    attacker = browser()
    attacker.cookie = captured
    replayed = attacker.get(page)
    assert replayed.status_code == 302
    assert "/login" in replayed.headers["Location"]


def test_the_reset_token_stays_out_of_the_access_log(web, browser, make, db):
    """The whole reset flow against gunicorn: the token never reaches a logged URL."""
    from sqlalchemy import select

    from referral_app.models import Notification
    from tests.conftest import emailed_password_path

    user = make.user()
    db.session.commit()
    alice = browser()
    asked = alice.post("/password/forgot", {"email": user.email})
    assert asked.status_code == 302, asked.text[:500]
    db.session.expire_all()
    mail = db.session.scalar(select(Notification).where(Notification.recipient_id == user.id))
    link = emailed_password_path(mail)
    path, _hash, fragment = link.partition("#")
    token = fragment.removeprefix("token=")
    assert len(token) > 20

    # What a browser does: the fragment stays in the browser; the script posts it.
    assert alice.get(path).status_code == 200
    new = {"token": token, "password": "a-brand-new-secret", "confirm": "a-brand-new-secret"}
    saved = alice.post(path, new)
    assert saved.status_code == 302 and "/login" in saved.headers["Location"]
    logged_in = browser().post("/login", {"email": user.email, "password": "a-brand-new-secret"})
    assert logged_in.status_code == 302

    web.stop()  # flushes and closes the logs
    access = web.access_log.read_text()
    assert "/password/reset" in access and "/login" in access
    assert token not in access
    assert token[:16] not in access
