"""Time helpers: aware UTC timestamps everywhere, Quebec dates for people and clocks."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from config import QUEBEC_TIME_ZONE

QUEBEC_TZ = ZoneInfo(QUEBEC_TIME_ZONE)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes; treat them as UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def local_date(value: dt.date | dt.datetime) -> dt.date:
    """The Quebec calendar date of a date or a datetime (naive datetimes are UTC)."""
    if isinstance(value, dt.datetime):
        return as_utc(value).astimezone(QUEBEC_TZ).date()
    return value


def local_today(now: dt.datetime | None = None) -> dt.date:
    """Today in Quebec, or the Quebec date of ``now`` (a frozen clock in tests)."""
    return local_date(now or utcnow())


def quebec_moment(day: dt.date, time: dt.time) -> dt.datetime:
    """``day`` at ``time`` on a Quebec wall clock, as an aware UTC datetime."""
    return dt.datetime.combine(day, time, tzinfo=QUEBEC_TZ).astimezone(dt.UTC)
