"""Business days in Quebec (weekends and Quebec holidays excluded)."""

from __future__ import annotations

import datetime as dt

import pytest

from referral_app.business_days import (
    add_business_days,
    business_days_between,
    is_business_day,
    local_date,
)


def test_weekends_and_quebec_holidays_are_skipped():
    assert not is_business_day(dt.date(2026, 6, 24))  # Fête nationale (Wednesday)
    assert not is_business_day(dt.date(2026, 7, 1))  # Canada Day
    assert not is_business_day(dt.date(2026, 4, 3))  # Good Friday
    assert not is_business_day(dt.date(2026, 5, 18))  # Journée nationale des patriotes
    assert not is_business_day(dt.date(2026, 6, 27))  # Saturday
    assert is_business_day(dt.date(2026, 6, 23))
    assert is_business_day(dt.date(2026, 8, 3))  # not a holiday in Quebec (Civic holiday elsewhere)


def test_add_business_days():
    assert add_business_days(dt.date(2026, 6, 22), 2) == dt.date(2026, 6, 25)  # skips the 24th
    assert add_business_days(dt.date(2026, 6, 26), 1) == dt.date(2026, 6, 29)  # Fri → Mon
    assert add_business_days(dt.date(2026, 6, 30), 1) == dt.date(2026, 7, 2)  # skips July 1st
    assert add_business_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 28)
    assert add_business_days(dt.date(2026, 6, 22), 0) == dt.date(2026, 6, 22)
    with pytest.raises(ValueError):
        add_business_days(dt.date(2026, 6, 22), -1)


def test_between_counts_days_after_start_up_to_end():
    assert business_days_between(dt.date(2026, 6, 22), dt.date(2026, 6, 26)) == 3  # 23, 25, 26
    assert business_days_between(dt.date(2026, 6, 26), dt.date(2026, 6, 22)) == 0
    # 2026: 260 weekdays after January 1st, minus 7 weekday holidays in Quebec.
    assert business_days_between(dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == 253


def test_between_matches_a_day_by_day_count():
    start = dt.date(2025, 11, 3)
    for span in range(0, 500, 7):
        end = start + dt.timedelta(days=span)
        slow = sum(is_business_day(start + dt.timedelta(days=d)) for d in range(1, span + 1))
        assert business_days_between(start, end) == slow


@pytest.mark.parametrize("n", [0, 1, 2, 5, 7, 20, 260])
def test_between_inverts_add(n):
    for start in (dt.date(2026, 6, 19), dt.date(2026, 12, 23), dt.date(2027, 3, 26)):
        assert business_days_between(start, add_business_days(start, n)) == n


def test_datetimes_count_in_quebec_time():
    # 02:00 UTC on Saturday is still Friday evening in Montréal.
    late_friday = dt.datetime(2026, 6, 27, 2, 0, tzinfo=dt.UTC)
    assert local_date(late_friday) == dt.date(2026, 6, 26)
    assert local_date(dt.datetime(2026, 6, 27, 2, 0)) == dt.date(2026, 6, 26)  # naive = UTC
    assert add_business_days(late_friday, 1) == dt.date(2026, 6, 29)
