"""Network administration: centres, communities and users. Every change is audited.

Services ``flush()``; the view commits. A deactivated user's sessions end at once
(their ``UserSession`` rows end, and ``User.active`` is checked on every request
and by the API's token check).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from referral_app import audit
from referral_app.auth.session import end_user_sessions
from referral_app.extensions import db
from referral_app.models import (
    Centre,
    Community,
    Language,
    Membership,
    Region,
    Role,
    TrialSite,
    User,
    site_intake_contacts,
)
from referral_app.timeutil import utcnow
from referral_app.trials import services as trial_services


class AdminError(ValueError):
    """The change was refused; ``str(error)`` is a message for people."""


def _taken(model, column, value, own_id: int | None) -> bool:
    stmt = select(model.id).where(func.lower(column) == str(value).lower())
    if own_id is not None:
        stmt = stmt.where(model.id != own_id)
    return db.session.scalar(stmt) is not None


# ---------------------------------------------------------------------------
# Centres
# ---------------------------------------------------------------------------


@dataclass
class CentreData:
    name: str
    short_name: str
    city: str
    region_id: int
    intake_email: str | None = None
    is_active: bool = True


def _check_centre(data: CentreData, own_id: int | None) -> None:
    if db.session.get(Region, data.region_id) is None:
        raise AdminError(_("Choose a region."))
    if _taken(Centre, Centre.name, data.name, own_id):
        raise AdminError(_("Another centre already has this name."))
    if _taken(Centre, Centre.short_name, data.short_name, own_id):
        raise AdminError(_("Another centre already has this short name."))


def save_centre(centre: Centre | None, data: CentreData, *, actor_id: int) -> Centre:
    """Create (``centre`` None) or update a centre; its trial sites follow its region."""
    _check_centre(data, centre.id if centre else None)
    values = {
        "name": data.name.strip(),
        "short_name": data.short_name.strip(),
        "city": data.city.strip(),
        "region_id": data.region_id,
        "intake_email": (data.intake_email or "").strip().lower() or None,
        "is_active": data.is_active,
    }
    if centre is None:
        centre = Centre(**values)
        db.session.add(centre)
        db.session.flush()
        audit.record(
            "create",
            "centre",
            centre.id,
            user_id=actor_id,
            changes={k: [None, audit.plain(v)] for k, v in values.items()},
        )
        return centre
    changes = audit.apply_changes(centre, values)
    if "region_id" in changes:
        db.session.flush()
        db.session.expire(centre, ["region"])
        trial_services.sync_centre_region(centre)
    db.session.flush()
    if changes:
        audit.record("update", "centre", centre.id, user_id=actor_id, changes=changes)
    return centre


# ---------------------------------------------------------------------------
# Communities
# ---------------------------------------------------------------------------


@dataclass
class CommunityData:
    slug: str
    name_fr: str
    name_en: str
    tumour_sites: str = ""
    launched_on: dt.date | None = None
    partner: str | None = None
    description_fr: str = ""
    description_en: str = ""
    goals_fr: str = ""
    goals_en: str = ""
    leader_id: int | None = None


def save_community(community: Community | None, data: CommunityData, *, actor_id: int) -> Community:
    """Create or update a community; a new leader becomes a member if not one yet."""
    if _taken(Community, Community.slug, data.slug, community.id if community else None):
        raise AdminError(_("Another community already uses this slug."))
    leader = None
    if data.leader_id is not None:
        leader = db.session.get(User, data.leader_id)
        if leader is None or not leader.active:
            raise AdminError(_("The leader must be an active user."))
    values = {
        "slug": data.slug.strip().lower(),
        "name_fr": data.name_fr.strip(),
        "name_en": data.name_en.strip(),
        "tumour_sites": data.tumour_sites.strip(),
        "launched_on": data.launched_on,
        "partner": (data.partner or "").strip() or None,
        "description_fr": data.description_fr.strip(),
        "description_en": data.description_en.strip(),
        "goals_fr": data.goals_fr.strip(),
        "goals_en": data.goals_en.strip(),
        "leader_id": data.leader_id,
    }
    if community is None:
        community = Community(**values)
        db.session.add(community)
        db.session.flush()
        changes = {k: [None, audit.plain(v)] for k, v in values.items() if v}
        action = "create"
    else:
        changes = audit.apply_changes(community, values)
        action = "update"
    if leader is not None:
        exists = db.session.scalar(
            select(Membership.id).where(
                Membership.community_id == community.id, Membership.user_id == leader.id
            )
        )
        if exists is None:
            db.session.add(Membership(user=leader, community=community, since=utcnow().date()))
    db.session.flush()
    if changes:
        audit.record(action, "community", community.id, user_id=actor_id, changes=changes)
    return community


# ---------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------


@dataclass
class UserData:
    email: str
    name: str
    role: Role
    centre_id: int
    language: Language = Language.FR


def create_user(data: UserData, *, actor_id: int) -> User:
    """A new account without a password; a link to choose one is e-mailed."""
    from referral_app.auth.password import send_welcome_link

    email = data.email.strip().lower()
    if _taken(User, User.email, email, None):
        raise AdminError(_("A user with this e-mail already exists."))
    if db.session.get(Centre, data.centre_id) is None:
        raise AdminError(_("Choose a centre."))
    user = User(
        email=email,
        name=data.name.strip(),
        role=data.role,
        centre_id=data.centre_id,
        language=data.language,
        password_hash=None,
    )
    db.session.add(user)
    db.session.flush()
    db.session.expire(user, ["centre"])
    audit.record(
        "create",
        "user",
        user.id,
        user_id=actor_id,
        changes={
            "email": [None, email],
            "role": [None, data.role.value],
            "centre_id": [None, data.centre_id],
        },
    )
    send_welcome_link(user)
    return user


def update_user(user: User, data: UserData, *, actor_id: int) -> dict[str, list]:
    """Change name, e-mail, role, centre or language; leaving a centre ends its site duties."""
    email = data.email.strip().lower()
    if _taken(User, User.email, email, user.id):
        raise AdminError(_("A user with this e-mail already exists."))
    if db.session.get(Centre, data.centre_id) is None:
        raise AdminError(_("Choose a centre."))
    if user.id == actor_id and data.role != user.role:
        raise AdminError(_("You cannot change your own role."))
    changes = audit.apply_changes(
        user,
        {
            "email": email,
            "name": data.name.strip(),
            "role": data.role,
            "centre_id": data.centre_id,
            "language": data.language,
        },
    )
    if "centre_id" in changes:
        _leave_site_duties(user, old_centre_id=changes["centre_id"][0])
    db.session.flush()
    if "centre_id" in changes:
        db.session.expire(user, ["centre"])
    if changes:
        audit.record("update", "user", user.id, user_id=actor_id, changes=changes)
    return changes


def _leave_site_duties(user: User, old_centre_id: int) -> None:
    """Intake contacts are users of the site's centre: remove them from the old centre's sites."""
    site_ids = select(TrialSite.id).where(TrialSite.centre_id == old_centre_id)
    db.session.execute(
        delete(site_intake_contacts).where(
            site_intake_contacts.c.user_id == user.id,
            site_intake_contacts.c.site_id.in_(site_ids),
        )
    )


def deactivate_user(user: User, *, actor_id: int) -> None:
    """End the account's access at once: sessions (nonce) and API tokens (``active``)."""
    if user.id == actor_id:
        raise AdminError(_("You cannot deactivate your own account."))
    if not user.active:
        raise AdminError(_("This account is already deactivated."))
    user.active = False
    end_user_sessions(user.id, "deactivated")
    db.session.flush()
    audit.record("deactivate", "user", user.id, user_id=actor_id)


def reactivate_user(user: User, *, actor_id: int) -> None:
    if user.active:
        raise AdminError(_("This account is already active."))
    user.active = True
    db.session.flush()
    audit.record("reactivate", "user", user.id, user_id=actor_id)


def send_password_link(user: User, *, actor_id: int) -> None:
    from referral_app.auth.password import send_reset_link, send_welcome_link

    if not user.active:
        raise AdminError(_("This account is deactivated."))
    if user.password_hash:
        send_reset_link(user)
    else:
        send_welcome_link(user)
    audit.record("send_password_link", "user", user.id, user_id=actor_id)
