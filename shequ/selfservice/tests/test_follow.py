"""The follow link and "我的诉求": status, plain timeline and reply, the requester's evaluation (once,
only when replied; unsolved or unsatisfied reopens, bounded), scope against tampering and other
residents, and the staff-only attachment view."""
import pytest
from django.urls import reverse

from shequ.accounts.models import Role
from shequ.accounts.services import user_create
from shequ.appeals import services
from shequ.appeals.models import Appeal, AppealEvent
from shequ.appeals.tests.factories import submit
from shequ.core.testing import PASSWORD
from shequ.selfservice.links import follow_path, follow_token

from .helpers import png

S = Appeal.Status


@pytest.fixture
def own(world):
    """resident_a's own appeal (submitted signed in), with a photo."""
    return submit(channel="web", requester_user=world.users["resident_a"], requester_name="王小明",
                  requester_phone="13912345678", description="王小明家门口井盖缺失", attachments=[png("井盖.png")])


@pytest.fixture
def other_resident(world):
    return user_create(actor=world.users["admin"], username="resident_b", password=PASSWORD, role=Role.RESIDENT,
                       resident=world.residents["B101h"])


def _reply(world, appeal, text="已补装井盖"):
    worker = world.users["worker_a"]
    services.appeal_accept(actor=worker, appeal_id=appeal.pk)
    services.appeal_start(actor=worker, appeal_id=appeal.pk)
    return services.appeal_reply(actor=worker, appeal_id=appeal.pk, reply=text)


def _evaluate(client, url, solved="1", satisfaction="satisfied"):
    return client.post(url, {"evaluate-solved": solved, "evaluate-satisfaction": satisfaction})


def test_follow_link_shows_status_timeline_and_only_the_masked_phone(client, world, own):
    _reply(world, own)
    text = client.get(follow_path(own.pk)).content.decode()
    assert own.number in text and "已答复" in text and "已补装井盖" in text
    for words in ("您的诉求已受理登记", "工作人员已签收", "承办单位已开始办理", "承办单位已答复"):
        assert words in text
    assert "139****5678" in text
    for secret in ("13912345678", "王小明", "井盖缺失", "worker_a", world.residents["A101h"].name):
        assert secret not in text
    assert 'name="evaluate-satisfaction"' in text


def test_tampered_or_foreign_tokens_are_404(client, world, own):
    token = follow_token(own.pk)
    other = submit(at="B", channel="web", requester_phone="13700001111")
    forged = follow_token(other.pk).split(":")[0] + ":" + token.split(":", 1)[1]  # other id, own signature
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged, "eyJhIjoxfQ", "x"):
        assert client.get(reverse("selfservice:follow", args=[bad])).status_code == 404
        assert _evaluate(client, reverse("selfservice:follow_evaluate", args=[bad])).status_code == 404


def test_evaluation_by_link_only_when_replied_and_only_once(client, world, own):
    url = reverse("selfservice:follow_evaluate", args=[follow_token(own.pk)])
    refused = _evaluate(client, url)
    assert refused.status_code == 422 and "诉求当前状态不允许此操作" in refused.content.decode()
    assert Appeal.objects.get(pk=own.pk).status == S.RECEIVED and not own.events.filter(verb="evaluated").exists()
    _reply(world, own)
    assert _evaluate(client, url, solved="1", satisfaction="basic").status_code == 302
    appeal = Appeal.objects.get(pk=own.pk)
    assert (appeal.status, appeal.solved, appeal.satisfaction) == (S.EVALUATED, True, "basic")
    event = AppealEvent.objects.get(appeal=appeal, verb="evaluated")
    assert event.actor is None and event.actor_name == services.REQUESTER_VIA_LINK
    assert event.extra["by"] == "requester_link"
    again = _evaluate(client, url, solved="0", satisfaction="unsatisfied")
    assert again.status_code == 422
    assert Appeal.objects.get(pk=own.pk).satisfaction == "basic"


@pytest.mark.parametrize("solved,satisfaction", [("0", "satisfied"), ("1", "unsatisfied")])
def test_unsolved_or_unsatisfied_reopens_until_the_limit(client, world, own, solved, satisfaction):
    url = reverse("selfservice:follow_evaluate", args=[follow_token(own.pk)])
    for round_ in range(1, Appeal.MAX_REOPENS + 1):
        _reply(world, own) if round_ == 1 else _reply_again(world, own)
        assert _evaluate(client, url, solved, satisfaction).status_code == 302
        appeal = Appeal.objects.get(pk=own.pk)
        assert (appeal.status, appeal.reopen_count) == (S.REOPENED, round_)
        assert appeal.completion_warn_at is not None and appeal.closed_at is None
    _reply_again(world, own)
    assert _evaluate(client, url, solved, satisfaction).status_code == 302
    appeal = Appeal.objects.get(pk=own.pk)
    assert (appeal.status, appeal.reopen_count) == (S.EVALUATED, Appeal.MAX_REOPENS)
    assert "已达上限" in AppealEvent.objects.get(appeal=appeal, verb="reopen_refused").note
    assert "重新办理次数已达上限" in client.get(follow_path(own.pk)).content.decode()


def _reply_again(world, appeal):
    worker = world.users["worker_a"]
    services.appeal_dispatch(actor=worker, appeal_id=appeal.pk, node=world.nodes["A"])
    services.appeal_start(actor=worker, appeal_id=appeal.pk)
    services.appeal_reply(actor=worker, appeal_id=appeal.pk, reply="再次处理")


def test_operator_evaluation_does_not_reopen_by_itself(world, own):
    _reply(world, own)
    appeal = services.appeal_evaluate(actor=world.users["worker_a"], appeal_id=own.pk, solved=False,
                                      satisfaction="unsatisfied")
    assert appeal.status == S.EVALUATED and appeal.reopen_count == 0


def test_my_appeals_lists_only_my_own_and_evaluates(client, world, own, other_resident):
    foreign = submit(at="B", channel="web", requester_user=other_resident, requester_phone="13700001111")
    client.force_login(world.users["resident_a"])
    page = client.get(reverse("selfservice:mine")).content.decode()
    assert own.number in page and foreign.number not in page
    assert 'href="/s/mine/"' in page  # the nav link
    assert client.get(reverse("selfservice:mine_detail", args=[foreign.pk])).status_code == 404
    assert _evaluate(client, reverse("selfservice:mine_evaluate", args=[foreign.pk])).status_code == 404
    _reply(world, own)
    assert "去评价" in client.get(reverse("selfservice:mine")).content.decode()
    assert _evaluate(client, reverse("selfservice:mine_evaluate", args=[own.pk]), "1", "satisfied").status_code == 302
    event = AppealEvent.objects.get(appeal=own, verb="evaluated")
    assert event.actor == world.users["resident_a"] and event.extra["by"] == "requester"


def test_my_appeals_is_for_residents_only(client, world, own):
    assert client.get(reverse("selfservice:mine")).status_code == 302  # to the login page
    client.force_login(world.users["worker_a"])
    assert client.get(reverse("selfservice:mine")).status_code == 403
    assert client.get(reverse("selfservice:mine_detail", args=[own.pk])).status_code == 403


def test_resident_cannot_evaluate_through_the_service_for_another(world, own, other_resident):
    from shequ.core.errors import NotInScope

    _reply(world, own)
    with pytest.raises(NotInScope):
        services.appeal_evaluate(actor=other_resident, appeal_id=own.pk, solved=True, satisfaction="satisfied")
    assert Appeal.objects.get(pk=own.pk).status == S.REPLIED


def test_staff_see_attachments_in_scope_only(client, world, own):
    attachment = own.attachments.get()
    url = reverse("appeals:attachment", args=[own.pk, attachment.pk])
    client.force_login(world.users["worker_a"])
    detail = client.get(reverse("appeals:detail", args=[own.pk])).content.decode()
    assert url in detail and "井盖.png" in detail
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert response["Cache-Control"] == "private, no-store"
    assert client.get(reverse("appeals:attachment", args=[own.pk, attachment.pk + 999])).status_code == 404
    client.force_login(world.users["worker_b"])
    assert client.get(url).status_code == 404
    other = submit(at="B", channel="web", requester_phone="13700001111")
    client.force_login(world.users["worker_b"])  # the attachment through another appeal's id
    assert client.get(reverse("appeals:attachment", args=[other.pk, attachment.pk])).status_code == 404
    client.force_login(world.users["resident_a"])
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302
    assert not attachment.file.url.startswith(url)  # no public media route serves it
    assert client.get(attachment.file.url).status_code == 404
