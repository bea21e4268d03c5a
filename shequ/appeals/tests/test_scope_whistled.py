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
