"""POST requests: an api_key is needed, attributes are checked against the definition, the
appeal is created through appeal_submit (channel open311, no staff receiver), and bad input
writes nothing."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from shequ.appeals.models import Appeal, Channel
from shequ.core.models import AuditLog
from shequ.jurisdiction.services import node_create
from shequ.open311.models import ApiKey, Submission
from shequ.open311.services import api_key_create

from .helpers import BASE, body, errors, post_request

pytestmark = pytest.mark.django_db


def _nothing_written():
    assert not Appeal.objects.exists() and not Submission.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_creates_an_appeal_routed_like_any_other(client, world, catalog, client_key, fmt):
    response = post_request(client, client_key, fmt, service_code="noise_neighbor", description="楼上每晚装修",
                            **{"attribute[time_of_day]": "night", "attribute[source][]": ["renovation", "music"]})
    assert response.status_code == 200, response.content.decode()
    appeal = Appeal.objects.get()
    if fmt == "json":
        item, = body(response)
        assert item["service_request_id"] == appeal.number and "token" not in item
        assert "办结" in item["service_notice"]
    else:
        assert body(response).findtext("request/service_request_id") == appeal.number
    assert (appeal.channel, appeal.first_receiver_id, appeal.category.code) == (Channel.OPEN311, None, "noise_neighbor")
    assert appeal.handling_node_id == world.nodes["A_grid"].id and "坐标位于" in appeal.routing_reason
    submission = appeal.open311
    assert submission.attributes == {"time_of_day": "night", "source": ["renovation", "music"]}
    # one audit record of the intake, naming the client; none of its own for the submission
    (record,) = AuditLog.objects.filter(target_type="appeals.appeal", target_id=str(appeal.pk))
    assert (record.verb, record.actor_id, record.target_repr) == ("appeal.submitted", None, appeal.number)
    assert (record.extra["channel"], record.extra["client"], record.extra["client_name"]) == (
        "open311", submission.api_key_id, submission.api_key.name)
    assert not AuditLog.objects.filter(target_type="open311.submission").exists()


def test_requester_data_is_encrypted_at_rest(client, world, catalog, client_key):
    post_request(client, client_key, first_name="小明", last_name="王", phone="13912345678",
                 email="wang@example.com", device_id="DEVICE-42", account_id="ACC-7")
    appeal = Appeal.objects.get()
    assert (appeal.requester_name, appeal.requester_phone) == ("王小明", "13912345678")
    assert appeal.open311.email == "wang@example.com"
    with connection.cursor() as cursor:
        cursor.execute("SELECT requester_name, requester_phone FROM appeals_appeal")
        raw = " ".join(cursor.fetchone())
        cursor.execute("SELECT email, device_id, account_id FROM open311_submission")
        raw += " ".join(cursor.fetchone())
    for secret in ("王小明", "13912345678", "wang@example.com", "DEVICE-42", "ACC-7"):
        assert secret not in raw


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_missing_or_bad_api_key_is_403(client, world, catalog, client_key, fmt):
    assert errors(post_request(client, "", fmt)) == [(403, "缺少 api_key")]
    assert errors(post_request(client, "o311_wrong", fmt)) == [(403, "api_key 无效或已停用")]
    ApiKey.objects.update(active=False)
    response = post_request(client, client_key, fmt)
    assert response.status_code == 403
    _nothing_written()


def test_a_key_deactivated_after_use_is_refused_at_once(client, world, catalog, client_key):
    assert post_request(client, client_key).status_code in (200, 201)  # now kept by this process
    key = ApiKey.objects.get()
    key.active = False  # as the admin page does
    key.save(update_fields=["active"])
    assert errors(post_request(client, client_key)) == [(403, "api_key 无效或已停用")]


def test_service_code_errors(client, world, catalog, client_key):
    response = post_request(client, client_key, service_code="")
    assert (response.status_code, errors(response)) == (400, [(400, "缺少 service_code")])
    response = post_request(client, client_key, service_code="nope")
    assert (response.status_code, errors(response)) == (404, [(404, "service_code nope 不存在或已停用")])
    _nothing_written()


def test_location_and_description_are_required(client, world, catalog, client_key):
    assert errors(post_request(client, client_key, at=None)) == [
        (400, "请提供位置:lat 和 long,或 address_string,或 address_id")]
    assert errors(post_request(client, client_key, at=None, lat="39.2")) == [(400, "lat 和 long 必须同时提供")]
    assert errors(post_request(client, client_key, at=None, lat="abc", long="116")) == [
        (400, "lat 应为数字(WGS84 经纬度)")]
    assert errors(post_request(client, client_key, description=" ")) == [(400, "缺少 description(诉求内容)")]
    assert errors(post_request(client, client_key, description="长" * 4001)) == [
        (400, "description 不能超过 4000 个字符")]
    assert errors(post_request(client, client_key, at=None, address_id="999999")) == [(404, "address_id 999999 不存在")]
    assert errors(post_request(client, client_key, phone="12345")) [0][0] == 400
    assert errors(post_request(client, client_key, email="not-an-email", media_url="ftp://x")) == [
        (400, "email 格式不正确"), (400, "media_url 应为不超过 500 个字符的 http(s) 链接")]
    _nothing_written()


def test_address_string_and_address_id_locate_the_appeal(client, world, catalog, client_key):
    from shequ.registry.services import building_address

    address = building_address(world.nodes["B_building"])
    response = post_request(client, client_key, at=None, address_id=str(address.pk))
    assert response.status_code == 200, response.content.decode()
    response = post_request(client, client_key, at=None, address_string=address.full_text)
    assert response.status_code == 200, response.content.decode()
    assert {a.community_id for a in Appeal.objects.all()} == {world.nodes["B"].id}


def test_attributes_are_validated_against_the_definition(client, world, catalog, client_key):
    def problems(**attributes):
        return errors(post_request(client, client_key, service_code="noise_neighbor", **attributes))

    assert problems() == [(400, "attribute[time_of_day] 必填:噪声主要出现在什么时段?")]
    assert problems(**{"attribute[time_of_day]": "noon"}) == [
        (400, "attribute[time_of_day]:取值 noon 不在选项中(day,night,all_day)")]
    assert problems(**{"attribute[time_of_day]": ["day", "night"]}) == [(400, "attribute[time_of_day] 只能有一个值")]
    assert problems(**{"attribute[time_of_day]": "day", "attribute[source][]": ["pets", "ufo"],
                       "attribute[colour]": "red"}) == [
        (400, "attribute[colour] 不是该服务的字段"),
        (400, "attribute[source]:取值 ufo 不在选项中(renovation,music,pets,other)")]
    assert errors(post_request(client, client_key, service_code="street_light", **{"attribute[lights_out]": "三"})) == [
        (400, "attribute[lights_out] 应为数字")]
    assert errors(post_request(client, client_key, service_code="water_outage", **{"attribute[since]": "昨天"})) == [
        (400, "attribute[since] 应为 W3C 日期时间,如 2026-01-01T00:00:00+08:00")]
    assert errors(post_request(client, client_key, service_code="parking_illegal",
                               **{"attribute[plate_number]": "京A\n12345"})) == [(400, "attribute[plate_number] 不能换行")]
    _nothing_written()
    response = post_request(client, client_key, service_code="water_outage", **{
        "attribute[since]": "2026-11-26T07:00:00+08:00", "attribute[details]": "3号楼\n全部住户"})
    assert response.status_code == 200
    response = post_request(client, client_key, service_code="street_light", **{"attribute[lights_out]": "3"})
    assert Appeal.objects.get(number=body(response)[0]["service_request_id"]).open311.attributes == {"lights_out": 3}


def test_batch_key_gets_a_token_that_resolves_to_the_request_id(client, world, catalog):
    key = api_key_create(actor=None, name="批量客户端", batch=True)[1]
    item, = body(post_request(client, key))
    assert "service_request_id" not in item
    appeal = Appeal.objects.get()
    assert body(client.get(f"{BASE}/tokens/{item['token']}.json")) == [
        {"service_request_id": appeal.number, "token": item["token"]}]
    root = body(client.get(f"{BASE}/tokens/{item['token']}.xml"))
    assert root.findtext("request/service_request_id") == appeal.number
    assert errors(client.get(f"{BASE}/tokens/nope.json")) == [(404, "token nope 不存在")]


def test_jurisdiction_id_and_keys_bound_to_a_district(client, world, catalog, client_key):
    other = node_create(actor=None, parent=world.nodes["city"], level="district", kind="district", name="外区", code="110106")
    response = post_request(client, client_key)
    assert errors(response) == [(400, "本接口服务多个区:请提供 jurisdiction_id(区的行政区划代码)")]
    assert errors(post_request(client, client_key, jurisdiction_id="999")) == [(404, "jurisdiction_id 999 不存在")]
    assert errors(post_request(client, client_key, jurisdiction_id=other.code)) == [
        (400, "位置不在 jurisdiction_id 110106 的范围内")]
    _nothing_written()
    assert post_request(client, client_key, jurisdiction_id="110105").status_code == 200
    bound = api_key_create(actor=None, name="外区客户端", district=other)[1]
    assert errors(post_request(client, bound, jurisdiction_id="110105")) == [(403, "该 api_key 只能向 110106 提交诉求")]
    home = api_key_create(actor=None, name="本区客户端", district=world.nodes["district"])[1]
    assert post_request(client, home).status_code == 200  # the key's district stands for jurisdiction_id


def test_post_needs_no_csrf_token_but_the_site_keeps_csrf(world, catalog, client_key):
    strict = Client(enforce_csrf_checks=True)
    assert post_request(strict, client_key).status_code == 200
    strict.force_login(world.users["worker_a"])
    assert strict.post("/logout/").status_code == 403


def test_management_command_prints_a_working_key(client, world, catalog, capsys):
    call_command("open311_key", "命令行客户端", "--district", "110105")
    key = capsys.readouterr().out.split(": ", 1)[1].split()[0]
    assert key.startswith("o311_") and not ApiKey.objects.filter(key_hash__contains=key).exists()
    assert post_request(client, key).status_code == 200


def test_admin_creates_a_key_and_shows_it_once(client, world, catalog):
    client.force_login(world.users["admin"])
    response = client.post("/admin/open311/apikey/add/", {"name": "后台客户端", "district": "", "active": "on"},
                           follow=True)
    text = response.content.decode()
    key = text.split("请立即复制保存:", 1)[1][:48].split("<")[0].strip()
    assert key.startswith("o311_")
    assert post_request(client, key).status_code == 200
    assert key not in client.get(f"/admin/open311/apikey/{ApiKey.objects.get().pk}/change/").content.decode()
