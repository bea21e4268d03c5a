"""Browser run: a community worker opens the party overview, the vacuum list, a joint meeting and the
social organizations page on desktop and phone. Screenshots go to test-artifacts/."""
import datetime as dt

import pytest

from shequ.party import services
from shequ.socialorgs import services as org_services
from shequ.web.tests.browser import ARTIFACTS, VIEWPORTS, chromium, log_in

from .factories import units


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_sees_party_pages(live_server, world):
    from playwright.sync_api import expect

    u = units(world)
    worker = world.users["worker_a"]
    services.organization_create(actor=worker, name="甲物业公司党支部", kind="branch", node=world.nodes["A"],
                                 unit_ids=[u["A_property"].pk])
    meeting = services.meeting_schedule(actor=worker, community=world.nodes["A"], title="第三季度党建联席会议",
                                        scheduled_on=dt.date(2026, 9, 1), unit_ids=[u["A_property"].pk, u["A_firm"].pk],
                                        topics=["小区停车难", "垃圾分类"])
    services.meeting_hold(actor=worker, meeting_id=meeting.pk, held_on=dt.date(2026, 9, 1), minutes="议定两件事",
                          present_unit_ids=[u["A_property"].pk], today=dt.date(2026, 9, 2))
    services.resolution_add(actor=worker, meeting_id=meeting.pk, text="新增临时停车位20个", owner_name="甲物业公司",
                            due_on=dt.date(2026, 10, 1))
    org_services.organization_create(actor=worker, community=world.nodes["A"], name="甲社区老年协会", type="specific_group",
                                     served_group="elderly", filing="filed", filed_on=dt.date(2025, 3, 1))
    with chromium() as browser:
        for name, viewport in VIEWPORTS.items():
            page = browser.new_page(viewport=viewport, locale="zh-CN")
            log_in(page, live_server.url, "worker_a")
            page.goto(f"{live_server.url}/party/")
            expect(page.locator("h1")).to_contain_text("党建引领")
            expect(page.locator("[data-field=coverage] tbody tr")).to_have_count(3)  # 物业管理, 非公, 合计
            assert "乙社区" not in page.locator("[data-field=meeting-counts]").inner_text()
            page.screenshot(path=str(ARTIFACTS / f"party-overview-{name}.png"), full_page=True)
            page.goto(f"{live_server.url}/party/vacuum/")
            expect(page.locator("[data-field=vacuum] tbody tr")).to_have_count(1)
            page.goto(f"{live_server.url}/party/meetings/{meeting.pk}/")
            expect(page.locator("[data-field=resolution]")).to_contain_text("新增临时停车位20个")
            page.fill("#id_followup-note", "已施划15个")
            page.select_option("#id_followup-status", "in_progress")
            page.click("[data-field=resolution] button[type=submit]")
            expect(page.locator("[data-field=resolution-status]")).to_have_text("推进中")
            page.screenshot(path=str(ARTIFACTS / f"party-meeting-{name}.png"), full_page=True)
            page.goto(f"{live_server.url}/socialorgs/")
            expect(page.locator("[data-field=organizations]")).to_contain_text("甲社区老年协会")
            expect(page.locator("[data-field=alerts]")).to_have_text("1")
            page.screenshot(path=str(ARTIFACTS / f"socialorgs-{name}.png"), full_page=True)
            if name == "phone":
                page.click("label[for=nav-toggle]")
            page.locator("#nav summary", has_text="组织与参与").click()
            expect(page.locator("#nav a", has_text="党建")).to_be_visible()
            page.close()
