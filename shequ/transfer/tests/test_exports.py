"""Exports: only what the user may see, masked by default, unmasked only with the right, always audited."""
from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from openpyxl import load_workbook

from shequ.core.idcard import mask_id_number, mask_phone
from shequ.core.models import AuditLog
from shequ.registry.models import Resident

from .helpers import run_import

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_export_is_masked_by_default(world, client):
    response = _get(client, world.users["worker_a_unmask"], "/transfer/export/residents.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    header, body = rows[0], rows[1:]
    resident = world.residents["A101h"]
    line = next(r for r in body if r[1] == resident.name)
    assert line[header.index("身份证号")] == mask_id_number(resident.id_number)
    assert line[header.index("联系电话")] == mask_phone(resident.phone)
    assert resident.id_number not in str(rows) and resident.phone not in str(rows)
    record = AuditLog.objects.get(verb="export.residents")
    assert record.extra == {"count": 4, "unmasked": False, "format": "csv"}


def test_unmasked_export_needs_the_permission(world, client):
    response = _get(client, world.users["worker_a"], "/transfer/export/residents.csv?unmask=1")
    assert response.status_code == 403
    assert not AuditLog.objects.filter(verb="export.residents").exists()


def test_unmasked_export_shows_clear_values_and_is_audited(world, client):
    user = world.users["worker_a_unmask"]
    response = _get(client, user, "/transfer/export/residents.xlsx?unmask=1")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).worksheets[0]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    ids = {r[0] for r in values[1:]}
    assert world.residents["A101h"].id_number in ids and len(ids) == 4
    record = AuditLog.objects.get(verb="export.residents")
    assert record.actor_id == user.id and record.extra == {"count": 4, "unmasked": True, "format": "xlsx"}


def test_export_of_worker_a_does_not_contain_community_b(world, client):
    rows = _csv(_get(client, world.users["worker_a"], "/transfer/export/residents.csv"))
    names = {r[1] for r in rows[1:]}
    assert names == {world.residents[k].name for k in ("A101h", "A101s", "A102h", "A102s")}
    assert not any(world.residents[k].name in names for k in ("B101h", "B102s", "C101h"))


@pytest.mark.parametrize("kind, expected", [("households", 2), ("houses", 2), ("units", 0)])
def test_other_kinds_are_scoped_and_audited(world, client, kind, expected):
    rows = _csv(_get(client, world.users["worker_b"], f"/transfer/export/{kind}.csv"))
    assert len(rows) - 1 == expected
    assert all(r[rows[0].index("社区代码")] == "110105001002" for r in rows[1:])
    assert AuditLog.objects.get(verb=f"export.{kind}").extra["count"] == expected


def test_sensitive_tags_only_in_unmasked_exports(world, client):
    from shequ.registry.models import Tag

    world.residents["A101h"].tags.add(Tag.objects.get(code="subsistence"))
    masked = _csv(_get(client, world.users["worker_a_unmask"], "/transfer/export/residents.csv"))
    clear = _csv(_get(client, world.users["worker_a_unmask"], "/transfer/export/residents.csv?unmask=1"))
    name = world.residents["A101h"].name
    assert next(r for r in masked if r[1] == name)[9] == "独居老人"
    assert set(next(r for r in clear if r[1] == name)[9].split(",")) == {"独居老人", "低保"}


def test_role_without_export_capability_gets_403(world, client):
    assert _get(client, world.users["dept"], "/transfer/export/residents.csv").status_code == 403


def test_unmasked_export_can_be_imported_again_as_updates(world, client):
    user = world.users["street_s1"]
    user.user_permissions.add(Permission.objects.get(codename="unmask_personal_data"))
    user = get_user_model().objects.get(pk=user.pk)  # fresh permission cache
    client.force_login(user)
    content = b"".join(client.get("/transfer/export/residents.csv?unmask=1").streaming_content)
    count = Resident.objects.count()
    job = run_import(user, content)
    assert (job.status, job.created_count, job.updated_count) == ("done", 0, 8)
    assert Resident.objects.count() == count
