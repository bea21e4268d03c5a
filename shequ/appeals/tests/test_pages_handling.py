"""Pages for pauses, extensions, co-handlers and the requester reveal: the forms a user sees, the
approval desk, errors on the form, scope (404) and role (403)."""
import pytest
from django.urls import reverse

from shequ.appeals.models import CoHandler, TimeRequest
from shequ.core.models import AuditLog

from .test_timing import handled


@pytest.fixture
def as_user(client, world):
    def _as(username):
        client.logout()
        client.force_login(world.users[username])
        return client

    return _as


def test_pause_request_approval_and_resume_through_pages(as_user, world):
    appeal = handled(world)
    detail = reverse("appeals:detail", args=[appeal.pk])
    client = as_user("worker_a")
    assert "申请挂起或延期" in client.get(detail).content.decode()
    # An extension without an amount: the error is on the form and nothing is written.
    refused = client.post(reverse("appeals:time_request", args=[appeal.pk]), {
        "time_request-kind": "extension", "time_request-reason": "需协调"})
    assert refused.status_code == 200 and "延期须填写正整数时长" in refused.content.decode()
    assert not TimeRequest.objects.exists()
    done = client.post(reverse("appeals:time_request", args=[appeal.pk]), {
        "time_request-kind": "pause", "time_request-reason": "等待诉求人提供材料"})
    assert done.status_code == 302
    request = TimeRequest.objects.get()
    # The requester's colleague sees no approval form; the street does, and on its desk.
    assert "审批申请" not in client.get(detail).content.decode()
    street = as_user("street_s1")
    desk = street.get(reverse("appeals:approvals")).content.decode()
    assert appeal.number in desk and "等待诉求人提供材料" in desk
    assert "审批申请" in street.get(detail).content.decode()
    decide = reverse("appeals:time_request_decide", args=[appeal.pk, request.pk])
    no_note = street.post(decide, {"decide-approve": "0"})
    assert "驳回必须填写理由" in no_note.content.decode()
    assert street.post(decide, {"decide-approve": "1", "decide-note": "同意"}).status_code == 302
    page = as_user("worker_a").get(detail).content.decode()
    assert 'data-field="paused"' in page and "恢复计时" in page
    assert client.post(reverse("appeals:resume", args=[appeal.pk])).status_code == 302
    appeal.refresh_from_db()
    assert appeal.paused_since is None


def test_handling_pages_scope_and_role(as_user, world):
    appeal = handled(world)
    other = as_user("worker_b")
    assert other.post(reverse("appeals:time_request", args=[appeal.pk]), {
        "time_request-kind": "pause", "time_request-reason": "x"}).status_code == 404
    assert other.post(reverse("appeals:cohandler_add", args=[appeal.pk]), {}).status_code == 404
    assert other.post(reverse("appeals:reveal", args=[appeal.pk])).status_code == 404
    assert as_user("worker_a").get(reverse("appeals:approvals")).status_code == 403
    assert as_user("leader").post(reverse("appeals:time_request", args=[appeal.pk]), {}).status_code == 403
    assert not TimeRequest.objects.exists()


def test_cohandler_through_pages(as_user, world):
    appeal = handled(world)
    client = as_user("worker_a")
    added = client.post(reverse("appeals:cohandler_add", args=[appeal.pk]), {
        "cohandler-unit": f"d{world.departments['civil'].pk}", "cohandler-task": "核实困难情况"})
    assert added.status_code == 302
    part = CoHandler.objects.get()
    refused = client.post(reverse("appeals:action", args=[appeal.pk, "reply"]), {"reply-reply": "已处理"})
    assert "尚有协办单位未答复" in refused.content.decode()
    dept = as_user("dept")
    page = dept.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert "答复协办事项" in page and "确认答复" not in page  # its part only, not the lead's moves
    assert dept.post(reverse("appeals:cohandler_reply", args=[appeal.pk, part.pk]),
                     {f"coreply{part.pk}-reply": "已核实"}).status_code == 302
    part.refresh_from_db()
    assert part.reply == "已核实"


def test_reveal_on_the_page(as_user, world):
    appeal = handled(world)
    appeal.requester_name, appeal.requester_phone = "王小明", "13912345678"
    appeal.save()
    plain = as_user("worker_a")
    assert "显示明文" not in plain.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert plain.post(reverse("appeals:reveal", args=[appeal.pk])).status_code == 403
    allowed = as_user("worker_a_unmask")
    page = allowed.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert "显示明文" in page and "13912345678" not in page and "139****5678" in page
    shown = allowed.post(reverse("appeals:reveal", args=[appeal.pk])).content.decode()
    assert "13912345678" in shown and "王小明" in shown
    assert AuditLog.objects.filter(verb="appeal.requester_unmasked", extra__channel="page").count() == 1
