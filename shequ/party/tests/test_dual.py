"""Dual reporting (双报到): registration rules, service logs confirmed by the community, the flags
"registered, never served in N months" and "expected but never registered" (imported roster), scope."""
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from shequ.core.errors import Conflict, InvalidInput, NotInScope
from shequ.core.models import AuditLog
from shequ.party import selectors, services
from shequ.party.models import ExpectedRegistrant, PartyPolicy
from shequ.registry.tests.apiclient import api_as

from .factories import party_member, units

TODAY = dt.date(2026, 11, 20)


def _member(world, key="A101h", actor="worker_a", on=dt.date(2026, 1, 10)):
    resident = world.residents[key]
    return services.registration_create(actor=world.users[actor], kind="member", community=world.nodes[key[0]],
                                        registered_on=on, resident=resident, workplace="区财政局", today=TODAY)


def test_member_registration_rules(world):
    with pytest.raises(InvalidInput) as exc:
        _member(world)
    assert exc.value.code == "party_not_party_member"
    party_member(world, "A101h")
    party_member(world, "B101h")
    with pytest.raises(InvalidInput) as exc:  # lives in B, cannot report to A
        services.registration_create(actor=world.users["street_s1"], kind="member", community=world.nodes["A"],
                                     registered_on=dt.date(2026, 1, 1), resident=world.residents["B101h"], today=TODAY)
    assert exc.value.extra["field"] == "community"
    with pytest.raises(NotInScope):
        services.registration_create(actor=world.users["worker_a"], kind="member", community=world.nodes["B"],
                                     registered_on=dt.date(2026, 1, 1), resident=world.residents["B101h"], today=TODAY)
    registration = _member(world)
    with pytest.raises(Conflict):
        _member(world)
    assert registration.community_id == world.nodes["A"].pk
    assert AuditLog.objects.filter(verb="dual_registration.created", target_id=str(registration.pk)).exists()


def test_organization_registration(world):
    u = units(world)
    reg = services.registration_create(actor=world.users["worker_a"], kind="organization", community=world.nodes["A"],
                                       registered_on=dt.date(2026, 2, 1), organization_name="区财政局机关党支部",
                                       unit_id=u["A_firm"].pk, today=TODAY)
    assert reg.display_name == "区财政局机关党支部" and reg.workplace == "甲科技公司"
    with pytest.raises(Conflict):
        services.registration_create(actor=world.users["worker_a"], kind="organization", community=world.nodes["A"],
                                     registered_on=dt.date(2026, 2, 1), organization_name="区财政局机关党支部", today=TODAY)
    with pytest.raises(InvalidInput):
        services.registration_create(actor=world.users["worker_a"], kind="organization", community=world.nodes["A"],
                                     registered_on=dt.date(2026, 2, 1), organization_name=" ", today=TODAY)


def test_services_confirmed_and_idle_flag(world):
    party_member(world, "A101h")
    party_member(world, "A102h")
    busy = _member(world, "A101h")
    idle = _member(world, "A102h")
    fresh_member = party_member(world, "A102s")
    fresh = services.registration_create(actor=world.users["worker_a"], kind="member", community=world.nodes["A"],
                                         registered_on=dt.date(2026, 10, 1), resident=fresh_member, today=TODAY)
    worker = world.users["worker_a"]
    record = services.service_log(actor=worker, registration_id=busy.pk, title="垃圾分类宣传", served_on=dt.date(2026, 9, 1),
                                  hours="3.5", today=TODAY)
    rejected = services.service_log(actor=worker, registration_id=idle.pk, title="未到岗", served_on=dt.date(2026, 9, 2),
                                     hours=2, today=TODAY)
    with pytest.raises(InvalidInput) as exc:
        services.service_log(actor=worker, registration_id=busy.pk, title="x", served_on=dt.date(2026, 9, 1), hours=25, today=TODAY)
    assert exc.value.extra["field"] == "hours"
    with pytest.raises(InvalidInput):  # before registering
        services.service_log(actor=worker, registration_id=busy.pk, title="x", served_on=dt.date(2025, 9, 1), hours=1, today=TODAY)
    # pending services do not count yet
    assert {r.pk for r in selectors.idle_registrations(user=worker, today=TODAY)} == {busy.pk, idle.pk}
    services.service_confirm(actor=worker, service_id=record.pk, confirmed=True)
    with pytest.raises(InvalidInput):
        services.service_confirm(actor=worker, service_id=rejected.pk, confirmed=False, note="")
    services.service_confirm(actor=worker, service_id=rejected.pk, confirmed=False, note="核实未参加")
    with pytest.raises(Conflict):
        services.service_confirm(actor=worker, service_id=record.pk, confirmed=True)
    assert [r.pk for r in selectors.idle_registrations(user=worker, today=TODAY)] == [idle.pk]  # fresh: registered < 6 months
    assert fresh.pk not in {r.pk for r in selectors.idle_registrations(user=worker, today=TODAY)}
    PartyPolicy.objects.create(node=None, idle_months=1)
    assert {r.pk for r in selectors.idle_registrations(user=worker, today=TODAY)} == {busy.pk, idle.pk, fresh.pk}
    # the ids come in the list's order (newest registration first), and a page of them reads just those
    ids = selectors.idle_registration_ids(user=worker, today=TODAY)
    assert ids == [r.pk for r in selectors.idle_registrations(user=worker, today=TODAY)] and len(ids) == 3
    assert [r.pk for r in selectors.idle_registrations(user=worker, today=TODAY, ids=ids[1:])] == ids[1:]
    with pytest.raises(NotInScope):
        services.service_confirm(actor=world.users["worker_b"], service_id=record.pk, confirmed=True)
    hours = {r.pk: r.confirmed_hours for r in selectors.registration_list(user=worker)}
    assert str(hours[busy.pk]) == "3.5" and hours[idle.pk] is None


def _roster_file(rows) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(["类型", "社区代码", "名称/姓名", "身份证号", "工作单位"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("名单.xlsx", out.getvalue())


def test_roster_import_and_never_registered(world, client):
    party_member(world, "A101h")
    a101 = world.residents["A101h"]
    a102 = world.residents["A102h"]
    rows = [["党员", "110105001001", a101.name, a101.id_number, "区财政局"],
            ["党员", "110105001001", a102.name, a102.id_number, "区税务局"],
            ["党组织", "110105001001", "区财政局机关党支部", "", "区财政局"]]
    bad = services.roster_import_file(actor=world.users["worker_a"], binary=_roster_file(
        rows + [["党员", "110105001002", "某人", "", ""], ["群众", "110105001001", "x", "", ""]]), filename="名单.xlsx")
    assert [(e["row"], e["column"]) for e in bad["errors"]] == [(5, "社区代码"), (6, "类型")]
    assert ExpectedRegistrant.objects.count() == 0  # nothing half-written
    result = services.roster_import_file(actor=world.users["worker_a"], binary=_roster_file(rows), filename="名单.xlsx")
    assert (result["created"], result["updated"]) == (3, 0)
    again = services.roster_import_file(actor=world.users["worker_a"], binary=_roster_file(rows), filename="名单.xlsx")
    assert (again["created"], again["updated"]) == (0, 3)
    for field in ExpectedRegistrant._meta.fields:  # the ID number is only used to find the resident
        assert not ExpectedRegistrant.objects.filter(**{f"{field.attname}__contains": a101.id_number[-8:]}).exists() \
            if field.get_internal_type() in ("CharField", "TextField") else True
    _member(world, "A101h")
    worker = world.users["worker_a"]
    assert sorted(e.name for e in selectors.unregistered_expected(user=worker)) == sorted([a102.name, "区财政局机关党支部"])
    services.registration_create(actor=worker, kind="organization", community=world.nodes["A"], registered_on=dt.date(2026, 3, 1),
                                 organization_name="区财政局机关党支部", today=TODAY)
    assert [e.name for e in selectors.unregistered_expected(user=worker)] == [a102.name]
    assert list(selectors.unregistered_expected(user=world.users["worker_b"])) == []
    client.force_login(world.users["worker_a"])
    page = client.get("/party/dual/?view=unregistered").content.decode()
    assert a102.name in page and a102.id_number not in page
    api = api_as(world, "worker_b").post("/party/roster", [{"kind": "党员", "community_code": "110105001001",
                                                            "name": a101.name, "id_number": a101.id_number}])
    assert api.status == 422 and api.data["errors"][0]["column"] == "社区代码"


def test_dual_api_and_pages(world, client):
    party_member(world, "A101h")
    api = api_as(world, "worker_a")
    answer = api.post("/party/registrations", {"kind": "member", "community_id": world.nodes["A"].pk,
                                               "registered_on": "2026-01-05", "resident_id": world.residents["A101h"].pk})
    assert answer.status == 201 and answer.data["name"] == world.residents["A101h"].name
    assert "id_number" not in answer.data and "phone" not in answer.data
    pk = answer.data["id"]
    assert api_as(world, "worker_b").get(f"/party/registrations/{pk}").status == 404
    answer = api.post(f"/party/registrations/{pk}/services", {"title": "助老", "served_on": "2026-02-01", "hours": 2})
    assert answer.status == 201 and answer.data["status"] == "pending"
    sid = answer.data["id"]
    assert api_as(world, "worker_b").post(f"/party/services/{sid}/confirm", {"confirmed": True}).status == 404
    assert api_as(world, "leader").post(f"/party/services/{sid}/confirm", {"confirmed": True}).status == 403
    assert api.post(f"/party/services/{sid}/confirm", {"confirmed": True}).data["status"] == "confirmed"
    client.force_login(world.users["worker_a"])
    page = client.get(f"/party/dual/{pk}/").content.decode()
    assert "助老" in page and "已确认" in page
    response = client.post(f"/party/dual/{pk}/service/", {"service-title": "清洁", "service-served_on": "2026-03-01",
                                                          "service-hours": "1.5"})
    assert response.status_code == 302
    client.force_login(world.users["worker_b"])
    assert client.get(f"/party/dual/{pk}/").status_code == 404
    assert client.post(f"/party/dual/{pk}/service/", {"service-title": "x"}).status_code == 404
    assert client.get("/party/dual/?view=idle&export=xlsx").status_code == 200


def test_idle_list_is_paged_and_the_overview_counts_it(world, client, monkeypatch):
    worker = world.users["worker_a"]
    registrations = []
    for key in ("A101h", "A102h", "A101s"):
        party_member(world, key)
        registrations.append(_member(world, key))
    monkeypatch.setattr("shequ.party.services.today_local", lambda: TODAY)
    monkeypatch.setattr("shequ.web.paging.list_page.__kwdefaults__", {"per_page": 2})  # two a page
    client.force_login(worker)
    first = client.get("/party/dual/?view=idle").content.decode()
    second = client.get("/party/dual/?view=idle&page=2").content.decode()
    names = [r.display_name for r in selectors.idle_registrations(user=worker, today=TODAY)]
    assert len(names) == 3
    assert all(n in first for n in names[:2]) and names[2] not in first and "共 3 条" in first and 'rel="next"' in first
    assert names[2] in second and all(n not in second for n in names[:2]) and 'rel="next"' not in second
    overview = client.get("/party/").content.decode()
    assert '<dd data-field="idle"><a href="/party/dual/?view=idle">3</a></dd>' in overview
    api = api_as(world, "worker_a")
    first_page = api.get("/party/registrations-idle", limit=2)
    assert first_page.status == 200 and first_page.data["count"] == 3 and not first_page.data["count_is_estimate"]
    assert [r["id"] for r in first_page.data["items"]] == selectors.idle_registration_ids(user=worker, today=TODAY)[:2]
    rest = api.get("/party/registrations-idle", limit=2, offset=2).data
    assert [r["id"] for r in rest["items"]] == selectors.idle_registration_ids(user=worker, today=TODAY)[2:]
    assert api_as(world, "worker_b").get("/party/registrations-idle").data["count"] == 0  # another community's
