"""Versions of a trial's eligibility criteria (issue 14).

The criteria themselves are JSON (``eligibility.criteria`` says the format). Each
change adds a version and never edits one, so a referral can say which version
it was checked against (``Referral.eligibility_version_id``) and the check can be
replayed later. The trial keeps a copy of its current criteria and version
number (``Trial.criteria``, ``Trial.eligibility_version``) so the trial finder
reads one table; ``eligibility.service.set_criteria`` writes both together.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral_app.extensions import db
from referral_app.timeutil import utcnow

if TYPE_CHECKING:
    from referral_app.models.referral import Referral
    from referral_app.models.trial import Trial
    from referral_app.models.user import User


class EligibilityVersion(db.Model):
    __tablename__ = "eligibility_versions"
    __table_args__ = (
        sa.UniqueConstraint("trial_id", "number"),
        sa.CheckConstraint("number >= 1", name="eligibility_version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(sa.ForeignKey("trials.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    trial: Mapped[Trial] = relationship()
    created_by: Mapped[User | None] = relationship()


class WatchEntry(db.Model):
    """A closed referral its referring centre watches for a trial or site that opens.

    Added by ``eligibility.watchlist`` when a referral is declined because the trial
    was closed or full or the site had no capacity, fails screening on a criterion
    that may change, or loses its site; cleared by a person or when the patient's
    consent no longer stands. ``open_site_ids`` are the matching sites open at the
    last check: a site that opens after it is news, told once.
    """

    __tablename__ = "watch_entries"
    __table_args__ = (sa.Index("ix_watch_entries_active", "cleared_at", "centre_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        sa.ForeignKey("referrals.id", ondelete="CASCADE"), unique=True
    )
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"))
    reason: Mapped[str] = mapped_column(sa.String(30))
    criterion_id: Mapped[str | None] = mapped_column(sa.String(30))
    added_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    checked_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    open_site_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    alerts: Mapped[int] = mapped_column(default=0, server_default="0")
    cleared_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    cleared_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    cleared_why: Mapped[str] = mapped_column(sa.String(30), default="")

    referral: Mapped[Referral] = relationship()
