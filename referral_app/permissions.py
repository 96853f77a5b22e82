"""Who may see and do what (DESIGN §1). Views, the API and workers all ask here.

Functions take the acting user first and return a bool; none touches the request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from referral_app.enums import CLINICAL_ROLES, INTAKE_ROLES, Role
from referral_app.extensions import db
from referral_app.models import Community

if TYPE_CHECKING:
    from referral_app.models import Referral, TrialSite, User


def is_admin(user: User) -> bool:
    return user.is_authenticated and user.role == Role.ADMIN


def is_clinical(user: User) -> bool:
    """Coordinators, nurses and physicians: the people who handle patients."""
    return user.is_authenticated and user.role in CLINICAL_ROLES


def can_file_referral(user: User) -> bool:
    return is_clinical(user)


def side_of(user: User, referral: Referral) -> str | None:
    """``"referring"``, ``"receiving"`` or None for the user's centre on this referral."""
    if user.centre_id == referral.referring_centre_id:
        return "referring"
    if user.centre_id == referral.receiving_centre_id:
        return "receiving"
    return None


def can_view_referral(user: User, referral: Referral) -> bool:
    """The two centres' staff and admins open a referral; others get 404."""
    if not user.is_authenticated:
        return False
    return is_admin(user) or side_of(user, referral) is not None


def can_see_patient_data(user: User, referral: Referral, *, reason: str | None = None) -> bool:
    """Identifiers and clinical content: summary, notes, comments, documents.

    Clinical staff of the two centres; an admin only with a stated ``reason``,
    which the caller records (``patient_data.reveal``). Managers never: their
    reports need the state, dates, trial, centres and reason codes, not the patient.
    """
    if is_clinical(user) and side_of(user, referral) is not None:
        return True
    return is_admin(user) and bool(reason and reason.strip())


def admin_needs_reason(user: User, referral: Referral) -> bool:
    """Admins are never clinical staff: they see patient data only with a reason."""
    return is_admin(user) and not can_see_patient_data(user, referral)


def can_act_for_receiving(user: User, referral: Referral) -> bool:
    """Coordinators and nurses of the receiving centre; physicians on the site team."""
    if user.centre_id != referral.receiving_centre_id:
        return False
    if user.role in INTAKE_ROLES:
        return True
    if user.role == Role.PHYSICIAN:
        return any(contact.id == user.id for contact in referral.site.intake_contacts)
    return False


def can_act_for_referring(user: User, referral: Referral) -> bool:
    return is_clinical(user) and user.centre_id == referral.referring_centre_id


def can_view_reports(user: User) -> bool:
    if not user.is_authenticated:
        return False
    return user.role in (Role.MANAGER, Role.ADMIN) or is_community_leader(user)


def is_community_leader(user: User) -> bool:
    leads = select(Community.id).where(Community.leader_id == user.id).limit(1)
    return db.session.scalar(leads) is not None


def can_manage_trials(user: User) -> bool:
    return is_admin(user)


def can_manage_site(user: User, site: TrialSite) -> bool:
    if is_admin(user):
        return True
    return user.role in INTAKE_ROLES and user.centre_id == site.centre_id


def can_manage_community(user: User, community: Community) -> bool:
    return is_admin(user) or (user.is_authenticated and community.leader_id == user.id)
