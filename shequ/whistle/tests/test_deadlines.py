"""Report and reply due times per urgency across nights, weekends and holidays (Asia/Shanghai, the
appeals calendar), admin-edited limits, and on-time / late / overdue against them with a controlled clock."""
import datetime as dt

import pytest

from shequ.appeals.deadlines import SHANGHAI
from shequ.appeals.models import Holiday
from shequ.whistle import selectors, services
from shequ.whistle.models import WhistleTimeLimit

from .factories import blow, target_of

pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize("urgency, start, report_due, reply_due", [
    # urgent: on site within 30 minutes, reply within 24 hours (calendar time, across midnight)
    ("urgent", at(26, 23, 50), at(27, 0, 20), at(27, 23, 50)),
    # important: 2 hours, 3 working days (Saturday counts from Monday 00:00: Thursday 00:00)
    ("important", at(28, 10), at(28, 12), dt.datetime(2026, 12, 3, 0, 0, tzinfo=SHANGHAI)),
    # normal: 24 hours (Friday 16:00 -> Saturday 16:00), 5 working days (next Friday 16:00)
    ("normal", at(27, 16), at(28, 16), dt.datetime(2026, 12, 4, 16, 0, tzinfo=SHANGHAI)),
])
def test_due_times_by_urgency(db, urgency, start, report_due, reply_due):
    assert services.due_times(whistled_at=start, urgency=urgency) == (report_due, reply_due)


def test_holidays_and_admin_limits_move_the_due_times(db):
    Holiday.objects.create(date=dt.date(2026, 12, 2), name="放假")  # the Wednesday off
    assert services.due_times(whistled_at=at(27, 16), urgency="normal")[1] == dt.datetime(2026, 12, 7, 16, 0, tzinfo=SHANGHAI)
    WhistleTimeLimit.objects.filter(urgency="normal").update(report_minutes=60, reply_value=48, reply_unit="hours")
    assert services.due_times(whistled_at=at(27, 16), urgency="normal") == (at(27, 17), at(29, 16))
    WhistleTimeLimit.objects.all().delete()  # without rows the documented defaults apply
    assert services.due_times(whistled_at=at(27, 16), urgency="urgent")[0] == at(27, 16, 30)


def test_lateness_across_days(wworld):
    whistle = blow(wworld, urgency="normal", now=at(27, 16))  # Friday 16:00: on site by Saturday 16:00
    civil, housing = target_of(whistle, "civil", wworld), target_of(whistle, "housing", wworld)
    dept, housing_user = wworld.users["dept"], wworld.users["dept_housing"]
    services.target_acknowledge(actor=dept, target_id=civil.pk, now=at(27, 16, 10))
    services.target_report_on_site(actor=dept, target_id=civil.pk, now=at(28, 15, 59))  # Saturday, a minute early
    services.target_acknowledge(actor=housing_user, target_id=housing.pk, now=at(28, 9))
    services.target_report_on_site(actor=housing_user, target_id=housing.pk, now=at(28, 17))  # an hour late
    civil.refresh_from_db()
    housing.refresh_from_db()
    assert selectors.step_state(civil.on_site_at, whistle.report_due_at, at(28, 18)) == "on_time"
    assert selectors.step_state(housing.on_site_at, whistle.report_due_at, at(28, 18)) == "late"
    # the reply is due the next Friday 16:00: Thursday is pending, the Friday after 16:00 is overdue
    assert selectors.step_state(None, whistle.reply_due_at, dt.datetime(2026, 12, 3, 12, tzinfo=SHANGHAI)) == "pending"
    assert selectors.step_state(None, whistle.reply_due_at, dt.datetime(2026, 12, 4, 16, 1, tzinfo=SHANGHAI)) == "overdue"
    street = wworld.users["street_s1"]
    assert list(selectors.whistle_list(user=street, late_at=dt.datetime(2026, 12, 3, 12, tzinfo=SHANGHAI))) == []
    assert list(selectors.whistle_list(user=street, late_at=dt.datetime(2026, 12, 4, 16, 1, tzinfo=SHANGHAI))) == [whistle]


def test_overdue_on_site_shows_in_the_late_filter(wworld):
    whistle = blow(wworld, urgency="urgent", now=at(26, 23, 50))
    street = wworld.users["street_s1"]
    assert list(selectors.whistle_list(user=street, late_at=at(27, 0, 20))) == []
    assert list(selectors.whistle_list(user=street, late_at=at(27, 0, 21))) == [whistle]


def test_report_deadline_can_be_set_per_whistle(wworld):
    whistle = blow(wworld, urgency="normal", now=at(27, 16), report_due_at=at(27, 18))
    assert (whistle.report_due_at, whistle.reply_due_at) == (at(27, 18), dt.datetime(2026, 12, 4, 16, 0, tzinfo=SHANGHAI))
