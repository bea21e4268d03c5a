"""Issue 3 point 12: a department sees the appeals dispatched to it and those a street whistled it
about (吹哨报到), through the API and the pages — and no others."""
from django.urls import reverse

from shequ.registry.tests.apiclient import api_as
from shequ.whistle import services as whistle_services

from .factories import submit


def test_department_sees_an_appeal_it_was_whistled_about(world, client):
    appeal = submit(at="A", actor=world.users["worker_a"])
    other = submit(at="B", actor=world.users["worker_b"])
    dept = api_as(world, "dept")
    assert dept.get(f"/appeals/{appeal.pk}").status == 404  # not dispatched, not whistled: not its business
    whistle_services.whistle_create(
        actor=world.users["street_s1"], place=world.nodes["A"], title="楼道堆物屡禁不止",
        description="社区多次劝导无效,需要执法", department_ids=[world.departments["civil"].pk],
        appeal_ids=[appeal.pk])
    assert dept.get(f"/appeals/{appeal.pk}").status == 200
    assert [a["id"] for a in dept.get("/appeals").data["items"]] == [appeal.pk]
    assert dept.get(f"/appeals/{other.pk}").status == 404
    client.force_login(world.users["dept"])
    assert client.get(reverse("appeals:detail", args=[appeal.pk])).status_code == 200
    assert client.get(reverse("appeals:detail", args=[other.pk])).status_code == 404
    timeline = dept.get(f"/appeals/{appeal.pk}").data["timeline"]
    assert timeline[-1]["verb"] == "whistled" and timeline[-1]["note"] == "楼道堆物屡禁不止:民政局"
    # Seeing it is not handling it: the street's unit still leads, the department cannot move it.
    assert dept.post(f"/appeals/{appeal.pk}/accept", {}).status == 403


def test_department_scope_through_a_relation_keeps_both_ways(world):
    """The department scope as a filter of rows located through their appeal (``via``): the
    timeline lines of the appeal it handles and of the one it was whistled about, none of another."""
    from shequ.appeals.models import AppealEvent
    from shequ.appeals.services import appeal_accept, appeal_dispatch
    from shequ.jurisdiction import scoping

    handled = submit(at="A", actor=world.users["worker_a"])
    appeal_accept(actor=world.users["worker_a"], appeal_id=handled.pk)
    appeal_dispatch(actor=world.users["worker_a"], appeal_id=handled.pk, department=world.departments["civil"])
    whistled = submit(at="A", actor=world.users["worker_a"])
    other = submit(at="B", actor=world.users["worker_b"])
    whistle_services.whistle_create(
        actor=world.users["street_s1"], place=world.nodes["A"], title="占道经营", description="需要执法",
        department_ids=[world.departments["civil"].pk], appeal_ids=[whistled.pk])
    events = AppealEvent.objects.filter(scoping.scope_q(world.users["dept"], type(handled), via="appeal__"))
    assert set(events.values_list("appeal_id", flat=True)) == {handled.pk, whistled.pk}
    assert not events.filter(appeal=other).exists()
