"""Enumerations stored as strings with CHECK constraints.

Values are the stored codes; labels for people come from ``labels.py`` so that
they are translated.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa


class Role(enum.StrEnum):
    COORDINATOR = "coordinator"
    NURSE = "nurse"
    PHYSICIAN = "physician"
    MANAGER = "manager"
    ADMIN = "admin"


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


class ReferralState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    INFO_REQUESTED = "info_requested"
    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    SCREENING = "screening"
    ENROLLED = "enrolled"
    SCREEN_FAILED = "screen_failed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


OPEN_STATES = frozenset(
    {
        ReferralState.SUBMITTED,
        ReferralState.ACKNOWLEDGED,
        ReferralState.INFO_REQUESTED,
        ReferralState.ACCEPTED,
        ReferralState.SCHEDULED,
        ReferralState.SCREENING,
    }
)
TERMINAL_STATES = frozenset(
    {
        ReferralState.DECLINED,
        ReferralState.ENROLLED,
        ReferralState.SCREEN_FAILED,
        ReferralState.WITHDRAWN,
    }
)
DECIDED_STATES = frozenset(
    {
        ReferralState.ACCEPTED,
        ReferralState.SCHEDULED,
        ReferralState.SCREENING,
        ReferralState.ENROLLED,
        ReferralState.SCREEN_FAILED,
        ReferralState.DECLINED,
    }
)


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


def enum_column(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A portable enum type: VARCHAR plus a named CHECK constraint."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls) + 4,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def in_list(states) -> str:
    """SQL list literal of enum values, for CHECK constraints."""
    return ", ".join(f"'{s.value}'" for s in sorted(states, key=lambda s: s.value))
