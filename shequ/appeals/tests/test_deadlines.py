"""Deadlines in Asia/Shanghai: calendar hours across midnight, calendar days, working days across
weekends and holidays; the clock is always passed in."""
import datetime as dt
from types import SimpleNamespace

import pytest

from shequ.appeals import deadlines
from shequ.appeals.deadlines import SHANGHAI, Calendar
from shequ.appeals.models import Holiday

NO_HOLIDAYS = Calendar()


def sh(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_hours_run_across_midnight():
    assert deadlines.add_hours(sh(2026, 11, 26, 23, 30), 2) == sh(2026, 11, 27, 1, 30)


def test_hours_from_utc_input_are_shanghai_time():
    start = dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC)  # 00:00 on the 27th in Shanghai
    due = deadlines.add_hours(start, 24)
    assert due == sh(2026, 11, 28, 0, 0)
    assert due.tzinfo == SHANGHAI


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        deadlines.add_hours(dt.datetime(2026, 11, 26, 10, 0), 1)


def test_calendar_days_keep_the_clock_time():
    assert deadlines.add_calendar_days(sh(2026, 11, 27, 10, 0), 7) == sh(2026, 12, 4, 10, 0)


def test_calendar_day_boundary_is_shanghai_midnight_not_utc():
    start = dt.datetime(2026, 11, 26, 17, 0, tzinfo=dt.UTC)  # Friday 01:00 in Shanghai
    assert deadlines.add_calendar_days(start, 1) == sh(2026, 11, 28, 1, 0)


@pytest.mark.parametrize(("start", "days", "due"), [
    (sh(2026, 11, 25, 15, 0), 2, sh(2026, 11, 27, 15, 0)),  # Wednesday -> Friday
    (sh(2026, 11, 27, 15, 0), 1, sh(2026, 11, 30, 15, 0)),  # Friday -> Monday, weekend skipped
    (sh(2026, 11, 26, 10, 0), 7, sh(2026, 12, 7, 10, 0)),   # Thursday + 7 working days
    (sh(2026, 11, 26, 10, 0), 15, sh(2026, 12, 17, 10, 0)),  # Thursday + 15 working days
    (sh(2026, 11, 28, 10, 0), 1, sh(2026, 12, 1, 0, 0)),    # Saturday: all of Monday, due Tuesday 00:00
    (sh(2026, 11, 29, 23, 59), 1, sh(2026, 12, 1, 0, 0)),   # Sunday night likewise
    (sh(2026, 11, 27, 23, 30), 1, sh(2026, 11, 30, 23, 30)),  # Friday late night
])
def test_working_days_skip_weekends(start, days, due):
    assert deadlines.add_working_days(start, days, NO_HOLIDAYS) == due


def test_working_days_skip_holidays_and_count_makeup_workdays():
    calendar = Calendar(days_off=frozenset({dt.date(2026, 11, 30)}),       # Monday off
                        extra_workdays=frozenset({dt.date(2026, 11, 29)}))  # Sunday worked (调休)
    # Friday + 1 -> Sunday (a working day); + 2 -> Tuesday (Monday is off).
    assert deadlines.add_working_days(sh(2026, 11, 27, 9, 0), 1, calendar) == sh(2026, 11, 29, 9, 0)
    assert deadlines.add_working_days(sh(2026, 11, 27, 9, 0), 2, calendar) == sh(2026, 12, 1, 9, 0)


def test_calendar_from_db_reads_holidays(db):
    Holiday.objects.create(date=dt.date(2026, 11, 30), name="测试假日")
    Holiday.objects.create(date=dt.date(2026, 11, 29), is_workday=True, name="调休")
    calendar = deadlines.calendar_from_db()
    assert calendar.is_working_day(dt.date(2026, 11, 30)) is False
    assert calendar.is_working_day(dt.date(2026, 11, 29)) is True
    assert calendar.is_working_day(dt.date(2026, 11, 28)) is False


def test_due_times_of_a_class():
    general = SimpleNamespace(dispatch_hours=24, response_hours=24, completion_value=7, completion_unit="working_days")
    due = deadlines.due_times(received_at=sh(2026, 11, 27, 16, 0), time_limit=general, channel="web", calendar=NO_HOLIDAYS)
    assert due.accept_due_at == sh(2026, 11, 27, 18, 0)
    assert due.dispatch_due_at == sh(2026, 11, 28, 16, 0)
    assert due.response_due_at == sh(2026, 11, 28, 16, 0)
    assert due.completion_due_at == sh(2026, 12, 8, 16, 0)
    hotline = deadlines.due_times(received_at=sh(2026, 11, 27, 16, 0), time_limit=general, channel="hotline", calendar=NO_HOLIDAYS)
    assert hotline.accept_due_at is None


def test_warning_at_a_fraction_of_the_time():
    assert deadlines.warning_at(start=sh(2026, 11, 26, 10, 0), due=sh(2026, 11, 26, 20, 0), fraction=0.8) == sh(2026, 11, 26, 18, 0)


def test_calendar_cache_is_cleared_by_a_holiday_change(db, settings):
    import datetime as dt

    from shequ.appeals import deadlines
    from shequ.appeals.models import Holiday

    settings.SHEQU_CALENDAR_CACHE_SECONDS = 60
    deadlines.clear_calendar_cache()
    day = dt.date(2026, 12, 31)
    assert deadlines.calendar_from_db().is_working_day(day)
    Holiday.objects.create(date=day, is_workday=False, name="调休")
    assert not deadlines.calendar_from_db().is_working_day(day)  # the save cleared the cached calendar
    deadlines.clear_calendar_cache()
