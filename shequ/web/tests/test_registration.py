"""Registration pages: each form registers for a worker in scope, refuses others, and shows service errors."""
import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from shequ.core.idcard import make_id_number
from shequ.core.models import AuditLog
from shequ.core.testing import PASSWORD
from shequ.registry.models import Address, Establishment, House, Household, HouseholdMembership, Resident, Tenancy


def _counts():
    """Rows that any registration form could write; compared before and after a refused request."""
    return (AuditLog.objects.count(), Address.objects.count(), House.objects.count(), Household.objects.count(),
            Resident.objects.count(), Tenancy.objects.count(), Establishment.objects.count())


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context and "messages" in response.context else []


# --- buildings ------------------------------------------------------------------------------

def test_building_tree_page_loads_the_registration_panel(client, world, login):
    login(world, "worker_a")
    building = world.nodes["A_building"]
    body = client.get(reverse("web:tree_node", args=[building.pk])).content.decode()
    assert f'hx-get="{reverse("web:building_panel", args=[building.pk])}"' in body
    response = client.get(reverse("web:building_panel", args=[building.pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "甲社区路" in body and world.houses["A101"].address.full_text in body
    assert reverse("web:house_detail", args=[world.houses["A102"].pk]) in body
    assert reverse("web:house_create", args=[building.pk]) in body
    # Grid and community nodes have no panel.
    assert b"building-panel" not in client.get(reverse("web:tree_node", args=[world.nodes["A_grid"].pk])).content


def test_building_address_set_updates_house_addresses(client, world, login):
    user = login(world, "worker_a")
    building = world.nodes["A_building"]
    response = client.post(reverse("web:building_address_set", args=[building.pk]),
                           {"road": "幸福路", "number": "12", "compound_name": "幸福里", "building_no": "3栋"})
    assert response.status_code == 302 and response["Location"] == reverse("web:tree_node", args=[building.pk])
    house = House.objects.select_related("address").get(pk=world.houses["A101"].pk)
    assert house.address.road == "幸福路" and "幸福里" in house.address.full_text
    assert AuditLog.objects.filter(verb="address.saved", actor=user).exists()
    response = client.post(reverse("web:building_address_set", args=[building.pk]), {"road": "", "number": "12"})
    assert response.status_code == 200 and response.context["address_form"].errors["road"]


def test_house_create_in_a_unit(client, world, login):
    from shequ.jurisdiction.services import node_create

    user = login(world, "worker_a")
    building = world.nodes["A_building"]
    unit = node_create(actor=None, parent=building, level="unit", name="2单元", code=building.code + "02")
    response = client.post(reverse("web:house_create", args=[building.pk]),
                           {"room": "201", "unit": unit.pk, "floor": "2", "area": "66.5", "use": "rented", "owner_name": "王五"})
    house = House.objects.get(room="201", building=building)
    assert response.status_code == 302 and response["Location"] == reverse("web:house_detail", args=[house.pk])
    assert (house.unit_node_id, house.floor, house.use, house.owner_name) == (unit.pk, 2, "rented", "王五")
    assert "2单元" in house.address.full_text
    assert AuditLog.objects.filter(verb="house.created", actor=user, target_id=str(house.pk)).exists()


def test_house_create_duplicate_shows_conflict_on_the_form(client, world, login):
    login(world, "worker_a")
    building = world.nodes["A_building"]
    before = _counts()
    response = client.post(reverse("web:house_create", args=[building.pk]), {"room": "101", "use": "owner_occupied"})
    assert response.status_code == 200
    assert "已存在" in " ".join(response.context["house_form"].non_field_errors())
    assert _counts() == before


# --- houses -------------------------------------------------------------------------------

def test_household_create(client, world, login):
    user = login(world, "worker_a")
    house = world.houses["A101"]
    assert client.get(reverse("web:household_create", args=[house.pk])).status_code == 200
    response = client.post(reverse("web:household_create", args=[house.pk]),
                           {"number": "HNEW001", "kind": "collective", "registration": "non_local"})
    household = Household.objects.get(number="HNEW001")
    assert response.status_code == 302 and response["Location"] == reverse("web:household_detail", args=[household.pk])
    assert (household.house_id, household.kind, household.registration) == (house.pk, "collective", "non_local")
    assert AuditLog.objects.filter(verb="household.created", actor=user, target_id=str(household.pk)).exists()


def test_household_create_duplicate_number_is_shown_on_the_field(client, world, login):
    login(world, "worker_a")
    before = _counts()
    response = client.post(reverse("web:household_create", args=[world.houses["A101"].pk]),
                           {"number": world.households["B101"].number, "kind": "family", "registration": "local"})
    assert response.status_code == 200
    assert "已存在" in response.context["form"].errors["number"][0]
    assert _counts() == before


def test_household_create_for_htmx_answers_the_form_then_hx_redirect(client, world, login):
    login(world, "worker_a")
    url = reverse("web:household_create", args=[world.houses["A101"].pk])
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"<html" not in response.content and b'hx-post="' in response.content
    response = client.post(url, {"number": "HX1", "kind": "family", "registration": "local"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("web:household_detail", args=[Household.objects.get(number="HX1").pk])


def test_tenancy_start_by_id_number_and_by_name_then_end(client, world, login):
    user = login(world, "worker_a")
    house = world.houses["A102"]  # rented
    tenant = world.residents["A101s"]
    response = client.post(reverse("web:tenancy_start", args=[house.pk]),
                           {"tenant": tenant.id_number, "start_on": "2024-03-01", "end_on": "2025-02-28",
                            "landlord_name": "李四", "contract_no": "HT-1"})
    assert response.status_code == 302 and response["Location"] == reverse("web:house_detail", args=[house.pk])
    tenancy = Tenancy.objects.get(house=house, tenant=tenant)
    assert (tenancy.start_on, tenancy.contract_no) == (dt.date(2024, 3, 1), "HT-1")
    assert AuditLog.objects.filter(verb="tenancy.started", actor=user).exists()

    other = world.residents["A101h"]
    response = client.post(reverse("web:tenancy_start", args=[house.pk]), {"tenant": other.name, "start_on": "2024-04-01"})
    assert response.status_code == 302 and Tenancy.objects.filter(house=house, tenant=other).exists()

    body = client.get(reverse("web:house_detail", args=[house.pk])).content.decode()
    assert reverse("web:tenancy_end", args=[tenancy.pk]) in body
    response = client.post(reverse("web:tenancy_end", args=[tenancy.pk]), follow=True)
    tenancy.refresh_from_db()
    assert tenancy.ended_on is not None
    assert "已退租" in _messages(response)
    assert AuditLog.objects.filter(verb="tenancy.ended", actor=user).exists()
    response = client.post(reverse("web:tenancy_end", args=[tenancy.pk]), follow=True)
    assert "该租住登记已结束" in _messages(response)


def test_tenancy_requires_a_rented_house(client, world, login):
    login(world, "worker_a")
    house = world.houses["A101"]  # owner occupied
    body = client.get(reverse("web:tenancy_start", args=[house.pk])).content.decode()
    assert "请先修改房屋用途" in body
    before = _counts()
    response = client.post(reverse("web:tenancy_start", args=[house.pk]),
                           {"tenant": world.residents["A102h"].id_number, "start_on": "2024-03-01"})
    assert response.status_code == 200
    assert "不是“出租”" in " ".join(response.context["form"].non_field_errors())
    assert _counts() == before
    assert world.residents["A102h"].id_number not in response.content.decode()


def test_tenancy_tenant_must_be_found_in_scope(client, world, login):
    login(world, "worker_a")
    house = world.houses["A102"]
    before = _counts()
    for text in (world.residents["B101h"].id_number, world.residents["B101h"].name, "没有这个人"):
        response = client.post(reverse("web:tenancy_start", args=[house.pk]), {"tenant": text, "start_on": "2024-03-01"})
        assert response.status_code == 200 and "没有找到" in response.context["form"].errors["tenant"][0]
    assert _counts() == before


def test_house_delete_refused_while_in_use_then_deleted_when_empty(client, world, login):
    user = login(world, "worker_a")
    house = world.houses["A101"]
    before = _counts()
    response = client.post(reverse("web:house_delete", args=[house.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("web:house_detail", args=[house.pk])
    assert any("不能删除" in m for m in _messages(response))
    assert "不能删除" in response.content.decode()
    assert _counts() == before

    building = world.nodes["A_building"]
    client.post(reverse("web:house_create", args=[building.pk]), {"room": "909", "use": "vacant"})
    empty = House.objects.get(room="909")
    assert client.get(reverse("web:house_delete", args=[empty.pk])).status_code == 200
    response = client.post(reverse("web:house_delete", args=[empty.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("web:tree_node", args=[building.pk])
    assert not House.objects.filter(pk=empty.pk).exists()
    assert AuditLog.objects.filter(verb="house.deleted", actor=user, target_id=str(empty.pk)).exists()


# --- households ---------------------------------------------------------------------------

def _resident_data(**changes):
    data = {"name": "新居民", "id_number": make_id_number("110105", dt.date(1990, 5, 17), 7),
            "phone": "13912345678", "ethnicity": "回族", "relation": "子", "residence_type": "registered", "tags": ["elderly_alone"]}
    data.update(changes)
    return data


def test_resident_create_derives_birth_date_and_sex(client, world, login):
    user = login(world, "worker_a")
    household = world.households["A101"]
    data = _resident_data()
    response = client.post(reverse("web:resident_create", args=[household.pk]), data)
    resident = Resident.objects.get(name="新居民")
    assert response.status_code == 302 and response["Location"] == reverse("web:resident_detail", args=[resident.pk])
    assert resident.household_id == household.pk and resident.birth_date == dt.date(1990, 5, 17)
    assert [t.code for t in resident.tags.all()] == ["elderly_alone"]
    assert HouseholdMembership.objects.filter(resident=resident, household=household, left_on__isnull=True).exists()
    assert AuditLog.objects.filter(verb="resident.created", actor=user, target_id=str(resident.pk)).exists()
    body = client.get(response["Location"]).content.decode()
    assert "1990-05-17" in body and resident.get_sex_display() in body
    assert data["id_number"] not in body and data["phone"] not in body
    assert "居民已登记" in body


def test_resident_create_bad_check_digit_is_shown_and_nothing_written(client, world, login):
    login(world, "worker_a")
    good = make_id_number("110105", dt.date(1990, 5, 17), 7)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    before = _counts()
    response = client.post(reverse("web:resident_create", args=[world.households["A101"].pk]), _resident_data(id_number=bad))
    assert response.status_code == 200
    errors = response.context["form"].errors["id_number"]
    assert errors and "校验" in errors[0]
    assert _counts() == before
    body = response.content.decode()
    assert bad not in body and "13912345678" not in body  # typed values are not echoed in clear
    assert bad[:6] + "********" + bad[-4:] in body


def test_resident_create_offers_only_tags_the_user_may_see(client, world, login):
    login(world, "worker_a")
    url = reverse("web:resident_create", args=[world.households["A101"].pk])
    codes = [c for c, _ in client.get(url).context["form"].fields["tags"].choices]
    assert "elderly_alone" in codes and "subsistence" not in codes
    before = _counts()
    response = client.post(url, _resident_data(tags=["subsistence"]))
    assert response.status_code == 200 and response.context["form"].errors["tags"]
    assert _counts() == before
    client.logout()
    login(world, "worker_a_unmask")
    assert "subsistence" in [c for c, _ in client.get(url).context["form"].fields["tags"].choices]


def test_new_household_page_opens_the_resident_form(client, world, login):
    login(world, "worker_a")
    client.post(reverse("web:household_create", args=[world.houses["A101"].pk]), {"number": "HEMPTY", "kind": "family", "registration": "local"})
    household = Household.objects.get(number="HEMPTY")
    body = client.get(reverse("web:household_detail", args=[household.pk])).content.decode()
    url = reverse("web:resident_create", args=[household.pk])
    assert f'hx-get="{url}" hx-trigger="load"' in body
    # A household with members shows the button only.
    body = client.get(reverse("web:household_detail", args=[world.households["A101"].pk])).content.decode()
    assert 'hx-trigger="load"' not in body and reverse("web:resident_create", args=[world.households["A101"].pk]) in body


def test_household_delete_refused_with_members_then_deleted_when_empty(client, world, login):
    user = login(world, "worker_a")
    household = world.households["A101"]
    before = _counts()
    response = client.post(reverse("web:household_delete", args=[household.pk]), follow=True)
    assert any("不能删除" in m for m in _messages(response))
    assert _counts() == before
    client.post(reverse("web:household_create", args=[world.houses["A101"].pk]), {"number": "HDEL", "kind": "family", "registration": "local"})
    empty = Household.objects.get(number="HDEL")
    response = client.post(reverse("web:household_delete", args=[empty.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("web:house_detail", args=[world.houses["A101"].pk])
    assert not Household.objects.filter(pk=empty.pk).exists()
    assert AuditLog.objects.filter(verb="household.deleted", actor=user).exists()


# --- residents ----------------------------------------------------------------------------

def test_resident_delete_requires_a_reason_and_explains_moving_out(client, world, login):
    user = login(world, "worker_a")
    resident = world.residents["A102s"]
    url = reverse("web:resident_delete", args=[resident.pk])
    body = client.get(url).content.decode()
    assert "迁移到其他户" in body and "误登记" in body
    assert url in client.get(reverse("web:resident_detail", args=[resident.pk])).content.decode()
    before = _counts()
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    assert _counts() == before
    response = client.post(url, {"reason": "重复登记"})
    assert response.status_code == 302 and response["Location"] == reverse("web:household_detail", args=[resident.household_id])
    assert not Resident.objects.filter(pk=resident.pk).exists()
    row = AuditLog.objects.get(verb="resident.deleted", actor=user)
    assert row.extra["reason"] == "重复登记"


# --- units --------------------------------------------------------------------------------

def test_unit_create_edit_and_deregister(client, world, login):
    user = login(world, "worker_a")
    address = world.houses["A101"].address
    body = client.get(reverse("web:unit_create")).content.decode()
    assert reverse("web:address_pick") in body and reverse("web:unit_create") in client.get(reverse("web:unit_list")).content.decode()
    response = client.get(reverse("web:address_pick"), {"q": "甲社区路"}, HTTP_HX_REQUEST="true")
    assert f'value="{address.pk}"' in response.content.decode()
    assert "乙社区" not in client.get(reverse("web:address_pick"), {"q": "社区路"}).content.decode()
    data = {"address": address.pk, "name": "便民超市", "kind": "shop", "sector": "retail", "contact_name": "赵六",
            "contact_phone": "13700001111", "employees": "5"}
    response = client.post(reverse("web:unit_create"), data)
    unit = Establishment.objects.get(name="便民超市")
    assert response.status_code == 302 and response["Location"] == reverse("web:unit_detail", args=[unit.pk])
    assert (unit.address_id, unit.contact_phone) == (address.pk, "13700001111")
    assert AuditLog.objects.filter(verb="establishment.created", actor=user).exists()
    body = client.get(reverse("web:unit_edit", args=[unit.pk])).content.decode()
    assert "13700001111" not in body and "137****1111" in body and address.full_text in body

    response = client.post(reverse("web:unit_edit", args=[unit.pk]), {**data, "name": "便民超市(二店)", "contact_phone": ""})
    assert response.status_code == 302
    unit.refresh_from_db()
    assert (unit.name, unit.contact_phone) == ("便民超市(二店)", "13700001111")  # blank keeps the phone
    assert AuditLog.objects.filter(verb="establishment.updated", actor=user).exists()

    response = client.post(reverse("web:unit_delete", args=[unit.pk]), {"reason": "已关店"})
    assert response.status_code == 302 and response["Location"] == reverse("web:unit_list")
    assert not Establishment.objects.filter(pk=unit.pk).exists()
    assert AuditLog.objects.get(verb="establishment.deleted", actor=user).extra["reason"] == "已关店"


def test_unit_at_an_address_outside_scope_is_a_form_error(client, world, login):
    login(world, "worker_a")
    before = _counts()
    response = client.post(reverse("web:unit_create"), {"address": world.houses["B101"].address_id, "name": "外区单位", "kind": "shop", "sector": "other"})
    assert response.status_code == 200 and response.context["form"].errors["address"]
    assert _counts() == before


# --- lists --------------------------------------------------------------------------------

def test_household_and_house_lists_are_scoped_and_filtered(client, world, login):
    login(world, "worker_a")
    body = client.get(reverse("web:household_list")).content.decode()
    assert world.households["A101"].number in body and world.households["B101"].number not in body
    response = client.get(reverse("web:household_list"), {"q": world.households["A102"].number, "node": world.nodes["A"].pk})
    assert [h.pk for h in response.context["page"].rows] == [world.households["A102"].pk]
    response = client.get(reverse("web:house_list"))
    assert {h.pk for h in response.context["page"].rows} == {world.houses["A101"].pk, world.houses["A102"].pk}
    response = client.get(reverse("web:house_list"), {"use": "rented", "q": "甲社区路"})
    assert [h.pk for h in response.context["page"].rows] == [world.houses["A102"].pk]
    assert client.get(reverse("web:house_list"), {"node": world.nodes["B"].pk}).status_code == 404
    nav = client.get(reverse("web:home")).content.decode()
    assert reverse("web:household_list") in nav and reverse("web:house_list") in nav


def test_lists_paginate_by_50(client, world, login):
    from shequ.registry import services as reg

    login(world, "worker_a")
    for i in range(60):
        reg.household_create(actor=world.users["admin"], house=world.houses["A101"], number=f"HP{i:03d}")
    response = client.get(reverse("web:household_list"), {"q": "HP"})
    assert len(response.context["page"].rows) == 50 and response.context["page"].has_next
    response = client.get(reverse("web:household_list"), {"q": "HP", "page": 2})
    assert len(response.context["page"].rows) == 10


# --- scope, roles, CSRF -------------------------------------------------------------------

def _form_urls(world, key: str) -> list[tuple[str, dict]]:
    """Every registration form of community ``key``'s records, with data that would be valid in scope."""
    house, household, resident = world.houses[f"{key}102"], world.households[f"{key}101"], world.residents[f"{key}102s"]
    building = world.nodes[f"{key}_building"]
    tenancy = Tenancy.objects.create(house=house, tenant=resident, start_on=dt.date(2024, 1, 1),
                                     **{f: getattr(house, f) for f in Resident.location_fields()})
    unit = Establishment.objects.create(name=f"{key}单位", kind="shop", address=house.address,
                                        **{f: getattr(house, f) for f in Resident.location_fields()})
    return [
        (reverse("web:building_address_set", args=[building.pk]), {"road": "X路", "number": "1"}),
        (reverse("web:house_create", args=[building.pk]), {"room": "999", "use": "vacant"}),
        (reverse("web:household_create", args=[house.pk]), {"number": "HX", "kind": "family", "registration": "local"}),
        (reverse("web:tenancy_start", args=[house.pk]), {"tenant": resident.id_number, "start_on": "2024-03-01"}),
        (reverse("web:tenancy_end", args=[tenancy.pk]), {}),
        (reverse("web:house_delete", args=[world.houses[f"{key}101"].pk]), {}),
        (reverse("web:resident_create", args=[household.pk]), _resident_data()),
        (reverse("web:household_delete", args=[household.pk]), {}),
        (reverse("web:resident_delete", args=[resident.pk]), {"reason": "误登记"}),
        (reverse("web:unit_edit", args=[unit.pk]), {"address": house.address_id, "name": "改名", "kind": "shop", "sector": "other"}),
        (reverse("web:unit_delete", args=[unit.pk]), {"reason": "x"}),
    ]


def test_worker_a_gets_404_for_community_b_forms_and_nothing_is_written(client, world, login):
    urls = _form_urls(world, "B")
    login(world, "worker_a")
    before = _counts()
    for url, data in urls:
        if not url.endswith("/end/") and not url.endswith("/address/") and not url.endswith("/houses/new/"):
            assert client.get(url).status_code == 404, url
        assert client.post(url, data).status_code == 404, url
    assert client.get(reverse("web:building_panel", args=[world.nodes["B_building"].pk])).status_code == 404
    assert _counts() == before


@pytest.mark.parametrize("username", ["leader", "dept", "office"])
def test_read_only_roles_get_403_and_nothing_is_written(client, world, login, username):
    urls = _form_urls(world, "A")
    login(world, username)
    before = _counts()
    for url, data in [*urls, (reverse("web:unit_create"), {"address": world.houses["A101"].address_id, "name": "n", "kind": "shop"})]:
        if not url.endswith("/end/") and not url.endswith("/address/") and not url.endswith("/houses/new/"):
            assert client.get(url).status_code == 403, url
        assert client.post(url, data).status_code == 403, url
    assert _counts() == before
    # They still see the building's houses, without the forms; detail pages offer no registration buttons.
    body = client.get(reverse("web:building_panel", args=[world.nodes["A_building"].pk])).content.decode()
    assert world.houses["A101"].address.full_text in body and reverse("web:house_create", args=[world.nodes["A_building"].pk]) not in body
    body = client.get(reverse("web:household_detail", args=[world.households["A101"].pk])).content.decode()
    assert reverse("web:resident_create", args=[world.households["A101"].pk]) not in body


def test_forms_require_login_and_csrf(world):
    anonymous = Client()
    url = reverse("web:household_create", args=[world.houses["A101"].pk])
    response = anonymous.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))
    strict = Client(enforce_csrf_checks=True)
    assert strict.login(username="worker_a", password=PASSWORD)
    before = _counts()
    assert strict.post(url, {"number": "HCSRF", "kind": "family", "registration": "local"}).status_code == 403
    assert _counts() == before
    assert b"csrfmiddlewaretoken" in strict.get(url).content


# --- language -----------------------------------------------------------------------------

def test_resident_form_in_english(client, world, login):
    login(world, "worker_a")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    url = reverse("web:resident_create", args=[world.households["A101"].pk])
    body = client.get(url).content.decode()
    assert 'lang="en"' in body
    for text in ("Register a resident", "ID number", "Birth date and sex are derived from the ID number", "Register"):
        assert text in body, text
    assert "登记居民" not in body
    good = make_id_number("110105", dt.date(1990, 5, 17), 7)
    response = client.post(url, _resident_data(id_number=good[:-1] + ("0" if good[-1] != "0" else "1")))
    assert "check digit" in response.content.decode().lower() or "checksum" in response.content.decode().lower()
