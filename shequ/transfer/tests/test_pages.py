"""The import page, the job page with its htmx progress fragment and error report downloads."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shequ.transfer.models import ImportJob

from .helpers import RESIDENT_HEADERS, csv_bytes, resident_row

pytestmark = pytest.mark.django_db


def test_import_page_requires_login(client):
    response = client.get("/transfer/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_import_page_offers_templates_and_masked_exports_only(world, client):
    client.force_login(world.users["worker_a"])
    page = client.get("/transfer/").content.decode()
    assert "导入方式" in page and "/transfer/templates/residents.xlsx" in page
    assert "/transfer/export/residents.csv" in page and "unmask=1" not in page
    client.force_login(world.users["worker_a_unmask"])
    assert "unmask=1" in client.get("/transfer/").content.decode()


def test_role_without_import_or_export_gets_403(world, client):
    client.force_login(world.users["dept"])
    assert client.get("/transfer/").status_code == 403


def test_upload_shows_the_error_report_on_the_job_page(world, client):
    client.force_login(world.users["worker_a"])
    rows = [resident_row(0), resident_row(1, phone="123")]
    response = client.post("/transfer/", {"kind": "residents", "mode": "whole",
                                          "file": SimpleUploadedFile("居民.csv", csv_bytes(RESIDENT_HEADERS, rows))})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/transfer/jobs/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "有错误,未导入" in page and "第3行" in page and "联系电话" in page and "电话号码格式不正确" in page
    assert "hx-get" not in page  # finished: no more polling
    report = client.get(f"/transfer/jobs/{job.pk}/errors.csv")
    assert "第3行,联系电话,电话号码格式不正确" in b"".join(report.streaming_content).decode("utf-8-sig")
    assert client.get(f"/transfer/jobs/{job.pk}/errors.xlsx").status_code == 200


def test_running_job_polls_its_progress(world, client):
    job = ImportJob.objects.create(kind="residents", original_name="x.csv", file="imports/x.csv", created_by=world.users["worker_a"],
                                   status=ImportJob.Status.VALIDATING, total_rows=1000, processed_rows=250)
    client.force_login(world.users["worker_a"])
    page = client.get(f"/transfer/jobs/{job.pk}/").content.decode()
    assert f'hx-get="/transfer/jobs/{job.pk}/progress/"' in page and 'value="25"' in page
    fragment = client.get(f"/transfer/jobs/{job.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()
    assert "已处理 250 / 1000 行" in fragment and "<html" not in fragment


def test_job_page_of_another_user_is_404(world, client):
    job = ImportJob.objects.create(kind="residents", original_name="x.csv", file="imports/x.csv", created_by=world.users["worker_a"])
    client.force_login(world.users["worker_b"])
    assert client.get(f"/transfer/jobs/{job.pk}/").status_code == 404


def test_upload_without_file_shows_a_message(world, client):
    client.force_login(world.users["worker_a"])
    response = client.post("/transfer/", {"kind": "residents", "mode": "whole"})
    assert response.status_code == 422 and "请选择要导入的文件" in response.content.decode()
