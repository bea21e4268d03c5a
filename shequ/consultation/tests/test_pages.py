"""Consultation pages: staff run a topic through the procedure on the page; a resident votes once
from the phone page (the household's second vote is refused on the page); the public page needs no
login and shows the decision and its implementation; scope 404 / role 403."""
import datetime as dt

from django.urls import reverse
from django.utils import timezone

from shequ.accounts.models import Role
from shequ.accounts.services import user_create
from shequ.consultation import services
from shequ.consultation.models import Topic, Vote
from shequ.core.testing import PASSWORD

from .factories import options_of, topic, voting_topic


def _local(delta):
    return (timezone.localtime(timezone.now() + delta)).strftime("%Y-%m-%dT%H:%M")


def test_staff_pages_run_the_procedure(client, world):
    client.force_login(world.users["worker_a"])
    page = client.post(reverse("consultation:create"), {
        "community": world.nodes["A"].pk, "kind": "ordinary", "title": "规范小区停车", "description": "车位紧张",
        "raised_by": "resident", "raiser_id_number": world.residents["A102h"].id_number, "vote_basis": "household"})
    assert page.status_code == 302, page.content.decode()[:2000]
    t = Topic.objects.get()
    assert t.raised_by_resident == world.residents["A102h"]
    url = reverse("consultation:detail", args=[t.pk])
    assert client.post(reverse("consultation:action", args=[t.pk, "accept"]),
                       {"accept-required_kinds": ["resident_rep", "property"], "accept-vote_basis": "household"}).status_code == 302
    for text in ("划线停车", "错时停车"):
        client.post(reverse("consultation:action", args=[t.pk, "option"]), {"option-text": text})
    refused = client.post(reverse("consultation:action", args=[t.pk, "open"]), {"open-closes_at": _local(dt.timedelta(days=3))})
    assert refused.status_code == 422 and "表决前须召开协商会议" in refused.content.decode()
    meeting = {"meeting-held_at": _local(-dt.timedelta(hours=2)), "meeting-minutes": "讨论停车方案", "meeting-place": "议事厅",
               "p-TOTAL_FORMS": "6", "p-INITIAL_FORMS": "0", "p-0-kind": "resident_rep", "p-0-name": "张代表"}
    client.post(reverse("consultation:action", args=[t.pk, "meeting"]), meeting)
    missing = client.get(url).content.decode()
    assert "物业服务企业" in missing  # still missing, shown on the page
    meeting.update({"p-1-kind": "property", "p-1-name": "钱经理", "p-1-organization": "物业"})
    client.post(reverse("consultation:action", args=[t.pk, "meeting"]), meeting)
    assert client.post(reverse("consultation:action", args=[t.pk, "open"]),
                       {"open-closes_at": _local(dt.timedelta(days=3))}).status_code == 302
    first = options_of(t)[0]
    paper = client.post(reverse("consultation:action", args=[t.pk, "paper"]),
                        {"paper-voter": world.residents["A101h"].id_number, "paper-option": first.pk})
    assert paper.status_code == 302 and Vote.objects.filter(topic=t, channel="paper").count() == 1
    again = client.post(reverse("consultation:action", args=[t.pk, "paper"]),
                        {"paper-voter": world.residents["A101s"].phone, "paper-option": first.pk})
    assert again.status_code == 422 and "本户已投票" in again.content.decode()
    assert client.post(reverse("consultation:action", args=[t.pk, "decide"]), {"decide-decision": "划线停车"}).status_code == 302
    client.post(reverse("consultation:action", args=[t.pk, "action"]),
                {"action-text": "施划车位线", "action-owner": "物业", "action-deadline": "2026-01-01"})
    text = client.get(url).content.decode()
    assert "逾期未完成" in text and "施划车位线" in text
    listing = client.get(reverse("consultation:list")).content.decode()
    assert "逾期未落实" in listing and "施划车位线" in listing


def test_scope_and_roles_on_pages(client, world):
    t = topic(world)
    client.force_login(world.users["worker_b"])
    assert client.get(reverse("consultation:detail", args=[t.pk])).status_code == 404
    assert client.post(reverse("consultation:action", args=[t.pk, "reject"]), {"reject-reason": "x"}).status_code == 404
    client.force_login(world.users["leader"])
    assert client.get(reverse("consultation:detail", args=[t.pk])).status_code == 200
    assert client.post(reverse("consultation:action", args=[t.pk, "reject"]), {"reject-reason": "x"}).status_code == 403
    client.force_login(world.users["resident_a"])
    assert client.get(reverse("consultation:list")).status_code == 403
    client.force_login(world.users["dept"])
    assert client.get(reverse("consultation:list")).status_code == 403


def test_resident_votes_once_from_the_phone_page(client, world):
    t = voting_topic(world)
    first, second = options_of(t)
    client.force_login(world.users["resident_a"])
    home = client.get(reverse("web:home")).content.decode()
    assert reverse("consultation:mine") in home
    listing = client.get(reverse("consultation:mine")).content.decode()
    assert t.title in listing
    detail = client.get(reverse("consultation:mine_detail", args=[t.pk])).content.decode()
    assert first.text in detail and 'name="option"' in detail
    assert client.post(reverse("consultation:mine_vote", args=[t.pk]), {"option": first.pk}).status_code == 302
    after = client.get(reverse("consultation:mine_detail", args=[t.pk])).content.decode()
    assert "您已于" in after or "本户已由" in after
    spouse = user_create(actor=world.users["admin"], username="spouse", password=PASSWORD, role=Role.RESIDENT,
                         resident=world.residents["A101s"])
    client.force_login(spouse)
    page = client.get(reverse("consultation:mine_detail", args=[t.pk])).content.decode()
    assert "本户已由" in page and 'name="option"' not in page
    refused = client.post(reverse("consultation:mine_vote", args=[t.pk]), {"option": second.pk})
    assert refused.status_code == 422 and "本户已投票" in refused.content.decode()
    assert Vote.objects.filter(topic=t).count() == 1


def test_resident_cannot_open_another_communitys_topic(client, world):
    other = voting_topic(world, actor="worker_b", community="B")
    client.force_login(world.users["resident_a"])
    assert client.get(reverse("consultation:mine_detail", args=[other.pk])).status_code == 404
    assert client.post(reverse("consultation:mine_vote", args=[other.pk]), {"option": options_of(other)[0].pk}).status_code == 404
    assert other.title not in client.get(reverse("consultation:mine")).content.decode()


def test_resident_raises_a_topic(client, world):
    client.force_login(world.users["resident_a"])
    bad = client.post(reverse("consultation:mine"), {"title": "", "description": ""})
    assert bad.status_code == 422
    assert client.post(reverse("consultation:mine"), {"title": "加装路灯", "description": "北门很暗"}).status_code == 302
    assert Topic.objects.get().raised_by_resident == world.residents["A101h"]


def test_public_page_shows_decisions_without_login(client, world):
    t = voting_topic(world)
    user = world.users["worker_a"]
    services.vote_cast(actor=user, topic_id=t.pk, option_id=options_of(t)[0].pk, resident_id=world.residents["A102h"].pk)
    services.topic_decide(actor=user, topic_id=t.pk, decision="在3号楼北侧设置充电桩")
    services.action_add(actor=user, topic_id=t.pk, text="安装充电桩", owner="物业", deadline=dt.date(2030, 1, 1))
    hidden = topic(world, title="尚未公开的议题")
    page = client.get(reverse("consultation:public_list")).content.decode()
    assert t.title in page and hidden.title not in page
    detail = client.get(reverse("consultation:public_detail", args=[t.pk])).content.decode()
    assert "在3号楼北侧设置充电桩" in detail and "安装充电桩" in detail and "落实中" in detail
    assert "张代表" not in detail and world.residents["A102h"].name not in detail  # no names of participants or voters
    assert client.get(reverse("consultation:public_detail", args=[hidden.pk])).status_code == 404


def test_topic_list_does_not_query_per_row(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.users["street_s1"])
    counts = []
    for n in (1, 4):
        while Topic.objects.count() < n:
            topic(world, title=f"议题{Topic.objects.count()}")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("consultation:list")).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
