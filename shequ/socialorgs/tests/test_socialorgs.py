"""Social organizations: rules, per-community counts against the target (10) and the alert under 3,
government-purchased service projects, the public directory, scope via services, API, pages, export, admin."""
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from shequ.core.errors import InvalidInput, InvalidTransition, NotAllowed, NotInScope
from shequ.core.models import AuditLog
from shequ.registry.tests.apiclient import api_as
from shequ.socialorgs import selectors, services
from shequ.socialorgs.models import SocialOrgPolicy


def _org(world, actor="worker_a", community="A", name="甲社区老年协会", **kwargs):
    args = dict(type="specific_group", served_group="elderly", filing="filed", filed_on=dt.date(2025, 5, 1))
    args.update(kwargs)
    return services.organization_create(actor=world.users[actor], community=world.nodes[community], name=name, **args)


def test_rules(world):
    with pytest.raises(InvalidInput) as exc:
        _org(world, served_group="")
    assert exc.value.extra["field"] == "served_group"
    with pytest.raises(InvalidInput) as exc:
        _org(world, filed_on=None)
    assert exc.value.extra["field"] == "filed_on"
    with pytest.raises(NotInScope):
        _org(world, community="B")
    with pytest.raises(NotAllowed):
        _org(world, actor="leader")
    with pytest.raises(InvalidInput):
        services.organization_create(actor=world.users["street_s1"], community=world.nodes["S1"], name="x", type="charity")
    org = _org(world)
    assert AuditLog.objects.filter(verb="social_org.created", target_id=str(org.pk)).exists()
    with pytest.raises(InvalidInput):  # revoked needs a date
        services.organization_update(actor=world.users["worker_a"], organization_id=org.pk, filing="revoked")


def test_counts_against_target_and_alert(world):
    for i in range(3):
        _org(world, name=f"甲组织{i}", type="life_service", served_group="")
    revoked = _org(world, name="甲已注销", type="charity", served_group="")
    services.organization_update(actor=world.users["worker_a"], organization_id=revoked.pk, filing="revoked",
                                 revoked_on=dt.date(2026, 1, 1))
    _org(world, actor="worker_b", community="B", name="乙互助会", type="mutual_aid", served_group="", filing="unfiled", filed_on=None)
    rows = {r["community"].name: (r["total"], r["target"], r["below_target"], r["alert"])
            for r in selectors.community_counts(user=world.users["office"])}
    assert rows == {"甲社区": (3, 10, True, False), "乙社区": (1, 10, True, True), "丙村": (0, 10, True, True)}
    SocialOrgPolicy.objects.create(node=world.nodes["S1"], target_per_community=3, alert_below=1)
    rows = {r["community"].name: (r["below_target"], r["alert"]) for r in selectors.community_counts(user=world.users["office"])}
    assert rows == {"甲社区": (False, False), "乙社区": (True, False), "丙村": (True, True)}
    assert [r["community"].name for r in selectors.community_counts(user=world.users["worker_b"])] == ["乙社区"]


def test_projects(world):
    org = _org(world)
    worker = world.users["worker_a"]
    with pytest.raises(InvalidInput) as exc:
        services.project_create(actor=worker, organization_id=org.pk, title="助老", place=world.nodes["A"], purchaser="区民政局",
                                budget="50000", start_on=dt.date(2026, 3, 1), end_on=dt.date(2026, 2, 1))
    assert exc.value.extra["field"] == "end_on"
    with pytest.raises(NotInScope):  # worker_a cannot place it on the whole street
        services.project_create(actor=worker, organization_id=org.pk, title="助老", place=world.nodes["S1"], purchaser="街道",
                                budget=1, start_on=dt.date(2026, 3, 1), end_on=dt.date(2026, 12, 1))
    project = services.project_create(actor=worker, organization_id=org.pk, title="居家养老助餐", place=world.nodes["A"],
                                      purchaser="区民政局", budget="50000", start_on=dt.date(2026, 3, 1), end_on=dt.date(2026, 12, 31))
    with pytest.raises(InvalidTransition):
        services.project_finish(actor=worker, project_id=project.pk, results="x", spent=1)
    services.project_start(actor=worker, project_id=project.pk)
    project = services.project_finish(actor=worker, project_id=project.pk, results="服务老人1200人次", spent="48000.5",
                                      beneficiaries=1200, rating="优秀")
    assert (project.status, str(project.spent)) == ("finished", "48000.50")
    totals = selectors.project_totals(user=world.users["office"])
    assert totals["finished"]["n"] == 1 and float(totals["finished"]["budget"]) == 50000
    assert list(selectors.project_list(user=world.users["worker_b"])) == []


def test_public_directory_shows_only_filed(world, client):
    _org(world, name="甲公开协会", activities="每周健步走")
    _org(world, name="甲未备案队", type="life_service", served_group="", filing="unfiled", filed_on=None)
    response = client.get("/socialorgs/directory/")
    page = response.content.decode()
    assert response.status_code == 200 and "甲公开协会" in page and "甲未备案队" not in page
    answer = api_as(world, None).get("/socialorgs/public")
    assert answer.status == 200 and [x["name"] for x in answer.data["items"]] == ["甲公开协会"]
    assert "leader_name" not in answer.data["items"][0]
    assert api_as(world, None).get("/socialorgs/organizations").status == 401


def test_api_pages_export_admin_scope(world, client):
    api = api_as(world, "worker_a")
    answer = api.post("/socialorgs/organizations", {"community_id": world.nodes["A"].pk, "name": "甲志愿服务队", "type": "charity",
                                                    "filing": "registered", "filed_on": "2024-01-01"})
    assert answer.status == 201, answer
    pk = answer.data["id"]
    assert api_as(world, "worker_b").get(f"/socialorgs/organizations/{pk}").status == 404
    assert api_as(world, "worker_b").patch(f"/socialorgs/organizations/{pk}", {"name": "x"}).status == 404
    assert api_as(world, "leader").patch(f"/socialorgs/organizations/{pk}", {"name": "x"}).status == 403
    assert api_as(world, "grid_a").get("/socialorgs/organizations").status == 403
    assert api.patch(f"/socialorgs/organizations/{pk}", {"member_count": 12}).data["member_count"] == 12
    bad = api.post("/socialorgs/organizations", {"community_id": world.nodes["A"].pk, "name": "甲志愿服务队", "type": "charity"})
    assert bad.status == 409
    counts = api_as(world, "office").get("/socialorgs/per-community", alert_only=True).data
    assert [r["community"] for r in counts] == ["甲社区", "乙社区", "丙村"]  # all under 3
    project = api.post("/socialorgs/projects", {"organization_id": pk, "title": "邻里节", "place_id": world.nodes["A"].pk,
                                                "purchaser": "一街道办事处", "budget": "8000", "start_on": "2026-05-01",
                                                "end_on": "2026-05-31"})
    assert project.status == 201
    assert api_as(world, "worker_b").get(f"/socialorgs/projects/{project.data['id']}").status == 404
    client.force_login(world.users["worker_b"])
    assert client.get(f"/socialorgs/{pk}/").status_code == 404
    assert client.get(f"/socialorgs/{pk}/edit/").status_code == 404
    assert client.get(f"/socialorgs/projects/{project.data['id']}/").status_code == 404
    response = client.get("/socialorgs/?export=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 1  # only the header: nothing of A
    worker_b = world.users["worker_b"]
    worker_b.is_staff = True
    worker_b.save(update_fields=["is_staff"])
    client.force_login(worker_b)
    assert client.get(f"/admin/socialorgs/socialorganization/{pk}/change/").status_code in (302, 404)
    client.force_login(world.users["worker_a"])
    page = client.get("/socialorgs/").content.decode()
    assert "甲志愿服务队" in page and 'data-field="per-community"' in page
    response = client.post(f"/socialorgs/{pk}/edit/", {"name": "甲志愿服务总队", "type": "charity", "filing": "registered",
                                                        "filed_on": "2024-01-01", "member_count": 20})
    assert response.status_code == 302
    assert selectors.organization_get(user=world.users["worker_a"], pk=pk).name == "甲志愿服务总队"
    client.force_login(world.users["resident_a"])
    assert client.get("/socialorgs/").status_code == 403


def test_create_page(world, client):
    client.force_login(world.users["worker_a"])
    response = client.post("/socialorgs/new/", {"community": world.nodes["A"].pk, "name": "甲互助会", "type": "mutual_aid",
                                                "filing": "unfiled", "member_count": 8})
    assert response.status_code == 302
    response = client.post("/socialorgs/new/", {"community": world.nodes["A"].pk, "name": "甲关爱队", "type": "specific_group",
                                                "filing": "unfiled", "member_count": 8})
    assert response.status_code == 200 and "特定群体类组织须填写服务对象" in response.content.decode()
