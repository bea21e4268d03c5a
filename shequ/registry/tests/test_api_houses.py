"""/api/registry houses, households, addresses, tenancies and units: scope, roles, masking, audit."""
import datetime as dt

from shequ.core.models import AuditLog
from shequ.registry import services as reg
from shequ.registry.models import Establishment, House, Household

from .apiclient import ApiClient, api_as


def ids(answer):
    return {item["id"] for item in answer.data["items"]}


# --- houses ------------------------------------------------------------------------------------

def test_house_list_scope(world):
    a_houses = {world.houses["A101"].pk, world.houses["A102"].pk}
    assert ids(api_as(world, "worker_a").get("/registry/houses")) == a_houses
    assert len(ids(api_as(world, "street_s1").get("/registry/houses"))) == 4
    assert ids(api_as(world, "resident_a").get("/registry/houses")) == {world.houses["A101"].pk}
    assert ApiClient().get("/registry/houses").status == 401


def test_house_list_filters(world):
    client = api_as(world, "street_s1")
    assert ids(client.get("/registry/houses", use="rented")) == {world.houses["A102"].pk, world.houses["B102"].pk}
    assert ids(client.get("/registry/houses", node=world.nodes["B"].pk, q="1号楼102")) == {world.houses["B102"].pk}
    assert client.get("/registry/houses", use="palace").status == 422


def test_house_get_and_foreign_404(world):
    client = api_as(world, "worker_a")
    answer = client.get(f"/registry/houses/{world.houses['A101'].pk}")
    assert answer.status == 200 and answer.data["address"].endswith("1栋101室")
    assert answer.data["community"]["id"] == world.nodes["A"].pk
    assert client.get(f"/registry/houses/{world.houses['B101'].pk}").status == 404
    assert client.patch(f"/registry/houses/{world.houses['B101'].pk}", {"use": "vacant"}).status == 404


def test_house_create_and_audit(world):
    answer = api_as(world, "worker_a").post("/registry/houses", {
        "building": world.nodes["A_building"].pk, "room": "201", "floor": 2, "area": "88.5", "use": "vacant"})
    assert answer.status == 201, answer
    assert answer.data["area"] == 88.5 and answer.data["use"] == "vacant"
    assert answer.data["address"] == "甲社区路10号 甲社区小区 1栋201室"
    assert AuditLog.objects.filter(verb="house.created", target_id=str(answer.data["id"]),
                                   actor=world.users["worker_a"]).exists()


def test_house_create_conflict_and_validation(world):
    client = api_as(world, "worker_a")
    body = {"building": world.nodes["A_building"].pk, "room": "101"}
    assert client.post("/registry/houses", body).status == 409
    bad = client.post("/registry/houses", {**body, "room": "301", "area": -3})
    assert bad.status == 422 and bad.data["message"].startswith("area")
    foreign = client.post("/registry/houses", {"building": world.nodes["B_building"].pk, "room": "301"})
    assert foreign.status == 404
    not_building = client.post("/registry/houses", {"building": world.nodes["A_grid"].pk, "room": "301"})
    assert not_building.status == 422


def test_house_patch_roles(world):
    house = world.houses["A101"]
    answer = api_as(world, "worker_a").patch(f"/registry/houses/{house.pk}", {"use": "rented", "owner_name": "张三"})
    assert answer.status == 200 and answer.data["use"] == "rented" and answer.data["owner_name"] == "张三"
    assert api_as(world, "leader").patch(f"/registry/houses/{house.pk}", {"use": "vacant"}).status == 403
    assert api_as(world, "resident_a").patch(f"/registry/houses/{house.pk}", {"use": "vacant"}).status == 403
    house.refresh_from_db()
    assert house.use == "rented"


# --- households --------------------------------------------------------------------------------

def test_household_list_and_detail_with_masked_members(world):
    household = world.households["A101"]
    client = api_as(world, "worker_a")
    assert ids(client.get("/registry/households")) == {world.households["A101"].pk, world.households["A102"].pk}
    answer = client.get(f"/registry/households/{household.pk}")
    assert answer.status == 200
    assert answer.data["head"]["name"] == "甲社区101户主"
    members = {m["name"]: m for m in answer.data["members"]}
    assert set(members) == {"甲社区101户主", "甲社区101配偶"}
    head = world.residents["A101h"]
    assert members[head.name]["id_number"] == head.id_number[:6] + "********" + head.id_number[-4:]
    assert head.id_number not in str(answer.data) and head.phone not in str(answer.data)


def test_household_scope_for_resident_and_foreign_worker(world):
    assert ids(api_as(world, "resident_a").get("/registry/households")) == {world.households["A101"].pk}
    assert api_as(world, "resident_a").get(f"/registry/households/{world.households['A102'].pk}").status == 404
    assert api_as(world, "worker_b").get(f"/registry/households/{world.households['A101'].pk}").status == 404
    assert len(ids(api_as(world, "street_s1").get("/registry/households"))) == 4


def test_household_create(world):
    house = world.houses["A102"]
    client = api_as(world, "worker_a")
    answer = client.post("/registry/households", {"house": house.pk, "number": "HNEW1", "registration": "non_local"})
    assert answer.status == 201, answer
    assert answer.data["members"] == [] and answer.data["registration"] == "non_local"
    assert AuditLog.objects.filter(verb="household.created", target_id=str(answer.data["id"])).exists()
    assert client.post("/registry/households", {"house": house.pk, "number": "HNEW1"}).status == 409
    assert client.post("/registry/households", {"house": world.houses["B101"].pk, "number": "HNEW2"}).status == 404
    assert api_as(world, "leader").post("/registry/households", {"house": house.pk, "number": "HNEW3"}).status == 403
    assert not Household.objects.filter(number__in=["HNEW2", "HNEW3"]).exists()


# --- addresses ---------------------------------------------------------------------------------

def test_address_search_scoped(world):
    query = {"q": "甲社区小区1号楼101"}
    mine = api_as(world, "worker_a").get("/registry/addresses", **query)
    assert mine.status == 200
    assert [a["full_text"] for a in mine.data["items"]] == ["甲社区路10号 甲社区小区 1栋101室"]
    assert api_as(world, "worker_b").get("/registry/addresses", **query).data["count"] == 0
    assert api_as(world, "worker_a").get("/registry/addresses", q="").data["items"] == []


def test_building_address_put(world):
    building = world.nodes["A_building"]
    answer = api_as(world, "worker_a").put(f"/registry/buildings/{building.pk}/address",
                                           {"road": "幸福路", "number": "12", "compound_name": "阳光小区", "building_no": "3"})
    assert answer.status == 200, answer
    assert answer.data["full_text"] == "幸福路12号 阳光小区 3栋"
    house = House.objects.select_related("address").get(pk=world.houses["A101"].pk)
    assert house.address.full_text == "幸福路12号 阳光小区 3栋101室"
    found = api_as(world, "worker_a").get("/registry/addresses", q="阳光小区3号楼101")
    assert [a["id"] for a in found.data["items"]] == [house.address_id]
    assert api_as(world, "worker_b").put(f"/registry/buildings/{building.pk}/address",
                                         {"road": "x", "number": "1"}).status == 404
    assert api_as(world, "leader").put(f"/registry/buildings/{building.pk}/address",
                                       {"road": "x", "number": "1"}).status == 403
    blank = api_as(world, "worker_a").put(f"/registry/buildings/{building.pk}/address", {"road": " ", "number": "1"})
    assert blank.status == 422 and blank.data["message"].startswith("road")


# --- tenancies ---------------------------------------------------------------------------------

def test_tenancy_create_and_end(world):
    house, tenant = world.houses["A102"], world.residents["A101s"]
    client = api_as(world, "worker_a")
    answer = client.post("/registry/tenancies", {"house": house.pk, "tenant": tenant.pk, "start_on": "2024-01-01",
                                                 "end_on": "2025-01-01", "landlord_name": "李四"})
    assert answer.status == 201, answer
    assert answer.data["tenant"]["name"] == tenant.name
    assert "tenant" in set(tenant.tags.values_list("code", flat=True))
    assert client.get("/registry/tenancies", house=house.pk).data["count"] == 1
    assert api_as(world, "worker_b").post(f"/registry/tenancies/{answer.data['id']}/end", {}).status == 404
    ended = client.post(f"/registry/tenancies/{answer.data['id']}/end", {"on": "2024-06-30"})
    assert ended.status == 200 and ended.data["ended_on"] == "2024-06-30"
    assert client.post(f"/registry/tenancies/{answer.data['id']}/end", {}).status == 409
    assert AuditLog.objects.filter(verb__in=["tenancy.started", "tenancy.ended"]).count() == 2


def test_tenancy_requires_rented_house(world):
    answer = api_as(world, "worker_a").post("/registry/tenancies", {
        "house": world.houses["A101"].pk, "tenant": world.residents["A102h"].pk, "start_on": "2024-01-01"})
    assert answer.status == 422 and "出租" in answer.data["message"]


def test_tenancy_with_foreign_tenant_is_404(world):
    answer = api_as(world, "worker_a").post("/registry/tenancies", {
        "house": world.houses["A102"].pk, "tenant": world.residents["B101h"].pk, "start_on": "2024-01-01"})
    assert answer.status == 404


# --- units -------------------------------------------------------------------------------------

def _unit(world, community="A", **fields):
    address = reg.building_address(world.nodes[f"{community}_building"])
    defaults = {"name": f"{community}超市", "kind": "shop", "contact_phone": "13712345678"}
    return reg.establishment_save(actor=world.users["admin"], address=address, **{**defaults, **fields})


def test_unit_list_and_detail_masked(world):
    mine, foreign = _unit(world, "A"), _unit(world, "B", credit_code="")
    client = api_as(world, "worker_a")
    assert ids(client.get("/registry/units")) == {mine.pk}
    assert ids(api_as(world, "street_s1").get("/registry/units", kind="shop")) == {mine.pk, foreign.pk}
    assert ids(api_as(world, "street_s1").get("/registry/units", q="B超")) == {foreign.pk}
    detail = client.get(f"/registry/units/{mine.pk}")
    assert detail.status == 200 and detail.data["contact_phone"] == "137****5678"
    assert "13712345678" not in str(detail.data)
    assert client.get(f"/registry/units/{foreign.pk}").status == 404
    assert client.patch(f"/registry/units/{foreign.pk}", {"name": "x"}).status == 404
    assert api_as(world, "resident_a").get("/registry/units").data["count"] == 0


def test_unit_create_patch_conflict(world):
    address = reg.building_address(world.nodes["A_building"])
    client = api_as(world, "worker_a")
    body = {"address": address.pk, "name": "阳光物业", "kind": "property_company", "sector": "property",
            "credit_code": "91110105MA01ABCD1X", "employees": 12}
    answer = client.post("/registry/units", body)
    assert answer.status == 201, answer
    assert AuditLog.objects.filter(verb="establishment.created", target_id=str(answer.data["id"])).exists()
    assert client.post("/registry/units", {**body, "name": "重复物业"}).status == 409
    bad = client.post("/registry/units", {**body, "credit_code": "123"})
    assert bad.status == 422 and bad.data["message"].startswith("credit_code")
    assert client.post("/registry/units", {**body, "kind": "castle"}).status == 422
    patched = client.patch(f"/registry/units/{answer.data['id']}", {"employees": 15, "contact_phone": "010-88886666"})
    assert patched.status == 200, patched
    assert patched.data["employees"] == 15 and patched.data["contact_phone"] == "010****6666"
    assert api_as(world, "leader").patch(f"/registry/units/{answer.data['id']}", {"employees": 1}).status == 403
    foreign_address = reg.building_address(world.nodes["B_building"])
    assert client.post("/registry/units", {**body, "address": foreign_address.pk, "credit_code": ""}).status == 404
    assert Establishment.objects.count() == 1


def test_units_and_tenancies_anonymous_401(world):
    for path in ("/registry/units", "/registry/tenancies", "/registry/addresses", "/registry/households"):
        assert ApiClient().get(path).status == 401


def test_dates_validated(world):
    answer = api_as(world, "worker_a").post("/registry/tenancies", {
        "house": world.houses["A102"].pk, "tenant": world.residents["A101s"].pk, "start_on": "2024-13-01"})
    assert answer.status == 422 and answer.data["message"].startswith("start_on")
    backwards = api_as(world, "worker_a").post("/registry/tenancies", {
        "house": world.houses["A102"].pk, "tenant": world.residents["A101s"].pk,
        "start_on": dt.date(2024, 5, 1).isoformat(), "end_on": "2024-01-01"})
    assert backwards.status == 422
