"""Working days in the Netherlands: weekends and Dutch public holidays do not count."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@lru_cache(maxsize=64)
def _dutch_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("NL", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _dutch_holidays(day.year)


def add_working_days(start: datetime, days: int) -> datetime:
    """The moment `days` working days after `start` (same local time of day).

    Counted on the Amsterdam calendar, returned in the tz of `start`.
    """
    local = start.astimezone(AMSTERDAM)
    day = _working_day_after(local.date(), days)
    result = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=AMSTERDAM)
    return result.astimezone(start.tzinfo)


@lru_cache(maxsize=4096)
def _working_day_after(day: date, days: int) -> date:
    """The calendar day `days` working days from `day` (asked for every task due date)."""
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    while remaining:
        day += timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
