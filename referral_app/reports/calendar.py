"""Filling the business-day calendar table that report queries join on.

Business days between two timestamps are ``ordinal(end day) - ordinal(start day)``
(see ``referral_app.models.calendar``). The table covers 2015-2040 and is filled
on first use, idempotently (``INSERT ... ON CONFLICT DO NOTHING``), so a new
database, a test, or the benchmark database gets it without a separate step.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from referral_app.business_days import is_business_day
from referral_app.extensions import db
from referral_app.models import BusinessDay

FIRST_DAY = dt.date(2015, 1, 1)
LAST_DAY = dt.date(2040, 12, 31)


@lru_cache(maxsize=1)
def calendar_rows() -> tuple[dict, ...]:
    """Every day of the range with its running count of business days."""
    rows = []
    ordinal = 0
    day = FIRST_DAY
    while day <= LAST_DAY:
        business = is_business_day(day)
        ordinal += int(business)
        rows.append({"day": day, "ordinal": ordinal, "is_business_day": business})
        day += dt.timedelta(days=1)
    return tuple(rows)


def ordinal_of(day: dt.date) -> int:
    """The ordinal of ``day`` computed in Python (same values as the table)."""
    index = (day - FIRST_DAY).days
    rows = calendar_rows()
    if not 0 <= index < len(rows):
        raise ValueError(f"{day} is outside the business-day calendar")
    return rows[index]["ordinal"]


def business_day_with_ordinal(ordinal: int) -> dt.date:
    """The business day whose ordinal is ``ordinal`` (the first day with that count)."""
    for row in calendar_rows():
        if row["ordinal"] == ordinal and row["is_business_day"]:
            return row["day"]
    raise ValueError(f"ordinal {ordinal} is outside the business-day calendar")


def ensure_calendar(session=None) -> bool:
    """Fill the calendar table if it is not complete; True when rows were added."""
    session = session or db.session
    if session.get(BusinessDay, LAST_DAY) is not None:
        return False
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(BusinessDay).on_conflict_do_nothing(index_elements=["day"])
    session.execute(statement, list(calendar_rows()))
    session.flush()
    return True


def calendar_table() -> sa.Table:
    return BusinessDay.__table__
