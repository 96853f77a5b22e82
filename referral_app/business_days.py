"""Business days in Quebec: weekdays that are not Quebec statutory holidays.

The referral clocks (DESIGN §3) count in business days. Datetimes are turned into
dates in Quebec's time zone first, so a referral submitted late on a Friday
evening counts from that Friday, as people there see it.

- ``add_business_days(start, n)``: the date ``n`` business days after ``start``.
- ``business_days_between(a, b)``: business days after ``a`` up to and including
  ``b`` (0 when ``b <= a``), so ``business_days_between(d, add_business_days(d, n)) == n``.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

from referral_app.timeutil import QUEBEC_TZ, local_date, local_today

__all__ = ["QUEBEC_TZ", "add_business_days", "business_days_between", "local_date", "today"]


@lru_cache(maxsize=64)
def _holidays_of(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.Canada(subdiv="QC", years=year).keys())


def today() -> dt.date:
    return local_today()


def is_business_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays_of(day.year)


def add_business_days(start: dt.date | dt.datetime, n: int) -> dt.date:
    """The date ``n`` business days after ``start`` (``n >= 0``; 0 gives ``start``)."""
    if n < 0:
        raise ValueError("n must be zero or positive")
    day = local_date(start)
    remaining = n
    while remaining:
        day += dt.timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    return day


def business_days_between(a: dt.date | dt.datetime, b: dt.date | dt.datetime) -> int:
    """Business days after ``a`` up to and including ``b``; 0 when ``b`` is not after ``a``."""
    start, end = local_date(a), local_date(b)
    if end <= start:
        return 0
    # Whole weeks first, so long spans stay cheap; then the remaining days one by one.
    span = (end - start).days
    weeks, rest = divmod(span, 7)
    count = weeks * 5
    day = start + dt.timedelta(days=7 * weeks)
    for _ in range(rest):
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    holidays_in_span = sum(
        1
        for year in range(start.year, end.year + 1)
        for holiday in _holidays_of(year)
        if start < holiday <= end and holiday.weekday() < 5
    )
    return count - holidays_in_span
