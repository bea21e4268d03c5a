"""Importing a city 12345 work-order feed as appeals: columns, category mapping, routing and
the importer's scope, duplicates on re-import, UTF-8 and GBK, pages and API."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shequ.appeals.models import Appeal, Channel
from shequ.appeals.tests.factories import POINT_IN, POINT_NOWHERE, ensure_catalog
from shequ.core.errors import NotAllowed
from shequ.core.models import AuditLog
from shequ.transfer.models import ImportJob

from .helpers import csv_bytes, error_lines, run_import, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADERS = ["工单编号", "来电时间", "诉求人", "联系电话", "诉求内容", "问题分类", "诉求类型", "事发地址", "经度", "纬度"]


def order(n: int, *, at="A", category="邻里噪声", when="2026-11-20 09:30:00", phone="13912345678", name="王先生",
          address="", kind="投诉") -> list[str]:
    lng, lat = (POINT_IN[at] if at in POINT_IN else POINT_NOWHERE) if at else ("", "")
    return [f"GD{n:06d}", when, name, phone, f"工单{n}:夜间噪声扰民", category, kind, address, str(lng), str(lat)]


def feed(user, rows, *, mode="whole", encoding="utf-8", name="12345.csv"):
    ensure_catalog()
    return run_import(user, csv_bytes(HEADERS, rows, encoding), kind="feed12345", mode=mode, name=name)


def test_street_office_imports_orders_as_routed_appeals(world):
    job = feed(world.users["street_s1"], [order(1), order(2, at="B", category="城乡建设-环境卫生脏乱", kind="")])
    assert (job.status, job.created_count, job.error_count) == (ImportJob.Status.DONE, 2, 0), error_lines(job)
    first, second = Appeal.objects.order_by("external_number")
    assert (first.channel, first.external_number, first.category.code, first.contact_kind) == (
        Channel.FEED_12345, "GD000001", "noise_neighbor", "complaint")
    assert first.received_at.isoformat() == "2026-11-20T01:30:00+00:00" and first.number.startswith("SQ-20261120-")
    assert first.handling_node_id == world.nodes["A_grid"].id and first.first_receiver_id is None
    assert (first.requester_name, first.requester_phone) == ("王先生", "13912345678")
    assert (second.category.code, second.contact_kind, second.community_id) == ("sanitation", "complaint", world.nodes["B"].id)
    assert AuditLog.objects.filter(verb="appeal.imported", actor=world.users["street_s1"]).exists()


def test_reimport_skips_orders_already_imported_and_says_so(world):
    user = world.users["street_s1"]
    feed(user, [order(1), order(2)])
    job = feed(user, [order(1), order(2), order(3)])
    assert (job.status, job.created_count, job.error_count) == (ImportJob.Status.DONE, 1, 0), error_lines(job)
    assert "跳过已导入的工单 2 条(GD000001、GD000002)" in job.message
    assert Appeal.objects.filter(external_number="GD000001").count() == 1
    job = feed(user, [order(4), order(4)])
    assert error_lines(job) == [(3, "工单编号", "与第2行重复")]


def test_row_errors_name_row_and_column_and_whole_file_writes_nothing(world):
    rows = [order(1), order(2, category="外星人入侵"), order(3, when="昨天"), order(4, phone="123"),
            order(5, at="C"), order(6, kind="闲聊"), order(7, when="2099-01-01 00:00")]
    rows[0][4] = ""
    job = feed(world.users["street_s1"], rows)
    assert job.status == ImportJob.Status.REJECTED and not Appeal.objects.exists()
    lines = error_lines(job)
    assert lines[0] == (2, "诉求内容", "必填项为空")
    assert (3, "问题分类", "问题分类“外星人入侵”不在派单目录中(请填写派单目录的类别名称或代码)") in lines
    assert (4, "来电时间", "“昨天”不是有效的时间,应如 2026-11-26 09:30:00") in lines
    assert [line[:2] for line in lines if line[0] == 5] == [(5, "联系电话")]
    assert (6, "经度", "诉求位置(丙村第1网格)不在您的辖区内") in lines
    assert (7, "诉求类型", "“闲聊”不是有效取值,应为:咨询/求助/投诉/举报/建议") in lines
    assert (8, "来电时间", "来电时间晚于当前时间") in lines
    job = feed(world.users["street_s1"], rows, mode="valid_rows")
    assert (job.status, job.created_count, job.error_count) == (ImportJob.Status.DONE, 0, 7)
    rows[0][4] = "补上内容"
    job = feed(world.users["street_s1"], rows, mode="valid_rows")
    assert job.created_count == 1 and Appeal.objects.get().external_number == "GD000001"


def test_unlocated_orders_go_to_the_district_and_only_district_importers_take_them(world):
    rows = [order(1, at=None, address="火星路1号"), order(2, at="nowhere")]
    job = feed(world.users["street_s1"], rows)
    assert [line[:2] for line in error_lines(job)] == [(2, "事发地址"), (3, "经度")]
    assert "只有区级可以导入" in error_lines(job)[0][2]
    job = feed(world.users["office"], rows)
    assert job.created_count == 2, error_lines(job)
    assert {a.handling_node_id for a in Appeal.objects.all()} == {world.nodes["district"].id}


def test_address_text_routes_the_order(world):
    from shequ.registry.services import building_address

    address = building_address(world.nodes["A_building"]).full_text
    job = feed(world.users["street_s1"], [order(1, at=None, address=address)])
    assert job.created_count == 1, error_lines(job)
    assert Appeal.objects.get().community_id == world.nodes["A"].id


def test_gbk_csv_and_xlsx(world):
    job = feed(world.users["street_s1"], [order(1)], encoding="gbk")
    assert job.created_count == 1, error_lines(job)
    ensure_catalog()
    job = run_import(world.users["street_s1"], xlsx_bytes(HEADERS, [order(2)]), kind="feed12345", name="12345.xlsx")
    assert job.created_count == 1, error_lines(job)


def test_only_street_and_district_offices_may_import(world):
    ensure_catalog()
    for username in ("worker_a", "grid_a", "dept", "leader", "resident_a"):
        with pytest.raises(NotAllowed):
            run_import(world.users[username], csv_bytes(HEADERS, [order(1)]), kind="feed12345")
    assert not ImportJob.objects.exists()


def test_page_and_api(client, world):
    ensure_catalog()
    client.force_login(world.users["office"])
    page = client.get("/transfer/").content.decode()
    assert 'value="feed12345"' in page and 'value="residents"' not in page  # the office may not import the registry
    assert "/transfer/export/feed12345" not in page
    response = client.post("/transfer/", {"kind": "feed12345", "mode": "whole",
                                          "file": SimpleUploadedFile("12345.csv", csv_bytes(HEADERS, [order(1)]))})
    assert response.status_code == 302
    assert Appeal.objects.get().external_number == "GD000001"
    template = b"".join(client.get("/transfer/templates/feed12345.csv").streaming_content).decode("utf-8-sig")
    assert template.startswith("工单编号*,来电时间*")
    response = client.post("/api/transfer/imports", {
        "kind": "feed12345", "file": SimpleUploadedFile("12345.csv", csv_bytes(HEADERS, [order(1), order(2)]))})
    assert response.status_code == 201, response.content
    assert (response.json()["created_count"], "跳过已导入的工单 1 条" in response.json()["message"]) == (1, True)
    client.force_login(world.users["worker_a"])
    response = client.post("/api/transfer/imports", {
        "kind": "feed12345", "file": SimpleUploadedFile("12345.csv", csv_bytes(HEADERS, [order(3)]))})
    assert response.status_code == 403
    assert client.post("/transfer/", {"kind": "feed12345", "mode": "whole", "file": SimpleUploadedFile(
        "12345.csv", csv_bytes(HEADERS, [order(3)]))}).status_code == 403
    assert not Appeal.objects.filter(external_number="GD000003").exists()
