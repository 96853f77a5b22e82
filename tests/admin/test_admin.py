"""Administration: centres, communities, users, deactivation, audit log."""

from __future__ import annotations

from sqlalchemy import select

from referral_app.models import (
    AuditLog,
    Centre,
    Community,
    Membership,
    Notification,
    Role,
    TrialSite,
    User,
)
from tests.conftest import PASSWORD, emailed_password_path
from tests.forms import post_page_form


def test_admin_pages_are_for_admins_only(client, login, network):
    assert client.get("/admin/").status_code == 302  # to the login page
    login(network.chum_coordinator)
    for url in ("/admin/", "/admin/centres", "/admin/users", "/admin/audit"):
        assert client.get(url).status_code == 403
    assert "Administration" not in client.get("/home").text


def test_admin_creates_and_edits_a_centre_with_audit(client, login, network, db):
    login(network.admin)
    form = {
        "name": "Hôpital de Rimouski",
        "short_name": "RIM",
        "city": "Rimouski",
        "region_id": str(network.estrie.id),
        "intake_email": "Intake@Rim.test",
        "is_active": "y",
    }
    assert client.post("/admin/centres/new", data=form).status_code == 302
    centre = db.session.scalar(select(Centre).where(Centre.short_name == "RIM"))
    assert centre.intake_email == "intake@rim.test"
    duplicate = client.post("/admin/centres/new", data={**form, "name": "Other"})
    assert "already has this short name" in duplicate.text
    client.post(f"/admin/centres/{centre.id}/edit", data={**form, "city": "Mont-Joli"})
    db.session.expire_all()
    assert db.session.get(Centre, centre.id).city == "Mont-Joli"
    row = db.session.scalar(
        select(AuditLog).where(AuditLog.object_type == "centre", AuditLog.action == "update")
    )
    assert row.details["changes"] == {"city": ["Rimouski", "Mont-Joli"]}
    assert row.user_id == network.admin.id
    assert "RIM" in client.get("/admin/centres").text


def test_admin_creates_a_community_and_its_leader_becomes_a_member(client, login, network, db):
    login(network.admin)
    form = {
        "slug": "melanoma",
        "name_fr": "Mélanome",
        "name_en": "Melanoma",
        "launched_on": "2024-05-01",
        "leader_id": str(network.outsider.id),
        "goals_fr": "Un\nDeux",
        "goals_en": "One\nTwo",
        "tumour_sites": "skin",
    }
    created = post_page_form(client, "/admin/communities/new", having="slug", **form)
    assert created.status_code == 302
    community = db.session.scalar(select(Community).where(Community.slug == "melanoma"))
    assert community.leader_id == network.outsider.id
    assert community.goals("en") == ["One", "Two"]
    assert db.session.scalar(
        select(Membership).where(
            Membership.community_id == community.id, Membership.user_id == network.outsider.id
        )
    )
    bad = post_page_form(
        client, "/admin/communities/new", having="slug", **{**form, "slug": "Bad Slug!"}
    )
    assert "Lower-case letters" in bad.text
    taken = post_page_form(
        client, "/admin/communities/new", having="slug", **{**form, "slug": "thoracic"}
    )
    assert "already uses this slug" in taken.text
    assert db.session.scalar(
        select(AuditLog).where(AuditLog.object_type == "community", AuditLog.action == "create")
    )


def test_admin_creates_a_user_who_gets_a_welcome_link(client, login, network, db):
    login(network.admin)
    form = {
        "name": "Nouveau",
        "email": "nouveau@example.test",
        "role": "nurse",
        "centre_id": str(network.chus.id),
        "language": "fr",
    }
    assert client.post("/admin/users/new", data=form).status_code == 302
    user = db.session.scalar(select(User).where(User.email == "nouveau@example.test"))
    assert user.password_hash is None and user.role == Role.NURSE
    mail = db.session.scalar(select(Notification).where(Notification.recipient_id == user.id))
    assert mail.kind == "password_reset_welcome"
    assert emailed_password_path(mail).startswith("/password/reset#token=")
    again = client.post("/admin/users/new", data={**form, "email": "NOUVEAU@example.test"})
    assert "already exists" in again.text


def test_changing_a_users_centre_ends_their_intake_duties(client, login, network, make, db):
    trial = make.trial()
    site = make.site(trial, network.chum)
    site.intake_contacts.append(network.chum_coordinator)
    db.session.commit()
    login(network.admin)
    response = client.post(
        f"/admin/users/{network.chum_coordinator.id}/edit",
        data={
            "name": network.chum_coordinator.name,
            "email": network.chum_coordinator.email,
            "role": "manager",
            "centre_id": str(network.jgh.id),
            "language": "en",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, network.chum_coordinator.id)
    assert (user.role, user.centre_id) == (Role.MANAGER, network.jgh.id)
    assert db.session.get(TrialSite, site.id).intake_contacts == []
    changes = db.session.scalar(
        select(AuditLog.details).where(AuditLog.object_type == "user", AuditLog.action == "update")
    )["changes"]
    assert changes["role"] == ["coordinator", "manager"]


def test_deactivation_ends_sessions_at_once_and_reactivation_restores_login(
    app, network, db, login, client
):
    victim = app.test_client()
    response = victim.post(
        "/login", data={"email": network.jgh_coordinator.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert victim.get("/trials/").status_code == 200
    login(network.admin)
    assert client.post(f"/admin/users/{network.jgh_coordinator.id}/deactivate").status_code == 302
    assert victim.get("/trials/").status_code == 302  # session gone
    relog = victim.post(
        "/login", data={"email": network.jgh_coordinator.email, "password": PASSWORD}
    )
    assert "deactivated" in relog.text
    own = client.post(f"/admin/users/{network.admin.id}/deactivate", follow_redirects=True)
    assert "cannot deactivate your own account" in own.text
    client.post(f"/admin/users/{network.jgh_coordinator.id}/reactivate")
    relog = victim.post(
        "/login", data={"email": network.jgh_coordinator.email, "password": PASSWORD}
    )
    assert relog.status_code == 302
    actions = list(
        db.session.scalars(select(AuditLog.action).where(AuditLog.object_type == "user"))
    )
    assert "deactivate" in actions and "reactivate" in actions


def test_user_list_filters(client, login, network, db):
    network.outsider.active = False
    db.session.commit()
    login(network.admin)
    page = client.get("/admin/users")
    assert "Rachel JGH" in page.text and "Outsider" not in page.text
    assert "Outsider" in client.get("/admin/users?status=inactive").text
    only_nurses = client.get("/admin/users?role=nurse")
    assert "Julie CHUS" in only_nurses.text and "Rachel JGH" not in only_nurses.text
    by_centre = client.get(f"/admin/users?centre={network.jgh.id}&q=rach")
    assert "Rachel JGH" in by_centre.text and "Julie CHUS" not in by_centre.text


def test_audit_log_page_filters_by_user_object_and_action(client, login, network, db):
    from referral_app import audit

    audit.record(
        "update", "centre", network.chum.id, user_id=network.admin.id, changes={"city": ["A", "B"]}
    )
    audit.record("deactivate", "user", network.outsider.id, user_id=network.admin.id)
    audit.record("create", "trial", 7, user_id=network.chum_coordinator.id)
    db.session.commit()
    login(network.admin)
    client.post("/language/en")
    everything = client.get("/admin/audit")
    assert everything.status_code == 200
    assert 'data-action="deactivate"' in everything.text and "city" in everything.text
    assert "Deactivated" in everything.text  # a label, not the code
    by_user = client.get("/admin/audit?user=lodie")
    assert "Trial no. 7" in by_user.text and "Centre no." not in by_user.text
    by_object = client.get(f"/admin/audit?object_type=user&object_id={network.outsider.id}")
    assert 'data-action="deactivate"' in by_object.text and "Trial no. 7" not in by_object.text
    by_action = client.get("/admin/audit?action=update&object_id=abc")
    assert "Centre no." in by_action.text and "Trial no. 7" not in by_action.text


def test_the_audit_log_speaks_in_words(client, login, network, db):
    """Issue 16: raw codes (``view_identifiers``) and a Python dict of filters."""
    from referral_app import audit

    audit.record("view_identifiers", "referral", 3, user_id=network.admin.id, channel="web")
    audit.record(
        "find_trials",
        "trial_finder",
        None,
        user_id=network.admin.id,
        filters={"region": "06", "own_centre": False},
    )
    db.session.commit()
    login(network.admin)
    client.post("/language/fr")
    page = client.get("/admin/audit").text
    assert "Identifiants du patient consultés" in page and "Référence nº 3" in page
    assert "region: 06; own_centre: Non" in page and "{" not in page.split("<main")[1]


def test_every_audited_action_has_a_label():
    import re
    from pathlib import Path

    from referral_app.audit_labels import ACTIONS, OBJECTS

    root = Path(__file__).parents[2]
    actions, objects = set(), set()
    for path in [*(root / "referral_app").rglob("*.py"), *(root / "workers").rglob("*.py")]:
        source = path.read_text(encoding="utf-8")
        for match in re.finditer(r'audit\.record\(\s*"(\w+)",\s*"(\w+)"', source):
            actions.add(match.group(1))
            objects.add(match.group(2))
        actions.update(re.findall(r'\baction\s*=\s*"(\w+)"', source))
    assert actions - set(ACTIONS) == set() and objects - set(OBJECTS) == set()
