"""Referrals of a patient to a trial site, their history and their comments.

Patient identifiers live only in ``identifiers_encrypted`` (a Fernet token of a
JSON object); duplicates are found through ``patient_key``, a keyed HMAC of the
health-insurance number. See ``referral_app.patient_data``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from config import QUEBEC_TIME_ZONE
from referral_app.enums import Language, Urgency
from referral_app.extensions import db
from referral_app.models.columns import enum_column, in_list
from referral_app.timeutil import utcnow
from referral_app.workflow.states import (
    DECIDED_STATES,
    INITIAL_STATE,
    OPEN_STATES,
    TERMINAL_STATES,
    Event,
    ReferralState,
)

if TYPE_CHECKING:
    from referral_app.models.eligibility import EligibilityVersion
    from referral_app.models.network import Centre, Region
    from referral_app.models.trial import Trial, TrialSite
    from referral_app.models.user import User


class Referral(db.Model):
    __tablename__ = "referrals"
    __table_args__ = (
        sa.CheckConstraint(
            f"state = '{INITIAL_STATE.value}' OR patient_consent", name="consent_after_draft"
        ),
        sa.CheckConstraint(
            f"state = '{INITIAL_STATE.value}' OR submitted_at IS NOT NULL", name="submitted_at"
        ),
        sa.CheckConstraint(
            f"state NOT IN ({in_list(DECIDED_STATES)}) OR decided_at IS NOT NULL",
            name="decided_at",
        ),
        sa.CheckConstraint(
            f"state NOT IN ({in_list(TERMINAL_STATES)}) OR closed_at IS NOT NULL",
            name="closed_at",
        ),
        sa.CheckConstraint(
            "state != 'enrolled' OR (enrolled_on IS NOT NULL AND study_subject_id IS NOT NULL)",
            name="enrollment_recorded",
        ),
        sa.CheckConstraint("ecog IS NULL OR (ecog BETWEEN 0 AND 4)", name="ecog_range"),
        sa.CheckConstraint("prior_lines IS NULL OR prior_lines >= 0", name="prior_lines"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint("ack_business_days >= 0", name="ack_business_days"),
        sa.CheckConstraint("decision_business_days >= 0", name="decision_business_days"),
        sa.CheckConstraint("enrollment_business_days >= 0", name="enrollment_business_days"),
        sa.Index("ix_referrals_receiving_state", "receiving_centre_id", "state", "submitted_at"),
        # The inbox's order and the outgoing list's, each served by one index scan
        # from its first page to its last (keyset pagination, ``pagination.py``).
        sa.Index(
            "ix_referrals_receiving_queue",
            "receiving_centre_id",
            "queue_rank",
            "submitted_at",
            "id",
        ),
        sa.Index("ix_referrals_referring_created", "referring_centre_id", "created_at", "id"),
        sa.Index("ix_referrals_referring_state", "referring_centre_id", "state", "created_at"),
        # A centre's reports over a date range, on its referring side (the receiving
        # side has ``ix_referrals_receiving_queue``); migration 0007.
        sa.Index("ix_referrals_referring_submitted", "referring_centre_id", "submitted_at"),
        # A trial's referrals by state, and the few to niche trials that the niche
        # coverage report reads out of a million, from the index alone (migration 0009).
        sa.Index(
            "ix_referrals_trial_flow",
            "trial_id",
            "state",
            "submitted_at",
            "referring_centre_id",
            "receiving_centre_id",
        ),
        sa.Index("ix_referrals_state_submitted", "state", "submitted_at"),
        # Submission order and date ranges; the stored durations ride along, so the
        # reports' duration figures are an index-only scan.
        sa.Index(
            "ix_referrals_submitted_durations",
            "submitted_at",
            "ack_business_days",
            "decision_business_days",
            "enrollment_business_days",
        ),
        sa.Index("ix_referrals_patient_key", "patient_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    state: Mapped[ReferralState] = mapped_column(
        enum_column(ReferralState, "referral_state"), default=ReferralState.DRAFT
    )
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # The inbox order (``workflow.queue``): open by urgency, then closed.
    queue_rank: Mapped[int] = mapped_column(sa.SmallInteger, default=5, server_default="5")
    urgency: Mapped[Urgency] = mapped_column(
        enum_column(Urgency, "referral_urgency"), default=Urgency.ROUTINE
    )

    trial_id: Mapped[int] = mapped_column(sa.ForeignKey("trials.id"))
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("trial_sites.id"), index=True)
    referring_centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"))
    receiving_centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"))
    referring_user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    previous_referral_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("referrals.id", ondelete="SET NULL"), index=True
    )

    patient_consent: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    identifiers_encrypted: Mapped[str | None] = mapped_column(sa.Text)
    patient_key: Mapped[str | None] = mapped_column(sa.String(64))
    patient_region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"))
    patient_language: Mapped[Language] = mapped_column(
        enum_column(Language, "patient_language"), default=Language.FR
    )

    diagnosis: Mapped[str] = mapped_column(sa.String(300), default="")
    histology: Mapped[str] = mapped_column(sa.String(200), default="")
    stage: Mapped[str] = mapped_column(sa.String(40), default="")
    biomarkers: Mapped[str] = mapped_column(sa.String(300), default="")
    ecog: Mapped[int | None] = mapped_column(sa.SmallInteger)
    prior_lines: Mapped[int | None] = mapped_column(sa.SmallInteger)
    clinical_notes: Mapped[str] = mapped_column(sa.Text, default="")
    # The structured summary (issue 14; ``eligibility.summary``): what the criteria
    # are checked against. The free-text fields above stay beside it as notes.
    tumour_code: Mapped[str | None] = mapped_column(sa.String(20))  # OncoTree
    stage_group: Mapped[str | None] = mapped_column(sa.String(12))
    biomarker_results: Mapped[list[dict]] = mapped_column(
        sa.JSON, default=list, server_default="[]"
    )
    prior_therapies: Mapped[list[str] | None] = mapped_column(sa.JSON)  # None: not given
    brain_metastases: Mapped[bool | None] = mapped_column()
    measurable_disease: Mapped[bool | None] = mapped_column()
    patient_age: Mapped[int | None] = mapped_column(sa.SmallInteger)
    # The pre-screen: the criteria version checked at submission, and the referrer's
    # answers to the items the summary could not decide ({criterion id: "met"|"not_met"}).
    eligibility_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("eligibility_versions.id", ondelete="SET NULL")
    )
    prescreen_answers: Mapped[dict[str, str]] = mapped_column(
        sa.JSON, default=dict, server_default="{}"
    )
    # Where the draft was started: "finder" from a trial finder's result (reports).
    origin: Mapped[str | None] = mapped_column(sa.String(20))
    # Criteria not met at submission (None: the trial had no criteria): "sent despite".
    prescreen_not_met: Mapped[int | None] = mapped_column(sa.SmallInteger)

    # Milestones, set by the state machine.
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    submitted_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    info_requested_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    state_before_info: Mapped[ReferralState | None] = mapped_column(
        enum_column(ReferralState, "referral_state_before_info")
    )
    # Business days spent waiting for information since submission (reports).
    paused_business_days: Mapped[int] = mapped_column(default=0, server_default="0")
    # The clocks' dates (``workflow.clocks``), stored when each clock starts and
    # moved by forwards and pauses: overdue, reminded, escalated after them.
    ack_due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    ack_escalation_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    decision_due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    decision_escalation_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    info_due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    decided_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    consult_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    consent_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    screening_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    enrolled_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    enrolled_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    study_subject_id: Mapped[str | None] = mapped_column(sa.String(60))
    closed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    outcome_reason: Mapped[str | None] = mapped_column(sa.String(40))
    # Business days from submission to each milestone, stored by the workflow when the
    # milestone happens (``workflow.record_durations``) so reports read one column
    # instead of counting business days over every referral.
    ack_business_days: Mapped[int | None] = mapped_column(sa.SmallInteger)
    decision_business_days: Mapped[int | None] = mapped_column(sa.SmallInteger)
    enrollment_business_days: Mapped[int | None] = mapped_column(sa.SmallInteger)

    trial: Mapped[Trial] = relationship()
    site: Mapped[TrialSite] = relationship()
    referring_centre: Mapped[Centre] = relationship(foreign_keys=[referring_centre_id])
    receiving_centre: Mapped[Centre] = relationship(foreign_keys=[receiving_centre_id])
    referring_user: Mapped[User] = relationship()
    patient_region: Mapped[Region | None] = relationship()
    previous_referral: Mapped[Referral | None] = relationship(remote_side=[id])
    eligibility_checked: Mapped[EligibilityVersion | None] = relationship()
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", order_by="ReferralEvent.id", cascade="all, delete-orphan"
    )
    comments: Mapped[list[Comment]] = relationship(
        back_populates="referral", order_by="Comment.id", cascade="all, delete-orphan"
    )

    # ``version`` counts the referral's events: the workflow engine sets it, and
    # SQLAlchemy checks it in every UPDATE (optimistic locking).
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_draft(self) -> bool:
        return self.state == INITIAL_STATE


class ReferralEvent(db.Model):
    """Append-only history of a referral; the timeline is this table."""

    __tablename__ = "referral_events"
    __table_args__ = (
        sa.Index("ix_referral_events_referral", "referral_id", "id"),
        sa.CheckConstraint(f"event IN ({in_list(Event)})", name="event_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referrals.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(sa.String(30))
    from_state: Mapped[ReferralState | None] = mapped_column(
        enum_column(ReferralState, "event_from_state")
    )
    to_state: Mapped[ReferralState] = mapped_column(enum_column(ReferralState, "event_to_state"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    reason_code: Mapped[str | None] = mapped_column(sa.String(40))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    referral: Mapped[Referral] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (sa.Index("ix_comments_referral", "referral_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referrals.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()


# The monthly trend groups by this expression; without statistics PostgreSQL
# expects one group per row and sorts a million rows on disk instead of hashing
# about sixty months (bench: 850 ms → 500 ms at 1M referrals). Same statement in
# migration 0002.
SUBMITTED_MONTH_STATISTICS = sa.DDL(
    "CREATE STATISTICS IF NOT EXISTS st_referrals_submitted_month "
    f"ON (to_char(timezone('{QUEBEC_TIME_ZONE}', submitted_at), 'YYYY-MM')) FROM referrals"
)
sa.event.listen(
    Referral.__table__, "after_create", SUBMITTED_MONTH_STATISTICS.execute_if(dialect="postgresql")
)
