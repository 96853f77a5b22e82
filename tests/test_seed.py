"""The demo network loads from the public seed, once."""

from __future__ import annotations

from sqlalchemy import func, select

from referral_app import seed_data
from referral_app.models import Centre, Community, Role, Trial, TrialSite, User
from referral_app.seeding import seed_demo

SEED_INSTITUTIONS = {
    "CHUM",
    "CHUSJ",
    "MCH",
    "CHU de Québec",
    "CHUS",
    "HCLM",
    "JGH",
}


def test_seed_demo_loads_the_network_and_is_idempotent(runner, db):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "admin@passerelle.test" in result.output
    counts = {
        "centres": db.session.scalar(select(func.count(Centre.id))),
        "communities": db.session.scalar(select(func.count(Community.id))),
        "trials": db.session.scalar(select(func.count(Trial.id))),
        "users": db.session.scalar(select(func.count(User.id))),
        "sites": db.session.scalar(select(func.count(TrialSite.id))),
    }
    assert counts["centres"] >= 16
    assert counts["communities"] == 8
    assert counts["trials"] >= 24

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    assert "created regions: 0, centres: 0, communities: 0, users: 0" in again.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id))) == counts["users"]
    assert db.session.scalar(select(func.count(TrialSite.id))) == counts["sites"]


def test_seed_has_the_named_institutions_and_every_role(db):
    seed_demo()
    short_names = set(db.session.scalars(select(Centre.short_name)))
    assert short_names >= SEED_INSTITUTIONS
    roles = set(db.session.scalars(select(User.role)))
    assert roles == set(Role)
    assert all(t.is_demo for t in db.session.scalars(select(Trial)))
    regions = db.session.scalar(select(func.count(func.distinct(Centre.region_id))))
    assert regions >= 8


def test_every_community_has_a_fictional_leader_and_goals(db):
    seed_demo()
    for community in db.session.scalars(select(Community)):
        assert community.leader is not None, community.slug
        assert community.goals("fr") and community.goals("en")
        assert community.leader.email.endswith(".test")


def test_demo_logins_exist(db):
    seed_demo()
    for _role, email in seed_data.DEMO_LOGINS:
        assert db.session.scalar(select(User).where(User.email == email)) is not None


def test_create_user_command(runner, db):
    seed_demo()
    result = runner.invoke(
        args=[
            "create-user",
            "new.admin@example.org",
            "--role",
            "admin",
            "--centre",
            "CHUM",
            "--password",
            "a-long-password",
            "--name",
            "New Admin",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "new.admin@example.org"))
    assert user.role == Role.ADMIN and user.centre.short_name == "CHUM"


def test_create_user_rejects_bad_input_clearly(runner, db):
    seed_demo()
    cases = [
        (["--role", "wizard", "--centre", "CHUM", "--password", "long-enough-pw"], "role"),
        (["--role", "nurse", "--centre", "NOWHERE", "--password", "long-enough-pw"], "centre"),
        (["--role", "nurse", "--centre", "CHUM", "--password", "short"], "10"),
    ]
    for args, word in cases:
        result = runner.invoke(args=["create-user", "x@example.org", *args])
        assert result.exit_code != 0
        assert word in result.output.lower()
    duplicate = runner.invoke(
        args=[
            "create-user",
            "admin@passerelle.test",
            "--role",
            "nurse",
            "--centre",
            "CHUM",
            "--password",
            "long-enough-pw",
        ]
    )
    assert duplicate.exit_code != 0 and "exist" in duplicate.output.lower()


def test_seed_demo_enrols_the_demo_admin_and_prints_how_to_get_its_codes(runner, db):
    import re

    import pyotp

    from referral_app.auth import mfa

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(select(User).where(User.email == "admin@passerelle.test"))
    assert admin.mfa_enabled
    secret = mfa.secret_of(admin)
    assert f"authenticator key {secret}" in result.output
    assert len(re.findall(r"\b[0-9a-f]{5}-[0-9a-f]{5}\b", result.output)) == 10
    assert "mfa-code" in result.output
    managers = db.session.scalars(select(User).where(User.role == Role.MANAGER)).all()
    assert managers and all(m.mfa_enabled for m in managers)
    code = runner.invoke(args=["mfa-code", "admin@passerelle.test"])
    import time

    totp = pyotp.TOTP(secret)
    assert code.exit_code == 0
    assert code.output.strip() in {totp.now(), totp.at(time.time() - 30)}
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and secret not in again.output


def test_the_demo_logins_cover_every_role_of_the_walk_through(db):
    """Issue 16: the printed logins had no manager at the referring centre, and the
    README's walk-through needs a coordinator and a nurse at two centres."""
    seed_demo()
    users = [
        db.session.scalar(select(User).where(User.email == email))
        for _what, email in seed_data.DEMO_LOGINS
    ]
    by_role = {(u.role.value, u.centre.short_name) for u in users}
    for centre in ("CHUM", "JGH"):
        assert {("coordinator", centre), ("nurse", centre)} <= by_role
    assert ("manager", "CHUM") in by_role and any(r == "admin" for r, _c in by_role)
    assert any(u.id == c.leader_id for u in users for c in db.session.scalars(select(Community)))
