"""Who sees which ratings (jurisdiction.scoping on Rating's community columns), and the bounded
number of queries of the list and the standing."""
import datetime as dt

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from shequ.jurisdiction import scoping
from shequ.stars import selectors
from shequ.stars.perms import may

from .factories import ALL, award

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("user, expected", [
    ("admin", {"甲社区", "乙社区", "丙村"}), ("org_review", {"甲社区", "乙社区", "丙村"}), ("org_city", {"甲社区", "乙社区", "丙村"}),
    ("street_s1", {"甲社区", "乙社区"}), ("street_s2", {"丙村"}), ("worker_a", {"甲社区"}), ("office", {"甲社区", "乙社区", "丙村"}),
    ("leader", {"甲社区", "乙社区", "丙村"}), ("grid_a", set()), ("dept", set()), ("resident_a", set()),
])
def test_who_sees_which_ratings(sworld, cycle, user, expected):
    ratings = selectors.rating_list(user=sworld.users[user], cycle=cycle)
    assert {r.organization.name for r in ratings} == expected
    for rating in cycle.ratings.select_related("organization"):
        visible = scoping.can(sworld.users[user], "stars.view") and scoping.obj_in_scope(sworld.users[user], rating)
        assert visible is (rating.organization.name in expected)


@pytest.mark.parametrize("user, actions", [
    ("street_s1", {"stars.view", "stars.assess", "stars.check", "stars.answer", "stars.export"}),
    ("org_review", {"stars.view", "stars.review", "stars.answer", "stars.export", "stars.configure"}),
    ("org_approve", {"stars.view", "stars.approve", "stars.answer", "stars.export", "stars.configure"}),
    ("org_plain", {"stars.view", "stars.answer", "stars.export", "stars.configure"}),
    ("worker_a", {"stars.view"}), ("resident_a", {"stars.rate"}), ("leader", {"stars.view", "stars.export"}),
    ("dept", set()),
])
def test_capabilities_per_role_and_permission(sworld, user, actions):
    every = {"stars.view", "stars.assess", "stars.check", "stars.answer", "stars.export", "stars.review", "stars.approve",
             "stars.configure", "stars.rate"}
    assert {a for a in every if may(sworld.users[user], a)} == actions


def test_list_and_standing_take_a_fixed_number_of_queries(sworld, cycle):
    for key in ("A", "B", "C"):
        award(sworld, cycle, key, passing=ALL[:6])
    with CaptureQueriesContext(connection) as ctx:
        rows = list(selectors.rating_list(user=sworld.users["leader"], cycle=cycle))
        [r.organization.name + r.street.name for r in rows]
    assert len(ctx.captured_queries) <= 3
    with CaptureQueriesContext(connection) as ctx:
        found = selectors.standing(on=dt.date(2026, 12, 31), ratings=Q(district_id=sworld.nodes["district"].pk))
    assert len(ctx.captured_queries) == 3 and {s.count for s in found.values()} == {6}


def test_a_later_cycle_takes_over_from_its_award_on(sworld, cycle):
    from .factories import NOW, make_cycle

    award(sworld, cycle, "A", passing=ALL[:9])
    later = make_cycle(sworld, year=2027)
    award(sworld, later, "A", passing=ALL[:4], now=NOW.replace(year=2027))
    a = sworld.nodes["A"].pk
    assert selectors.standing(on=dt.date(2027, 11, 25))[a].count == 9
    assert selectors.standing(on=dt.date(2027, 11, 26))[a].count == 4
    assert selectors.standing(on=dt.date(2027, 11, 26))[a].year == 2027
