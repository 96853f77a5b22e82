"""A calendar of Quebec business days, so SQL can count business days.

Each row is a calendar day with ``ordinal``, the number of business days from the
start of the table up to and including that day. The business days after ``a`` up
to and including ``b`` are then ``ordinal(b) - ordinal(a)`` (the same rule as
``referral_app.business_days.business_days_between``): reports compute their
durations with two joins on this small table instead of Python loops. Filled by
``referral_app.reports.calendar.ensure_calendar``.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from referral_app.extensions import db


class BusinessDay(db.Model):
    __tablename__ = "business_day_calendar"

    day: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    ordinal: Mapped[int] = mapped_column(index=True)
    is_business_day: Mapped[bool] = mapped_column()
