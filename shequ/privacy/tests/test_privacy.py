"""A resident's rights over their personal information: see and copy, correct, delete — handled by
their community, logged, and deletion leaves the statistics as they were."""
from __future__ import annotations

import json
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from shequ.appeals.models import Appeal
from shequ.appeals.tests.factories import submit
from shequ.core.models import AuditLog
from shequ.privacy.models import DataRequest
from shequ.registry.models import Resident
from shequ.registry.services import phone_hash_of
from shequ.registry.tests.apiclient import api_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident_client(client, world):
    client.force_login(world.users["resident_a"])
    return client


def _resident(world):
    return world.users["resident_a"].resident


def _file(client, **data):
    return client.post("/s/mine/privacy/", data)


def test_resident_sees_own_data_masked_and_files_an_access_request(resident_client, world, client):
    resident = _resident(world)
    page = resident_client.get("/s/mine/privacy/").content.decode()
    assert resident.name in page and resident.id_number not in page and resident.phone not in page
    response = _file(resident_client, kind="access", reason="想看看登记了什么")
    assert response.status_code == 302
    request = DataRequest.objects.get()
    assert (request.kind, request.channel, request.status, request.community_id) == (
        "access", "self", "received", world.nodes["A"].pk)
    assert (request.due_on - timezone.localtime(request.created_at).date()).days == 15
    assert "下载我的信息副本" not in resident_client.get("/s/mine/privacy/").content.decode()

    worker = api_as(world, "worker_a")
    assert worker.post(f"/privacy/requests/{request.pk}/complete", {}).status == 200
    page = resident_client.get("/s/mine/privacy/").content.decode()
    assert "已办结" in page and "下载我的信息副本" in page
    download = resident_client.get(f"/privacy/{request.pk}/copy.json")
    copy = json.loads(download.content)
    assert copy["resident"]["id_number"] == resident.id_number and copy["resident"]["phone"] == resident.phone
    assert AuditLog.objects.filter(verb="privacy.copy_downloaded", extra__channel="self").count() == 1


def test_staff_copy_needs_the_unmask_right(client, world):
    resident = world.residents["A101h"]
    answer = api_as(world, "worker_a").post("/privacy/requests", {"resident_id": resident.pk, "kind": "access"})
    assert answer.status == 201 and answer.data["channel"] == "window"
    api_as(world, "worker_a").post(f"/privacy/requests/{answer.data['id']}/complete", {})
    client.force_login(world.users["worker_a"])
    assert client.get(f"/privacy/{answer.data['id']}/copy.json").status_code == 403
    client.force_login(world.users["worker_a_unmask"])
    copy = json.loads(client.get(f"/privacy/{answer.data['id']}/copy.json").content)
    assert copy["resident"]["id_number"] == resident.id_number


def test_correction_is_written_to_the_registry_and_kept_encrypted_meanwhile(resident_client, world):
    resident = _resident(world)
    _file(resident_client, kind="correct", phone="13700001111", reason="换号了")
    request = DataRequest.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT corrections FROM privacy_datarequest WHERE id = %s", [request.pk])
        raw = cursor.fetchone()[0]
    assert "13700001111" not in raw and raw.startswith("v1:")
    detail = api_as(world, "worker_a")
    assert detail.post(f"/privacy/requests/{request.pk}/complete", {}).status == 200
    resident.refresh_from_db()
    assert resident.phone == "13700001111" and resident.phone_hash == phone_hash_of("13700001111")
    assert AuditLog.objects.filter(verb="resident.updated", target_id=str(resident.pk), extra__fields=["phone"]).exists()


def test_bad_requests_are_refused_with_the_field(resident_client, world):
    assert _file(resident_client, kind="correct").status_code == 422  # nothing to correct
    assert _file(resident_client, kind="delete").status_code == 422   # no reason
    assert not DataRequest.objects.exists()
    _file(resident_client, kind="access")
    again = _file(resident_client, kind="access")
    assert again.status_code == 422 and "已有同类请求" in again.content.decode()
    other = world.residents["B101h"]
    answer = api_as(world, "resident_a").post("/privacy/requests", {"resident_id": other.pk, "kind": "access"})
    assert answer.status in (403, 404)


def _statistics(community):
    rows = Resident.objects.filter(community=community)
    return {
        "count": rows.count(),
        "sex": Counter(rows.values_list("sex", flat=True)),
        "birth_years": Counter(d.year for d in rows.values_list("birth_date", flat=True) if d),
        "tags": Counter(rows.values_list("tags__code", flat=True)),
        "households": Counter(rows.values_list("household_id", flat=True)),
    }


def test_deletion_removes_identity_and_keeps_statistics(resident_client, world):
    resident = _resident(world)
    name, id_number, phone = resident.name, resident.id_number, resident.phone
    appeal = submit(at="A", requester_name=name, requester_phone=phone)
    own = submit(at="A", requester_name="别人", requester_phone="13600000000")
    before = _statistics(world.nodes["A"])
    _file(resident_client, kind="delete", reason="不再需要平台保存我的信息")
    request = DataRequest.objects.get()
    client = api_as(world, "worker_a")
    assert client.post(f"/privacy/requests/{request.pk}/complete", {}).status == 200

    assert _statistics(world.nodes["A"]) == before
    resident.refresh_from_db()
    assert name not in resident.name and resident.id_number == "" and resident.phone == ""
    assert resident.id_hash == "" and resident.phone_hash == ""
    assert (resident.birth_date.month, resident.birth_date.day) == (1, 1)
    appeal.refresh_from_db()
    assert appeal.requester_name == "" and appeal.requester_phone == "" and Appeal.objects.filter(pk=appeal.pk).exists()
    own.refresh_from_db()
    assert own.requester_phone == "13600000000"  # someone else's appeal untouched
    account = world.users["resident_a"]
    account.refresh_from_db()
    assert not account.is_active and not account.has_usable_password()
    erased = AuditLog.objects.get(verb="resident.erased")
    assert name not in json.dumps(erased.extra, ensure_ascii=False) + erased.target_repr
    assert id_number not in json.dumps(list(AuditLog.objects.values_list("extra", flat=True)), ensure_ascii=False)


def test_rejection_needs_a_reason_and_is_final(world):
    resident = world.residents["A101h"]
    client = api_as(world, "worker_a")
    filed = client.post("/privacy/requests", {"resident_id": resident.pk, "kind": "delete", "reason": "删除"}).data
    assert client.post(f"/privacy/requests/{filed['id']}/reject", {"response": ""}).status == 422
    rejected = client.post(f"/privacy/requests/{filed['id']}/reject",
                           {"response": "该信息为低保审核依法须保存的材料(个人信息保护法第四十七条)"})
    assert rejected.status == 200 and rejected.data["status"] == "rejected"
    assert client.post(f"/privacy/requests/{filed['id']}/complete", {}).status == 409
    resident.refresh_from_db()
    assert resident.id_number  # nothing erased


def test_another_community_cannot_see_or_act(client, world):
    resident = world.residents["A101h"]
    filed = api_as(world, "worker_a").post("/privacy/requests", {"resident_id": resident.pk, "kind": "access"}).data
    other = api_as(world, "worker_b")
    assert other.get(f"/privacy/requests/{filed['id']}").status == 404
    assert other.post(f"/privacy/requests/{filed['id']}/complete", {}).status == 404
    assert other.get("/privacy/requests").data["count"] == 0
    assert api_as(world, "worker_a").get("/privacy/requests").data["count"] == 1
    client.force_login(world.users["worker_b"])
    assert client.get(f"/privacy/{filed['id']}/").status_code == 404
    assert client.post(f"/privacy/{filed['id']}/", {"action": "complete"}).status_code == 404
    assert resident.name not in client.get("/privacy/").content.decode()
    assert client.get(f"/admin/privacy/datarequest/{filed['id']}/change/").status_code in (302, 403, 404)
    client.force_login(world.users["worker_a"])
    desk = client.get("/privacy/").content.decode()
    assert filed["number"] in desk
    assert api_as(world, "dept").get("/privacy/requests").status == 403


def test_staff_desk_completes_a_request(client, world):
    resident = world.residents["A101h"]
    filed = api_as(world, "worker_a").post("/privacy/requests", {"resident_id": resident.pk, "kind": "correct",
                                                                  "corrections": {"ethnicity": "回族"}}).data
    client.force_login(world.users["worker_a"])
    page = client.get(f"/privacy/{filed['id']}/").content.decode()
    assert "民族" in page and "回族" not in page  # the new value is not shown, only which field
    response = client.post(f"/privacy/{filed['id']}/", {"action": "complete", "response": "已更正"})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.ethnicity == "回族"
