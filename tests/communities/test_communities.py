"""Community pages, membership management, join requests and their approval."""

from __future__ import annotations

from sqlalchemy import select

from referral_app.models import (
    AuditLog,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    Notification,
    NotificationChannel,
    NotificationStatus,
    Role,
    TrialStatus,
    User,
)
from tests.conftest import emailed_password_path, link_token


def _members(db, community):
    return set(
        db.session.scalars(
            select(Membership.user_id).where(Membership.community_id == community.id)
        )
    )


def test_community_page_shows_members_by_centre_and_trials(client, login, network, make, db):
    make.trial(community=network.community, acronym="RECRUITS")
    make.trial(community=network.community, acronym="SOONER", status=TrialStatus.UPCOMING)
    make.trial(community=network.community, acronym="GONE", status=TrialStatus.CLOSED)
    db.session.commit()
    login(network.chum_coordinator)
    page = client.get("/network/communities/thoracic")
    assert page.status_code == 200
    for text in ("RECRUITS", "SOONER", "Jewish General Hospital", "Rachel JGH", "Catherine HCLM"):
        assert text in page.text
    assert "GONE" not in page.text
    assert "Add a member" not in page.text  # not the leader
    assert client.get("/network/communities/").status_code == 200
    assert client.get("/network/communities/nope").status_code == 404


def test_leader_adds_and_removes_members(client, login, network, db):
    login(network.hclm_physician)
    added = client.post(
        "/network/communities/thoracic/members", data={"email": network.outsider.email.upper()}
    )
    assert added.status_code == 302
    assert network.outsider.id in _members(db, network.community)
    again = client.post(
        "/network/communities/thoracic/members",
        data={"email": network.outsider.email},
        follow_redirects=True,
    )
    assert "already a member" in again.text
    unknown = client.post(
        "/network/communities/thoracic/members",
        data={"email": "nobody@example.test"},
        follow_redirects=True,
    )
    assert "No user has the address" in unknown.text
    client.post(f"/network/communities/thoracic/members/{network.outsider.id}/remove")
    assert network.outsider.id not in _members(db, network.community)
    leader = client.post(
        f"/network/communities/thoracic/members/{network.hclm_physician.id}/remove",
        follow_redirects=True,
    )
    assert "name another leader first" in leader.text
    actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"add_member", "remove_member"} <= actions


def test_other_members_cannot_manage(client, login, network, db):
    login(network.jgh_coordinator)
    response = client.post(
        "/network/communities/thoracic/members", data={"email": network.outsider.email}
    )
    assert response.status_code == 403
    assert client.get("/network/communities/thoracic/requests").status_code == 403


def _join(client, network, **extra):
    data = {
        "name": "Nouvelle Personne",
        "email": "new.person@example.test",
        "centre_id": str(network.chus.id),
        "role": "physician",
        "message": "I treat lung cancer.",
        **extra,
    }
    return client.post("/communities/thoracic/join", data=data)


def test_public_join_request_reaches_the_leader(client, network, db):
    assert client.get("/communities/thoracic/join").status_code == 200
    response = _join(client, network)
    assert response.status_code == 302
    request = db.session.scalar(select(JoinRequest))
    assert request.status == JoinRequestStatus.PENDING and request.role == Role.PHYSICIAN
    rows = db.session.scalars(select(Notification)).all()
    assert {(r.recipient_id, r.kind) for r in rows} == {
        (network.hclm_physician.id, "join_request_received")
    }
    assert len(rows) == 2  # in-app and e-mail


def test_join_form_refuses_bad_input_and_admin_roles(client, network, db):
    bad = _join(client, network, email="not-an-email", role="admin")
    assert bad.status_code == 200
    assert "is-invalid" in bad.text
    assert db.session.scalar(select(JoinRequest)) is None


def test_join_form_is_rate_limited_per_address(client, network, db):
    for n in range(5):
        assert _join(client, network, email=f"p{n}@example.test").status_code == 302
    assert _join(client, network, email="p6@example.test").status_code == 429
    assert len(db.session.scalars(select(JoinRequest)).all()) == 5


def test_leader_sees_pending_requests_on_the_home_page(client, login, network, db):
    _join(client, network)
    login(network.hclm_physician)
    home = client.get("/home")
    assert "Requests to join your community" in home.text


def test_approving_a_new_person_creates_the_account_and_emails_a_set_password_link(
    client, login, network, db, app
):
    _join(client, network)
    request = db.session.scalar(select(JoinRequest))
    login(network.hclm_physician)
    response = client.post(f"/network/communities/thoracic/requests/{request.id}/approve")
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == "new.person@example.test"))
    assert user is not None and user.password_hash is None
    assert user.role == Role.PHYSICIAN and user.centre_id == network.chus.id
    assert user.id in _members(db, network.community)
    assert db.session.get(JoinRequest, request.id).status == JoinRequestStatus.APPROVED
    mail = db.session.scalar(select(Notification).where(Notification.kind == "join_approved"))
    assert mail.recipient_id == user.id and mail.channel == NotificationChannel.EMAIL
    assert mail.status == NotificationStatus.PENDING
    path = emailed_password_path(mail)
    token = link_token(path)
    client.post("/logout")
    assert client.get(path).status_code == 200
    new_password = {"token": token, "password": "a-new-password-1", "confirm": "a-new-password-1"}
    saved = client.post("/password/reset", data=new_password)
    assert saved.status_code == 302
    login_ok = client.post("/login", data={"email": user.email, "password": "a-new-password-1"})
    assert login_ok.status_code == 302
    # The link worked once.
    client.post("/logout")
    assert client.post("/password/reset", data=new_password).status_code == 302
    assert client.post("/login", data={"email": user.email, "password": "x"}).status_code == 200
    # The e-mail itself renders.
    from referral_app.notifications.render import render_email

    db.session.expire_all()
    subject, text, _html = render_email(db.session.get(Notification, mail.id))
    assert "Thoracic CoP" in text or "RÉSOT" in text
    assert "/password/reset#token=" in text


def test_approving_an_existing_user_links_the_account(client, login, network, db):
    _join(client, network, email=network.outsider.email, name="Outsider")
    request = db.session.scalar(select(JoinRequest))
    login(network.hclm_physician)
    client.post(f"/network/communities/thoracic/requests/{request.id}/approve")
    assert network.outsider.id in _members(db, network.community)
    mail = db.session.scalar(select(Notification).where(Notification.kind == "join_approved"))
    assert mail.recipient_id == network.outsider.id
    assert "password_link" not in mail.context
    twice = client.post(
        f"/network/communities/thoracic/requests/{request.id}/approve", follow_redirects=True
    )
    assert "already decided" in twice.text


def test_declining_changes_nothing_else(client, login, network, db):
    _join(client, network)
    request = db.session.scalar(select(JoinRequest))
    login(network.hclm_physician)
    client.post(f"/network/communities/thoracic/requests/{request.id}/decline")
    db.session.expire_all()
    assert db.session.get(JoinRequest, request.id).status == JoinRequestStatus.DECLINED
    assert db.session.scalar(select(User).where(User.email == "new.person@example.test")) is None
    page = client.get("/network/communities/thoracic/requests")
    assert "Declined" in page.text
