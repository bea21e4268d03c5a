"""The resident's web intake: anonymous and signed-in submission with photos, the follow link shown
afterwards, and bad input (wrong type, too large, too many, missing fields) that writes nothing."""
import re

import pytest

from shequ.appeals.models import Appeal, AppealAttachment, AppealEvent
from shequ.appeals.tests.factories import POINT_IN
from shequ.core.models import AuditLog

from .conftest import stored_files
from .helpers import fake_image, pdf, png, png_bytes

URL = "/s/"


def _data(**changes):
    lng, lat = POINT_IN["A"]
    data = {"category": "noise_neighbor", "description": "楼上每晚十二点后还在装修", "lng": lng, "lat": lat,
            "address_text": "", "requester_name": "张三", "requester_phone": "13912345678"}
    data.update(changes)
    return data


def _nothing_written(media_root, before: int):
    assert Appeal.objects.count() == before
    assert AppealAttachment.objects.count() == 0
    assert not AppealEvent.objects.exists()
    assert not AuditLog.objects.filter(verb="appeal.submitted").exists()
    assert stored_files(media_root) == []


def test_form_renders_for_anyone_on_a_phone_sized_page(client, catalog):
    page = client.get(URL)
    assert page.status_code == 200
    body = page.content.decode()
    for text in ("反映诉求", "问题类别", "获取我的位置", "您的姓名", "手机号码", 'enctype="multipart/form-data"',
                 "selfservice/locate.js", "<optgroup"):
        assert text in body


def test_anonymous_submission_with_photos_creates_a_web_appeal(client, world, catalog, media_root):
    response = client.post(URL, {**_data(), "photos": [png("门口.png"), pdf()]})
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert (appeal.channel, appeal.first_receiver, appeal.requester_user) == ("web", None, None)
    assert appeal.requester_name == "张三" and appeal.requester_phone == "13912345678"
    assert appeal.community == world.nodes["A"] and appeal.status == "received"
    files = list(appeal.attachments.order_by("id"))
    assert [(f.original_name, f.content_type) for f in files] == [("门口.png", "image/png"), ("letter.pdf", "application/pdf")]
    assert files[0].size == len(png_bytes()) and len(files[0].sha256) == 64
    for f in files:  # the stored path reveals neither the appeal nor the uploader's file name
        assert re.fullmatch(r"appeal-files/\d{4}/\d{2}/[0-9a-f]{32}\.(png|pdf)", f.file.name), f.file.name
    assert len(stored_files(media_root)) == 2
    follow = client.get(response["Location"])
    text = follow.content.decode()
    assert follow.status_code == 200 and appeal.number in text and "提交成功" in text
    assert "139****5678" in text and "13912345678" not in text and "张三" not in text
    assert AppealEvent.objects.get(appeal=appeal, verb="submitted").extra["attachments"] == 2


def test_address_alone_is_enough(client, world, catalog):
    response = client.post(URL, _data(lng="", lat="", address_text="甲社区路10号"))
    assert response.status_code == 302
    assert Appeal.objects.get().address_text == "甲社区路10号"


def test_signed_in_resident_submits_with_their_registered_contact(client, world, catalog):
    resident_user = world.users["resident_a"]
    client.force_login(resident_user)
    page = client.get(URL).content.decode()
    assert "138****0100" in page and world.residents["A101h"].phone not in page
    response = client.post(URL, _data(requester_name="", requester_phone=""))
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.requester_user == resident_user and appeal.first_receiver is None
    assert appeal.requester_name == world.residents["A101h"].name
    assert appeal.requester_phone == world.residents["A101h"].phone
    assert AuditLog.objects.get(verb="appeal.submitted").actor == resident_user


@pytest.mark.parametrize("case", ["wrong_type", "too_large", "too_many", "no_description", "no_phone", "bad_phone",
                                  "no_place", "no_category"])
def test_bad_input_is_refused_with_a_clear_error_and_writes_nothing(client, world, catalog, media_root, settings, case):
    settings.SHEQU_APPEAL_ATTACHMENT_MAX_BYTES = 30
    settings.SHEQU_APPEAL_ATTACHMENT_MAX_FILES = 2
    data, expected = _data(), ""
    if case == "wrong_type":
        data["photos"] = [fake_image("evil.jpg")]
        expected = "文件“evil.jpg”的类型不受支持"
    elif case == "too_large":
        data["photos"] = [png("big.png")]
        expected = "文件“big.png”过大"
    elif case == "too_many":
        data["photos"] = [fake_image("a.jpg"), fake_image("b.jpg"), fake_image("c.jpg")]
        expected = "最多上传 2 个文件"
    elif case == "no_description":
        data["description"], expected = "", "这个字段是必填项。"
    elif case == "no_phone":
        data["requester_phone"], expected = "", "这个字段是必填项。"
    elif case == "bad_phone":
        data["requester_phone"], expected = "12345", "电话"
    elif case == "no_place":
        data.update(lng="", lat="", address_text="")
        expected = "请填写地址,或点击“获取我的位置”"
    else:
        data["category"], expected = "", "这个字段是必填项。"
    response = client.post(URL, data)
    assert response.status_code == 422
    assert expected in response.content.decode()
    assert "13912345678" not in response.content.decode()  # the phone is never echoed back
    _nothing_written(media_root, 0)


def test_a_good_file_after_a_bad_one_is_not_kept(client, world, catalog, media_root):
    response = client.post(URL, {**_data(), "photos": [png("good.png"), fake_image("bad.jpg")]})
    assert response.status_code == 422 and "bad.jpg" in response.content.decode()
    _nothing_written(media_root, 0)


def test_pages_in_english(client, catalog):
    client.cookies["django_language"] = "en"
    text = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Report a problem" in text and "Use my location" in text
    assert "Appeals, public" in client.get("/public/appeals/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
