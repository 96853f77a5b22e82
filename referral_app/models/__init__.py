"""Typed SQLAlchemy models, one module per aggregate."""

from referral_app.models.audit import AuditLog, ExportJob
from referral_app.models.community import Community, JoinRequest, Membership
from referral_app.models.enums import (
    OPEN_STATES,
    TERMINAL_STATES,
    EmailMode,
    ExportStatus,
    JoinRequestStatus,
    Language,
    NotificationChannel,
    NotificationStatus,
    Phase,
    ReferralState,
    Role,
    SiteStatus,
    TrialStatus,
    Urgency,
)
from referral_app.models.network import Centre, Region
from referral_app.models.notification import Notification
from referral_app.models.referral import Comment, Referral, ReferralEvent
from referral_app.models.trial import Trial, TrialSite, site_intake_contacts
from referral_app.models.user import ApiToken, User

__all__ = [
    "OPEN_STATES",
    "TERMINAL_STATES",
    "ApiToken",
    "AuditLog",
    "Centre",
    "Comment",
    "Community",
    "EmailMode",
    "ExportJob",
    "ExportStatus",
    "JoinRequest",
    "JoinRequestStatus",
    "Language",
    "Membership",
    "Notification",
    "NotificationChannel",
    "NotificationStatus",
    "Phase",
    "Referral",
    "ReferralEvent",
    "ReferralState",
    "Region",
    "Role",
    "SiteStatus",
    "Trial",
    "TrialSite",
    "TrialStatus",
    "Urgency",
    "User",
    "site_intake_contacts",
]
