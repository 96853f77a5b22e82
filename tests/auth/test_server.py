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
