"""Cutoff arithmetic: the person's own zone, DST weeks, holidays, weekends, midnight edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot import workdays as cal


def test_both_sides_of_utc():
    assert cal.local_end_of_day(date(2026, 12, 4), "America/Los_Angeles", "17:00") == datetime(
        2026, 12, 5, 1, 0, tzinfo=UTC
    )
    assert cal.local_end_of_day(date(2026, 12, 4), "Asia/Tokyo", "17:00") == datetime(
        2026, 12, 4, 8, 0, tzinfo=UTC
    )
    assert cal.local_end_of_day(date(2026, 12, 4), "Asia/Kolkata", "17:00") == datetime(
        2026, 12, 4, 11, 30, tzinfo=UTC
    )


def test_us_dst_change_week():
    # US clocks go back on Sunday 1 Nov 2026: Friday before is EDT (UTC-4), Monday after EST (UTC-5).
    assert cal.local_end_of_day(date(2026, 10, 30), "America/New_York", "17:00").hour == 21
    assert cal.local_end_of_day(date(2026, 11, 2), "America/New_York", "17:00").hour == 22


def test_eu_dst_change_week():
    # EU clocks go forward on Sunday 29 Mar 2026: Friday CET (UTC+1), Monday CEST (UTC+2).
    assert cal.local_end_of_day(date(2026, 3, 27), "Europe/Berlin", "17:00").hour == 16
    assert cal.local_end_of_day(date(2026, 3, 30), "Europe/Berlin", "17:00").hour == 15


def test_wall_time_in_a_dst_gap_resolves_after_it():
    # 02:30 on 8 Mar 2026 does not exist in New York; the cutoff must not land before the gap.
    got = cal.local_end_of_day(date(2026, 3, 8), "America/New_York", "02:30")
    assert got >= datetime(2026, 3, 8, 7, 0, tzinfo=UTC)


def test_midnight_edges():
    assert cal.local_end_of_day(date(2026, 12, 4), "UTC", "24:00") == datetime(2026, 12, 5, 0, 0, tzinfo=UTC)
    assert cal.local_end_of_day(date(2026, 12, 4), "UTC", "00:00") == datetime(2026, 12, 4, 0, 0, tzinfo=UTC)


def test_holidays_and_weekends():
    assert cal.non_working_reason(date(2026, 11, 26), "US") == "a public holiday (Thanksgiving Day)"
    assert cal.non_working_reason(date(2026, 11, 28), "US") == "Saturday"
    assert cal.non_working_reason(date(2026, 11, 27), "US") is None
    assert cal.previous_working_day(date(2026, 11, 26), "US") == date(2026, 11, 25)
    assert cal.previous_working_day(date(2026, 11, 30), "US") == date(2026, 11, 27)
    assert cal.non_working_reason(date(2026, 12, 25), "GB") is not None
    assert cal.non_working_reason(date(2026, 11, 26), None) is None


def test_involuntary_is_now():
    now = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    assert cal.cutoff_at(date(2026, 12, 4), "UTC", "17:00", immediate=True, now=now) == now


ZONES = ["America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Berlin", "Asia/Tokyo",
         "Australia/Sydney", "Pacific/Auckland", "America/Sao_Paulo", "Asia/Kolkata", "UTC"]  # fmt: skip


@given(
    day=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
    tz=st.sampled_from(ZONES),
    hh=st.integers(0, 23),
    mm=st.integers(0, 59),
)
def test_cutoff_is_that_wall_time_on_that_day(day, tz, hh, mm):
    got = cal.local_end_of_day(day, tz, f"{hh:02d}:{mm:02d}")
    local = got.astimezone(ZoneInfo(tz))
    assert got.tzinfo is not None
    # Same local day; the wall time is the one asked for, or just after it inside a DST gap.
    assert local.date() == day
    asked = datetime(day.year, day.month, day.day, hh, mm)
    assert timedelta(0) <= local.replace(tzinfo=None) - asked <= timedelta(hours=1)


@given(day=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)), tz=st.sampled_from(ZONES))
def test_midnight_end_is_start_of_next_day(day, tz):
    end = cal.local_end_of_day(day, tz, "24:00").astimezone(ZoneInfo(tz))
    assert end.date() == day + timedelta(days=1) and (end.hour, end.minute) == (0, 0)


@given(day=st.dates(min_value=date(2025, 1, 5), max_value=date(2030, 12, 31)))
def test_previous_working_day_is_a_working_day_before(day):
    prev = cal.previous_working_day(day, "US")
    assert prev < day and cal.non_working_reason(prev, "US") is None
    between = [prev + timedelta(days=n) for n in range(1, (day - prev).days)]
    assert all(cal.non_working_reason(d, "US") for d in between)
