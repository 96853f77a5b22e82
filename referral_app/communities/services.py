"""Community membership and join requests (DESIGN §1).

A public join request goes to the community's leader (or, without a leader, to
the network administrators) through the outbox. Approving it creates the account
when the person is new (no password: a link to choose one is e-mailed) or links
the existing account, adds the membership and tells the person. The caller commits.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from referral_app import audit, notify
from referral_app.extensions import db
from referral_app.links import absolute_url
from referral_app.models import (
    Centre,
    Community,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    Role,
    User,
)
from referral_app.timeutil import utcnow

# Roles a person may ask for on the public form; managers and admins are appointed.
JOIN_ROLES = (Role.COORDINATOR, Role.NURSE, Role.PHYSICIAN)


class CommunityError(ValueError):
    """A membership rule refused the change; ``str(error)`` is a message for people."""


def community_context(community: Community) -> dict:
    return {
        "community": community.slug,
        "community_name_fr": community.name_fr,
        "community_name_en": community.name_en,
        "url": absolute_url(f"/network/communities/{community.slug}"),
    }


# ---------------------------------------------------------------------------
# Members
# ---------------------------------------------------------------------------


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def is_member(community: Community, user: User) -> bool:
    return (
        db.session.scalar(
            select(Membership.id).where(
                Membership.community_id == community.id, Membership.user_id == user.id
            )
        )
        is not None
    )


def add_member(community: Community, user: User, *, actor_id: int | None = None) -> Membership:
    if not user.active:
        raise CommunityError(_("%(name)s's account is deactivated.", name=user.name))
    if is_member(community, user):
        raise CommunityError(_("%(name)s is already a member.", name=user.name))
    membership = Membership(user=user, community=community, since=utcnow().date())
    db.session.add(membership)
    db.session.flush()
    audit.record("add_member", "community", community.id, user_id=actor_id, member_id=user.id)
    return membership


def remove_member(community: Community, user: User, *, actor_id: int | None = None) -> None:
    if community.leader_id == user.id:
        raise CommunityError(
            _("%(name)s leads the community: name another leader first.", name=user.name)
        )
    membership = db.session.scalar(
        select(Membership).where(
            Membership.community_id == community.id, Membership.user_id == user.id
        )
    )
    if membership is None:
        raise CommunityError(_("%(name)s is not a member.", name=user.name))
    db.session.delete(membership)
    db.session.flush()
    audit.record("remove_member", "community", community.id, user_id=actor_id, member_id=user.id)


# ---------------------------------------------------------------------------
# Join requests
# ---------------------------------------------------------------------------


def request_reviewers(community: Community) -> list[User]:
    """The leader; without an active leader, the network administrators."""
    if community.leader is not None and community.leader.active:
        return [community.leader]
    return list(
        db.session.scalars(
            select(User).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id)
        )
    )


def submit_join_request(
    community: Community,
    *,
    name: str,
    email: str,
    centre: Centre,
    role: Role,
    message: str = "",
) -> JoinRequest:
    """Record a public join request and tell the leader. Nothing is told to the requester."""
    if role not in JOIN_ROLES:
        raise CommunityError(_("Choose a clinical role."))
    join_request = JoinRequest(
        community=community,
        name=" ".join(name.split())[:160],
        email=email.strip().lower(),
        centre=centre,
        role=role,
        message=message.strip()[:2000],
    )
    db.session.add(join_request)
    db.session.flush()
    context = {
        **community_context(community),
        "join_request_id": join_request.id,
        "name": join_request.name,
        "centre": centre.short_name,
        "role": role.value,
        "url": absolute_url(f"/network/communities/{community.slug}/requests"),
    }
    for reviewer in request_reviewers(community):
        notify.queue(reviewer, "join_request_received", context, f"join-request:{join_request.id}")
    return join_request


def pending_requests_count(user: User) -> tuple[int, Community | None]:
    """Pending requests of the communities ``user`` leads, and one of them for the link."""
    rows = db.session.execute(
        select(Community, func.count(JoinRequest.id))
        .join(JoinRequest, JoinRequest.community_id == Community.id)
        .where(Community.leader_id == user.id, JoinRequest.status == JoinRequestStatus.PENDING)
        .group_by(Community.id)
        .order_by(func.count(JoinRequest.id).desc())
    ).all()
    if not rows:
        return 0, None
    return sum(count for _community, count in rows), rows[0][0]


def _check_pending(join_request: JoinRequest) -> None:
    if join_request.status != JoinRequestStatus.PENDING:
        raise CommunityError(_("This request was already decided."))


def approve_join_request(join_request: JoinRequest, *, actor_id: int) -> User:
    """Create or link the account, add the membership, tell the person by e-mail."""
    from referral_app.auth.password import WELCOME_MAX_AGE, queue_email_now

    _check_pending(join_request)
    community = join_request.community
    user = find_user_by_email(join_request.email)
    created = user is None
    if user is None:
        user = User(
            email=join_request.email,
            name=join_request.name,
            role=join_request.role,
            centre=join_request.centre,
            password_hash=None,  # chosen by the person through the e-mailed link
        )
        db.session.add(user)
        db.session.flush()
        audit.record(
            "create",
            "user",
            user.id,
            user_id=actor_id,
            changes={"email": [None, user.email], "role": [None, user.role.value]},
            join_request_id=join_request.id,
        )
    elif not user.active:
        raise CommunityError(
            _(
                "The account %(email)s is deactivated: an administrator must reactivate it first.",
                email=user.email,
            )
        )
    if not is_member(community, user):
        add_member(community, user, actor_id=actor_id)
    join_request.status = JoinRequestStatus.APPROVED
    join_request.decided_at = utcnow()
    join_request.decided_by_id = actor_id
    join_request.user_id = user.id
    audit.record("approve", "join_request", join_request.id, user_id=actor_id, member_id=user.id)
    context = community_context(community)
    if created or not user.password_hash:
        context["password_link"] = "welcome"  # noqa: S105 (a link kind; made when sent)
        context["valid_hours"] = WELCOME_MAX_AGE // 3600
    queue_email_now(user, "join_approved", context, f"join-approved:{join_request.id}")
    db.session.flush()
    return user


def decline_join_request(join_request: JoinRequest, *, actor_id: int) -> None:
    """Decline; a person who already has an account is told in the app and by e-mail."""
    _check_pending(join_request)
    join_request.status = JoinRequestStatus.DECLINED
    join_request.decided_at = utcnow()
    join_request.decided_by_id = actor_id
    audit.record("decline", "join_request", join_request.id, user_id=actor_id)
    user = find_user_by_email(join_request.email)
    if user is not None and user.active:
        notify.queue(
            user,
            "join_declined",
            community_context(join_request.community),
            f"join-declined:{join_request.id}",
        )
    db.session.flush()
