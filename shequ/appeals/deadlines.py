"""Deadlines 时限: one calendar for every due time, in Asia/Shanghai.

* Hours are calendar hours (an emergency received at 23:30 is due at 01:30).
* Calendar days keep the clock time (Friday 10:00 + 7 days = next Friday 10:00).
* Working days skip Saturdays, Sundays and the ``Holiday`` rows marked as days off, and count
  the ``Holiday`` rows marked as working days (调休). An appeal received on a day off starts at
  00:00 of the next working day; N working days later, at the same clock time, it is due.
  So Saturday 10:00 + 1 working day = Tuesday 00:00 (all of Monday), and
  Wednesday 15:00 + 2 working days = Friday 15:00.

Every function takes the start time: tests pass their own clock, nothing reads ``now`` here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from shequ.core.kept import Kept

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: A web (resident self-service) appeal must be accepted within this many hours (SPEC M1).
WEB_ACCEPT_HOURS = 2


@dataclass(frozen=True)
class Calendar:
    """Which dates are working days: Monday–Friday, minus ``days_off``, plus ``extra_workdays``."""

    days_off: frozenset[dt.date] = frozenset()
    extra_workdays: frozenset[dt.date] = frozenset()

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.days_off:
            return False
        return day.weekday() < 5


#: The holiday calendar kept per process (``calendar_from_db``).
kept_calendar = Kept("calendar", setting="SHEQU_CALENDAR_CACHE_SECONDS")


def calendar_from_db() -> Calendar:
    """The calendar of the ``Holiday`` table (edited in the admin).

    Kept in the process for ``SHEQU_CALENDAR_CACHE_SECONDS`` (default 60; 0 in the tests): a
    change made through the application clears it at once in every process (``Kept``, the
    signals in ``apps``), one made around it (raw SQL) is seen within that time. Every appeal
    intake reads it, so this saves a query per appeal.
    """
    return kept_calendar.read("calendar", _calendar_query)


def _calendar_query() -> Calendar:
    from .models import Holiday

    off, on = set(), set()
    for day, is_workday in Holiday.objects.values_list("date", "is_workday"):
        (on if is_workday else off).add(day)
    return Calendar(days_off=frozenset(off), extra_workdays=frozenset(on))


def clear_calendar_cache(**_kwargs) -> None:
    kept_calendar.changed()


def add_hours(start: dt.datetime, hours: int) -> dt.datetime:
    return _local(start) + dt.timedelta(hours=hours)


def add_calendar_days(start: dt.datetime, days: int) -> dt.datetime:
    local = _local(start)
    return _at(local.date() + dt.timedelta(days=days), local.time())


def add_working_days(start: dt.datetime, days: int, calendar: Calendar) -> dt.datetime:
    local = _local(start)
    day, clock = local.date(), local.time()
    if not calendar.is_working_day(day):
        while not calendar.is_working_day(day):
            day += dt.timedelta(days=1)
        clock = dt.time(0, 0)
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return _at(day, clock)


def add(start: dt.datetime, value: int, unit: str, calendar: Calendar) -> dt.datetime:
    """``start`` + ``value`` ``unit`` (``hours``, ``calendar_days`` or ``working_days``)."""
    if unit == "hours":
        return add_hours(start, value)
    if unit == "calendar_days":
        return add_calendar_days(start, value)
    if unit == "working_days":
        return add_working_days(start, value, calendar)
    raise ValueError(f"unknown time unit {unit!r}")


@dataclass(frozen=True)
class DueTimes:
    accept_due_at: dt.datetime | None
    dispatch_due_at: dt.datetime
    response_due_at: dt.datetime
    completion_due_at: dt.datetime


def due_times(*, received_at: dt.datetime, time_limit, channel: str, calendar: Calendar | None = None) -> DueTimes:
    """The due times of an appeal received at ``received_at`` under class ``time_limit``, counted in
    Asia/Shanghai time and given in ``received_at``'s time zone (UTC for ``timezone.now()``: as
    they read back from the database)."""
    calendar = calendar if calendar is not None else calendar_from_db()
    zone = received_at.tzinfo
    return DueTimes(
        accept_due_at=add_hours(received_at, WEB_ACCEPT_HOURS).astimezone(zone) if channel == "web" else None,
        dispatch_due_at=add_hours(received_at, time_limit.dispatch_hours).astimezone(zone),
        response_due_at=add_hours(received_at, time_limit.response_hours).astimezone(zone),
        completion_due_at=add(received_at, time_limit.completion_value, time_limit.completion_unit,
                              calendar).astimezone(zone),
    )


def warning_at(*, start: dt.datetime, due: dt.datetime, fraction) -> dt.datetime:
    """When a warning is due: ``fraction`` of the time from ``start`` to ``due`` used up."""
    return start + (due - start) * float(fraction)


def _local(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("aware datetimes only")
    return value.astimezone(SHANGHAI)


def _at(day: dt.date, clock: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, clock, tzinfo=SHANGHAI)
