"""The volunteers API: registration with a masked phone, sign-up limits through the API, hours
and leaderboard, call-outs; sibling community 404, wrong role 403, a resident's own view."""
import datetime as dt

from django.utils import timezone

from shequ.registry.tests.apiclient import ApiClient, api_as
from shequ.volunteers.models import Volunteer

from .factories import activity, ensure_skills, register


def test_register_an_outsider_and_a_resident(world):
    ensure_skills()
    client = api_as(world, "worker_a")
    out = client.post("/volunteers/volunteers", {"name": "王志愿", "phone": "13912345678", "node_id": world.nodes["A_grid"].pk,
                                                 "skills": ["first_aid", "patrol"]})
    assert out.status == 201, out
    assert out.data["phone"] == "139****5678" and "13912345678" not in str(out.data)
    assert out.data["is_resident"] is False and out.data["grid"] == "甲社区第1网格"
    res = client.post("/volunteers/volunteers", {"resident_id": world.residents["A101h"].pk})
    assert res.status == 201 and res.data["name"] == world.residents["A101h"].name and res.data["resident_id"]
    assert world.residents["A101h"].phone not in str(res.data)
    again = client.post("/volunteers/volunteers", {"resident_id": world.residents["A101h"].pk})
    assert again.status == 409
    missing = client.post("/volunteers/volunteers", {"name": "李", "node_id": world.nodes["A_grid"].pk})
    assert missing.status == 422 and missing.data["extra"]["field"] == "phone"
    listed = client.get("/volunteers/volunteers")
    assert listed.data["count"] == 2
    assert api_as(world, "worker_b").get("/volunteers/volunteers").data["count"] == 0
    assert api_as(world, "worker_b").get(f"/volunteers/volunteers/{res.data['id']}").status == 404
    assert api_as(world, "resident_a").get("/volunteers/volunteers").status == 403
    assert api_as(world, "dept").get("/volunteers/volunteers").status == 403
    assert ApiClient().get("/volunteers/volunteers").status == 401


def test_activity_sign_up_limit_hours_and_leaderboard(world):
    client = api_as(world, "worker_a")
    start = timezone.now() + dt.timedelta(days=1)
    created = client.post("/volunteers/activities", {"title": "敬老院探访", "node_id": world.nodes["A"].pk,
                                                     "starts_at": start.isoformat(),
                                                     "ends_at": (start + dt.timedelta(hours=2)).isoformat(), "capacity": 1})
    assert created.status == 201 and created.data["hours"] == "2.0"
    aid = created.data["id"]
    v1, v2 = register(world, "A101h"), register(world, "A102h")
    first = client.post(f"/volunteers/activities/{aid}/signups", {"volunteer_id": v1.pk})
    assert first.status == 201
    full = client.post(f"/volunteers/activities/{aid}/signups", {"volunteer_id": v2.pk})
    assert full.status == 409 and full.data["code"] == "activity_full"
    sid = first.data["id"]
    assert client.post(f"/volunteers/signups/{sid}/confirm", {}).status == 409  # not checked in
    assert client.post(f"/volunteers/signups/{sid}/check-in", {}).data["status"] == "checked_in"
    assert api_as(world, "worker_b").post(f"/volunteers/signups/{sid}/confirm", {}).status == 404
    assert api_as(world, "leader").post(f"/volunteers/signups/{sid}/confirm", {}).status == 403
    confirmed = client.post(f"/volunteers/signups/{sid}/confirm", {"hours": "1.5"})
    assert confirmed.status == 200 and confirmed.data["hours"] == "1.5"
    board = api_as(world, "leader").get("/volunteers/leaderboard")
    assert board.status == 200 and board.data[0]["volunteer_id"] == v1.pk and board.data[0]["hours"] == "1.5"
    detail = client.get(f"/volunteers/activities/{aid}")
    assert detail.data["taken"] == 1 and detail.data["signups"][0]["status"] == "confirmed"


def test_resident_me_sign_up_and_call_out_answer(world):
    ensure_skills()
    resident = api_as(world, "resident_a")
    assert resident.get("/volunteers/me").data["volunteer"] is None
    assert resident.post("/volunteers/me", {"skills": ["door_visit"]}).status == 201
    own, other = activity(world), activity(world, actor="worker_b", node="B")
    me = resident.get("/volunteers/me").data
    assert [a["id"] for a in me["open_activities"]] == [own.pk]
    assert resident.post(f"/volunteers/activities/{own.pk}/signups", {}).status == 201
    assert resident.post(f"/volunteers/activities/{other.pk}/signups", {}).status == 404
    call = api_as(world, "grid_a").post("/volunteers/callouts", {"grid_id": world.nodes["A_grid"].pk, "kind": "emergency",
                                                                 "message": "台风转移", "needed": 3})
    assert call.status == 201 and call.data["called"] == 1
    assert resident.post(f"/volunteers/callouts/{call.data['id']}/answer", {"answer": "yes"}).data["answer"] == "yes"
    detail = api_as(world, "grid_a").get(f"/volunteers/callouts/{call.data['id']}")
    assert detail.data["answered_yes"] == 1 and detail.data["replies"][0]["answer"] == "yes"
    assert api_as(world, "worker_b").get(f"/volunteers/callouts/{call.data['id']}").status == 404
    assert Volunteer.objects.get().resident_id == world.residents["A101h"].pk
