"""Appeal pages: list, intake, detail and the workflow moves for a community worker; scope (404),
role (403), 409 refusals shown on the page, masking."""
import pytest
from django.urls import reverse

from shequ.appeals.models import Appeal, AppealEvent
from shequ.core.models import AuditLog

from .factories import POINT_IN, ensure_catalog, submit


@pytest.fixture
def appeal_a(world):
    return submit(at="A", requester_name="王小明", requester_phone="13912345678")


@pytest.fixture
def as_user(client, world):
    def _as(username):
        client.force_login(world.users[username])
        return client

    return _as


def _state(appeal):
    appeal.refresh_from_db()
    return appeal.status, appeal.handling_node_id, appeal.handling_department_id, appeal.events.count()


def test_list_and_detail_render_for_a_community_worker(as_user, appeal_a):
    client = as_user("worker_a")
    listing = client.get(reverse("appeals:list"))
    assert listing.status_code == 200
    body = listing.content.decode()
    assert appeal_a.number in body and reverse("appeals:detail", args=[appeal_a.pk]) in body
    assert 'href="/appeals/"' in body  # the nav link
    detail = client.get(reverse("appeals:detail", args=[appeal_a.pk]))
    assert detail.status_code == 200
    text = detail.content.decode()
    assert appeal_a.number in text and "邻里噪声" in text and "已受理登记" in text
    assert appeal_a.routing_reason and appeal_a.routing_reason in text
    for label in ("签收", "办结", "办理记录", "受理登记", "办结时限"):
        assert label in text
    assert reverse("appeals:action", args=[appeal_a.pk, "accept"]) in text


def test_list_filters(pinned_now, as_user, world, appeal_a):
    client = as_user("office")
    submit(at="B", code="subsistence_allowance")
    assert client.get(reverse("appeals:list"), {"category": "subsistence_allowance"}).content.decode().count("SQ-") == 1
    assert appeal_a.number in client.get(reverse("appeals:list"), {"number": appeal_a.number}).content.decode()
    assert "SQ-" not in client.get(reverse("appeals:list"), {"status": "accepted"}).content.decode()
    assert "SQ-" not in client.get(reverse("appeals:list"), {"overdue": "on"}).content.decode()
    assert client.get(reverse("appeals:list"), {"status": "bogus", "page": "x"}).status_code == 200


def test_phone_and_name_are_masked(as_user, appeal_a):
    text = as_user("worker_a").get(reverse("appeals:detail", args=[appeal_a.pk])).content.decode()
    assert "139****5678" in text and "王**" in text
    assert "13912345678" not in text and "王小明" not in text


def test_other_community_gets_404_for_get_and_post(as_user, appeal_a):
    before = _state(appeal_a)
    client = as_user("worker_b")
    assert client.get(reverse("appeals:detail", args=[appeal_a.pk])).status_code == 404
    for action, data in (("accept", {}), ("close", {"close-note": "x"}), ("reopen", {"reopen-reason": "x"})):
        assert client.post(reverse("appeals:action", args=[appeal_a.pk, action]), data).status_code == 404
    assert appeal_a.number not in client.get(reverse("appeals:list")).content.decode()
    assert _state(appeal_a) == before


def test_read_only_roles_get_403_on_actions(as_user, world, appeal_a):
    before = _state(appeal_a)
    leader = as_user("leader")
    assert leader.get(reverse("appeals:detail", args=[appeal_a.pk])).status_code == 200
    assert "appeal-actions" not in leader.get(reverse("appeals:detail", args=[appeal_a.pk])).content.decode()
    assert leader.post(reverse("appeals:action", args=[appeal_a.pk, "accept"])).status_code == 403
    assert leader.get(reverse("appeals:create")).status_code == 403
    resident = as_user("resident_a")
    assert resident.get(reverse("appeals:list")).status_code == 403
    assert resident.post(reverse("appeals:action", args=[appeal_a.pk, "accept"])).status_code == 403
    assert _state(appeal_a) == before


def test_anonymous_is_redirected(client, appeal_a):
    response = client.get(reverse("appeals:detail", args=[appeal_a.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))


def test_intake_creates_an_appeal_with_timeline_and_audit(as_user, world):
    ensure_catalog()
    client = as_user("worker_a")
    assert client.get(reverse("appeals:create")).status_code == 200
    lng, lat = POINT_IN["A"]
    response = client.post(reverse("appeals:create"), {
        "channel": "hotline", "category": "property_repair", "contact_kind": "", "description": "楼道灯坏了",
        "address_text": "", "lng": lng, "lat": lat, "requester_name": "李四", "requester_phone": "13800001111"})
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("appeals:detail", args=[appeal.pk])
    assert appeal.first_receiver == world.users["worker_a"] and appeal.channel == "hotline"
    assert appeal.handling_node == world.nodes["A"]
    assert list(appeal.events.values_list("verb", flat=True)) == ["submitted"]
    assert AuditLog.objects.filter(verb="appeal.submitted", target_id=str(appeal.pk)).count() == 1
    text = client.get(response["Location"]).content.decode()
    assert "138****1111" in text and "13800001111" not in text and "worker_a" in text


def test_intake_errors_stay_on_the_form_without_echoing_the_phone(as_user, world):
    ensure_catalog()
    client = as_user("worker_a")
    response = client.post(reverse("appeals:create"), {
        "channel": "window", "category": "other", "description": "x", "requester_phone": "12345"})
    assert response.status_code == 200
    text = response.content.decode()
    assert 'class="error"' in text and 'value="12345"' not in text
    assert not Appeal.objects.exists()


def test_workflow_moves_through_the_page(as_user, world, appeal_a):
    client = as_user("worker_a")

    def post(action, data=None):
        return client.post(reverse("appeals:action", args=[appeal_a.pk, action]), data or {})

    assert post("accept").status_code == 302
    assert post("dispatch", {"dispatch-unit": f"n{world.nodes['A_grid'].pk}"}).status_code == 302
    appeal_a.refresh_from_db()
    assert appeal_a.status == "dispatched" and appeal_a.handling_node == world.nodes["A_grid"]
    # a transfer without a reason is refused on the form
    refused = post("dispatch", {"dispatch-unit": f"n{world.nodes['A'].pk}"})
    assert refused.status_code == 200 and "转办必须填写理由" in refused.content.decode()
    assert post("return", {"return-reason": "不属于网格职责"}).status_code == 302
    assert post("start").status_code == 302
    assert post("reply", {"reply-reply": "已协调物业处理"}).status_code == 302
    assert post("evaluate", {"evaluate-solved": "1", "evaluate-satisfaction": "satisfied"}).status_code == 302
    assert post("close").status_code == 302
    assert post("reopen", {"reopen-reason": "又坏了"}).status_code == 302
    appeal_a.refresh_from_db()
    assert appeal_a.status == "reopened" and appeal_a.reopen_count == 1 and appeal_a.return_count == 1
    verbs = list(AppealEvent.objects.filter(appeal=appeal_a).order_by("at", "id").values_list("verb", flat=True))
    assert verbs == ["submitted", "accepted", "dispatched", "returned", "started", "replied", "evaluated", "closed",
                     "reopened"]
    text = client.get(reverse("appeals:detail", args=[appeal_a.pk])).content.decode()
    for label in ("退单", "不属于网格职责", "已协调物业处理", "又坏了"):
        assert label in text


def test_illegal_transition_shows_the_409_message(as_user, appeal_a):
    client = as_user("worker_a")
    before = _state(appeal_a)
    response = client.post(reverse("appeals:action", args=[appeal_a.pk, "reply"]), {"reply-reply": "太早"})
    assert response.status_code == 200
    text = response.content.decode()
    assert 'class="errors"' in text and "诉求当前状态不允许此操作" in text
    assert _state(appeal_a) == before


def test_detail_in_english(as_user, appeal_a):
    client = as_user("worker_a")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    text = client.get(reverse("appeals:detail", args=[appeal_a.pk])).content.decode()
    for label in ("Timeline", "Accept", "Received", "Completion due", "First receiver", "Requester"):
        assert label in text, label


def test_number_search_by_a_day_prefix_keeps_scope_and_order(as_user, world):
    """Typing the start of a number (a whole day's, SQ-20261126, or longer) lists that day's
    appeals the user may see, newest first; another community's are not among them."""
    import datetime as dt

    from .factories import THURSDAY_10

    first = submit(at="A", now=THURSDAY_10)
    second = submit(at="A", now=THURSDAY_10 + dt.timedelta(hours=1))
    other = submit(at="B", now=THURSDAY_10 + dt.timedelta(hours=2))
    next_day = submit(at="A", now=THURSDAY_10 + dt.timedelta(days=1))
    day = first.number[:11]
    assert second.number.startswith(day) and other.number.startswith(day) and not next_day.number.startswith(day)
    body = as_user("worker_a").get(reverse("appeals:list"), {"number": day.lower()}).content.decode()
    assert second.number in body and first.number in body and body.index(second.number) < body.index(first.number)
    assert other.number not in body and next_day.number not in body
    body = as_user("worker_a").get(reverse("appeals:list"), {"number": first.number[:-1]}).content.decode()
    assert first.number in body and other.number not in body  # a longer prefix: the same way
    month = as_user("office").get(reverse("appeals:list"), {"number": day[:9]}).content.decode()
    assert all(a.number in month for a in (first, second, other, next_day))  # shorter: the plain filter
