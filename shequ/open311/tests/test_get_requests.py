"""GET requests and GET requests/{id}: every filter and default of the spec, the status mapping,
jurisdiction_id, and no personal data in any answer."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.appeals import services as appeal_services
from shequ.appeals.models import Appeal
from shequ.appeals.tests.factories import submit
from shequ.jurisdiction.services import node_create

from .helpers import BASE, body, errors, post_request

pytestmark = pytest.mark.django_db


def _numbers(response) -> list[str]:
    data = body(response)
    if isinstance(data, list):
        return [item["service_request_id"] for item in data]
    return [r.findtext("service_request_id") for r in data.findall("request")]


def _at(days_ago: float, **kwargs) -> Appeal:
    return submit(now=timezone.now() - dt.timedelta(days=days_ago), **kwargs)


def test_default_window_is_the_last_90_days_newest_first(client, world, catalog):
    old, recent, newest = _at(100), _at(30), _at(1)
    assert _numbers(client.get(f"{BASE}/requests.json")) == [newest.number, recent.number]
    assert old.number not in _numbers(client.get(f"{BASE}/requests.xml"))


def test_date_filters(client, world, catalog):
    a, b, c = _at(120), _at(60), _at(10)

    def w3c(days_ago):
        return (timezone.now() - dt.timedelta(days=days_ago)).isoformat()

    assert _numbers(client.get(f"{BASE}/requests.json", {"start_date": w3c(70), "end_date": w3c(5)})) == [c.number, b.number]
    assert _numbers(client.get(f"{BASE}/requests.json", {"start_date": w3c(130)})) == [b.number, a.number]
    assert _numbers(client.get(f"{BASE}/requests.json", {"end_date": w3c(50)})) == [b.number, a.number]
    # A W3C datetime with Z, and "+" sent unencoded (a space) both parse.
    z = (timezone.now() - dt.timedelta(days=70)).astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _numbers(client.get(f"{BASE}/requests.json", {"start_date": z})) == [c.number, b.number]
    assert _numbers(client.get(f"{BASE}/requests.json?start_date=" + w3c(70).replace("+", " "))) == [c.number, b.number]
    assert errors(client.get(f"{BASE}/requests.json", {"start_date": w3c(130), "end_date": w3c(10)})) == [
        (400, "start_date 到 end_date 不能超过 90 天")]
    assert errors(client.get(f"{BASE}/requests.json", {"start_date": w3c(10), "end_date": w3c(20)})) == [
        (400, "start_date 不能晚于 end_date")]
    assert errors(client.get(f"{BASE}/requests.xml", {"start_date": "yesterday"})) == [
        (400, "start_date 应为 W3C 日期时间,如 2026-01-01T00:00:00+08:00")]


def test_service_code_status_and_id_filters(client, world, catalog):
    noise, trash, light = _at(3, code="noise_neighbor"), _at(2, code="sanitation"), _at(1, code="street_light")
    appeal_services.appeal_close(actor=world.users["worker_a"], appeal_id=trash.pk, note="无需处理")
    assert _numbers(client.get(f"{BASE}/requests.json", {"service_code": "noise_neighbor,street_light"})) == [
        light.number, noise.number]
    assert _numbers(client.get(f"{BASE}/requests.json", {"status": "closed"})) == [trash.number]
    assert _numbers(client.get(f"{BASE}/requests.json", {"status": "open"})) == [light.number, noise.number]
    assert len(_numbers(client.get(f"{BASE}/requests.json", {"status": "open,closed"}))) == 3
    # service_request_id overrides every other argument.
    assert _numbers(client.get(f"{BASE}/requests.json", {
        "service_request_id": f"{noise.number},{trash.number.lower()}", "status": "open",
        "service_code": "street_light"})) == [trash.number, noise.number]
    assert errors(client.get(f"{BASE}/requests.json", {"status": "pending"})) == [
        (400, "status 只能是 open 或 closed,多个用逗号分隔")]
    assert errors(client.get(f"{BASE}/requests.json", {"service_code": "nope"})) == [(400, "service_code nope 不存在")]


def test_pages_of_100_by_default_and_at_most_1000(client, world, catalog, monkeypatch):
    from shequ.open311 import selectors

    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    a, b, c = _at(3), _at(2), _at(1)
    assert _numbers(client.get(f"{BASE}/requests.json")) == [c.number, b.number]
    assert _numbers(client.get(f"{BASE}/requests.json", {"page": 2})) == [a.number]
    assert _numbers(client.get(f"{BASE}/requests.xml", {"page": 3})) == []
    assert _numbers(client.get(f"{BASE}/requests.json", {"page_size": 3})) == [c.number, b.number, a.number]
    assert _numbers(client.get(f"{BASE}/requests.json", {"page": 2, "page_size": 1})) == [b.number]
    assert errors(client.get(f"{BASE}/requests.json", {"page_size": 1001})) == [(400, "page_size 应为1 到 1000 的整数")]
    assert errors(client.get(f"{BASE}/requests.json", {"page": "0"})) == [(400, "page 应为1 到 5000 的整数")]
    # No deeper than MAX_DEPTH requests into one list: 10,000 / page_size pages.
    assert errors(client.get(f"{BASE}/requests.json", {"page": 11, "page_size": 1000})) == [
        (400, "page 应为1 到 10 的整数")]
    assert _numbers(client.get(f"{BASE}/requests.json", {"page": 10, "page_size": 1000})) == []
    monkeypatch.setattr(selectors, "MAX_RESULTS", 1)
    assert _numbers(client.get(f"{BASE}/requests.json")) == [c.number]


def test_request_fields_and_status_mapping(client, world, catalog, client_key):
    number = body(post_request(client, client_key, media_url="https://img.example.com/1.jpg",
                               address_string="甲社区路10号"))[0]["service_request_id"]
    appeal = Appeal.objects.get(number=number)
    item, = body(client.get(f"{BASE}/requests/{number}.json"))
    assert item["status"] == "open" and item["status_notes"] == "已受理登记"
    assert (item["service_code"], item["service_name"], item["description"]) == ("sanitation", "环境卫生脏乱", "楼道堆满垃圾")
    assert item["agency_responsible"] == world.nodes["A_grid"].name
    assert item["expected_datetime"] == appeal.completion_due_at.astimezone(dt.timezone(dt.timedelta(hours=8))).isoformat(
        timespec="seconds")
    assert item["requested_datetime"].endswith("+08:00") and item["media_url"] == "https://img.example.com/1.jpg"
    assert (item["lat"], item["long"], item["address"]) == (appeal.lat, appeal.lng, "甲社区路10号")
    worker = world.users["worker_a"]
    appeal_services.appeal_accept(actor=worker, appeal_id=appeal.pk)
    appeal_services.appeal_reply(actor=worker, appeal_id=appeal.pk, reply="已清理楼道")
    root = body(client.get(f"{BASE}/requests/{number}.xml"))
    assert root.tag == "service_requests"
    assert (root.findtext("request/status"), root.findtext("request/status_notes")) == ("closed", "已答复:已清理楼道")
    assert root.findtext("request/zipcode") == ""
    assert errors(client.get(f"{BASE}/requests/SQ-20000101-000001.json")) == [
        (404, "service_request_id SQ-20000101-000001 不存在")]


def test_jurisdiction_filters_requests_and_is_required_with_several_districts(client, world, catalog):
    appeal = _at(1)
    assert _numbers(client.get(f"{BASE}/requests.json")) == [appeal.number]  # one district: it is the default
    assert errors(client.get(f"{BASE}/requests.json", {"jurisdiction_id": "999"})) == [(404, "jurisdiction_id 999 不存在")]
    other = node_create(actor=None, parent=world.nodes["city"], level="district", kind="district", name="外区", code="110106")
    assert errors(client.get(f"{BASE}/requests.json")) == [
        (400, "本接口服务多个区:请提供 jurisdiction_id(区的行政区划代码)")]
    assert errors(client.get(f"{BASE}/services.xml", {"jurisdiction_id": "999"})) == [(404, "jurisdiction_id 999 不存在")]
    assert errors(client.get(f"{BASE}/requests.xml", {"jurisdiction_id": "999"})) == [(404, "jurisdiction_id 999 不存在")]
    assert _numbers(client.get(f"{BASE}/requests.json", {"jurisdiction_id": "110105"})) == [appeal.number]
    assert _numbers(client.get(f"{BASE}/requests.json", {"jurisdiction_id": other.code})) == []
    assert client.get(f"{BASE}/requests/{appeal.number}.json", {"jurisdiction_id": other.code}).status_code == 404


def test_no_personal_data_in_any_answer(client, world, catalog):
    from shequ.open311.services import api_key_create

    key = api_key_create(actor=None, name="批量", batch=True)[1]
    secrets = ["王小明", "13912345678", "wang.xm@example.com", "DEVICE-8848", "ACCOUNT-4242"]
    token = body(post_request(
        client, key, first_name="小明", last_name="王", phone=secrets[1], email=secrets[2], device_id=secrets[3],
        account_id=secrets[4], description="我是王小明,电话13912345678,邮箱 Wang.XM@example.com,楼道堆满垃圾",
        address_string="甲社区路10号 王小明家门口"))[0]["token"]
    appeal = Appeal.objects.get()
    appeal_services.appeal_accept(actor=world.users["worker_a"], appeal_id=appeal.pk)
    appeal_services.appeal_reply(actor=world.users["worker_a"], appeal_id=appeal.pk, reply="王小明您好,已清理(设备 DEVICE-8848)")
    pages = []
    for fmt in ("json", "xml"):
        for path in (f"requests.{fmt}", f"requests/{appeal.number}.{fmt}", f"tokens/{token}.{fmt}",
                     f"requests.{fmt}?service_request_id={appeal.number}"):
            response = client.get(f"{BASE}/{path}")
            assert response.status_code == 200
            pages.append(response.content.decode())
    assert all(appeal.number in page for page in pages)
    assert "楼道堆满垃圾" in pages[0] and "***" in pages[0]
    for page in pages:
        for secret in secrets:
            assert secret.lower() not in page.lower(), (secret, page[:500])


def test_request_list_reads_a_fixed_number_of_queries(client, world, catalog, client_key, django_assert_max_num_queries):
    for _n in range(3):
        post_request(client, client_key, media_url="https://img.example.com/1.jpg")
    for days in (3, 2, 1):
        _at(days)
    # The requests (with units and submissions); the catalog (categories, departments) and the grid
    # index's version check, which a server keeps between requests (0 seconds in the tests).
    with django_assert_max_num_queries(4):
        assert len(_numbers(client.get(f"{BASE}/requests.json"))) == 6


def test_datetimes_written_by_the_database_match_w3c(world, catalog):
    """The list reads its datetimes as text written by the database (formats.W3C): the same text as
    ``formats.w3c`` gives, across midnight in Shanghai, at the end of a year and with microseconds."""
    from shequ.open311.formats import W3C, w3c

    appeal = submit()
    utc = dt.timezone.utc
    for moment in (dt.datetime(2026, 11, 26, 15, 59, 59, 999999, tzinfo=utc),  # 23:59:59 in Shanghai
                   dt.datetime(2026, 11, 26, 16, 0, 0, tzinfo=utc),  # midnight in Shanghai
                   dt.datetime(2026, 12, 31, 20, 30, 5, 500000, tzinfo=utc),  # next year in Shanghai
                   dt.datetime(2026, 2, 28, 16, 0, 1, 1, tzinfo=utc)):
        Appeal.objects.filter(pk=appeal.pk).update(received_at=moment, closed_at=None)
        row = Appeal.objects.filter(pk=appeal.pk).values(at=W3C("received_at"), closed=W3C("closed_at")).get()
        assert row == {"at": w3c(moment), "closed": None}
