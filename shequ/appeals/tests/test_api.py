"""The appeals API: each operation for the allowed user, a user of the sibling community (404)
and a wrong role (403); masking; errors in the {"code", "message", "extra"} shape."""
import pytest

from shequ.appeals.models import Appeal
from shequ.registry.tests.apiclient import api_as

from .factories import POINT_IN, ensure_catalog, submit


@pytest.fixture
def appeal_a(world):
    return submit(at="A", requester_name="王小明", requester_phone="13912345678")


def test_categories(world):
    ensure_catalog()
    answer = api_as(world, "worker_a").get("/appeals/categories")
    assert answer.status == 200
    noise = next(c for c in answer.data if c["code"] == "noise_neighbor")
    assert noise == {"code": "noise_neighbor", "name": "邻里噪声", "group": "噪声扰民", "unit_kind": "grid",
                     "department_kind": "", "contact_kind": "complaint", "time_limit": "general"}


def test_submit_by_staff_routes_and_masks(world):
    ensure_catalog()
    lng, lat = POINT_IN["A"]
    answer = api_as(world, "worker_a").post("/appeals", {
        "channel": "window", "category": "property_repair", "description": "楼道灯坏了", "lng": lng, "lat": lat,
        "requester_name": "王小明", "requester_phone": "13912345678"})
    assert answer.status == 201, answer
    data = answer.data
    assert data["number"].startswith("SQ-") and data["status"] == "received"
    assert data["handling_unit"] == {"type": "node", "id": world.nodes["A"].pk, "name": "甲社区"}
    assert data["routing_reason"].startswith("派至甲社区")
    assert data["requester_phone"] == "139****5678" and data["requester_name"] == "王**"
    assert data["first_receiver"] == "worker_a"
    assert [e["verb"] for e in data["timeline"]] == ["submitted"]


def _as_ninja_renders(schema, obj):
    import json

    from ninja.responses import NinjaJSONEncoder

    return json.loads(json.dumps(schema.from_orm(obj).model_dump(), cls=NinjaJSONEncoder))


def test_detail_answers_are_exactly_the_detail_schema(world):
    """The intake answers with a document built directly (``core.schemas.document``): it must be
    what Ninja renders of the appeal with AppealDetailOut, key for key and in the same order, with
    and without an address, a department, a receiver or a phone."""
    from shequ.appeals import selectors
    from shequ.appeals.api import AppealDetailOut

    ensure_catalog()
    lng, lat = POINT_IN["A"]
    bodies = [{"channel": "window", "category": "property_repair", "description": "楼道灯坏了", "lng": lng, "lat": lat,
               "requester_name": "王小明", "requester_phone": "13912345678"},
              {"channel": "hotline", "category": "subsistence_allowance", "description": "低保咨询",
               "address_text": "甲社区路10号"}]
    for body in bodies:
        answer = api_as(world, "worker_a").post("/appeals", body)
        assert answer.status == 201, answer
        appeal = selectors.appeal_by_id(answer.data["id"])
        appeal.timeline = list(appeal.events.order_by("at", "id"))
        assert answer.data == _as_ninja_renders(AppealDetailOut, appeal)
        assert list(answer.data) == list(AppealDetailOut.model_fields)


def test_submit_errors(world):
    ensure_catalog()
    client = api_as(world, "worker_a")
    unknown = client.post("/appeals", {"channel": "window", "category": "nope", "description": "x", "address_text": "甲社区路10号"})
    assert unknown.status == 404 and set(unknown.data) == {"code", "message", "extra"}
    bad_phone = client.post("/appeals", {"channel": "window", "category": "other", "description": "x",
                                         "address_text": "甲社区路10号", "requester_phone": "123"})
    assert bad_phone.status == 422 and bad_phone.data["code"] == "appeal_invalid_phone"
    assert api_as(world, "leader").post("/appeals", {"channel": "window", "category": "other", "description": "x"}).status == 403
    assert api_as(world, None).get("/appeals").status == 401
    assert not Appeal.objects.exists()


def test_list_and_get_are_scoped(world, appeal_a):
    mine = api_as(world, "worker_a").get("/appeals")
    assert mine.status == 200 and [a["number"] for a in mine.data["items"]] == [appeal_a.number]
    assert api_as(world, "worker_b").get("/appeals").data["items"] == []
    assert api_as(world, "worker_b").get(f"/appeals/{appeal_a.pk}").status == 404
    detail = api_as(world, "worker_a").get(f"/appeals/{appeal_a.pk}")
    assert detail.status == 200 and detail.data["requester_phone"] == "139****5678"
    assert "13912345678" not in str(detail.data) and "王小明" not in str(detail.data)
    assert api_as(world, "resident_a").get(f"/appeals/{appeal_a.pk}").status == 404


def test_list_items_are_exactly_the_appeal_schema(world, appeal_a):
    """The list builds its items from plain columns: each must equal AppealOut of the appeal, as
    the API would render it (a department-handled appeal and one with a community alike)."""
    import json

    from ninja.responses import NinjaJSONEncoder

    from shequ.appeals import selectors
    from shequ.appeals.api import AppealOut

    submit(at="B", code="subsistence_allowance")
    office = world.users["office"]
    answer = api_as(world, "office").get("/appeals")
    expected = [json.loads(json.dumps(AppealOut.from_orm(a).model_dump(), cls=NinjaJSONEncoder))
                for a in selectors.appeal_list(user=office)]
    assert len(expected) == 2 and answer.data["items"] == expected
    assert list(answer.data) == ["count", "count_is_estimate", "limit", "offset", "items"]


def test_list_filters(pinned_now, world, appeal_a):
    client = api_as(world, "office")
    submit(at="B", code="subsistence_allowance")
    assert client.get("/appeals", category="subsistence_allowance").data["count"] == 1
    assert client.get("/appeals", node=world.nodes["A"].pk).data["count"] == 1
    assert client.get("/appeals", status="accepted").data["count"] == 0
    assert client.get("/appeals", overdue="true").data["count"] == 0  # due in December 2026 at the earliest


def test_workflow_through_the_api(world, appeal_a):
    worker = api_as(world, "worker_a")
    path = f"/appeals/{appeal_a.pk}"
    assert worker.post(f"{path}/reply", {"reply": "太早"}).status == 409
    assert worker.post(f"{path}/accept").data["status"] == "accepted"
    dispatched = worker.post(f"{path}/dispatch", {"department_id": world.departments["civil"].pk})
    assert dispatched.status == 200 and dispatched.data["handling_unit"]["name"] == "民政局"
    dept = api_as(world, "dept")
    assert dept.post(f"{path}/start").data["status"] == "in_progress"
    replied = dept.post(f"{path}/reply", {"reply": "已协调物业处理"})
    assert replied.status == 200 and replied.data["status"] == "replied" and replied.data["reply"] == "已协调物业处理"
    assert [e["verb"] for e in replied.data["timeline"]] == ["submitted", "accepted", "dispatched", "started", "replied"]


@pytest.mark.parametrize("action", ["accept", "start"])
def test_workflow_sibling_is_404_and_wrong_role_is_403(world, appeal_a, action):
    path = f"/appeals/{appeal_a.pk}/{action}"
    assert api_as(world, "worker_b").post(path).status == 404
    assert api_as(world, "leader").post(path).status == 403
    assert api_as(world, "resident_a").post(path).status == 403


def test_transfer_needs_a_reason_and_dispatch_target_in_scope(world, appeal_a):
    worker = api_as(world, "worker_a")
    path = f"/appeals/{appeal_a.pk}"
    worker.post(f"{path}/accept")
    assert worker.post(f"{path}/dispatch", {"node_id": world.nodes["B"].pk}).status == 404
    assert worker.post(f"{path}/dispatch", {"node_id": world.nodes["A_grid"].pk}).status == 200
    no_reason = worker.post(f"{path}/dispatch", {"node_id": world.nodes["A"].pk})
    assert no_reason.status == 422
    transferred = worker.post(f"{path}/dispatch", {"node_id": world.nodes["A"].pk, "note": "需社区协调"})
    assert transferred.status == 200 and transferred.data["handling_unit"]["name"] == "甲社区"
    assert worker.post(f"{path}/dispatch", {}).status == 422


def test_return_evaluate_close_reopen_through_the_api(world, appeal_a):
    worker, dept = api_as(world, "worker_a"), api_as(world, "dept")
    path = f"/appeals/{appeal_a.pk}"
    worker.post(f"{path}/accept")
    worker.post(f"{path}/dispatch", {"department_id": world.departments["civil"].pk})
    assert dept.post(f"{path}/return", {"reason": ""}).status == 422
    returned = dept.post(f"{path}/return", {"reason": "非民政职责"})
    assert returned.status == 200 and returned.data["status"] == "accepted" and returned.data["return_count"] == 1
    assert dept.get(path).status == 404  # no longer the department's appeal
    worker.post(f"{path}/dispatch", {"node_id": world.nodes["A_grid"].pk})
    worker.post(f"{path}/start")
    worker.post(f"{path}/reply", {"reply": "已处理"})
    assert worker.post(f"{path}/evaluate", {"solved": True, "satisfaction": "perfect"}).status == 422
    evaluated = worker.post(f"{path}/evaluate", {"solved": False, "satisfaction": "unsatisfied"})
    assert evaluated.data["status"] == "evaluated" and evaluated.data["solved"] is False
    reopened = worker.post(f"{path}/reopen", {"reason": "仍未解决"})
    assert reopened.data["status"] == "reopened" and reopened.data["reopen_count"] == 1
    assert worker.post(f"{path}/close", {}).status == 409
    assert api_as(world, "worker_b").post(f"{path}/reopen", {"reason": "x"}).status == 404
    assert api_as(world, "leader").post(f"{path}/close", {}).status == 403


def test_submit_outside_the_receivers_area_still_answers_201(world):
    """首问负责: a community worker takes in an appeal located in another community; it is routed
    there and the answer is its record, although the receiver cannot open it afterwards."""
    ensure_catalog()
    lng, lat = POINT_IN["B"]
    answer = api_as(world, "worker_a").post("/appeals", {
        "channel": "window", "category": "property_repair", "description": "乙社区楼道灯坏了", "lng": lng, "lat": lat})
    assert answer.status == 201, answer
    assert answer.data["handling_unit"]["name"] == "乙社区" and answer.data["first_receiver"] == "worker_a"
    assert api_as(world, "worker_a").get(f"/appeals/{answer.data['id']}").status == 404
