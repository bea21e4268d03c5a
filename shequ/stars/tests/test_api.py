"""The star-rating API: the whole workflow by the right users, scope (404), wrong role or missing
per-user permission (403), bad input (422) writing nothing, the overview and the cadres' figures."""
import datetime as dt

import pytest
from django.utils import timezone

from shequ.registry.tests.apiclient import api_as
from shequ.stars.models import MassVote, Rating, RatingStar, StarChange

from .factories import ALL, award, rating_of, scores

pytestmark = pytest.mark.django_db


def _json_scores(cycle, passing=ALL):
    return {str(s): {str(i): float(p) for i, p in items.items()} for s, items in scores(cycle, passing).items()}


def test_full_workflow_through_the_api(sworld, live_cycle):
    resident = api_as(sworld, "resident_a")
    mine = resident.get("/stars/mine")
    assert mine.status == 200 and mine.data["open"] is True and mine.data["voted"] is False
    assert mine.data["organization"] == "甲社区党组织" and len(mine.data["stars"]) == 10
    answers = {str(s["id"]): "satisfied" for s in mine.data["stars"]}
    assert resident.post("/stars/mine/vote", {"answers": answers}).status == 201
    assert resident.post("/stars/mine/vote", {"answers": answers}).status == 409
    assert resident.get("/stars/mine").data["voted"] is True

    rating = rating_of(sworld, live_cycle)
    street = api_as(sworld, "street_s1")
    answer = street.post(f"/stars/ratings/{rating.pk}/assess", {"scores": _json_scores(live_cycle, ALL[:8])})
    assert answer.status == 200, answer
    assert answer.data["status"] == "assessed" and answer.data["mass_votes"] == 1
    assert sum(r["proposed"] for r in answer.data["rows"]) == 8

    assert api_as(sworld, "org_approve").post(f"/stars/ratings/{rating.pk}/review", {}).status == 403
    answer = api_as(sworld, "org_review").post(f"/stars/ratings/{rating.pk}/review", {})
    assert answer.status == 200 and answer.data["status"] == "reviewed"
    answer = api_as(sworld, "org_approve").post(f"/stars/ratings/{rating.pk}/approve", {})
    assert answer.status == 200 and answer.data["stars_held"] == 8 and answer.data["grade_label"] == "好"

    objection = resident.post(f"/stars/ratings/{rating.pk}/objections", {"text": "民主管理不到位"})
    assert objection.status == 201
    answered = street.post(f"/stars/objections/{objection.data['id']}/answer", {"outcome": "dismissed", "answer": "经核实不成立"})
    assert answered.status == 200 and answered.data["outcome"] == "dismissed"
    assert api_as(sworld, "org_approve").post(f"/stars/ratings/{rating.pk}/publish").status == 409  # publicity runs

    civility = live_cycle.stars.get(code="civility")
    proposal = street.post(f"/stars/ratings/{rating.pk}/add", {"star_id": civility.pk, "reason": "文明实践站建成", "evidence": "验收报告"})
    assert proposal.status == 201 and proposal.data["status"] == "pending"
    decided = api_as(sworld, "org_approve").post(f"/stars/changes/{proposal.data['id']}/decide", {"approve": True})
    assert decided.status == 200 and decided.data["status"] == "effective"
    standing = street.get(f"/stars/ratings/{rating.pk}/standing")
    assert standing.status == 200 and standing.data["stars"] == 9 and standing.data["grade"] == "good"
    rec = {r["key"]: r["eligible"] for r in standing.data["recommendations"]}
    assert rec["city"] is True and rec["region"] is False and rec["civilized"] is True and rec["safe"] is False
    detail = street.get(f"/stars/ratings/{rating.pk}")
    assert [e["verb"] for e in detail.data["timeline"]][:3] == ["assessed", "reviewed", "approved"]
    assert {c["kind"] for c in detail.data["history"]} == {"award", "add"}


def test_lists_and_details_are_scoped(sworld, live_cycle):
    rating_c = rating_of(sworld, live_cycle, "C")
    street = api_as(sworld, "street_s1")
    listing = street.get("/stars/ratings")
    assert listing.status == 200
    assert {r["organization"] for r in listing.data["items"]} == {"甲社区党组织", "乙社区党组织"}
    assert street.get(f"/stars/ratings/{rating_c.pk}").status == 404
    assert street.post(f"/stars/ratings/{rating_c.pk}/assess", {"scores": _json_scores(live_cycle)}).status == 404
    assert street.get("/stars/ratings/999999").status == 404
    worker = api_as(sworld, "worker_b")
    assert {r["organization"] for r in worker.get("/stars/ratings").data["items"]} == {"乙社区党组织"}
    assert worker.post(f"/stars/ratings/{rating_of(sworld, live_cycle, 'B').pk}/assess",
                       {"scores": _json_scores(live_cycle)}).status == 403
    assert len(api_as(sworld, "org_plain").get("/stars/ratings").data["items"]) == 3
    assert api_as(sworld, "resident_a").get("/stars/ratings").status == 403
    assert api_as(sworld, "resident_a").get(f"/stars/ratings/{rating_c.pk}").status == 404


def test_bad_input_writes_nothing(sworld, live_cycle):
    rating = rating_of(sworld, live_cycle)
    street = api_as(sworld, "street_s1")
    given = _json_scores(live_cycle)
    first_star = next(iter(given))
    given[first_star][next(iter(given[first_star]))] = -1
    answer = street.post(f"/stars/ratings/{rating.pk}/assess", {"scores": given})
    assert answer.status == 422 and answer.data["extra"]["field"].startswith("item_")
    assert not RatingStar.objects.exists() and Rating.objects.get(pk=rating.pk).status == "mass"
    bad = api_as(sworld, "resident_a").post("/stars/mine/vote", {"answers": {first_star: "great"}})
    assert bad.status == 422 and not MassVote.objects.exists()
    assert street.post(f"/stars/ratings/{rating.pk}/remove", {"star_id": 1, "reason": "", "evidence": "e"}).status == 422
    assert not StarChange.objects.exists()


def test_cycle_creation_by_the_organization_department_only(sworld):
    body = {"year": 2031, "mass_start": "2031-10-01", "mass_end": "2031-10-31"}
    assert api_as(sworld, "street_s1").post("/stars/cycles", body).status == 403
    created = api_as(sworld, "org_city").post("/stars/cycles", body)
    assert created.status == 201 and len(created.data["stars"]) == 10 and created.data["good_min"] == 8
    assert Rating.objects.filter(cycle_id=created.data["id"]).count() == 3
    assert api_as(sworld, "org_city").post("/stars/cycles", body).status == 409
    cycles = api_as(sworld, "leader").get("/stars/cycles")
    assert cycles.status == 200 and cycles.data[0]["year"] == 2031


def test_overview_and_cadres(sworld, live_cycle):
    now = timezone.now()
    award(sworld, live_cycle, "A", passing=ALL, now=now - dt.timedelta(hours=3))
    award(sworld, live_cycle, "B", passing=ALL[:4], now=now - dt.timedelta(hours=3))
    award(sworld, live_cycle, "C", passing=ALL[:7], now=now - dt.timedelta(hours=3))
    answer = api_as(sworld, "leader").get("/stars/overview")
    assert answer.status == 200, answer
    assert {d["grade"]: d["count"] for d in answer.data["distribution"]} == {"good": 1, "fair": 1, "average": 0, "poor": 1}
    eligible = {e["key"]: e["organizations"] for e in answer.data["eligible"]}
    assert eligible["region"] == ["甲社区党组织"] and sorted(eligible["wuhao"]) == ["丙村党组织", "甲社区党组织"]
    excluded = {e["key"]: e["organizations"] for e in answer.data["excluded"]}
    assert excluded["civilized"] == ["乙社区党组织", "丙村党组织"]
    street = api_as(sworld, "street_s1").get("/stars/overview")
    assert street.data["total"] == 2
    cadres = api_as(sworld, "street_s1").get("/stars/cadres", community=sworld.nodes["B"].pk)
    assert cadres.status == 200
    assert (cadres.data["grade_label"], cadres.data["stars"], cadres.data["coefficient"]) == ("差", 4, "0.80")
    assert [w["username"] for w in cadres.data["workers"]] == ["worker_b"]
    assert api_as(sworld, "street_s1").get("/stars/cadres", community=sworld.nodes["C"].pk).status == 404
    assert api_as(sworld, "resident_a").get("/stars/overview").status == 403
