"""A browser run of the resident intake on a phone (390×844) and a desktop: fill the form, attach a
photo, submit, land on the follow page with the number and link. Screenshots go to
test-artifacts/selfservice-{intake,done}-{phone,desktop}.png."""

import pytest

from shequ.appeals.models import Appeal
from shequ.appeals.tests.factories import ensure_catalog
from shequ.web.tests.browser import ARTIFACTS, chromium

from .helpers import png_bytes

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_resident_submits_an_appeal_with_a_photo(live_server, world, tmp_path):
    from playwright.sync_api import expect

    ensure_catalog()
    photo = tmp_path / "路灯.png"
    photo.write_bytes(png_bytes(320, 240, (90, 140, 200)))
    with chromium() as browser:
        for name, viewport in VIEWPORTS.items():
            context = browser.new_context(viewport=viewport, locale="zh-CN", geolocation={"longitude": 116.2,
                                          "latitude": 39.2}, permissions=["geolocation"])
            page = context.new_page()
            page.goto(f"{live_server.url}/s/")
            page.select_option("#id_category", "street_light")
            page.fill("#id_description", "小区门口路灯坏了一周,晚上很黑")
            page.set_input_files("#id_photos", str(photo))
            page.click("#locate")
            expect(page.locator("#locate-status")).to_contain_text("已获取位置")
            page.fill("#id_requester_name", "李四")
            page.fill("#id_requester_phone", "13800001234")
            page.screenshot(path=str(ARTIFACTS / f"selfservice-intake-{name}.png"), full_page=True)
            page.click("button.ss-submit")
            expect(page.locator("[data-field=number]")).to_contain_text("SQ-")
            number = page.locator("[data-field=number]").inner_text()
            appeal = Appeal.objects.get(number=number)
            assert appeal.channel == "web" and appeal.community_id == world.nodes["A"].pk
            assert appeal.attachments.get().original_name == "路灯.png"
            assert "13800001234" not in page.content() and "138****1234" in page.content()
            page.screenshot(path=str(ARTIFACTS / f"selfservice-done-{name}.png"), full_page=True)
            context.close()
