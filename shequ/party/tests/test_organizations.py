"""Party organizations: attached to nodes and units, coverage by sector, the vacuum list, dissolution,
and scope through services, API, pages, export and admin."""
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from shequ.core.errors import Conflict, InvalidInput, NotAllowed, NotInScope
from shequ.core.models import AuditLog
from shequ.party import selectors, services
from shequ.registry.tests.apiclient import api_as

from .factories import party_member, units


@pytest.fixture
def u(world):
    return units(world)


def _org(world, actor="worker_a", **kwargs):
    args = dict(name="甲社区党委", kind="committee", node=world.nodes["A"])
    args.update(kwargs)
    return services.organization_create(actor=world.users[actor], **args)


def test_coverage_by_sector_and_vacuum(world, u):
    office = world.users["office"]
    rows = {r["sector"]: (r["units"], r["covered"]) for r in selectors.coverage_by_sector(user=office)}
    assert rows == {"non_public": (2, 0), "property": (1, 0), "social": (1, 0), "": (4, 0)}  # the school is not counted
    org = _org(world, kind="branch", name="甲物业党支部", unit_ids=[u["A_property"].pk])
    _org(world, actor="office", kind="branch", name="丙村老年协会党支部", node=world.nodes["C"], unit_ids=[u["C_social"].pk])
    total = selectors.coverage_by_sector(user=office)[-1]
    assert (total["units"], total["covered"], total["rate"]) == (4, 2, 0.5)
    assert sorted(x.name for x in selectors.vacuum_units(user=office)) == ["乙商贸公司", "甲科技公司"]
    assert [x.name for x in selectors.vacuum_units(user=world.users["worker_a"])] == ["甲科技公司"]
    services.organization_dissolve(actor=world.users["worker_a"], organization_id=org.pk, on=dt.date(2026, 6, 1),
                                   reason="企业迁出")
    assert "甲物业公司" in [x.name for x in selectors.vacuum_units(user=office)]
    assert AuditLog.objects.filter(verb="party_org.dissolved", target_id=str(org.pk)).count() == 1


def test_joint_branch_and_unit_rules(world, u):
    with pytest.raises(InvalidInput) as exc:
        _org(world, kind="joint_branch", name="联合党支部", unit_ids=[u["A_firm"].pk])
    assert exc.value.extra["field"] == "units"
    joint = _org(world, kind="joint_branch", name="甲联合党支部", node=world.nodes["A_grid"],
                 unit_ids=[u["A_firm"].pk, u["A_property"].pk])
    assert joint.community_id == world.nodes["A"].pk and joint.units.count() == 2
    with pytest.raises(NotInScope):  # B's unit is outside worker_a's community
        _org(world, name="乙企业党支部", kind="branch", unit_ids=[u["B_firm"].pk])
    with pytest.raises(InvalidInput) as exc:  # in the office's scope, but not under the node
        _org(world, actor="office", name="错挂党支部", kind="branch", unit_ids=[u["B_firm"].pk])
    assert exc.value.code == "party_foreign_unit"
    with pytest.raises(Conflict):
        _org(world, kind="joint_branch", name="甲联合党支部", node=world.nodes["A_grid"],
             unit_ids=[u["A_firm"].pk, u["A_property"].pk])


def test_secretary_must_be_a_party_member_and_parent_no_cycle(world, u):
    with pytest.raises(InvalidInput) as exc:
        _org(world, secretary=world.residents["A101h"])
    assert exc.value.code == "party_not_party_member"
    party_member(world, "A101h")
    top = _org(world, secretary=world.residents["A101h"])
    branch = _org(world, name="甲第一党支部", kind="branch", node=world.nodes["A_grid"], parent=top)
    with pytest.raises(InvalidInput):
        services.organization_update(actor=world.users["worker_a"], organization_id=top.pk, parent=branch)
    with pytest.raises(NotInScope):
        _org(world, actor="worker_b", name="乙社区党委", node=world.nodes["B"], parent=top)


def test_roles(world, u):
    with pytest.raises(NotAllowed):
        _org(world, actor="leader")
    with pytest.raises(NotAllowed):
        selectors.organization_list(user=world.users["resident_a"])
    with pytest.raises(NotAllowed):
        selectors.organization_list(user=world.users["dept"])
    org = _org(world, actor="street_s1")
    assert [o.pk for o in selectors.organization_list(user=world.users["leader"])] == [org.pk]


def test_api_scope_and_role(world, u):
    worker_a = api_as(world, "worker_a")
    answer = worker_a.post("/party/organizations", {"name": "甲物业党支部", "kind": "branch", "node_id": world.nodes["A"].pk,
                                                     "unit_ids": [u["A_property"].pk], "member_count": 5})
    assert answer.status == 201, answer
    assert [x["name"] for x in answer.data["units"]] == ["甲物业公司"]
    pk = answer.data["id"]
    assert api_as(world, "worker_b").get(f"/party/organizations/{pk}").status == 404
    assert api_as(world, "worker_b").patch(f"/party/organizations/{pk}", {"name": "改名"}).status == 404
    assert api_as(world, "worker_b").get("/party/organizations").data["count"] == 0
    assert api_as(world, "leader").patch(f"/party/organizations/{pk}", {"name": "改名"}).status == 403
    assert api_as(world, "grid_a").get("/party/organizations").status == 403
    assert api_as(world, "resident_a").get("/party/coverage").status == 403
    answer = worker_a.patch(f"/party/organizations/{pk}", {"member_count": 7, "unit_ids": [u["A_property"].pk, u["A_firm"].pk]})
    assert answer.status == 200 and answer.data["member_count"] == 7 and len(answer.data["units"]) == 2
    bad = worker_a.post("/party/organizations", {"name": "", "kind": "branch", "node_id": world.nodes["A"].pk})
    assert bad.status == 422
    vacuum = api_as(world, "office").get("/party/vacuum")
    assert sorted(x["name"] for x in vacuum.data["items"]) == ["丙村老年协会", "乙商贸公司"]
    coverage = api_as(world, "worker_b").get("/party/coverage").data
    assert coverage[-1] == {"sector": "", "label": "合计", "units": 1, "covered": 0, "rate": 0.0}


def test_pages_export_and_admin_are_scoped(world, u, client):
    org = _org(world, kind="branch", name="甲物业党支部", unit_ids=[u["A_property"].pk])
    client.force_login(world.users["worker_b"])
    assert client.get(f"/party/organizations/{org.pk}/").status_code == 404
    assert client.get(f"/party/organizations/{org.pk}/edit/").status_code == 404
    assert "甲物业党支部" not in client.get("/party/organizations/").content.decode()
    response = client.get("/party/vacuum/?export=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["乙商贸公司"]
    assert AuditLog.objects.filter(verb="party.vacuum_exported", actor_name="worker_b").count() == 1
    for name in ("worker_b", "worker_a"):
        user = world.users[name]
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    client.force_login(world.users["worker_b"])
    assert client.get(f"/admin/party/partyorganization/{org.pk}/change/").status_code in (302, 404)
    assert "甲物业党支部" not in client.get("/admin/party/partyorganization/").content.decode()
    client.force_login(world.users["worker_a"])
    assert client.get(f"/admin/party/partyorganization/{org.pk}/change/").status_code == 200
    page = client.get("/party/").content.decode()
    assert "组织覆盖率" in page and 'data-field="coverage"' in page


def test_organization_pages_create_and_dissolve(world, u, client):
    client.force_login(world.users["worker_a"])
    form = client.get("/party/organizations/new/")
    assert form.status_code == 200
    response = client.post("/party/organizations/new/", {"name": "甲社区党委", "kind": "committee", "node": world.nodes["A"].pk,
                                                          "member_count": 30})
    assert response.status_code == 302, response.content.decode()[:2000]
    org = selectors.organization_list(user=world.users["worker_a"]).get()
    assert org.name == "甲社区党委"
    response = client.post(f"/party/organizations/{org.pk}/", {"on": "2026-05-01", "reason": "合并"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.dissolved_on == dt.date(2026, 5, 1)
    client.force_login(world.users["leader"])
    assert client.get("/party/organizations/new/").status_code == 403
    assert client.post(f"/party/organizations/{org.pk}/", {"on": "2026-05-01", "reason": "x"}).status_code == 403


def test_pages_in_english(world, u, client):
    from django.urls import reverse

    client.force_login(world.users["worker_a"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get("/party/").content.decode()
    assert "Coverage by sector" in page and "Joint meetings" in page
    page = client.get("/socialorgs/").content.decode()
    assert "Per community against the target" in page and "Communities under 3" in page


def test_unit_branch_without_a_node_sits_at_the_units_community(world, u):
    org = services.organization_create(actor=world.users["worker_a"], name="甲科技公司党支部", kind="branch", node=None,
                                       unit_ids=[u["A_firm"].pk])
    assert org.node_id == world.nodes["A"].pk and org.community_id == world.nodes["A"].pk
    with pytest.raises(InvalidInput) as exc:
        services.organization_create(actor=world.users["office"], name="跨社区联合党支部", kind="joint_branch", node=None,
                                     unit_ids=[u["A_firm"].pk, u["B_firm"].pk])
    assert exc.value.extra["field"] == "node"
    answer = api_as(world, "worker_a").post("/party/organizations", {"name": "甲物业党支部", "kind": "branch",
                                                                     "unit_ids": [u["A_property"].pk]})
    assert answer.status == 201 and answer.data["node_id"] == world.nodes["A"].pk
