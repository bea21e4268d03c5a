"""Property-based tests (hypothesis): ID-number parsing, deadline arithmetic and imports hold for
inputs nobody thought to write down."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequ.appeals.deadlines import (
    SHANGHAI,
    Calendar,
    add,
    add_calendar_days,
    add_hours,
    add_working_days,
    warning_at,
)
from shequ.core.idcard import (
    IdNumberError,
    check_digit,
    make_id_number,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    parse_id_number,
)

TODAY = dt.date(2026, 11, 26)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)
regions = st.from_regex(r"[1-6][0-9]{5}", fullmatch=True)


# --- ID numbers ----------------------------------------------------------------------------------

@given(regions, births, st.integers(0, 999))
def test_every_built_number_parses_back(region, birth, seq):
    number = make_id_number(region, birth, seq)
    parsed = parse_id_number(number, today=TODAY)
    assert (parsed.number, parsed.birth_date, parsed.region_code) == (number, birth, region)
    assert parsed.sex == ("M" if seq % 2 else "F")


@given(regions, births, st.integers(0, 999), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_changed_character_is_caught(region, birth, seq, position, replacement):
    number = make_id_number(region, birth, seq)
    changed = number[:position] + replacement + number[position + 1:]
    if changed == number:
        return
    try:
        parsed = parse_id_number(changed, today=TODAY)
    except IdNumberError:
        return
    # ISO 7064 MOD 11-2 catches every single-character error: nothing else may parse
    pytest.fail(f"{changed} (from {number}) parsed as {parsed}")


@given(st.text(max_size=40))
def test_parsing_any_text_either_succeeds_consistently_or_raises_a_clear_error(text):
    try:
        parsed = parse_id_number(text, today=TODAY)
    except IdNumberError as exc:
        assert str(exc)
        return
    assert len(parsed.number) == 18 and parsed.number[17] == check_digit(parsed.number[:17])
    assert parsed.birth_date <= TODAY


@given(regions, births, st.integers(0, 999), st.sampled_from([" ", "　", ""]), st.booleans())
def test_full_width_digits_spaces_and_lower_x_are_normalized(region, birth, seq, pad, fullwidth):
    number = make_id_number(region, birth, seq)
    typed = number.lower()
    if fullwidth:
        typed = typed.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert parse_id_number(pad + typed + pad, today=TODAY).number == number == normalize_id_number(number)


@given(st.text(min_size=0, max_size=30))
def test_masks_never_show_the_middle(value):
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    if len(value) > 10:
        assert masked[:6] == value[:6] and masked[-4:] == value[-4:] and set(masked[6:-4]) == {"*"}
    phone = mask_phone(value)
    assert len(phone) == len(value)
    if len(value) >= 7:
        assert set(phone[3:-4]) <= {"*"}


# --- deadline arithmetic ---------------------------------------------------------------------------

aware = st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2027, 12, 31),
                     timezones=st.just(SHANGHAI))
holidays = st.frozensets(st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2028, 3, 31)), max_size=40)


@given(aware, st.integers(0, 400))
def test_hours_are_exact_elapsed_time(start, hours):
    assert add_hours(start, hours) - start == dt.timedelta(hours=hours)


@given(aware, st.integers(0, 60))
def test_calendar_days_keep_the_clock_time(start, days):
    due = add_calendar_days(start, days)
    assert due.astimezone(SHANGHAI).time() == start.astimezone(SHANGHAI).time()
    assert (due.astimezone(SHANGHAI).date() - start.astimezone(SHANGHAI).date()).days == days


@given(aware, st.integers(0, 30), holidays, holidays)
def test_working_days_land_on_a_working_day_and_count_exactly(start, days, off, extra):
    calendar = Calendar(days_off=off, extra_workdays=extra - off)
    due = add_working_days(start, days, calendar).astimezone(SHANGHAI)
    local = start.astimezone(SHANGHAI)
    assert due >= local
    first = local.date()  # the clock starts on the first working day (at 00:00 if received on a day off)
    while not calendar.is_working_day(first):
        first += dt.timedelta(days=1)
    if first != local.date():
        assert due.time() == dt.time(0, 0)
    if days:
        assert calendar.is_working_day(due.date())
        between = [first + dt.timedelta(days=i) for i in range(1, (due.date() - first).days + 1)]
        assert sum(calendar.is_working_day(d) for d in between) == days
    else:
        assert due.date() == first
    # monotonic: one more working day is never earlier
    assert add_working_days(start, days + 1, calendar) > add_working_days(start, days, calendar)


@given(aware, st.integers(1, 30), st.sampled_from(["hours", "calendar_days", "working_days"]),
       st.floats(0, 1, allow_nan=False))
def test_warning_lies_between_start_and_due(start, value, unit, fraction):
    due = add(start, value, unit, Calendar())
    warn = warning_at(start=start, due=due, fraction=fraction)
    assert start <= warn <= due


# --- imports ---------------------------------------------------------------------------------------

cell = st.one_of(st.text(max_size=25), st.sampled_from(["", " ", "110105001001", "H110105001001101", "户籍人口",
                                                        "独居老人", "13912345678", "=1+1", "\x00", "户主"]))


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cell, min_size=8, max_size=8), min_size=1, max_size=6), valid_rows=st.booleans())
def test_an_import_of_any_rows_writes_all_or_exactly_the_valid_ones(world, rows, valid_rows):
    from django.db import transaction

    from shequ.registry.models import Resident
    from shequ.transfer.models import ImportJob
    from shequ.transfer.tests.helpers import (
        RESIDENT_HEADERS,
        csv_bytes,
        resident_row,
        run_import,
    )

    sid = transaction.savepoint()
    try:
        good = [resident_row(9000 + i) for i in range(2)]
        content = csv_bytes(RESIDENT_HEADERS, good + rows)
        before = Resident.objects.count()
        job = run_import(world.users["worker_a"], content, mode="valid_rows" if valid_rows else "whole")
        errors = list(job.errors.all())
        assert all(2 <= e.row <= len(good) + len(rows) + 1 and e.message for e in errors)
        written = Resident.objects.count() - before
        if valid_rows:
            assert job.status == ImportJob.Status.DONE
            assert written == job.created_count >= 2  # the two good rows at least
        elif errors:
            assert job.status == ImportJob.Status.REJECTED and written == 0
        else:
            assert job.status == ImportJob.Status.DONE and written == job.created_count
    finally:
        transaction.savepoint_rollback(sid)
