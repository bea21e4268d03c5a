"""A browser run of the admission pages: the office's review of an off-list request, a community's
task with its completion form on a phone, and the burden ledger with its charts. Screenshots
(desktop 1280×800, phone 375×812) go to test-artifacts/admission-*.png."""
import datetime as dt

import pytest
from django.utils import timezone

from shequ.admission import services
from shequ.admission.models import Assignment
from shequ.web.tests.browser import ARTIFACTS, VIEWPORTS, chromium, log_in

from .factories import off_list, setup_admission, submit


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_admission_pages_in_a_browser(live_server, world):
    from playwright.sync_api import expect

    setup_admission(world)
    now = timezone.now()
    deadline = timezone.localdate() + dt.timedelta(days=14)
    pending = off_list(world, now=now, deadline=deadline, communities=("A", "B"), title="辖区养犬情况摸底",
                       data_fields=["name", "phone"], ledgers_demanded=2, forms_demanded=3)
    task = submit(world, now=now, deadline=deadline, communities=("A", "B"), ledgers_demanded=16, forms_demanded=4,
                  title="社区居民法治宣传")
    services.unadmitted_flag(actor=world.users["worker_a"], community_id=world.nodes["A"].pk, title="报送创卫迎检材料",
                             received_on=timezone.localdate(), department_id=world.departments["housing"].pk,
                             forms_demanded=5, now=now)
    row = Assignment.objects.get(task=task, node=world.nodes["A"])
    with chromium() as browser:
        for name, viewport in VIEWPORTS.items():
            page = browser.new_page(viewport=viewport, locale="zh-CN")
            log_in(page, live_server.url, "office")
            page.goto(f"{live_server.url}/admission/tasks/{pending.pk}/")
            expect(page.locator("h1")).to_contain_text("辖区养犬情况摸底")
            expect(page.locator(".decision-form")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / f"admission-review-{name}.png"), full_page=True)
            page.goto(f"{live_server.url}/admission/ledger/")
            expect(page.locator("svg.bar-chart")).to_have_count(2)
            expect(page.locator(f"tr[data-community='{world.nodes['A'].pk}']")).to_contain_text("甲社区")
            page.screenshot(path=str(ARTIFACTS / f"admission-ledger-{name}.png"), full_page=True)
            page.close()
        page = browser.new_page(viewport=VIEWPORTS["phone"], locale="zh-CN")
        log_in(page, live_server.url, "worker_a")
        page.goto(f"{live_server.url}/admission/work/{row.pk}/")
        expect(page.locator("h1")).to_contain_text("社区居民法治宣传")
        page.fill("#id_result", "已开展宣传活动2场,覆盖居民120人")
        page.screenshot(path=str(ARTIFACTS / "admission-community-phone.png"), full_page=True)
        page.click("form[action$='/complete/'] button[type=submit]")
        expect(page.locator(".messages")).to_contain_text("已报告完成")
        page.goto(f"{live_server.url}/admission/public/{world.nodes['district'].code}/")
        expect(page.locator("#cat-plaque li")).to_have_count(3)
        page.screenshot(path=str(ARTIFACTS / "admission-public-phone.png"), full_page=True)
    row.refresh_from_db()
    assert row.status == "completed"
