"""Proactive governance (每月一题): the month's problems against hand counts, topics through their
life (planned -> in progress -> done) with notes and effect, scope 404 and role 403 via pages and API."""
import datetime as dt

import pytest
from django.urls import reverse

from shequ.appeals.deadlines import SHANGHAI
from shequ.appeals.tests.factories import category, submit
from shequ.core.errors import Conflict, InvalidInput, NotAllowed, NotInScope
from shequ.core.models import AuditLog
from shequ.proactive import selectors, services
from shequ.proactive.models import Topic
from shequ.registry.tests.apiclient import api_as

OCT, NOV = dt.date(2026, 10, 1), dt.date(2026, 11, 1)


def _at(day: int, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def month(world):
    """November: A noise x4 (3 at 甲社区路10号), A repair x1, B noise x2, C noise x1; October: A noise x1, B noise x3."""
    office = world.users["office"]
    for day in (2, 3, 4):
        submit(actor=office, at=None, address_text="甲社区路10号", now=_at(day))
    submit(actor=office, at="A", now=_at(5))
    submit(actor=office, at="A", code="property_repair", now=_at(6))
    for day in (7, 8):
        submit(actor=office, at="B", now=_at(day))
    submit(actor=office, at="C", now=_at(9))
    submit(actor=office, at="A", now=_at(20, 10))
    for day in (1, 2, 3):
        submit(actor=office, at="B", now=_at(day, 10))
    # the evening of 10-31 in Shanghai is still October (UTC 10-31 16:30 would be November 1st 00:30 here)
    submit(actor=office, at="C", now=dt.datetime(2026, 10, 31, 23, 30, tzinfo=SHANGHAI))


def _rows(problems):
    return [(p.place, p.category, p.count, round(p.share, 4), p.previous, p.change, p.repeat_addresses, p.repeat_appeals)
            for p in problems]


def test_problems_by_community_against_hand_counts(world, month):
    rows = _rows(selectors.hot_problems(user=world.users["office"], month=NOV, level="community"))
    assert rows == [
        ("甲社区", "邻里噪声", 4, round(4 / 8, 4), 1, 3, 1, 3),
        ("乙社区", "邻里噪声", 2, round(2 / 8, 4), 3, -1, 0, 0),
        ("甲社区", "物业报修", 1, round(1 / 8, 4), 0, 1, 0, 0),
        ("丙村", "邻里噪声", 1, round(1 / 8, 4), 1, 0, 0, 0),
    ]
    streets = _rows(selectors.hot_problems(user=world.users["office"], month=NOV, level="street"))
    assert [(r[0], r[1], r[2], r[4]) for r in streets] == [("一街道", "邻里噪声", 6, 4), ("一街道", "物业报修", 1, 0),
                                                          ("二乡", "邻里噪声", 1, 1)]  # ties by place, then category


def test_problems_are_scoped(world, month):
    mine = _rows(selectors.hot_problems(user=world.users["worker_b"], month=NOV))
    assert mine == [("乙社区", "邻里噪声", 2, 1.0, 3, -1, 0, 0)]  # share of B's own 2 appeals
    with pytest.raises(NotAllowed):
        selectors.hot_problems(user=world.users["grid_a"], month=NOV)
    with pytest.raises(InvalidInput):
        selectors.hot_problems(user=world.users["office"], month=NOV, level="grid")


def _create(world, actor="street_s1", **kwargs):
    args = dict(month=NOV, place=world.nodes["A"], category=category("noise_neighbor"), title="甲社区噪声治理",
                plan="夜间巡查;张贴公约", owner_person="张主任", owner_node=world.nodes["A"],
                milestones=[(dt.date(2026, 12, 10), "走访"), (dt.date(2026, 12, 31), "复查")], now=_at(25))
    args.update(kwargs)
    return services.topic_create(actor=world.users[actor], **args)


def test_topic_life_notes_and_effect(world, month):
    topic = _create(world)
    assert topic.status == "planned" and topic.community_id == world.nodes["A"].pk
    assert topic.appeals.count() == 4 and list(topic.milestones.values_list("title", flat=True)) == ["走访", "复查"]
    assert AuditLog.objects.filter(verb="topic.created", target_id=str(topic.pk)).count() == 1
    with pytest.raises(Conflict):
        _create(world)  # one topic per month, place and category
    with pytest.raises(Exception):  # cannot finish before starting
        services.topic_finish(actor=world.users["street_s1"], topic_id=topic.pk, result="x")
    services.topic_start(actor=world.users["street_s1"], topic_id=topic.pk, now=_at(26))
    services.topic_note_add(actor=world.users["office"], topic_id=topic.pk, text="已走访 12 户", now=_at(27))
    with pytest.raises(InvalidInput):
        services.topic_finish(actor=world.users["street_s1"], topic_id=topic.pk, result=" ")
    services.topic_finish(actor=world.users["street_s1"], topic_id=topic.pk, result="噪声投诉明显下降", now=_at(5, 12))
    topic.refresh_from_db()
    assert topic.status == "done" and [n.kind for n in topic.notes.all()] == ["planned", "started", "note", "done"]
    submit(actor=world.users["office"], at="A", now=_at(10, 12))
    submit(actor=world.users["office"], at="A", now=dt.datetime(2027, 1, 5, 10, tzinfo=SHANGHAI))
    effect = selectors.topic_effect(user=world.users["worker_a"], topic=topic, today=dt.date(2027, 1, 20))
    assert effect == [{"month": "2026-08", "count": 0, "phase": "before"}, {"month": "2026-09", "count": 0, "phase": "before"},
                      {"month": "2026-10", "count": 1, "phase": "before"}, {"month": "2026-11", "count": 4, "phase": "topic"},
                      {"month": "2026-12", "count": 1, "phase": "working"}, {"month": "2027-01", "count": 1, "phase": "after"}]


def test_topic_scope_and_roles(world, month):
    with pytest.raises(NotInScope):  # S1's street cannot make a topic in C (S2)
        _create(world, place=world.nodes["C"], owner_node=world.nodes["C"])
    with pytest.raises(NotAllowed):  # communities only view
        _create(world, actor="worker_a")
    with pytest.raises(InvalidInput):
        _create(world, owner_node=None)
    assert not Topic.objects.exists()
    topic = _create(world)
    street_topic = _create(world, place=world.nodes["S1"], owner_node=world.nodes["S1"], title="一街道噪声")
    assert [t.pk for t in selectors.topic_list(user=world.users["worker_a"])] == [topic.pk]  # not the street's
    assert selectors.topic_list(user=world.users["worker_b"]).count() == 0
    assert selectors.topic_list(user=world.users["leader"]).count() == 2
    with pytest.raises(NotInScope):
        selectors.topic_get(user=world.users["worker_b"], pk=topic.pk)
    with pytest.raises(NotAllowed):
        services.topic_start(actor=world.users["leader"], topic_id=street_topic.pk)


def test_pages(client, world, month):
    client.force_login(world.users["street_s1"])
    page = client.get(reverse("proactive:problems"), {"month": "2026-11"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "甲社区" in text and "丙村" not in text and "立为每月一题" in text and "<svg" in text
    noise = category("noise_neighbor")
    url = reverse("proactive:topic_create") + f"?month=2026-11&place={world.nodes['A'].pk}&category={noise.pk}"
    assert "涉及诉求 4 件" in client.get(url).content.decode()
    bad = client.post(url, {"title": "甲社区噪声", "owner": f"n{world.nodes['A'].pk}", "owner_person": "张主任",
                            "plan": "巡查", "milestones": "12月10日 走访"})
    assert bad.status_code == 200 and "第 1 行" in bad.content.decode() and not Topic.objects.exists()
    done = client.post(url, {"title": "甲社区噪声", "owner": f"n{world.nodes['A'].pk}", "owner_person": "张主任",
                             "plan": "巡查", "milestones": "2026-12-10 走访"})
    topic = Topic.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("proactive:topic_detail", args=[topic.pk])
    assert client.post(reverse("proactive:topic_action", args=[topic.pk, "start"])).status_code == 302
    client.post(reverse("proactive:topic_action", args=[topic.pk, "note"]), {"note-text": "已巡查"})
    empty = client.post(reverse("proactive:topic_action", args=[topic.pk, "finish"]), {"finish-result": ""})
    assert empty.status_code == 200 and 'class="error"' in empty.content.decode()
    client.post(reverse("proactive:topic_action", args=[topic.pk, "finish"]), {"finish-result": "已解决"})
    detail = client.get(reverse("proactive:topic_detail", args=[topic.pk])).content.decode()
    assert "已完成" in detail and "已巡查" in detail and "已解决" in detail and "该类诉求逐月件数" in detail
    assert "立为每月一题" not in client.get(reverse("proactive:problems"), {"month": "2026-11"}).content.decode().split("甲社区")[1].split("</tr>")[0]
    # a community views its own topic, cannot act; another community gets 404; a grid worker 403
    client.force_login(world.users["worker_a"])
    assert client.get(reverse("proactive:topic_detail", args=[topic.pk])).status_code == 200
    assert client.post(reverse("proactive:topic_action", args=[topic.pk, "note"]), {"note-text": "x"}).status_code == 403
    assert client.get(url).status_code == 403
    client.force_login(world.users["worker_b"])
    assert client.get(reverse("proactive:topic_detail", args=[topic.pk])).status_code == 404
    client.force_login(world.users["grid_a"])
    assert client.get(reverse("proactive:problems")).status_code == 403
    client.force_login(world.users["office"])
    assert client.get(reverse("proactive:topic_list")).status_code == 200


def test_api(world, month):
    problems = api_as(world, "office").get("/proactive/problems", month="2026-11", level="community")
    assert problems.status == 200 and problems.data[0]["place"] == "甲社区" and problems.data[0]["repeat_appeals"] == 3
    assert api_as(world, "grid_a").get("/proactive/problems", month="2026-11").status == 403
    assert api_as(world, "office").get("/proactive/problems", month="2026-13").status == 422
    body = {"month": "2026-11", "place_id": world.nodes["A"].pk, "category": "noise_neighbor", "title": "甲社区噪声",
            "plan": "巡查", "owner_person": "张主任", "owner_department_id": world.departments["civil"].pk,
            "milestones": [{"due_on": "2026-12-10", "title": "走访"}]}
    assert api_as(world, "worker_a").post("/proactive/topics", body).status == 403
    assert api_as(world, "street_s1").post("/proactive/topics", {**body, "place_id": world.nodes["C"].pk}).status == 404
    assert api_as(world, "street_s1").post("/proactive/topics", {**body, "plan": ""}).status == 422
    assert not Topic.objects.exists()
    created = api_as(world, "street_s1").post("/proactive/topics", body)
    assert created.status == 201, created
    pk = created.data["id"]
    assert created.data["owner_unit"] == "民政局" and len(created.data["appeals"]) == 4
    assert api_as(world, "worker_b").get(f"/proactive/topics/{pk}").status == 404
    assert api_as(world, "leader").post(f"/proactive/topics/{pk}/start").status == 403
    assert api_as(world, "street_s1").post(f"/proactive/topics/{pk}/finish", {"result": "x"}).status == 409
    assert api_as(world, "street_s1").post(f"/proactive/topics/{pk}/start").data["status"] == "in_progress"
    noted = api_as(world, "office").post(f"/proactive/topics/{pk}/notes", {"text": "进展"})
    assert noted.status == 200 and noted.data["notes"][-1]["text"] == "进展"
    finished = api_as(world, "office").post(f"/proactive/topics/{pk}/finish", {"result": "下降"})
    assert finished.data["status"] == "done" and finished.data["result"] == "下降"
    assert [t["id"] for t in api_as(world, "worker_a").get("/proactive/topics").data] == [pk]
