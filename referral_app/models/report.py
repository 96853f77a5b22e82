"""Monthly report summaries kept up to date by the workflow (``reports.aggregates``).

Derived data: every row is a sum over referrals submitted in one Quebec month,
grouped by the key columns (the primary key). ``reports.aggregates`` says what
each table holds and how it is computed; ``engine.apply_event`` updates them in
the event's transaction and ``flask reports rebuild-aggregates`` recomputes them.
No foreign keys: a summary never blocks a change to the network.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from referral_app.extensions import db


def _key(length: int | None = None) -> Mapped:
    return mapped_column(sa.String(length) if length else sa.Integer, primary_key=True)


def _measure() -> Mapped[int]:
    return mapped_column(sa.Integer, default=0, server_default="0")


class ReportCentreMonth(db.Model):
    """Per month, centre and side (a referral counts once at its referring centre,
    once at its receiving centre when that is another centre, and once in the
    network's rows, centre 0), state and reason."""

    __tablename__ = "report_centre_months"
    __table_args__ = (sa.Index("ix_report_centre_months_centre", "centre_id", "month"),)

    month: Mapped[str] = _key(7)
    centre_id: Mapped[int] = _key()
    role: Mapped[str] = _key(10)
    state: Mapped[str] = _key(20)
    reason: Mapped[str] = _key(40)
    referrals: Mapped[int] = _measure()
    acknowledged: Mapped[int] = _measure()
    accepted: Mapped[int] = _measure()
    screening: Mapped[int] = _measure()
    enrolled: Mapped[int] = _measure()
    decided: Mapped[int] = _measure()
    declined: Mapped[int] = _measure()
    open: Mapped[int] = _measure()


class ReportDurationMonth(db.Model):
    """Histogram of stored business-day durations (medians are read off it exactly)."""

    __tablename__ = "report_duration_months"
    __table_args__ = (sa.Index("ix_report_duration_months_centre", "centre_id", "month"),)

    month: Mapped[str] = _key(7)
    centre_id: Mapped[int] = _key()
    role: Mapped[str] = _key(10)
    kind: Mapped[str] = _key(12)
    days: Mapped[int] = _key()
    referrals: Mapped[int] = _measure()


class ReportFlowMonth(db.Model):
    """Per month, referring centre and receiving centre (flow matrix, credit to referrers)."""

    __tablename__ = "report_flow_months"
    __table_args__ = (sa.Index("ix_report_flow_months_receiving", "receiving_centre_id", "month"),)

    month: Mapped[str] = _key(7)
    referring_centre_id: Mapped[int] = _key()
    receiving_centre_id: Mapped[int] = _key()
    referrals: Mapped[int] = _measure()
    accepted: Mapped[int] = _measure()
    enrolled: Mapped[int] = _measure()
    declined: Mapped[int] = _measure()
    open: Mapped[int] = _measure()


class ReportTrialMonth(db.Model):
    """Per month and trial (the network's tables per trial and per community)."""

    __tablename__ = "report_trial_months"

    month: Mapped[str] = _key(7)
    trial_id: Mapped[int] = _key()
    referrals: Mapped[int] = _measure()
    accepted: Mapped[int] = _measure()
    enrolled: Mapped[int] = _measure()
    declined: Mapped[int] = _measure()
    open: Mapped[int] = _measure()
