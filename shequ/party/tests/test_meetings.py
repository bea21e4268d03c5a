"""Joint meetings (党建联席会议): schedule, hold, resolutions and their follow-up, the yearly count per
community against the policy's minimum, and scope."""
import datetime as dt

import pytest

from shequ.core.errors import Conflict, InvalidInput, InvalidTransition, NotInScope
from shequ.core.models import AuditLog
from shequ.party import selectors, services
from shequ.party.models import PartyPolicy
from shequ.registry.tests.apiclient import api_as

from .factories import units

TODAY = dt.date(2026, 11, 20)


def _meeting(world, actor="worker_a", community="A", **kwargs):
    args = dict(community=world.nodes[community], title="第四季度党建联席会议", scheduled_on=dt.date(2026, 11, 10),
                topics=["小区停车", "物业服务"])
    args.update(kwargs)
    return services.meeting_schedule(actor=world.users[actor], **args)


def test_meeting_life_with_resolutions(world):
    u = units(world)
    worker = world.users["worker_a"]
    with pytest.raises(NotInScope):  # B's unit is in the same street but outside worker_a's community
        _meeting(world, unit_ids=[u["B_firm"].pk])
    meeting = _meeting(world, actor="street_s1", unit_ids=[u["A_property"].pk, u["A_firm"].pk, u["B_firm"].pk])
    assert meeting.attendance.count() == 3 and meeting.topics.count() == 2
    with pytest.raises(Conflict):
        services.resolution_add(actor=worker, meeting_id=meeting.pk, text="增设停车位", owner_name="甲物业公司")
    with pytest.raises(InvalidInput):
        services.meeting_hold(actor=worker, meeting_id=meeting.pk, held_on=TODAY + dt.timedelta(days=1), minutes="x", today=TODAY)
    services.meeting_hold(actor=worker, meeting_id=meeting.pk, held_on=dt.date(2026, 11, 10), minutes="议定三件事",
                          present_unit_ids=[u["A_property"].pk], today=TODAY)
    meeting.refresh_from_db()
    assert meeting.status == "held"
    assert dict(meeting.attendance.values_list("unit_id", "present")) == {
        u["A_property"].pk: True, u["A_firm"].pk: False, u["B_firm"].pk: False}
    with pytest.raises(InvalidTransition):
        services.meeting_cancel(actor=worker, meeting_id=meeting.pk, reason="x")
    resolution = services.resolution_add(actor=worker, meeting_id=meeting.pk, text="增设停车位", owner_name="甲物业公司",
                                         owner_unit_id=u["A_property"].pk, due_on=dt.date(2026, 11, 15))
    assert [r.pk for r in selectors.resolution_list(user=worker, overdue_on=TODAY)] == [resolution.pk]
    services.resolution_follow_up(actor=worker, resolution_id=resolution.pk, note="已划线20个", status="in_progress",
                                  on=dt.date(2026, 11, 16))
    services.resolution_follow_up(actor=worker, resolution_id=resolution.pk, note="全部完成", status="done",
                                  on=dt.date(2026, 11, 18))
    resolution.refresh_from_db()
    assert (resolution.status, resolution.done_on, resolution.followups.count()) == ("done", dt.date(2026, 11, 18), 2)
    assert list(selectors.resolution_list(user=worker, overdue_on=TODAY)) == []
    with pytest.raises(Conflict):
        services.resolution_follow_up(actor=worker, resolution_id=resolution.pk, note="again", status="in_progress")
    verbs = set(AuditLog.objects.filter(node_id=world.nodes["A"].pk).values_list("verb", flat=True))
    assert {"joint_meeting.scheduled", "joint_meeting.held", "resolution.added", "resolution.followed_up"} <= verbs


def test_units_of_another_street_cannot_attend(world):
    u = units(world)
    with pytest.raises(InvalidInput) as exc:
        _meeting(world, actor="office", unit_ids=[u["C_social"].pk])
    assert exc.value.extra["field"] == "units"
    with pytest.raises(NotInScope):
        _meeting(world, actor="worker_b", community="A")


def test_counts_per_community_and_alert(world):
    office = world.users["office"]
    for day in (3, 4):
        m = _meeting(world, scheduled_on=dt.date(2026, 3, day))
        services.meeting_hold(actor=office, meeting_id=m.pk, held_on=dt.date(2026, 3, day), minutes="纪要", today=TODAY)
    _meeting(world, scheduled_on=dt.date(2026, 12, 1))  # scheduled only
    m = _meeting(world, actor="office", community="C", scheduled_on=dt.date(2025, 12, 1))
    services.meeting_hold(actor=office, meeting_id=m.pk, held_on=dt.date(2025, 12, 1), minutes="纪要", today=TODAY)
    rows = {r["community"].name: (r["held"], r["scheduled"], r["minimum"], r["below"])
            for r in selectors.meeting_counts(user=office, year=2026)}
    assert rows == {"甲社区": (2, 1, 4, True), "乙社区": (0, 0, 4, True), "丙村": (0, 0, 4, True)}
    PartyPolicy.objects.create(node=world.nodes["S1"], min_joint_meetings=2)
    rows = {r["community"].name: r["below"] for r in selectors.meeting_counts(user=office, year=2026)}
    assert rows == {"甲社区": False, "乙社区": True, "丙村": True}
    assert [r["community"].name for r in selectors.meeting_counts(user=world.users["worker_b"], year=2026)] == ["乙社区"]


def test_meeting_api_and_pages(world, client):
    u = units(world)
    api = api_as(world, "worker_a")
    answer = api.post("/party/meetings", {"community_id": world.nodes["A"].pk, "title": "联席会", "scheduled_on": "2026-11-01",
                                          "unit_ids": [u["A_firm"].pk], "topics": ["垃圾分类"]})
    assert answer.status == 201 and answer.data["topics"][0]["title"] == "垃圾分类"
    pk = answer.data["id"]
    assert api_as(world, "worker_b").get(f"/party/meetings/{pk}").status == 404
    assert api_as(world, "worker_b").post(f"/party/meetings/{pk}/hold", {"held_on": "2026-11-01", "minutes": "x"}).status == 404
    answer = api.post(f"/party/meetings/{pk}/hold", {"held_on": "2026-11-01", "minutes": "纪要", "present_unit_ids": [u["A_firm"].pk]})
    assert answer.status == 200 and answer.data["status"] == "held"
    answer = api.post(f"/party/meetings/{pk}/resolutions", {"text": "设分类亭", "owner_name": "甲科技公司", "due_on": "2026-12-01"})
    assert answer.status == 201
    rid = answer.data["id"]
    answer = api.post(f"/party/resolutions/{rid}/followups", {"note": "已建成", "status": "done"})
    assert answer.status == 200 and answer.data["status"] == "done" and len(answer.data["followups"]) == 1
    assert api_as(world, "worker_b").post(f"/party/resolutions/{rid}/followups", {"note": "x", "status": "done"}).status == 404
    counts = api_as(world, "office").get("/party/meetings-per-community", year=2026).data
    assert {r["community"]: r["held"] for r in counts} == {"甲社区": 1, "乙社区": 0, "丙村": 0}
    client.force_login(world.users["worker_a"])
    page = client.get(f"/party/meetings/{pk}/").content.decode()
    assert "设分类亭" in page and "已建成" in page
    response = client.post(f"/party/meetings/{pk}/topic/", {"topic-title": "下次议题"})
    assert response.status_code == 302
    client.force_login(world.users["worker_b"])
    assert client.get(f"/party/meetings/{pk}/").status_code == 404
    assert client.post(f"/party/meetings/{pk}/topic/", {"topic-title": "x"}).status_code == 404
    assert f"/party/meetings/{pk}/" not in client.get("/party/meetings/?year=2026").content.decode()


def test_meeting_create_page(world, client):
    client.force_login(world.users["worker_a"])
    response = client.post("/party/meetings/new/", {"community": world.nodes["A"].pk, "title": "季度联席会",
                                                    "scheduled_on": "2026-12-05", "topics": "议题一\n议题二"})
    assert response.status_code == 302
    meeting = selectors.meeting_list(user=world.users["worker_a"]).get()
    assert meeting.topics.count() == 2
    response = client.post("/party/meetings/new/", {"community": world.nodes["A"].pk, "title": "", "scheduled_on": "2026-12-05"})
    assert response.status_code == 200 and "errorlist" in response.content.decode() or "error" in response.content.decode()


def test_overview_names_at_most_ten_communities_below_the_minimum(world, client, monkeypatch):
    """A district with a hundred communities below the yearly minimum gets ten names and the count,
    not a paragraph of every name (the table below lists them all); a few are all named."""
    from types import SimpleNamespace

    from shequ.party import views

    client.force_login(world.users["office"])
    html = client.get("/party/?year=2026").content.decode()
    below = html.split('data-field="below-list">')[1].split("</p>")[0]
    assert "甲社区" in below and "乙社区" in below and "丙村" in below and "全部见下表" not in below
    many = [{"community": SimpleNamespace(name=f"第{i}社区"), "held": 0, "scheduled": 0, "minimum": 4, "below": True}
            for i in range(1, 107)]
    monkeypatch.setattr(views.selectors, "meeting_counts", lambda **kwargs: many)
    html = client.get("/party/?year=2026").content.decode()
    below = html.split('data-field="below-list">')[1].split("</p>")[0]
    assert "第10社区(0/4)" in below and "第11社区" not in below and "共 106 个,全部见下表" in below
    assert "第106社区" in html.split('data-field="meeting-counts"')[1]  # still in the table
