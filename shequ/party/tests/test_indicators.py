"""The indicator protocol of party building and social organizations: figures per node against hand counts,
bounded queries, and the problems with their evidence."""
import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.party import indicators as party_indicators
from shequ.party import services
from shequ.socialorgs import indicators as org_indicators
from shequ.socialorgs import services as org_services

from .factories import party_member, units

START, END = dt.date(2026, 1, 1), dt.date(2026, 12, 31)


def _held(world, community, day):
    office = world.users["office"]
    m = services.meeting_schedule(actor=office, community=world.nodes[community], title="联席会", scheduled_on=day)
    services.meeting_hold(actor=office, meeting_id=m.pk, held_on=day, minutes="纪要", today=END)


def test_party_indicators(world):
    u = units(world)
    office = world.users["office"]
    services.organization_create(actor=office, name="甲物业党支部", kind="branch", node=world.nodes["A"], unit_ids=[u["A_property"].pk])
    for month in (2, 5, 8, 11):
        _held(world, "A", dt.date(2026, month, 1))
    _held(world, "B", dt.date(2026, 3, 1))
    _held(world, "B", dt.date(2025, 3, 1))  # outside the period
    party_member(world, "A101h")
    services.registration_create(actor=office, kind="member", community=world.nodes["A"], registered_on=dt.date(2025, 1, 1),
                                 resident=world.residents["A101h"], today=END)
    nodes = [world.nodes[k] for k in ("district", "S1", "S2", "A", "B", "C")]
    with CaptureQueriesContext(connection) as ctx:
        values = party_indicators.compute(nodes, START, END)
    assert len(ctx.captured_queries) <= 5
    assert values[world.nodes["district"].pk] == {"party_org_coverage": 0.25, "joint_meetings_per_community": 5 / 3,
                                                  "dual_members_registered": 1}
    assert values[world.nodes["S1"].pk]["party_org_coverage"] == 1 / 3
    assert values[world.nodes["A"].pk] == {"party_org_coverage": 0.5, "joint_meetings_per_community": 4,
                                           "dual_members_registered": 1}
    assert values[world.nodes["B"].pk]["joint_meetings_per_community"] == 1
    assert values[world.nodes["S2"].pk]["party_org_coverage"] == 0
    problems = {p["key"]: p for p in party_indicators.problems([world.nodes["district"]], START, END)}
    assert set(problems) == {"party_low_coverage", "party_few_joint_meetings", "party_dual_idle"}
    assert sorted(problems["party_low_coverage"]["communities"]) == sorted(world.nodes[k].pk for k in "ABC")
    assert "4 个" in problems["party_low_coverage"]["evidence"] and "1 个" in problems["party_low_coverage"]["evidence"]
    few = problems["party_few_joint_meetings"]
    assert sorted(few["communities"]) == sorted([world.nodes["B"].pk, world.nodes["C"].pk])
    assert "少于 4 次" in few["evidence"] and "1 个一次未开" in few["evidence"]
    assert problems["party_dual_idle"]["communities"] == [world.nodes["A"].pk]
    assert party_indicators.required_meetings(4, dt.date(2026, 1, 1), dt.date(2026, 6, 30)) == 2


def test_socialorg_indicators(world):
    office = world.users["office"]
    for i in range(3):
        org = org_services.organization_create(actor=office, community=world.nodes["A"], name=f"甲组织{i}", type="life_service",
                                               filing="filed" if i else "unfiled", filed_on=dt.date(2025, 1, 1) if i else None)
    org_services.organization_create(actor=office, community=world.nodes["B"], name="乙组织", type="charity",
                                     founded_on=dt.date(2027, 1, 1))  # founded after the period
    org_services.project_create(actor=office, organization_id=org.pk, title="项目", place=world.nodes["A"], purchaser="民政局",
                                budget="10000", start_on=dt.date(2026, 3, 1), end_on=dt.date(2026, 9, 1))
    nodes = [world.nodes[k] for k in ("district", "S1", "A", "B")]
    with CaptureQueriesContext(connection) as ctx:
        values = org_indicators.compute(nodes, START, END)
    assert len(ctx.captured_queries) <= 8
    assert values[world.nodes["district"].pk]["socialorgs_per_community"] == 1
    assert values[world.nodes["S1"].pk]["socialorgs_per_community"] == 1.5
    assert values[world.nodes["A"].pk]["socialorgs_filed_share"] == 2 / 3
    assert values[world.nodes["B"].pk]["socialorgs_filed_share"] is None
    assert values[world.nodes["district"].pk]["purchased_service_budget"] == 10000
    problems = org_indicators.problems([world.nodes["district"]], START, END)
    assert [p["key"] for p in problems] == ["socialorgs_under_three"]
    assert sorted(problems[0]["communities"]) == sorted([world.nodes["B"].pk, world.nodes["C"].pk])
    assert "2 个社区" in problems[0]["evidence"] and "平均每社区 1.0 个" in problems[0]["evidence"]
