"""The consultation API: the procedure end to end, each operation for the allowed user, a sibling
community (404) and a wrong role (403); residents vote once from their household and never in
another community; the public list needs no login and names no resident."""
import datetime as dt

from django.utils import timezone

from shequ.consultation.models import Topic, Vote
from shequ.core.models import AuditLog
from shequ.registry.tests.apiclient import ApiClient, api_as

from .factories import FULL_PANEL, voting_topic


def _iso(delta: dt.timedelta) -> str:
    return (timezone.now() + delta).isoformat()


def test_a_topic_through_the_api_from_raising_to_implementation(pinned_now, world):
    client = api_as(world, "worker_a")
    raised = client.post("/consultation/topics", {
        "community_id": world.nodes["A"].pk, "title": "加装电梯", "description": "老旧楼加装电梯费用分摊",
        "raised_by": "resident", "raised_by_resident_id": world.residents["A102h"].pk, "vote_basis": "household"})
    assert raised.status == 201, raised
    tid = raised.data["id"]
    assert client.post(f"/consultation/topics/{tid}/accept", {"required_kinds": ["resident_rep", "property"]}).status == 200
    for text in ("按楼层分摊", "平均分摊"):
        assert client.post(f"/consultation/topics/{tid}/options", {"text": text}).status == 201
    early = client.post(f"/consultation/topics/{tid}/vote/open", {"closes_at": _iso(dt.timedelta(days=3))})
    assert early.status == 422 and early.data["code"] == "consultation_no_meeting"
    meeting = client.post(f"/consultation/topics/{tid}/meetings", {
        "held_at": _iso(-dt.timedelta(hours=3)), "minutes": "充分讨论", "place": "议事厅",
        "participants": [{"kind": "resident_rep", "resident_id": world.residents["A101h"].pk},
                         {"kind": "property", "name": "钱经理", "organization": "物业"}]})
    assert meeting.status == 201 and meeting.data["missing_kinds"] == []
    assert world.residents["A101h"].name in {p["name"] for p in meeting.data["meetings"][0]["participants"]}
    opened = client.post(f"/consultation/topics/{tid}/vote/open", {"closes_at": _iso(dt.timedelta(days=3))})
    assert opened.status == 200 and opened.data["status"] == "voting" and opened.data["eligible_count"] == 2
    options = opened.data["options"]
    resident = api_as(world, "resident_a")
    mine = resident.get(f"/consultation/mine/{tid}")
    assert mine.status == 200 and all(o["votes"] is None for o in mine.data["options"])  # no running count while voting
    assert "钱经理" not in str(mine.data) and mine.data["meetings"][0]["participant_kinds"] == ["property", "resident_rep"]
    cast = resident.post(f"/consultation/topics/{tid}/votes", {"option_id": options[0]["id"]})
    assert cast.status == 201 and cast.data["channel"] == "online" and cast.data["option_id"] == options[0]["id"]
    twice = resident.post(f"/consultation/topics/{tid}/votes", {"option_id": options[1]["id"]})
    assert twice.status == 409 and twice.data["code"] == "consultation_already_voted"
    assert resident.get(f"/consultation/mine/{tid}").data["my_vote_option_id"] == options[0]["id"]
    paper = client.post(f"/consultation/topics/{tid}/votes", {"option_id": options[0]["id"], "resident_id": world.residents["A101s"].pk})
    assert paper.status == 409  # the same household (A101) already voted online
    decided = client.post(f"/consultation/topics/{tid}/decide", {"decision": "按楼层分摊"})
    assert decided.status == 200 and decided.data["status"] == "decided" and decided.data["published_at"]
    added = client.post(f"/consultation/topics/{tid}/actions", {"text": "签订分摊协议", "owner": "居委会", "deadline": "2026-12-31"})
    assert added.status == 201
    action_id = added.data["actions"][0]["id"]
    assert client.post(f"/consultation/actions/{action_id}/done", {"result": "已签订"}).data["state"] == "done"
    public = ApiClient().get(f"/consultation/public/{tid}")
    assert public.status == 200 and public.data["decision"] == "按楼层分摊"
    assert world.residents["A101h"].name not in str(public.data) and world.residents["A102h"].name not in str(public.data)
    assert public.data["meetings"][0]["participant_kinds"] == ["property", "resident_rep"]
    assert ApiClient().get("/consultation/public").data["count"] == 1
    assert AuditLog.objects.filter(verb="consultation.vote_cast", target_id=str(tid)).count() == 1


def test_scope_and_roles(world):
    t = voting_topic(world)
    assert api_as(world, "worker_b").get(f"/consultation/topics/{t.pk}").status == 404
    assert api_as(world, "worker_b").post(f"/consultation/topics/{t.pk}/decide", {"decision": "x"}).status == 404
    assert api_as(world, "street_s1").get(f"/consultation/topics/{t.pk}").status == 200
    assert api_as(world, "leader").get(f"/consultation/topics/{t.pk}").status == 200
    assert api_as(world, "leader").post(f"/consultation/topics/{t.pk}/decide", {"decision": "x"}).status == 403
    assert api_as(world, "dept").get("/consultation/topics").status == 403
    assert api_as(world, "resident_a").get("/consultation/topics").status == 403
    assert api_as(world, "worker_b").get("/consultation/topics").data["count"] == 0
    assert ApiClient().get("/consultation/topics").status == 401
    # not published yet: not on the public API
    assert ApiClient().get(f"/consultation/public/{t.pk}").status == 404


def test_a_resident_cannot_see_or_vote_in_another_community(world):
    t = voting_topic(world, actor="worker_b", community="B")
    resident = api_as(world, "resident_a")
    assert resident.get(f"/consultation/mine/{t.pk}").status == 404
    assert resident.post(f"/consultation/topics/{t.pk}/votes", {"option_id": t.options.first().pk}).status == 404
    assert resident.get("/consultation/mine").data == []
    assert not Vote.objects.exists()


def test_bad_input_names_the_field_and_writes_nothing(world):
    client = api_as(world, "worker_a")
    answer = client.post("/consultation/topics", {"community_id": world.nodes["A"].pk, "title": " ", "description": "x"})
    assert answer.status == 422 and answer.data["extra"]["field"] == "title"
    bad_kind = client.post("/consultation/topics", {"community_id": world.nodes["A"].pk, "title": "t", "description": "x",
                                                    "vote_basis": "per_dog"})
    assert bad_kind.status == 422 and "vote_basis" in bad_kind.data["extra"]["fields"]
    assert not Topic.objects.exists()


def test_a_resident_proposes_from_the_api(world):
    answer = api_as(world, "resident_a").post("/consultation/mine", {"title": "增加路灯", "description": "北门太暗"})
    assert answer.status == 201 and answer.data["raised_by"] == "resident" and answer.data["community"] == "甲社区"
    assert FULL_PANEL  # shared panel stays importable
