"""The "at most one trip" measures against hand counts (definitions: docs/agency.md)."""
import datetime as dt

import pytest

from shequ.agency import services
from shequ.agency.metrics import agency_measures
from shequ.appeals.deadlines import SHANGHAI
from shequ.core.errors import InvalidInput, NotAllowed

from .factories import finish_steps, open_case

NOV = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)
DEC = dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)


def _case(world, *, resident, actor, code="residence_cert", opened, closed_after_days, trips=0, delivery="door"):
    """A case opened at ``opened``, with ``trips`` trips recorded, closed ``closed_after_days`` later
    (residence_cert promises 2 working days)."""
    case = open_case(world, actor=actor, resident=resident, code=code, now=opened)
    for i in range(trips):
        services.case_trip_add(actor=world.users[actor], case_id=case.pk, reason=f"到场{i + 1}", now=opened)
    finish_steps(world, case, actor=actor, now=opened)
    services.case_complete(actor=world.users[actor], case_id=case.pk, delivery=delivery, result="已办",
                           now=opened + dt.timedelta(days=closed_after_days))
    return case


@pytest.fixture
def cases(world):
    """Community A (street S1):
        1. 0 trips, door, closed after 1 day (on time)
        2. 1 trip + collected (= 2 trips), closed after 1 day (on time)
        3. 1 trip, door, closed after 10 days (late)
        4. 0 trips, door, family_planning_cert (3 working days), closed after 1 day, in December
    Community B (street S1): 5. 3 trips, door, on time.
    Community C (street S2): 6. 0 trips, door, on time.
    Not counted: an open case in A with 2 trips, a cancelled case in A.
    """
    _case(world, resident="A101h", actor="worker_a", opened=NOV, closed_after_days=1)
    _case(world, resident="A101s", actor="worker_a", opened=NOV, closed_after_days=1, trips=1, delivery="collected")
    _case(world, resident="A102h", actor="worker_a", opened=NOV, closed_after_days=10, trips=1)
    _case(world, resident="A102s", actor="worker_a", code="family_planning_cert", opened=DEC, closed_after_days=1)
    _case(world, resident="B101h", actor="worker_b", opened=NOV, closed_after_days=1, trips=3)
    open_one = open_case(world, resident="A101h", code="temporary_assistance", now=NOV)
    services.case_trip_add(actor=world.users["worker_a"], case_id=open_one.pk, reason="x", now=NOV)
    services.case_trip_add(actor=world.users["worker_a"], case_id=open_one.pk, reason="y", now=NOV)
    cancelled = open_case(world, resident="A101s", code="temporary_assistance", now=NOV)
    services.case_cancel(actor=world.users["worker_a"], case_id=cancelled.pk, reason="不符合条件")
    return world


def _c_case(world):
    """Community C has no community worker in the world: the district office opens it with an agent."""
    from shequ.accounts.models import Role
    from shequ.accounts.services import user_create
    from shequ.core.testing import PASSWORD

    worker_c = user_create(actor=world.users["admin"], username="worker_c", password=PASSWORD,
                           role=Role.COMMUNITY_WORKER, nodes=[world.nodes["C"]])
    world.users["worker_c"] = worker_c
    _case(world, resident="C101h", actor="worker_c", opened=NOV, closed_after_days=1)


def _row(report, name):
    return next(r for r in report.rows if r.name == name)


def test_by_community_against_hand_counts(cases):
    world = cases
    _c_case(world)
    report = agency_measures(user=world.users["office"], group="community", start=dt.date(2026, 11, 1),
                             end=dt.date(2026, 12, 31))
    a = _row(report, "甲社区")
    # A: trips 0, 2, 1, 0 -> at most one: 3 of 4, zero: 2 of 4, average 3/4, on time 3 of 4
    assert (a.closed, a.at_most_one_trip, a.zero_trips, a.trips, a.on_time) == (4, 3, 2, 3, 3)
    assert (a.at_most_one_trip_rate, a.zero_trip_rate, a.average_trips, a.on_time_rate) == (0.75, 0.5, 0.75, 0.75)
    b = _row(report, "乙社区")
    assert (b.closed, b.at_most_one_trip, b.zero_trips, b.trips, b.on_time) == (1, 0, 0, 3, 1)
    c = _row(report, "丙村")
    assert (c.closed, c.at_most_one_trip_rate, c.zero_trip_rate) == (1, 1.0, 1.0)
    t = report.total
    assert (t.closed, t.at_most_one_trip, t.zero_trips, t.trips, t.on_time) == (6, 4, 3, 6, 5)
    assert t.average_trips == 1.0


def test_by_street_matter_and_month(cases):
    world = cases
    _c_case(world)
    office = world.users["office"]
    streets = agency_measures(user=office, group="street", start=dt.date(2026, 11, 1), end=dt.date(2026, 12, 31))
    s1 = _row(streets, "一街道")
    assert (s1.closed, s1.at_most_one_trip, s1.zero_trips, s1.trips) == (5, 3, 2, 6)
    assert _row(streets, "二乡").closed == 1
    matters = agency_measures(user=office, group="matter", start=dt.date(2026, 11, 1), end=dt.date(2026, 12, 31))
    assert (_row(matters, "居住证明").closed, _row(matters, "计生证明").closed) == (5, 1)
    months = agency_measures(user=office, group="month", start=dt.date(2026, 11, 1), end=dt.date(2026, 12, 31))
    assert [(r.key, r.closed, r.at_most_one_trip) for r in months.rows] == [("2026-11", 5, 3), ("2026-12", 1, 1)]
    november = agency_measures(user=office, group="community", start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    assert _row(november, "甲社区").closed == 3  # the December case falls out of the period


def test_scoped_and_refused(cases):
    world = cases
    mine = agency_measures(user=world.users["worker_b"], group="community", start=dt.date(2026, 11, 1),
                           end=dt.date(2026, 12, 31))
    assert [r.name for r in mine.rows] == ["乙社区"]
    grid = agency_measures(user=world.users["grid_a"], group="month", start=dt.date(2026, 11, 1), end=dt.date(2026, 12, 31))
    assert grid.total.closed == 4
    assert agency_measures(user=world.users["leader"], group="street", start=dt.date(2026, 11, 1),
                           end=dt.date(2026, 12, 31)).total.closed == 5
    with pytest.raises(NotAllowed):
        agency_measures(user=world.users["resident_a"], group="month", start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    with pytest.raises(NotAllowed):
        agency_measures(user=world.users["dept"], group="month", start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    with pytest.raises(InvalidInput):
        agency_measures(user=world.users["office"], group="grid", start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    with pytest.raises(InvalidInput):
        agency_measures(user=world.users["office"], group="month", start=dt.date(2026, 11, 30), end=dt.date(2026, 11, 1))


def test_fixed_number_of_queries(cases, django_assert_num_queries):
    office = cases.users["office"]
    office._shequ_bindings = None
    with django_assert_num_queries(3):  # bindings, the grouped counts, the names
        agency_measures(user=office, group="community", start=dt.date(2026, 11, 1), end=dt.date(2026, 12, 31))
