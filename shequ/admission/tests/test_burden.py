"""The burden ledger, the burden index formula, the department ranking and the indicators."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.admission import burden, indicators, services
from shequ.admission.models import BurdenPolicy, Category

from .factories import NOW, item, off_list, submit

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 26)


def _load(world):
    """A's year: 2 tasks (one with 3 ledgers and 4 forms), 1 unadmitted flag (2 forms) and one
    dismissed, 1 certificate, 2 seals, 1 refused certificate, 3 plaques of which 2 off the list."""
    submit(world, communities=("A", "B"), ledgers_demanded=3, forms_demanded=4)
    submit(world, communities=("A",), title="第二件")
    a = world.nodes["A"].pk
    worker = world.users["worker_a"]
    services.unadmitted_flag(actor=worker, community_id=a, title="报送创卫材料", received_on=dt.date(2026, 11, 2),
                             department_id=world.departments["housing"].pk, forms_demanded=2, now=NOW)
    dismissed = services.unadmitted_flag(actor=worker, community_id=a, title="误报", received_on=dt.date(2026, 11, 3),
                                         department_id=world.departments["civil"].pk, now=NOW)
    services.unadmitted_review(actor=world.users["office"], report_id=dismissed.pk, confirm=False, reason="已经准入")
    services.stamp_record(actor=worker, community_id=a, kind="certificate", matter="居住证明",
                          item_id=item(world, Category.CERTIFICATE).pk, now=NOW)
    for _ in range(2):
        services.stamp_record(actor=worker, community_id=a, kind="seal", matter="居民会议决定",
                              item_id=item(world, Category.SEAL).pk, now=NOW)
    services.stamp_record(actor=worker, community_id=a, kind="certificate", matter="无犯罪记录证明", now=NOW)
    for name, on in (("社区党组织", dt.date(2019, 1, 1)), ("文明创建工作站", dt.date(2022, 3, 1)), ("禁毒工作站", dt.date(2023, 1, 1))):
        services.plaque_record(actor=worker, community_id=a, name=name, put_up_on=on,
                               department_id=world.departments["housing"].pk if name == "禁毒工作站" else None, now=NOW)


def test_ledger_counts_and_the_index_formula(aworld):
    _load(aworld)
    rows = burden.community_ledger([aworld.nodes["A"].pk, aworld.nodes["C"].pk], *burden.year_range(2026), today=TODAY)
    a = rows[aworld.nodes["A"].pk]
    assert (a.admitted, a.unadmitted, a.ledgers, a.forms) == (2, 1, 3, 6)
    assert (a.certificates, a.seals, a.refused, a.plaques, a.excess_plaques) == (1, 2, 1, 3, 2)
    # 1·2 + 3·1 + 2·3 + 0.5·6 + 0.1·1 + 0.05·2 + 1·2 = 16.2
    assert a.index == 16.2
    assert rows[aworld.nodes["C"].pk].index == 0
    assert burden.community_ledger([aworld.nodes["A"].pk], *burden.year_range(2025), today=TODAY)[aworld.nodes["A"].pk].index == 2.0  # plaques only


def test_the_weights_are_data(aworld):
    _load(aworld)
    BurdenPolicy.objects.create(w_unadmitted=Decimal("10"))
    a = burden.community_ledger([aworld.nodes["A"].pk], *burden.year_range(2026), today=TODAY)[aworld.nodes["A"].pk]
    assert a.index == 23.2


def test_the_ledger_costs_a_fixed_number_of_queries(aworld):
    _load(aworld)
    ids = [aworld.nodes[k].pk for k in ("A", "B", "C")]
    with CaptureQueriesContext(connection) as small:
        burden.community_ledger(ids[:1], *burden.year_range(2026), today=TODAY)
    with CaptureQueriesContext(connection) as large:
        burden.community_ledger(ids, *burden.year_range(2026), today=TODAY)
    assert len(small) == len(large) <= 7


def test_overdue_tasks_count_in_the_ledger(aworld):
    submit(aworld, communities=("A",), deadline=dt.date(2026, 12, 1))
    after = dt.date(2026, 12, 5)
    a = burden.community_ledger([aworld.nodes["A"].pk], *burden.year_range(2026), today=after)[aworld.nodes["A"].pk]
    assert a.overdue == 1


def test_departments_are_ranked_by_the_burden_they_push(aworld):
    _load(aworld)
    task = off_list(aworld, user="dept_housing", communities=("A", "B", "C"), ledgers_demanded=16)
    services.task_approve(actor=aworld.users["office"], task_id=task.pk, now=NOW)
    rows = burden.department_ranking(aworld.nodes["district"].pk, *burden.year_range(2026), today=TODAY)
    by_name = {r.name: r for r in rows}
    housing, civil = by_name["住建委"], by_name["民政局"]
    # housing: 3 tasks, 16 ledgers × 3 communities, 1 unadmitted flag with 2 forms, 1 off-list plaque
    assert (housing.admitted, housing.ledgers, housing.unadmitted, housing.forms, housing.excess_plaques) == (3, 48, 1, 2, 1)
    assert housing.index == 3 + 3 + 96 + 1 + 1
    assert civil.unadmitted == 0  # the dismissed flag does not count
    assert rows[0].name == "住建委" and rows[0].rank == 1 and civil.rank == 2
    assert burden.request_counts(aworld.nodes["district"].pk, *burden.year_range(2026))[aworld.departments["housing"].pk]["approved"] == 1


def test_indicators_follow_the_protocol(aworld):
    _load(aworld)
    nodes = [aworld.nodes["district"], aworld.nodes["S1"], aworld.nodes["A"], aworld.nodes["C"]]
    keys = {i["key"] for i in indicators.INDICATORS}
    result = indicators.compute(nodes, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert set(result) == {n.pk for n in nodes} and all(set(v) == keys for v in result.values())
    assert result[aworld.nodes["A"].pk]["unadmitted_tasks"] == 1
    assert result[aworld.nodes["A"].pk]["admitted_tasks_per_community"] == 2
    assert result[aworld.nodes["S1"].pk]["admitted_tasks_per_community"] == 1.5  # A 2, B 1
    assert result[aworld.nodes["district"].pk]["burden_index_per_community"] == round((16.2 + 9 + 0) / 3, 2)  # B: 1 task, 3 ledgers, 4 forms
    with CaptureQueriesContext(connection) as queries:
        indicators.compute(nodes, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert len(queries) <= 8


def test_problems_use_the_policy_thresholds(aworld):
    _load(aworld)
    nodes = [aworld.nodes["district"]]
    assert [p["key"] for p in indicators.problems(nodes, dt.date(2026, 1, 1), dt.date(2026, 12, 31))] == []
    BurdenPolicy.objects.create(heavy_index=Decimal("10"), unadmitted_alert=1)
    found = {p["key"]: p for p in indicators.problems(nodes, dt.date(2026, 1, 1), dt.date(2026, 12, 31))}
    assert set(found) == {"admission_heavy_burden", "admission_unadmitted_work"}
    heavy = found["admission_heavy_burden"]
    assert heavy["communities"] == [aworld.nodes["A"].pk] and "甲社区" in heavy["evidence"] and 1 <= heavy["severity"] <= 3
