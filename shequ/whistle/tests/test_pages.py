"""Whistle pages: list, create, detail with each department's progress, the steps through the
forms (refusals shown on the form, nothing written), the ranking page with its SVG chart; scope
(other street 404, department not whistled 404, wrong role 403) for GET and POST."""
import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.appeals.tests.factories import submit
from shequ.whistle.models import Whistle, WhistleEvent, WhistleTarget

from .factories import blow, run_to_reply, target_of


@pytest.fixture
def as_user(client, wworld):
    def _as(username):
        client.force_login(wworld.users[username])
        return client

    return _as


@pytest.fixture
def whistle(wworld):
    # Blown now: the steps below go through the pages, which stamp them with the real clock.
    return blow(wworld, urgency="urgent", now=timezone.now())


def _state():
    return (Whistle.objects.count(), WhistleEvent.objects.count(),
            list(WhistleTarget.objects.order_by("pk").values_list("status", "score")))


def _action(w, target, name):
    return reverse("whistle:action", args=[w.pk, target.pk, name])


def test_list_and_detail_for_the_street(as_user, wworld, whistle):
    client = as_user("street_s1")
    listing = client.get(reverse("whistle:list"))
    body = listing.content.decode()
    assert listing.status_code == 200 and whistle.title in body and "民政局、住建委" in body
    assert 'href="/whistle/"' in body and reverse("whistle:create") in body and reverse("whistle:ranking") in body
    detail = client.get(reverse("whistle:detail", args=[whistle.pk])).content.decode()
    for text in ("紧急", "各部门报到进度", "民政局", "住建委", "待签收", "到场报到时限", "办理记录", "吹哨"):
        assert text in detail
    assert "action-" not in detail  # nothing for the street to do before the replies


def test_list_filters(as_user, wworld, whistle):
    blow(wworld, title="下水道堵塞", departments=("urban",), urgency="normal")
    client = as_user("office")
    normal = client.get(reverse("whistle:list"), {"urgency": "normal"}).content.decode()
    assert "下水道堵塞" in normal and whistle.title not in normal
    text = client.get(reverse("whistle:list"), {"department": wworld.departments["urban"].pk}).content.decode()
    assert "下水道堵塞" in text and whistle.title not in text
    assert "下水道" not in client.get(reverse("whistle:list"), {"q": "违建"}).content.decode()
    assert client.get(reverse("whistle:list"), {"status": "bogus", "page": "x"}).status_code == 200


def test_create_through_the_form(as_user, wworld):
    appeal = submit(at="A")
    client = as_user("street_s1")
    form = client.get(reverse("whistle:create")).content.decode()
    assert "住建委" in form and "甲社区" in form and "丙村" not in form
    response = client.post(reverse("whistle:create"), {
        "title": "占道经营", "description": "早市占用消防通道", "place": wworld.nodes["A"].pk, "urgency": "important",
        "departments": [wworld.departments["urban"].pk, wworld.departments["civil"].pk], "appeals": appeal.number.lower(),
    })
    created = Whistle.objects.get(title="占道经营")
    assert response.status_code == 302 and response.url == reverse("whistle:detail", args=[created.pk])
    assert created.targets.count() == 2 and list(created.appeals.all()) == [appeal]
    assert appeal.number in client.get(response.url).content.decode()


def test_create_errors_stay_on_the_form(as_user, wworld):
    client = as_user("street_s1")
    appeal_c = submit(at="C")
    base = {"title": "x", "description": "y", "place": wworld.nodes["A"].pk, "urgency": "normal",
            "departments": [wworld.departments["civil"].pk]}
    for extra, message in (({"departments": []}, "这个字段是必填项"),
                           ({"appeals": "SQ-19990101-000001"}, "找不到诉求"),
                           ({"appeals": appeal_c.number}, "找不到诉求"),
                           ({"report_due_at": "2000-01-01T10:00"}, "到场时限须晚于现在")):
        response = client.post(reverse("whistle:create"), {**base, **extra})
        assert response.status_code == 200 and message in response.content.decode(), extra
    other_street = client.post(reverse("whistle:create"), {**base, "place": wworld.nodes["C"].pk})
    assert other_street.status_code == 200 and "选择一个有效的选项" in other_street.content.decode()
    assert not Whistle.objects.exists()


def test_department_steps_through_the_page(as_user, wworld, whistle):
    civil = target_of(whistle, "civil", wworld)
    client = as_user("dept")
    detail = client.get(reverse("whistle:detail", args=[whistle.pk])).content.decode()
    housing = target_of(whistle, "housing", wworld)
    assert "民政局" in detail and "住建委" in detail  # who else is called, read-only
    assert _action(whistle, civil, "acknowledge") in detail and _action(whistle, civil, "reply") not in detail
    assert _action(whistle, housing, "acknowledge") not in detail
    assert client.post(_action(whistle, housing, "acknowledge")).status_code == 404  # not its row
    refused = client.post(_action(whistle, civil, "reply"), {f"t{civil.pk}-reply-reply": "已处理"})
    assert refused.status_code == 200 and "该部门当前进度不允许此操作" in refused.content.decode()
    assert client.post(_action(whistle, civil, "acknowledge")).status_code == 302
    assert client.post(_action(whistle, civil, "on_site"), {f"t{civil.pk}-on_site-people": "王科长"}).status_code == 302
    empty = client.post(_action(whistle, civil, "act"), {f"t{civil.pk}-act-notes": ""})
    assert empty.status_code == 200 and "这个字段是必填项" in empty.content.decode()
    assert client.post(_action(whistle, civil, "act"), {f"t{civil.pk}-act-notes": "现场处置"}).status_code == 302
    assert client.post(_action(whistle, civil, "reply"), {f"t{civil.pk}-reply-reply": "已拆除"}).status_code == 302
    civil.refresh_from_db()
    assert civil.status == "replied" and civil.on_site_people == "王科长"
    page = client.get(reverse("whistle:detail", args=[whistle.pk])).content.decode()
    assert "按时" in page and "已拆除" in page


def test_street_scores_and_closes_through_the_page(as_user, wworld, whistle):
    for key, user in (("civil", "dept"), ("housing", "dept_housing")):
        run_to_reply(wworld, target_of(whistle, key, wworld), user=user)
    civil = target_of(whistle, "civil", wworld)
    client = as_user("street_s1")
    assert _action(whistle, civil, "score") in client.get(reverse("whistle:detail", args=[whistle.pk])).content.decode()
    prefix = f"t{civil.pk}-score-"
    bad = client.post(_action(whistle, civil, "score"), {prefix + "timeliness": "9", prefix + "attitude": "5",
                                                        prefix + "result": "5", prefix + "comment": "好"})
    assert bad.status_code == 200 and "选择一个有效的选项" in bad.content.decode()
    ok = client.post(_action(whistle, civil, "score"), {prefix + "timeliness": "5", prefix + "attitude": "4",
                                                       prefix + "result": "4", prefix + "comment": "配合积极"})
    assert ok.status_code == 302
    early = client.post(reverse("whistle:close", args=[whistle.pk]), {"close-note": ""})
    assert early.status_code == 200 and "各部门均已评分后才能办结" in early.content.decode()
    housing = target_of(whistle, "housing", wworld)
    p = f"t{housing.pk}-score-"
    client.post(_action(whistle, housing, "score"), {p + "timeliness": "3", p + "attitude": "3", p + "result": "3",
                                                    p + "comment": "一般"})
    assert client.post(reverse("whistle:close", args=[whistle.pk]), {"close-note": "完成"}).status_code == 302
    whistle.refresh_from_db()
    assert whistle.status == "closed"
    closed = client.get(reverse("whistle:detail", args=[whistle.pk])).content.decode()
    assert "86.67" in closed and _action(whistle, civil, "score") not in closed  # locked for the street
    office_page = as_user("office").get(reverse("whistle:detail", args=[whistle.pk])).content.decode()
    assert "修改评分" in office_page


def test_scope_and_roles_on_pages(as_user, wworld, whistle):
    civil = target_of(whistle, "civil", wworld)
    before = _state()
    detail = reverse("whistle:detail", args=[whistle.pk])
    # a street of another street, a department not whistled: 404 for reading and for acting
    other = blow(wworld, actor="office", at="C", departments=("urban",), title="丙村河道污染")
    assert as_user("street_s1").get(reverse("whistle:detail", args=[other.pk])).status_code == 404
    assert other.title not in as_user("street_s1").get(reverse("whistle:list")).content.decode()
    assert other.title not in as_user("dept").get(reverse("whistle:list")).content.decode()
    urban_only = target_of(other, "urban", wworld)
    assert as_user("dept").get(reverse("whistle:detail", args=[other.pk])).status_code == 404
    assert as_user("dept").post(_action(other, urban_only, "acknowledge")).status_code == 404
    assert as_user("worker_b").get(detail).status_code == 404  # placed in community A
    assert as_user("worker_a").get(detail).status_code == 200  # read-only
    assert "action-" not in as_user("worker_a").get(detail).content.decode()
    # wrong role: 403
    before = _state()
    assert as_user("worker_a").post(_action(whistle, civil, "acknowledge")).status_code == 403
    assert as_user("street_s1").post(_action(whistle, civil, "acknowledge")).status_code == 403
    assert as_user("dept").post(_action(whistle, civil, "score")).status_code == 403
    assert as_user("leader").get(reverse("whistle:create")).status_code == 403
    assert as_user("dept").post(reverse("whistle:close", args=[whistle.pk])).status_code == 403
    for user in ("grid_a", "resident_a"):
        assert as_user(user).get(reverse("whistle:list")).status_code == 403
        assert as_user(user).get(detail).status_code == 403
    assert as_user("worker_a").get(reverse("whistle:ranking")).status_code == 403
    assert _state() == before


def test_ranking_page(pinned_now, as_user, wworld, whistle):
    civil = target_of(whistle, "civil", wworld)
    run_to_reply(wworld, civil)
    from shequ.whistle import services

    services.target_score(actor=wworld.users["street_s1"], target_id=civil.pk, timeliness=5, attitude=5, result=4,
                          comment="好")
    for user in ("street_s1", "dept_housing", "leader"):
        page = as_user(user).get(reverse("whistle:ranking"), {"period": "month", "year": 2026, "month": 11})
        text = page.content.decode()
        assert page.status_code == 200 and "<svg" in text and "93.33" in text and "住建委" in text
    year = as_user("office").get(reverse("whistle:ranking"), {"period": "year", "year": 2026}).content.decode()
    assert "2026" in year and "93.33" in year
    empty = as_user("office").get(reverse("whistle:ranking"), {"period": "month", "year": 2025, "month": 1}).content.decode()
    assert "<svg" not in empty and "本期没有已评分的吹哨" in empty


def test_pages_in_english(as_user, wworld, whistle):
    client = as_user("street_s1")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    detail = client.get(reverse("whistle:detail", args=[whistle.pk])).content.decode()
    assert "Departments' progress" in detail and "Awaiting acknowledgement" in detail and "Urgent" in detail
    ranking = client.get(reverse("whistle:ranking")).content.decode()
    assert "Department ranking" in ranking and "On-time arrival rate" in ranking
    assert "Whistle and report" in client.get(reverse("whistle:list")).content.decode()
