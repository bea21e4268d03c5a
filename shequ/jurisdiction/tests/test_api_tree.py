"""/api/tree: browse, search, details with counts, create/update/move, deviation report, locate."""
from shequ.core.models import AuditLog
from shequ.jurisdiction.models import Node
from shequ.registry.tests.apiclient import ApiClient, api_as


def names(answer):
    return [item["name"] for item in answer.data["items"]]


def test_roots_are_the_users_bound_nodes(world):
    assert names(api_as(world, "worker_a").get("/tree/nodes")) == ["甲社区"]
    assert names(api_as(world, "street_s1").get("/tree/nodes")) == ["一街道"]
    assert names(api_as(world, "admin").get("/tree/nodes")) == ["测试市"]
    assert api_as(world, "resident_a").get("/tree/nodes").data["items"] == []
    assert ApiClient().get("/tree/nodes").status == 401


def test_children_of_parent_and_search(world):
    client = api_as(world, "street_s1")
    assert names(client.get("/tree/nodes", parent=world.nodes["S1"].pk)) == ["甲社区", "乙社区"]
    assert names(client.get("/tree/nodes", level="grid")) == ["甲社区第1网格", "乙社区第1网格"]
    assert names(client.get("/tree/nodes", q="乙社区")) == ["乙社区", "乙社区第1网格"]
    assert names(client.get("/tree/nodes", q="110105001002")) == ["乙社区", "乙社区第1网格", "1"]
    assert client.get("/tree/nodes", q="丙村").data["count"] == 0
    assert client.get("/tree/nodes", parent=world.nodes["S2"].pk).status == 404
    assert client.get("/tree/nodes", level="planet").status == 422


def test_detail_has_breadcrumbs_and_counts(world):
    answer = api_as(world, "street_s1").get(f"/tree/nodes/{world.nodes['S1'].pk}")
    assert answer.status == 200
    assert [b["name"] for b in answer.data["breadcrumbs"]] == ["测试市", "测试区", "一街道"]
    assert answer.data["counts"] == {"households": 4, "residents": 8, "grids": 2, "workers": 4}
    assert answer.data["children_count"] == 2


def test_detail_foreign_is_404(world):
    client = api_as(world, "worker_a")
    assert client.get(f"/tree/nodes/{world.nodes['B'].pk}").status == 404
    assert client.get("/tree/nodes/999999").data == client.get(f"/tree/nodes/{world.nodes['B'].pk}").data
    assert client.get(f"/tree/nodes/{world.nodes['B'].pk}/children").status == 404


def test_children_with_counts(world):
    answer = api_as(world, "street_s1").get(f"/tree/nodes/{world.nodes['S1'].pk}/children")
    assert answer.status == 200
    by_name = {item["name"]: item["counts"] for item in answer.data["items"]}
    assert by_name["甲社区"] == {"households": 2, "residents": 4, "grids": 1, "workers": 3}
    assert by_name["乙社区"]["residents"] == 4


def test_create_node_by_district_office_and_audit(world):
    answer = api_as(world, "office").post("/tree/nodes", {
        "parent": world.nodes["A"].pk, "level": "grid", "name": "甲社区第2网格", "code": "11010500100102",
        "boundary": {"type": "Polygon", "coordinates": [[[117, 40], [117.1, 40], [117.1, 40.1], [117, 40]]]}})
    assert answer.status == 201, answer
    assert answer.data["has_boundary"] is True and answer.data["parent_id"] == world.nodes["A"].pk
    node = Node.objects.get(pk=answer.data["id"])
    assert (node.community_id, node.street_id, node.grid_id) == (world.nodes["A"].pk, world.nodes["S1"].pk, node.pk)
    assert AuditLog.objects.filter(verb="node.created", target_id=str(node.pk), actor=world.users["office"]).exists()


def test_create_node_wrong_role_and_bad_input(world):
    body = {"parent": world.nodes["A"].pk, "level": "grid", "name": "新网格", "code": "11010500100109"}
    assert api_as(world, "worker_a").post("/tree/nodes", body).status == 403
    assert api_as(world, "leader").post("/tree/nodes", body).status == 403
    assert api_as(world, "worker_b").post("/tree/nodes", body).status == 404
    bad_level = api_as(world, "office").post("/tree/nodes", {**body, "level": "street"})
    assert bad_level.status == 422 and bad_level.data["extra"]["field"] == "parent"
    bad_boundary = api_as(world, "office").post("/tree/nodes", {**body, "boundary": {"type": "Point", "coordinates": [1, 2]}})
    assert bad_boundary.status == 422 and "边界" in bad_boundary.data["message"]
    assert api_as(world, "office").post("/tree/nodes", {**body, "name": ""}).status == 422
    assert not Node.objects.filter(name="新网格").exists()


def test_patch_node(world):
    grid = world.nodes["A_grid"]
    answer = api_as(world, "office").patch(f"/tree/nodes/{grid.pk}", {"name": "甲一网格", "boundary": None})
    assert answer.status == 200, answer
    assert answer.data["name"] == "甲一网格" and answer.data["boundary"] is None
    assert api_as(world, "leader").patch(f"/tree/nodes/{grid.pk}", {"name": "x"}).status == 403
    assert api_as(world, "worker_b").patch(f"/tree/nodes/{grid.pk}", {"name": "x"}).status == 404
    untouched = api_as(world, "office").patch(f"/tree/nodes/{world.nodes['B_grid'].pk}", {"sort": 3})
    assert untouched.data["has_boundary"] is True


def test_move_node_and_reject_cycle(world):
    building = world.nodes["A_building"]
    client = api_as(world, "office")
    answer = client.post(f"/tree/nodes/{building.pk}/move", {"parent": world.nodes["B_grid"].pk})
    assert answer.status == 200, answer
    assert [b["name"] for b in answer.data["breadcrumbs"]][-3:] == ["乙社区", "乙社区第1网格", "1"]
    assert api_as(world, "worker_b").get(f"/registry/houses/{world.houses['A101'].pk}").status == 200
    cycle = client.post(f"/tree/nodes/{world.nodes['B'].pk}/move", {"parent": world.nodes["B_grid"].pk})
    assert cycle.status == 422
    assert api_as(world, "leader").post(f"/tree/nodes/{building.pk}/move", {"parent": world.nodes["A_grid"].pk}).status == 403


def test_deviation_report(world):
    office = world.users["office"]
    from shequ.jurisdiction.services import node_create

    node_create(actor=office, parent=world.nodes["B"], level="building", name="直属楼", code="B-DIRECT")
    answer = api_as(world, "street_s1").get("/tree/deviations")
    assert answer.status == 200
    assert [d["community"]["name"] for d in answer.data] == ["乙社区"]
    assert "楼栋未划入网格" in answer.data[0]["problems"][0]["label"]
    assert api_as(world, "street_s1").get("/tree/deviations", node=world.nodes["A"].pk).data == []
    assert api_as(world, "worker_a").get("/tree/deviations").status == 403


def test_locate_point_within_scope(world):
    inside_a = {"lng": 116.2, "lat": 39.2}
    answer = api_as(world, "worker_a").get("/tree/locate", **inside_a)
    assert answer.status == 200 and answer.data["id"] == world.nodes["A_grid"].pk
    assert api_as(world, "worker_b").get("/tree/locate", **inside_a).status == 404
    assert api_as(world, "admin").get("/tree/locate", **inside_a).data["id"] == world.nodes["A_grid"].pk
    assert api_as(world, "worker_a").get("/tree/locate", lng=0, lat=0).status == 404
    bad = api_as(world, "worker_a").get("/tree/locate", lng=200, lat=39)
    assert bad.status == 422 and bad.data["message"].startswith("lng")
