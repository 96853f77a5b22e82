"""Typed SQLAlchemy models, one module per aggregate.

The shared enumerations (``referral_app.enums``) and the referral's states
(``referral_app.workflow.states``) are re-exported for the models' users.
"""

from referral_app.enums import (
    DocumentCategory,
    EmailMode,
    ExportStatus,
    JoinRequestStatus,
    Language,
    NotificationChannel,
    NotificationStatus,
    Phase,
    Role,
    SiteStatus,
    TrialStatus,
    Urgency,
)
from referral_app.models.audit import AuditLog, ExportJob
from referral_app.models.community import Community, JoinRequest, Membership
from referral_app.models.document import Document
from referral_app.models.eligibility import EligibilityVersion, WatchEntry
from referral_app.models.idempotency import IdempotencyKey
from referral_app.models.network import Centre, Region
from referral_app.models.notification import Notification
from referral_app.models.referral import Comment, Referral, ReferralEvent
from referral_app.models.report import (
    ReportCentreMonth,
    ReportDurationMonth,
    ReportFlowMonth,
    ReportTrialMonth,
)
from referral_app.models.session import RecoveryCode, UserSession
from referral_app.models.trial import FacilityAlias, Trial, TrialSite, site_intake_contacts
from referral_app.models.user import ApiToken, User
from referral_app.workflow.states import ReferralState

__all__ = [
    "ApiToken",
    "AuditLog",
    "Centre",
    "Comment",
    "Community",
    "Document",
    "DocumentCategory",
    "EligibilityVersion",
    "EmailMode",
    "ExportJob",
    "ExportStatus",
    "FacilityAlias",
    "IdempotencyKey",
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
    "RecoveryCode",
    "Region",
    "ReportCentreMonth",
    "ReportDurationMonth",
    "ReportFlowMonth",
    "ReportTrialMonth",
    "Role",
    "SiteStatus",
    "Trial",
    "TrialSite",
    "TrialStatus",
    "Urgency",
    "User",
    "UserSession",
    "WatchEntry",
    "site_intake_contacts",
]
