"""The whistle API: the workflow for the allowed users, other street / department not whistled
(404), wrong role (403), bad input (422) writing nothing, and the ranking."""
import pytest
from django.utils import timezone

from shequ.registry.tests.apiclient import api_as
from shequ.whistle.models import Whistle, WhistleEvent, WhistleTarget

from .factories import blow, target_of


@pytest.fixture
def whistle(wworld):
    return blow(wworld, urgency="urgent", now=timezone.now())


def _state():
    return (Whistle.objects.count(), WhistleEvent.objects.count(),
            list(WhistleTarget.objects.order_by("pk").values_list("status", "score")))


def test_create_and_read(wworld):
    street = api_as(wworld, "street_s1")
    answer = street.post("/whistle", {"place_id": wworld.nodes["A"].pk, "title": "违建", "description": "占用通道",
                                      "department_ids": [wworld.departments["civil"].pk], "urgency": "urgent"})
    assert answer.status == 201, answer
    data = answer.data
    assert data["status"] == "open" and data["street"] == "一街道" and data["place"] == "甲社区"
    assert [(t["department"], t["status"], t["report_state"]) for t in data["targets"]] == [("民政局", "whistled", "pending")]
    assert [e["verb"] for e in data["timeline"]] == ["whistled"]
    listing = street.get("/whistle")
    assert listing.status == 200 and [w["id"] for w in listing.data["items"]] == [data["id"]]
    assert api_as(wworld, "dept").get(f"/whistle/{data['id']}").status == 200


def test_workflow_score_close(wworld, whistle):
    civil = target_of(whistle, "civil", wworld)
    dept = api_as(wworld, "dept")
    base = f"/whistle/{whistle.pk}/targets/{civil.pk}"
    assert dept.post(base + "/acknowledge").status == 200
    on_site = dept.post(base + "/on-site", {"people": "王科长"})
    row = next(t for t in on_site.data["targets"] if t["id"] == civil.pk)
    assert row["status"] == "on_site" and row["on_site_people"] == "王科长" and row["report_state"] == "on_time"
    assert dept.post(base + "/act", {"notes": "处置"}).status == 200
    assert dept.post(base + "/reply", {"reply": "已解决"}).status == 200
    street = api_as(wworld, "street_s1")
    scored = street.post(base + "/score", {"timeliness": 5, "attitude": 5, "result": 5, "comment": "好"})
    assert scored.status == 200 and next(t for t in scored.data["targets"] if t["id"] == civil.pk)["score"] == 100.0
    assert street.post(f"/whistle/{whistle.pk}/close", {}).status == 409  # housing not scored
    again = street.post(base + "/score", {"timeliness": 4, "attitude": 5, "result": 5, "comment": "好"})
    assert again.status == 422 and again.data["code"] == "whistle_reason_required"


def test_errors_and_scope(wworld, whistle):
    civil = target_of(whistle, "civil", wworld)
    other = blow(wworld, actor="office", at="C", departments=("urban",), title="丙村")
    urban = target_of(other, "urban", wworld)
    before = _state()
    street = api_as(wworld, "street_s1")
    bad = street.post("/whistle", {"place_id": wworld.nodes["A"].pk, "title": "x", "description": "y", "department_ids": []})
    assert bad.status == 422 and set(bad.data) == {"code", "message", "extra"}
    wrong_score = street.post(f"/whistle/{whistle.pk}/targets/{civil.pk}/score",
                              {"timeliness": 6, "attitude": 5, "result": 5, "comment": "x"})
    assert wrong_score.status == 422
    assert street.post("/whistle", {"place_id": wworld.nodes["C"].pk, "title": "x", "description": "y",
                                    "department_ids": [wworld.departments["civil"].pk]}).status == 404
    # other street, department not whistled: 404
    assert street.get(f"/whistle/{other.pk}").status == 404
    assert [w["id"] for w in street.get("/whistle").data["items"]] == [whistle.pk]
    dept = api_as(wworld, "dept")
    assert dept.get(f"/whistle/{other.pk}").status == 404
    assert dept.post(f"/whistle/{other.pk}/targets/{urban.pk}/acknowledge").status == 404
    assert dept.post(f"/whistle/{whistle.pk}/targets/{urban.pk}/acknowledge").status == 404  # a row of another whistle
    assert api_as(wworld, "worker_b").get(f"/whistle/{whistle.pk}").status == 404
    assert api_as(wworld, "worker_a").get(f"/whistle/{whistle.pk}").status == 200
    # wrong role: 403
    assert api_as(wworld, "worker_a").post(f"/whistle/{whistle.pk}/targets/{civil.pk}/acknowledge").status == 403
    assert street.post(f"/whistle/{whistle.pk}/targets/{civil.pk}/acknowledge").status == 403
    assert dept.post(f"/whistle/{whistle.pk}/targets/{civil.pk}/score",
                     {"timeliness": 5, "attitude": 5, "result": 5, "comment": "x"}).status == 403
    assert api_as(wworld, "leader").post("/whistle", {"place_id": wworld.nodes["A"].pk, "title": "x", "description": "y",
                                                      "department_ids": [wworld.departments["civil"].pk]}).status == 403
    assert api_as(wworld, "grid_a").get("/whistle").data["items"] == []
    assert api_as(wworld, "grid_a").get(f"/whistle/{whistle.pk}").status == 404
    assert api_as(wworld, None).get("/whistle").status == 401
    assert _state() == before


def test_ranking(wworld, whistle):
    year = timezone.localdate().year
    answer = api_as(wworld, "dept").get("/whistle/ranking", period="year", year=year)
    assert answer.status == 200, answer
    assert answer.data["district"] == "测试区" and answer.data["start"] == f"{year}-01-01" and answer.data["end"] == f"{year + 1}-01-01"
    rows = {r["name"]: r for r in answer.data["rows"]}
    assert rows["民政局"]["whistles"] == 1 and rows["民政局"]["rank"] is None and rows["城管委"]["whistles"] == 0
    assert api_as(wworld, "worker_a").get("/whistle/ranking").status == 403
    assert api_as(wworld, "office").get("/whistle/ranking", district=wworld.nodes["S1"].pk).status == 404
    assert api_as(wworld, "office").get("/whistle/ranking", period="week").status == 422
