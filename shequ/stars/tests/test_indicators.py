"""The indicator protocol: average stars, shares graded 好 / 差 on the period's last day, per node,
in a bounded number of queries; problems() names the organizations graded 差."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.stars import indicators, services

from .factories import ALL, NOW, award, star

pytestmark = pytest.mark.django_db


@pytest.fixture
def awarded(sworld, cycle):
    award(sworld, cycle, "A", passing=ALL)  # 10: 好
    award(sworld, cycle, "B", passing=ALL[:3])  # 3: 差
    award(sworld, cycle, "C", passing=ALL[:7])  # 7: 较好
    return cycle


def test_indicator_declarations():
    keys = {i["key"] for i in indicators.INDICATORS}
    assert keys == {"stars_average", "stars_good_share", "stars_poor_share"}
    assert all(i["section"] == "party" and i["better"] in ("higher", "lower") for i in indicators.INDICATORS)


def test_compute_per_node(sworld, awarded):
    n = sworld.nodes
    nodes = [n["district"], n["S1"], n["S2"], n["A"]]
    with CaptureQueriesContext(connection) as ctx:
        result = indicators.compute(nodes, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert len(ctx.captured_queries) <= 5
    assert result[n["district"].pk] == {"stars_average": 6.67, "stars_good_share": 33.3, "stars_poor_share": 33.3}
    assert result[n["S1"].pk] == {"stars_average": 6.5, "stars_good_share": 50.0, "stars_poor_share": 50.0}
    assert result[n["S2"].pk]["stars_average"] == 7.0 and result[n["A"].pk]["stars_good_share"] == 100.0


def test_compute_before_any_award_is_empty(sworld, awarded):
    result = indicators.compute([sworld.nodes["district"]], dt.date(2026, 1, 1), dt.date(2026, 11, 1))
    assert result[sworld.nodes["district"].pk] == {"stars_average": None, "stars_good_share": None, "stars_poor_share": None}


def test_problems_name_the_poor_organizations_and_follow_removals(sworld, awarded):
    found = indicators.problems([sworld.nodes["district"]], dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert len(found) == 1 and found[0]["communities"] == [sworld.nodes["B"].pk]
    assert "乙社区" in found[0]["evidence"] and found[0]["severity"] == 3
    rating_c = awarded.ratings.get(organization=sworld.nodes["C"])
    for code in ("organization", "team", "service"):
        services.star_remove(actor=sworld.users["street_s2"], rating_id=rating_c.pk, star_id=star(awarded, code).pk,
                             reason="r", evidence="e", now=NOW + dt.timedelta(days=3))
    later = indicators.problems([sworld.nodes["district"]], dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert sorted(later[0]["communities"]) == sorted([sworld.nodes["B"].pk, sworld.nodes["C"].pk])
    assert indicators.problems([sworld.nodes["A"]], dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == []
