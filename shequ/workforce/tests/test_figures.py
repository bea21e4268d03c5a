"""Figures against hand counts on the small fixture (tests/factories.py explains every number)."""
import datetime as dt

import pytest

from shequ.workforce import indicators, selectors, stats
from shequ.workforce.models import WorkforcePolicy

from .factories import DAY, staff

pytestmark = pytest.mark.django_db

START = dt.date(2026, 1, 1)


def test_node_figures_match_hand_counts(fworld):
    staff(fworld)
    n = fworld.nodes
    f = stats.node_figures([n["A"], n["B"], n["C"], n["S1"], n["district"]], START, DAY)
    a, b, c, s1, d = (f[n[k].pk] for k in ("A", "B", "C", "S1", "district"))
    assert (a["workers"], b["workers"], c["workers"]) == (3, 1, 1)  # 赵二 left in 2025
    assert a["households"] == 2 and a["households_per_worker"] == 0.7
    assert a["avg_pay"] == round((6200 + 5000 + 6050) / 3, 2)
    assert a["pay_standard"] == 6050.0
    assert a["workers_under_standard"] == 1  # 王二 5000 < 6050; 王三 at exactly 6050 is not under
    assert a["certified_share"] == round(2 / 3, 4)
    assert a["facility_coverage"] == 1.0 and b["facility_coverage"] == 0.0 and c["facility_coverage"] == 0.0
    assert a["funds"] == 80000.0 and a["funds_by_kind"]["reward"] == 30000.0
    assert b["funds"] == 0.0  # its funding is dated 2025
    assert s1["communities"] == 2 and s1["workers"] == 4 and s1["workers_per_community"] == 2.0
    assert s1["facility_coverage"] == 0.5
    assert d["communities"] == 3 and d["workers"] == 5 and d["households"] == 6
    assert d["households_per_worker"] == 1.2
    assert d["facility_coverage"] == round(1 / 3, 4)
    assert d["funds_per_community"] == round(88000 / 3, 2)
    assert d["workers_under_standard"] == 2  # 王二, 李一
    assert d["pay_to_standard"] == round((6200 + 5000 + 6050 + 4000 + 7000) / (5 * 6050), 3)


def test_policy_of_the_district_changes_the_standard(fworld):
    staff(fworld)
    WorkforcePolicy.objects.create(node=fworld.nodes["district"], minimum_wage=1600, centre_area_standard=700)
    f = stats.node_figures([fworld.nodes["A"], fworld.nodes["B"]], START, DAY)
    assert f[fworld.nodes["A"].pk]["pay_standard"] == 4000.0
    assert f[fworld.nodes["A"].pk]["workers_under_standard"] == 0
    assert f[fworld.nodes["B"].pk]["facility_coverage"] == 1.0  # 800 ㎡ now meets 700


def test_age_and_education_structure(fworld):
    staff(fworld)
    s = stats.structure(stats.active_workers(DAY), DAY)
    ages = {row["label"]: row["count"] for row in s["age"]}
    assert ages == {"30岁以下": 1, "30–39岁": 1, "40–49岁": 1, "50–59岁": 1, "60岁及以上": 1}  # 28, 36, 41, 56, 61
    education = {row["label"]: row["count"] for row in s["education"]}
    assert education["本科"] == 1 and education["大专"] == 2 and education["初中及以下"] == 1


def test_figures_take_a_bounded_number_of_queries(fworld, django_assert_max_num_queries):
    staff(fworld)
    nodes = [fworld.nodes[k] for k in ("A", "B", "C", "S1", "S2", "district")]
    with django_assert_max_num_queries(30):
        stats.node_figures(nodes, START, DAY)


def test_indicators_protocol(fworld):
    staff(fworld)
    n = fworld.nodes
    result = indicators.compute([n["S1"], n["district"]], START, DAY)
    keys = {i["key"] for i in indicators.INDICATORS}
    assert set(result[n["S1"].pk]) == keys
    assert result[n["district"].pk]["workers_per_community"] == round(5 / 3, 1)
    problems = {p["key"]: p for p in indicators.problems([n["district"]], START, DAY)}
    assert n["B"].pk in problems["pay_under_standard"]["communities"]
    assert problems["low_facility_coverage"]["communities"] == [n["B"].pk, n["C"].pk]
    assert "households_per_worker_high" not in problems


def test_overview_of_a_street_user_counts_only_their_street(fworld):
    staff(fworld)
    o = selectors.workforce_overview(user=fworld.users["street_s1"], end=DAY)
    assert o["communities"] == 2 and o["workers"] == 4
    assert {r["community"] for r in o["rows"]} == {"甲社区", "乙社区"}


def test_too_many_households_per_worker_is_a_problem(fworld):
    staff(fworld)
    WorkforcePolicy.objects.create(node=fworld.nodes["district"], max_households_per_worker=1)
    from shequ.workforce import services

    services.worker_update(actor=fworld.users["office"], worker_id=selectors.worker_list(
        user=fworld.users["office"], community=fworld.nodes["B"].pk).get().pk, status="left", left_on=dt.date(2026, 1, 1))
    problems = {p["key"]: p for p in indicators.problems([fworld.nodes["district"]], START, DAY)}
    p = problems["households_per_worker_high"]
    assert p["communities"] == [fworld.nodes["C"].pk, fworld.nodes["B"].pk]  # C: 2 per worker; B: nobody in post
    assert p["severity"] == 3 and "2户" in p["evidence"] and "1个社区没有登记在岗工作者" in p["evidence"]
