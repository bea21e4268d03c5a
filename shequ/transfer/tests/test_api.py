"""The import/export API: allowed user, a user from a sibling community (404), a wrong role (403)."""
from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from shequ.core.models import AuditLog

from .helpers import B_CODE, B_HOUSEHOLD, RESIDENT_HEADERS, csv_bytes, resident_row

pytestmark = pytest.mark.django_db


def _upload(client, user, rows, mode="whole"):
    client.force_login(user)
    file = SimpleUploadedFile("r.csv", csv_bytes(RESIDENT_HEADERS, rows), content_type="text/csv")
    return client.post("/api/transfer/imports", {"file": file, "kind": "residents", "mode": mode})


def test_post_import_returns_the_job_and_get_follows_it(world, client):
    response = _upload(client, world.users["worker_a"], [resident_row(0), resident_row(1, community="000")], mode="valid_rows")
    assert response.status_code == 201, response.content
    job = response.json()
    assert (job["status"], job["created_count"], job["error_count"], job["percent"]) == ("done", 1, 1, 100)
    assert job["errors"] == [{"row": 3, "column": "社区代码", "message": "社区代码 000 不存在或不在您的辖区内"}]
    again = client.get(f"/api/transfer/imports/{job['id']}").json()
    assert again["id"] == job["id"] and again["errors"] == job["errors"]


def test_job_of_another_user_is_404(world, client):
    job_id = _upload(client, world.users["worker_a"], [resident_row(0)]).json()["id"]
    client.force_login(world.users["worker_b"])
    response = client.get(f"/api/transfer/imports/{job_id}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_wrong_role_gets_403_as_json(world, client):
    response = _upload(client, world.users["grid_a"], [resident_row(0)])
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"


def test_worker_a_cannot_import_into_community_b(world, client):
    job = _upload(client, world.users["worker_a"], [resident_row(0, household=B_HOUSEHOLD, community=B_CODE)]).json()
    assert job["status"] == "rejected" and job["created_count"] == 0


def test_bad_kind_is_a_422(world, client):
    client.force_login(world.users["worker_a"])
    response = client.post("/api/transfer/imports", {"file": SimpleUploadedFile("r.csv", b"x"), "kind": "cats"})
    assert response.status_code == 422 and response.json()["code"] == "invalid"


def test_bad_file_type_is_a_422(world, client):
    client.force_login(world.users["worker_a"])
    response = client.post("/api/transfer/imports", {"file": SimpleUploadedFile("r.pdf", b"x"), "kind": "residents"})
    assert response.status_code == 422 and response.json()["message"] == "只支持 .xlsx 和 .csv 文件"


@pytest.mark.parametrize("kind", ["residents", "households", "houses", "units"])
def test_templates_have_chinese_headers_and_an_example_row(world, client, kind):
    client.force_login(world.users["worker_a"])
    response = client.get(f"/api/transfer/templates/{kind}?format=xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 2 and "社区代码*" in rows[0]


def test_export_api_masks_and_refuses_unmask_without_right(world, client):
    client.force_login(world.users["worker_a"])
    response = client.get("/api/transfer/exports/residents?format=csv")
    assert response.status_code == 200
    assert world.residents["A101h"].id_number not in b"".join(response.streaming_content).decode("utf-8-sig")
    response = client.get("/api/transfer/exports/residents?format=csv&unmask=true")
    assert response.status_code == 403 and response.json()["code"] == "not_allowed"
    assert AuditLog.objects.filter(verb="export.residents").count() == 1


def test_export_api_unauthenticated_is_401(world, client):
    assert client.get("/api/transfer/exports/residents").status_code == 401
