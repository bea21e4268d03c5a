"""The three rates (docs/metrics.md) against hand counts on a small fixture with a fixed clock.

Fixture (all ``general`` class: response due 24 h after receipt; period November 2026):

=====  =========  ==========================  ==========================  ==================
appeal place      signed (response due 11-03)  replied (vs completion due)  evaluation (Nov)
=====  =========  ==========================  ==========================  ==================
a1     A (S1)     on time                      on time                     solved, 满意
a2     A (S1)     on time                      late                        unsolved, 基本满意
a3     A (S1)     late                         on time                     solved, 不满意
a4     A (S1)     never                        never                       —
a5     A (S1)     consultation closed on the spot (excluded from every rate)
b1     B (S1)     on time, dispatched to 民政局  on time                     solved, 满意
c1     C (S2)     on time                      on time                     solved, 基本满意
c2     C (S2)     on time                      on time                     unsolved, 不满意
c0     C (S2)     received in October, never signed (only in October)
=====  =========  ==========================  ==========================  ==================
"""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.appeals import metrics, services
from shequ.appeals.deadlines import SHANGHAI
from shequ.appeals.models import RateSettings
from shequ.core.errors import NotAllowed
from shequ.registry.tests.apiclient import api_as

from .factories import submit

NOV = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
MONDAY_10 = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)
H = dt.timedelta(hours=1)


def _handle(actor, appeal, *, signed_late=False, replied_late=False, verdict=None, department=None):
    accept_at = appeal.response_due_at + H if signed_late else appeal.received_at + H
    services.appeal_accept(actor=actor, appeal_id=appeal.pk, now=accept_at)
    if department is not None:
        services.appeal_dispatch(actor=actor, appeal_id=appeal.pk, department=department, now=accept_at + H)
        services.appeal_start(actor=actor, appeal_id=appeal.pk, now=accept_at + 2 * H)
    reply_at = appeal.completion_due_at + H if replied_late else accept_at + 3 * H
    services.appeal_reply(actor=actor, appeal_id=appeal.pk, reply="已处理", now=reply_at)
    if verdict is not None:
        solved, satisfaction = verdict
        services.appeal_evaluate(actor=actor, appeal_id=appeal.pk, solved=solved, satisfaction=satisfaction,
                                 now=reply_at + H)


@pytest.fixture
def fixture(world):
    office = world.users["office"]
    made = {}
    for key, place in (("a1", "A"), ("a2", "A"), ("a3", "A"), ("a4", "A"), ("b1", "B"), ("c1", "C"), ("c2", "C")):
        made[key] = submit(actor=office, at=place, now=MONDAY_10)
    # every completion due time falls in November (7 working days after 11-02)
    assert all(a.completion_due_at < dt.datetime(2026, 11, 30, tzinfo=SHANGHAI) for a in made.values())
    _handle(office, made["a1"], verdict=(True, "satisfied"))
    _handle(office, made["a2"], replied_late=True, verdict=(False, "basic"))
    _handle(office, made["a3"], signed_late=True, verdict=(True, "unsatisfied"))
    _handle(office, made["b1"], verdict=(True, "satisfied"), department=world.departments["civil"])
    _handle(office, made["c1"], verdict=(True, "basic"))
    _handle(office, made["c2"], verdict=(False, "unsatisfied"))
    a5 = submit(actor=office, at="A", now=MONDAY_10, contact_kind="consultation")
    services.appeal_close(actor=office, appeal_id=a5.pk, note="当场解答", now=MONDAY_10 + H)
    made["a5"] = a5
    made["c0"] = submit(actor=office, at="C", now=dt.datetime(2026, 10, 12, 10, 0, tzinfo=SHANGHAI))
    return made


def _rows(report):
    return {r.name: r for r in report.rows}


def test_street_rates_against_hand_counts(world, fixture):
    report = metrics.appeal_rates(user=world.users["office"], group="street", start=NOV[0], end=NOV[1],
                                  settings=RateSettings(min_volume=2))
    s1, s2 = _rows(report)["一街道"], _rows(report)["二乡"]
    # S1 = a1 a2 a3 a4 b1 (a5 excluded)
    # response: due in Nov a1 a2 a3 a4 b1 = 5; signed by the deadline a1 a2 b1 = 3 -> 3/5
    assert (s1.response_due, s1.responded, s1.response_rate) == (5, 3, pytest.approx(0.6))
    # evaluated a1 a2 a3 b1 = 4; solved a1 a3 b1 = 3 -> 3/4
    assert (s1.evaluated, s1.solved, s1.resolution_rate) == (4, 3, pytest.approx(0.75))
    # 满意 a1 b1 = 2, 基本满意 a2 = 1 -> rate 3/4, score (100*2 + 60*1)/4 = 65
    assert (s1.satisfied, s1.basic) == (2, 1)
    assert s1.satisfaction_rate == pytest.approx(0.75) and s1.satisfaction_score == pytest.approx(65)
    # completion due in Nov a1 a2 a3 a4 b1 = 5; replied by then a1 a3 b1 = 3 -> 3/5
    assert (s1.completion_due, s1.completed_on_time, s1.on_time_rate) == (5, 3, pytest.approx(0.6))
    # composite (30*60 + 35*75 + 35*75) / 100 = 70.5
    assert s1.composite == pytest.approx(70.5)
    # S2 = c1 c2 (c0 is October's): response 2/2, resolution 1/2, satisfaction 1/2, score 60/2 = 30,
    # on time 2/2, composite (30*100 + 35*50 + 35*50) / 100 = 65
    assert (s2.response_rate, s2.resolution_rate, s2.satisfaction_rate) == (1.0, 0.5, 0.5)
    assert s2.satisfaction_score == pytest.approx(30) and s2.on_time_rate == 1.0
    assert s2.composite == pytest.approx(65)
    assert [(r.name, r.rank) for r in report.rows] == [("一街道", 1), ("二乡", 2)]


def test_on_the_spot_consultation_is_excluded_but_a_handled_one_counts(world, fixture):
    office = world.users["office"]
    # a consultation that was signed for and handled is an ordinary appeal: it counts
    handled = submit(actor=office, at="B", now=MONDAY_10, contact_kind="consultation")
    _handle(office, handled, verdict=(True, "satisfied"))
    s1 = _rows(metrics.appeal_rates(user=office, group="street", start=NOV[0], end=NOV[1]))["一街道"]
    # 5 + the handled consultation = 6 (a5, closed on the spot, still out)
    assert (s1.response_due, s1.responded, s1.evaluated) == (6, 4, 5)
    assert metrics.rated_appeals(office).filter(pk=fixture["a5"].pk).count() == 0


def test_minimum_volume_and_weights_from_the_config(world, fixture):
    office = world.users["office"]
    RateSettings.objects.create(min_volume=3)
    rows = _rows(metrics.appeal_rates(user=office, group="street", start=NOV[0], end=NOV[1]))
    # S2 has 2 due and 2 evaluated < 3: shown but not ranked
    assert (rows["一街道"].ranked, rows["一街道"].rank) == (True, 1)
    assert (rows["二乡"].ranked, rows["二乡"].rank, rows["二乡"].composite) == (False, None, pytest.approx(65))
    RateSettings.objects.update(min_volume=2, weight_response=100, weight_resolution=0, weight_satisfaction=0)
    report = metrics.appeal_rates(user=office, group="street", start=NOV[0], end=NOV[1])
    # composite = response rate only: S1 60, S2 100
    assert report.weights == {"response": 100, "resolution": 0, "satisfaction": 0}
    assert [(r.name, r.composite, r.rank) for r in report.rows] == [("二乡", 100, 1), ("一街道", 60, 2)]


def test_community_department_category_month(world, fixture):
    office = world.users["office"]
    communities = _rows(metrics.appeal_rates(user=office, group="community", start=NOV[0], end=NOV[1]))
    assert {k: (r.response_due, r.evaluated) for k, r in communities.items()} == {
        "甲社区": (4, 3), "乙社区": (1, 1), "丙村": (2, 2)}
    departments = metrics.appeal_rates(user=office, group="department", start=NOV[0], end=NOV[1]).rows
    # only b1 was dispatched to a department
    assert [(r.name, r.response_due, r.solved, r.satisfied) for r in departments] == [("民政局", 1, 1, 1)]
    categories = metrics.appeal_rates(user=office, group="category", start=NOV[0], end=NOV[1]).rows
    assert [(r.name, r.response_due, r.evaluated, r.rank) for r in categories] == [("邻里噪声", 7, 6, None)]
    months = metrics.appeal_rates(user=office, group="month", start=dt.date(2026, 10, 1), end=NOV[1]).rows
    # October: c0 due 10-13, never signed; November: 7 due, 5 signed in time
    assert [(r.key, r.response_due, r.responded, r.evaluated) for r in months] == [
        ("2026-10", 1, 0, 0), ("2026-11", 7, 5, 6)]


def test_fixed_number_of_queries(world, fixture):
    office = world.users["office"]
    office._shequ_bindings = None
    metrics.appeal_rates(user=office, group="community", start=NOV[0], end=NOV[1])  # warm per-user caches
    with CaptureQueriesContext(connection) as few:
        metrics.appeal_rates(user=office, group="community", start=NOV[0], end=NOV[1])
    for i in range(5):
        submit(actor=office, at="B", now=MONDAY_10)
    with CaptureQueriesContext(connection) as more:
        metrics.appeal_rates(user=office, group="community", start=NOV[0], end=NOV[1])
    # settings + one aggregate (the three facts' counts in one pass) + names; on PostgreSQL the
    # district office reads one aggregate of the daily table instead (test_rates_daily.py)
    assert len(few) == len(more) == 3


def test_scope(world, fixture):
    street = _rows(metrics.appeal_rates(user=world.users["street_s1"], group="street", start=NOV[0], end=NOV[1]))
    assert list(street) == ["一街道"] and street["一街道"].response_due == 5
    worker_b = metrics.appeal_rates(user=world.users["worker_b"], group="community", start=NOV[0], end=NOV[1])
    assert [(r.name, r.response_due) for r in worker_b.rows] == [("乙社区", 1)]
    dept = metrics.appeal_rates(user=world.users["dept"], group="street", start=NOV[0], end=NOV[1])
    assert [(r.name, r.response_due, r.evaluated) for r in dept.rows] == [("一街道", 1, 1)]
    with pytest.raises(NotAllowed):
        metrics.appeal_rates(user=world.users["resident_a"], group="street", start=NOV[0], end=NOV[1])


def test_api(world, fixture):
    answer = api_as(world, "street_s1").get("/appeals/rates", group="street", **{"from": "2026-11-01", "to": "2026-11-30"})
    assert answer.status == 200, answer
    assert answer.data["from"] == "2026-11-01" and answer.data["weights"] == {
        "response": 30, "resolution": 35, "satisfaction": 35}
    (row,) = answer.data["rows"]
    assert row["name"] == "一街道" and row["response_rate"] == pytest.approx(0.6) and row["composite"] == pytest.approx(70.5)
    assert row["ranked"] is False  # 5 < the default minimum volume of 10
    months = api_as(world, "office").get("/appeals/rates", group="month", **{"from": "2026-10-01", "to": "2026-11-30"})
    assert [r["key"] for r in months.data["rows"]] == ["2026-10", "2026-11"]
    assert api_as(world, "office").get("/appeals/rates", group="nope", **{"from": "2026-11-01", "to": "2026-11-30"}).status == 422
    backwards = api_as(world, "office").get("/appeals/rates", group="street", **{"from": "2026-11-30", "to": "2026-11-01"})
    assert backwards.status == 422 and set(backwards.data) == {"code", "message", "extra"}
    assert api_as(world, "resident_a").get("/appeals/rates", **{"from": "2026-11-01", "to": "2026-11-30"}).status == 403
    assert api_as(world, None).get("/appeals/rates", **{"from": "2026-11-01", "to": "2026-11-30"}).status == 401
    # the appeal detail route still works beside /rates
    assert api_as(world, "office").get(f"/appeals/{fixture['a1'].pk}").status == 200
