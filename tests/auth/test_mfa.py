"""Second factor: TOTP enrolment, the code step, recovery codes, limits, admin reset."""

from __future__ import annotations

import datetime as dt
import re
import time

import pyotp
from sqlalchemy import select

from referral_app import patient_data
from referral_app.auth import mfa
from referral_app.models import AuditLog, Role, User
from referral_app.models.session import RecoveryCode, UserSession
from referral_app.timeutil import utcnow
from tests.conftest import PASSWORD, enrol_mfa, log_in, totp_code


def _password_only(client, user):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


def _fresh(db, user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_a_manager_without_second_factor_can_reach_only_enrolment(client, make, db):
    manager = make.user(role=Role.MANAGER)
    db.session.commit()
    response = _password_only(client, manager)
    assert response.status_code == 302
    for path in ("/home", "/reports/", "/preferences", "/trials/"):
        blocked = client.get(path)
        assert blocked.status_code == 302 and "/mfa/setup" in blocked.headers["Location"], path
    page = client.get("/mfa/setup")
    assert page.status_code == 200
    assert "<svg" in page.text and "<img" not in page.text.split("<main", 1)[-1].split("</main")[0]
    assert 'autocomplete="one-time-code"' in page.text and 'inputmode="numeric"' in page.text


def test_enrolment_is_confirmed_by_a_code_and_shows_ten_recovery_codes_once(client, make, db):
    admin = make.user(role=Role.ADMIN)
    db.session.commit()
    _password_only(client, admin)
    client.get("/mfa/setup")
    user = _fresh(db, admin)
    assert user.mfa_enabled_at is None and user.mfa_secret_encrypted
    secret = patient_data.unseal(user.mfa_secret_encrypted)["totp"]
    assert secret not in user.mfa_secret_encrypted  # encrypted at rest

    wrong = client.post("/mfa/setup", data={"code": "000000"})
    assert "not valid" in wrong.text or "pas valide" in wrong.text
    assert _fresh(db, admin).mfa_enabled_at is None

    done = client.post("/mfa/setup", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"\b[0-9a-f]{5}-[0-9a-f]{5}\b", done.text)
    assert len(codes) == 10
    assert _fresh(db, admin).mfa_enabled_at is not None
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)
    assert client.get("/home").status_code == 200  # this session passed the code
    assert client.get("/mfa/setup").status_code == 302  # shown once: no second look


def test_after_login_an_enrolled_user_must_pass_the_code_step(client, make, db):
    admin = make.user(role=Role.ADMIN)
    db.session.commit()
    enrol_mfa(admin)
    response = _password_only(client, admin)
    assert "/mfa/verify" in response.headers["Location"]
    assert client.get("/home").status_code == 302
    assert client.get("/admin/").status_code == 302
    ok = client.post("/mfa/verify?next=/admin/", data={"code": totp_code(admin)})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/admin/")
    assert client.get("/admin/").status_code == 200


def test_a_code_is_never_accepted_twice(app, make, db):
    admin = make.user(role=Role.ADMIN)
    db.session.commit()
    enrol_mfa(admin)
    code = totp_code(admin)
    first, second = app.test_client(), app.test_client()
    _password_only(first, admin)
    _password_only(second, admin)
    assert first.post("/mfa/verify", data={"code": code}).status_code == 302
    replay = second.post("/mfa/verify", data={"code": code})
    assert replay.status_code == 200
    assert second.get("/home").status_code == 302


def test_a_recovery_code_works_once(app, make, db):
    admin = make.user(role=Role.ADMIN)
    db.session.commit()
    codes = enrol_mfa(admin)
    client = app.test_client()
    _password_only(client, admin)
    assert client.post("/mfa/verify", data={"code": codes[0].upper()}).status_code == 302
    assert client.get("/home").status_code == 200
    again = app.test_client()
    _password_only(again, admin)
    assert again.post("/mfa/verify", data={"code": codes[0]}).status_code == 200
    assert again.post("/mfa/verify", data={"code": codes[1]}).status_code == 302


def test_wrong_codes_are_rate_limited(client, make, db):
    admin = make.user(role=Role.ADMIN)
    db.session.commit()
    enrol_mfa(admin)
    _password_only(client, admin)
    for _ in range(5):
        assert client.post("/mfa/verify", data={"code": "123456"}).status_code == 200
    blocked = client.post("/mfa/verify", data={"code": totp_code(admin)})
    assert blocked.status_code == 429
    assert client.get("/home").status_code == 302


def test_optional_for_a_coordinator_who_can_turn_it_on_and_off(client, make, db, login):
    user = make.user(role=Role.COORDINATOR)
    db.session.commit()
    login(user)
    assert client.get("/home").status_code == 200
    page = client.get("/preferences")
    assert "/mfa/setup" in page.text
    client.get("/mfa/setup")
    secret = mfa.secret_of(_fresh(db, user))
    client.post("/mfa/setup", data={"code": pyotp.TOTP(secret).now()})
    assert _fresh(db, user).mfa_enabled
    client.post("/logout")
    assert "/mfa/verify" in _password_only(client, user).headers["Location"]
    assert client.post("/mfa/verify", data={"code": totp_code(user)}).status_code == 302
    client.post("/mfa/disable", data={"code": totp_code(user)})
    assert not _fresh(db, user).mfa_enabled


def test_a_manager_cannot_turn_it_off(client, make, db, login):
    manager = make.user(role=Role.MANAGER)
    db.session.commit()
    login(manager)
    client.post("/mfa/disable", data={"code": totp_code(manager)})
    assert _fresh(db, manager).mfa_enabled


def test_an_admin_resets_another_users_second_factor_and_it_is_audited(
    app, client, make, db, login
):
    admin = make.user(role=Role.ADMIN)
    manager = make.user(role=Role.MANAGER)
    db.session.commit()
    victim = app.test_client()
    assert log_in(victim, manager).status_code == 302
    assert victim.get("/home").status_code == 200
    login(admin)
    page = client.get(f"/admin/users/{manager.id}/edit")
    assert f"/admin/users/{manager.id}/mfa-reset" in page.text
    assert client.post(f"/admin/users/{manager.id}/mfa-reset").status_code == 302
    user = _fresh(db, manager)
    assert user.mfa_secret_encrypted is None and not user.mfa_enabled
    assert (
        db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all() == []
    )
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "mfa_reset"))
    assert row.user_id == admin.id and row.object_id == manager.id
    assert victim.get("/home").status_code == 302  # their sessions ended
    # A non-admin cannot.
    other = app.test_client()
    coordinator = make.user()
    db.session.commit()
    log_in(other, coordinator)
    assert other.post(f"/admin/users/{admin.id}/mfa-reset").status_code in (302, 403)
    assert _fresh(db, admin).mfa_enabled


def test_revealing_identifiers_needs_a_code_within_fifteen_minutes(client, make, db, login):
    referral = make.referral("submitted")
    admin = make.user(role=Role.ADMIN)
    db.session.commit()
    login(admin)
    reason = {"reason": "Audit of a data-quality complaint"}
    path = f"/referrals/{referral.id}/identifiers"
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == admin.id))
    row.mfa_verified_at = utcnow() - dt.timedelta(minutes=16)
    db.session.commit()
    stale = client.post(path, data=reason)
    assert stale.status_code == 302
    assert "/mfa/verify" in stale.headers["Location"] and "again=1" in stale.headers["Location"]
    assert not db.session.scalars(
        select(AuditLog).where(AuditLog.action == "view_identifiers")
    ).all()
    back = client.post(stale.headers["Location"], data={"code": totp_code(admin)})
    assert back.status_code == 302 and back.headers["Location"].endswith(
        f"/referrals/{referral.id}"
    )
    shown = client.post(path, data=reason)
    assert shown.status_code == 200
    assert db.session.scalars(select(AuditLog).where(AuditLog.action == "view_identifiers")).all()


def test_the_step_is_claimed_atomically(app, make, db):
    user = make.user(role=Role.ADMIN)
    db.session.commit()
    enrol_mfa(user)
    user = _fresh(db, user)
    code = pyotp.TOTP(mfa.secret_of(user)).at(int(time.time()))
    assert mfa.check_totp(user, code)
    assert not mfa.check_totp(user, code)
