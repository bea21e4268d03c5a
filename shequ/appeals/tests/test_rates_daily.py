"""The daily pre-aggregate of the rates (appeals_rate_day, migration 0011_rates_indexes; PostgreSQL
only): after every kind of write — the services, a bulk ``update()``, a delete, a merge, a reopen —
the figures read from it equal the figures counted from the appeals themselves, for every group,
and district-wide users are answered from it in one aggregate; so are street and community users
asking by their own level or by month (a street user also by community)."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.appeals import metrics, services
from shequ.appeals.models import Appeal

from .factories import submit
from .test_metrics import MONDAY_10, NOV, H, fixture  # noqa: F401

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the daily table is PostgreSQL only")

OCT_NOV = (dt.date(2026, 10, 1), NOV[1])


def _live(monkeypatch, **kwargs):
    with monkeypatch.context() as m:
        m.setattr(metrics, "_daily_plan", lambda user, group: None)
        return metrics.appeal_rates(**kwargs)


def _assert_same(monkeypatch, user, *, periods=(NOV, OCT_NOV, (dt.date(2026, 11, 3), dt.date(2026, 11, 3))),
                 groups=tuple(metrics.GROUPS)):
    for group in groups:
        assert metrics._daily_plan(user, group) is not None, group
        for start, end in periods:
            daily = metrics.appeal_rates(user=user, group=group, start=start, end=end)
            live = _live(monkeypatch, user=user, group=group, start=start, end=end)
            assert daily == live, (group, start, end)


def test_daily_equals_live_after_every_kind_of_write(world, fixture, monkeypatch):  # noqa: F811
    office, admin = world.users["office"], world.users["admin"]
    _assert_same(monkeypatch, office)
    evaluated = Appeal.objects.get(pk=fixture["a2"].pk).evaluated_at
    services.appeal_reopen(actor=office, appeal_id=fixture["a2"].pk, reason="未解决", now=evaluated + H)
    _assert_same(monkeypatch, office)
    services.appeal_merge(actor=office, appeal_id=fixture["a4"].pk, into_id=fixture["a1"].pk, reason="重复",
                          now=MONDAY_10 + 5 * H)
    _assert_same(monkeypatch, office)
    assert _appended() > 0
    assert metrics.rates_fold() > 0  # folded (as the periodic task does): the same figures, nothing left appended
    assert _appended() == 0
    _assert_same(monkeypatch, office)
    Appeal.objects.filter(pk=fixture["c1"].pk).update(community=None, solved=False)
    Appeal.objects.filter(pk=fixture["c2"].pk).update(response_due_at=dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc))
    Appeal.objects.filter(pk=fixture["a3"].pk).update(warned_at=MONDAY_10)  # a column the rates do not read
    consultation = submit(actor=office, at="B", now=MONDAY_10, contact_kind="consultation")
    _assert_same(monkeypatch, office)
    services.appeal_close(actor=office, appeal_id=consultation.pk, note="当场解答", now=MONDAY_10 + H)
    _assert_same(monkeypatch, office)
    Appeal.objects.filter(pk=fixture["b1"].pk).delete()
    _assert_same(monkeypatch, office)
    _assert_same(monkeypatch, admin)
    _assert_node_users_same(world, monkeypatch)


def _assert_node_users_same(world, monkeypatch):
    """Street and community users, by their own level and by month: the same figures as counted."""
    _assert_same(monkeypatch, world.users["street_s1"], groups=("street", "community", "month"))
    for worker in ("worker_a", "worker_b"):
        _assert_same(monkeypatch, world.users[worker], groups=("community", "month"))


def test_street_and_community_users_read_the_daily_table_by_their_level_and_month(world, fixture, monkeypatch):  # noqa: F811
    _assert_node_users_same(world, monkeypatch)
    street = world.users["street_s1"]
    report = metrics.appeal_rates(user=street, group="month", start=OCT_NOV[0], end=OCT_NOV[1])
    # S1 holds a1-a4, b1 (Nov; a5 answered on the spot), nothing in October: one month, five due
    assert [(r.key, r.response_due, r.evaluated) for r in report.rows] == [("2026-11", 5, 4)]
    worker_b = metrics.appeal_rates(user=world.users["worker_b"], group="community", start=NOV[0], end=NOV[1])
    assert [(r.name, r.response_due) for r in worker_b.rows] == [("乙社区", 1)]
    services.appeal_reopen(actor=world.users["office"], appeal_id=fixture["a2"].pk, reason="未解决",
                           now=Appeal.objects.get(pk=fixture["a2"].pk).evaluated_at + H)
    _assert_node_users_same(world, monkeypatch)
    metrics.rates_fold()
    _assert_node_users_same(world, monkeypatch)
    # other groups of theirs, and grid workers and departments, are counted from the appeals
    for user, group in ((street, "department"), (street, "category"), (world.users["worker_a"], "street"),
                        (world.users["grid_a"], "month"), (world.users["dept"], "department")):
        assert metrics._daily_plan(user, group) is None, (user.username, group)
    with CaptureQueriesContext(connection) as queries:
        metrics.appeal_rates(user=street, group="street", start=NOV[0], end=NOV[1])
    touching = [q["sql"] for q in queries if "appeals_appeal" in q["sql"] or "appeals_rate_day" in q["sql"]]
    assert len(touching) == 1 and "appeals_rate_day" in touching[0]


def _appended() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM appeals_rate_delta")
        return cursor.fetchone()[0]


def test_district_users_read_one_aggregate(world, fixture):  # noqa: F811
    office = world.users["office"]
    metrics.appeal_rates(user=office, group="street", start=NOV[0], end=NOV[1])
    with CaptureQueriesContext(connection) as queries:
        metrics.appeal_rates(user=office, group="street", start=NOV[0], end=NOV[1])
    touching = [q["sql"] for q in queries if "appeals_appeal" in q["sql"] or "appeals_rate_day" in q["sql"]]
    assert len(touching) == 1 and "appeals_rate_day" in touching[0]
    # a street user is not district-wide: by category counted from the appeals
    assert metrics._district_scope(world.users["street_s1"]) is None
    assert metrics._daily_plan(world.users["street_s1"], "category") is None
    assert metrics._district_scope(world.users["dept"]) is None
