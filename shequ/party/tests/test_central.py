"""Party-member central households (党员中心户): built from registry party members, serving households of
the same building; scope through services, API and pages."""
import pytest

from shequ.core.errors import InvalidInput, NotInScope
from shequ.party import selectors, services
from shequ.registry.tests.apiclient import api_as

from .factories import party_member


def test_central_household_rules(world):
    worker = world.users["worker_a"]
    with pytest.raises(InvalidInput):  # not tagged party member in the registry
        services.central_household_create(actor=worker, member=world.residents["A101h"])
    member = party_member(world, "A101h")
    with pytest.raises(InvalidInput) as exc:
        services.central_household_create(actor=world.users["office"], member=member,
                                          served_ids=[world.households["B101"].pk])
    assert exc.value.code == "party_wrong_building"
    with pytest.raises(NotInScope):
        services.central_household_create(actor=worker, member=member, served_ids=[world.households["B101"].pk])
    center = services.central_household_create(actor=worker, member=member, served_ids=[world.households["A102"].pk])
    assert center.household_id == world.households["A101"].pk and center.building_id == world.nodes["A_building"].pk
    assert list(center.served.values_list("pk", flat=True)) == [world.households["A102"].pk]
    keys, members, centers = selectors.building_keys(user=worker)
    summary = selectors.building_rows(keys, members, centers)
    assert [(b["building"].pk, b["members"], b["centers"], b["served"]) for b in summary] == [
        (world.nodes["A_building"].pk, 1, 1, 1)]
    assert selectors.building_keys(user=world.users["worker_b"])[0] == []
    assert selectors.building_rows([], members, centers) == []


def test_central_api_and_pages(world, client):
    member = party_member(world, "A101h")
    api = api_as(world, "worker_a")
    answer = api.post("/party/central-households", {"member_id": member.pk, "served_household_ids": [world.households["A102"].pk]})
    assert answer.status == 201, answer
    pk = answer.data["id"]
    assert answer.data["served_household_ids"] == [world.households["A102"].pk]
    assert api_as(world, "worker_b").get(f"/party/central-households/{pk}").status == 404
    assert api_as(world, "worker_b").put(f"/party/central-households/{pk}/served", {"served_household_ids": []}).status == 404
    assert api.put(f"/party/central-households/{pk}/served", {"served_household_ids": []}).data["served_household_ids"] == []
    client.force_login(world.users["worker_a"])
    assert member.name in client.get("/party/central/").content.decode()
    form = client.get(f"/party/central/new/?building={world.nodes['A_building'].pk}")
    assert form.status_code == 200 and member.name in form.content.decode()
    client.force_login(world.users["worker_b"])
    assert client.get(f"/party/central/{pk}/").status_code == 404
    assert client.get(f"/party/central/new/?building={world.nodes['A_building'].pk}").status_code == 404
    assert api.post(f"/party/central-households/{pk}/remove", {"reason": "迁出"}).status == 204


def test_buildings_with_party_members_are_paged(world, client, monkeypatch):
    """A district's thousands of buildings with party members come a page at a time, with their
    total, in tree order; the central households' own pager keeps working beside it."""
    from shequ.party import views

    party_member(world, "A101h")
    keys, members, centers = selectors.building_keys(user=world.users["office"])
    assert keys == [world.nodes["A_building"].pk] and members[keys[0]] == 1
    building = world.nodes["A_building"]
    many = [building.pk] * 120  # the same building standing in for 120 (a page shows 50)
    monkeypatch.setattr(views.selectors, "building_keys", lambda **kw: (many, members, centers))
    client.force_login(world.users["office"])
    html = client.get("/party/central/?page=1").content.decode()
    table = html.split('data-field="buildings"')[1]
    assert table.count("<tr>") == 1 + 50  # head and one page
    assert "第 1–50 条,共 120 条" in table and 'href="?page=1&amp;bpage=2"' in table
    third = client.get("/party/central/?bpage=3").content.decode().split('data-field="buildings"')[1]
    assert third.count("<tr>") == 1 + 20 and "第 101–120 条,共 120 条" in third
