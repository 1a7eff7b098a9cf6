"""The cutoff instant: end of the last working day in the person's own time zone, holidays aware."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays


def zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_hhmm(text: str) -> tuple[int, int]:
    hh, mm = text.split(":")
    return int(hh), int(mm)


def local_end_of_day(day: date, tz: str, workday_end: str) -> datetime:
    """`workday_end` on `day` in `tz`, as UTC. "24:00" means the midnight that ends the day.

    In a DST gap the wall time does not exist: zoneinfo resolves it forwards (fold=0), which keeps the
    cutoff after the intended moment rather than before it.
    """
    hh, mm = parse_hhmm(workday_end)
    extra = timedelta(0)
    if hh == 24:
        hh, extra = 0, timedelta(days=1)
    wall = datetime.combine(day + extra, time(hh, mm), tzinfo=zone(tz))
    # Round-trip through UTC normalises non-existent wall times.
    return wall.astimezone(UTC)


@lru_cache(maxsize=64)
def _calendar(country: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=[year - 1, year, year + 1])


def holiday_name(day: date, country: str | None) -> str | None:
    if not country:
        return None
    return _calendar(country, day.year).get(day)


def non_working_reason(day: date, country: str | None) -> str | None:
    """Why `day` is not a working day, or None when it is."""
    if day.weekday() >= 5:
        return day.strftime("%A")
    name = holiday_name(day, country)
    return f"a public holiday ({name})" if name else None


def previous_working_day(day: date, country: str | None) -> date:
    day -= timedelta(days=1)
    while non_working_reason(day, country):
        day -= timedelta(days=1)
    return day


def local_today(now: datetime, tz: str) -> date:
    return now.astimezone(zone(tz)).date()


def cutoff_at(last_day: date, tz: str, workday_end: str, *, immediate: bool, now: datetime) -> datetime:
    if immediate:
        return now
    return local_end_of_day(last_day, tz, workday_end)


def due_at(due: str, last_day: date, tz: str, workday_end: str, cutoff: datetime) -> datetime:
    """When an item is due: 'cutoff', '±Nd' (end of the day N days from the last day), '±Nh' from cutoff."""
    if due == "cutoff":
        return cutoff
    amount = int(due[:-1])
    if due.endswith("h"):
        return cutoff + timedelta(hours=amount)
    return local_end_of_day(last_day + timedelta(days=amount), tz, workday_end)
