"""The shared vocabulary: enumerations stored as strings with CHECK constraints.

Values are the stored codes; labels for people come from ``labels.py`` so that
they are translated. The referral's states and events belong to the lifecycle
(``referral_app.workflow.states``). This module imports nothing of the project,
so that every layer may use it.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    COORDINATOR = "coordinator"
    NURSE = "nurse"
    PHYSICIAN = "physician"
    MANAGER = "manager"
    ADMIN = "admin"


# The people who handle patients: they file referrals and act on them (DESIGN §1).
CLINICAL_ROLES = frozenset({Role.COORDINATOR, Role.NURSE, Role.PHYSICIAN})
# Who answers incoming referrals for a site (physicians only on the site's team).
INTAKE_ROLES = frozenset({Role.COORDINATOR, Role.NURSE})


class Language(enum.StrEnum):
    FR = "fr"
    EN = "en"


class EmailMode(enum.StrEnum):
    IMMEDIATE = "immediate"
    DIGEST = "digest"


class TrialStatus(enum.StrEnum):
    UPCOMING = "upcoming"
    RECRUITING = "recruiting"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class SiteStatus(enum.StrEnum):
    UPCOMING = "upcoming"
    RECRUITING = "recruiting"
    CLOSED = "closed"


class Phase(enum.StrEnum):
    PHASE1 = "phase1"
    PHASE1_2 = "phase1_2"
    PHASE2 = "phase2"
    PHASE2_3 = "phase2_3"
    PHASE3 = "phase3"
    PHASE4 = "phase4"
    NA = "na"


class Urgency(enum.StrEnum):
    ROUTINE = "routine"
    PRIORITY = "priority"
    URGENT = "urgent"


class JoinRequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class NotificationChannel(enum.StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"


class NotificationStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DIGEST = "digest"  # waits for the recipient's digest


class ExportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class DocumentCategory(enum.StrEnum):
    """What a clinical document is (issue 13): the info-request checklist asks by category."""

    PATHOLOGY = "pathology"
    IMAGING = "imaging"
    LABORATORY = "laboratory"
    MOLECULAR = "molecular"
    CONSULT_NOTE = "consult_note"
    CONSENT_FORM = "consent_form"
    OTHER = "other"
