"""The dashboard page and the API: figures of a node, drill-down to children, comparison with the
siblings in scope, empty sections for modules not installed; a street leader sees only their street
(another street is 404 through page, API and report), a role without the capability gets 403."""
import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.indicators import selectors
from shequ.registry.tests.apiclient import api_as

NOV = {"start": "2026-11-01", "end": "2026-11-30"}
API_NOV = {"from": "2026-11-01", "to": "2026-11-30"}


def _page(client, user, **params):
    client.force_login(user)
    return client.get("/indicators/", params)


def test_district_dashboard_shows_sections_children_and_empty_modules(world, client, appeals_fixture):
    n = world.nodes
    answer = _page(client, world.users["leader"], node=n["district"].pk, **NOV)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert 'data-key="communities"' in html and 'data-key="appeals_on_time_rate"' in html
    assert "71.4%" in html  # district on-time rate 5/7
    assert f"?node={n['S1'].pk}" in html and f"?node={n['S2'].pk}" in html  # drill-down links
    assert 'data-missing="shequ.workforce"' in html and "模块尚未启用" in html


def test_drill_down_to_a_community_and_compare_with_its_siblings(world, client, appeals_fixture):
    n = world.nodes
    html = _page(client, world.users["leader"], node=n["A"].pk, compare="appeals_on_time_rate", **NOV).content.decode()
    assert "甲社区" in html and "乙社区" in html  # A and its sibling B
    assert "丙村" not in html  # C is under the other street: not a sibling
    assert "50.0%" in html and "100.0%" in html  # A 2/4, B 1/1
    assert f"?node={n['S1'].pk}" in html  # up one level


def test_street_leader_sees_only_the_street(world, client):
    n = world.nodes
    street = world.users["street_s1"]
    html = _page(client, street).content.decode()  # default: the bound street
    assert "一街道" in html and "二乡" not in html  # S2 is a sibling outside scope
    assert "测试区" not in html.split('data-field="node"')[1][:40]
    assert _page(client, street, node=n["S2"].pk).status_code == 404
    assert _page(client, street, node=n["C"].pk).status_code == 404
    assert _page(client, street, node=n["district"].pk).status_code == 404
    assert 'data-field="up"' not in html  # the district is outside the scope: no link up


def test_roles_without_the_capability_get_403(world, client):
    assert _page(client, world.users["dept"]).status_code == 403
    assert _page(client, world.users["resident_a"]).status_code == 403
    client.force_login(world.users["worker_a"])  # dashboard yes, reports no
    assert client.get("/indicators/").status_code == 200
    assert client.get("/indicators/reports/").status_code == 403


def test_dashboard_queries_are_bounded(world, appeals_fixture, django_assert_max_num_queries):
    """One compute() per provider for the node, its children and siblings, whatever their number."""
    user = world.users["leader"]
    user.refresh_from_db()
    node = selectors.node_get(user=user, pk=world.nodes["district"].pk)
    with CaptureQueriesContext(connection) as ctx:
        selectors.dashboard(user=user, node=node, start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    assert len(ctx.captured_queries) <= 16


def test_api_dashboard_and_scope(world, appeals_fixture):
    n = world.nodes
    answer = api_as(world, "leader").get("/indicators/dashboard", **{"node": n["S1"].pk, **API_NOV})
    assert answer.status == 200, answer
    data = answer.data
    assert data["node"]["values"]["communities"] == 2 and data["node"]["values"]["appeals_overdue"] == 2
    assert [c["name"] for c in data["children"]] == ["甲社区", "乙社区"]
    assert [s["name"] for s in data["siblings"]] == ["一街道", "二乡"]
    assert any(m["app"] == "shequ.workforce" for s in data["sections"] for m in s["missing"])
    street = api_as(world, "street_s1")
    assert street.get("/indicators/dashboard", **{"node": n["S2"].pk}).status == 404
    assert [s["name"] for s in street.get("/indicators/dashboard", **{"node": n["S1"].pk}).data["siblings"]] == ["一街道"]
    assert api_as(world, "dept").get("/indicators/dashboard").status == 403
    bad = api_as(world, "leader").get("/indicators/dashboard", **{"node": n["S1"].pk, "from": "2026-11-30", "to": "2026-11-01"})
    assert bad.status == 422 and bad.data["extra"]["field"] == "to"
    catalog = api_as(world, "leader").get("/indicators/catalog").data
    assert {"communities", "appeals_response_rate"} <= {i["key"] for i in catalog["indicators"]}


def test_api_reports(world, django_capture_on_commit_callbacks):
    n = world.nodes
    street = api_as(world, "street_s1")
    with django_capture_on_commit_callbacks(execute=True):
        answer = street.post("/indicators/reports", {"node": n["S1"].pk, **API_NOV})
    assert answer.status == 202, answer
    report_id = answer.data["id"]
    detail = street.get(f"/indicators/reports/{report_id}").data
    assert detail["status"] == "done" and detail["content"]["node"]["name"] == "一街道"
    assert street.get("/indicators/reports").data["count"] == 1
    assert street.post("/indicators/reports", {"node": n["S2"].pk, **API_NOV}).status == 404
    assert api_as(world, "worker_b").get(f"/indicators/reports/{report_id}").status == 403
    other_street = api_as(world, "office")
    assert other_street.get(f"/indicators/reports/{report_id}").status == 200  # the district office sees S1's
    download = street.client.get(f"/api/indicators/reports/{report_id}/download?format=docx")
    assert download.status_code == 200 and download.content[:2] == b"PK"
    assert street.get(f"/indicators/reports/{report_id}/download", **{"format": "xls"}).status == 422


def test_a_bad_date_keeps_the_node_and_says_why(world, client):
    html = _page(client, world.users["leader"], node=world.nodes["S2"].pk, start="2026-13-01").content.decode()
    assert "二乡" in html.split('data-field="node"')[1][:40]
    assert 'role="alert"' in html and "期初" in html
    html = _page(client, world.users["leader"], node=world.nodes["S2"].pk, start="2026-12-01", end="2026-11-01").content.decode()
    assert "统计期末不能早于期初" in html
