"""A browser run of the indicator dashboard (district, drill-down to a street) and of a generated
report, desktop 1280×800 and phone 375×812; screenshots in test-artifacts/indicators-*.png."""
import pytest

from shequ.indicators import services
from shequ.web.tests.browser import ARTIFACTS, VIEWPORTS, chromium, log_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_dashboard_and_report_in_a_browser(live_server, world, appeals_fixture):
    from playwright.sync_api import expect

    import datetime as dt

    report = services.report_request(actor=world.users["leader"], node=world.nodes["district"],
                                     start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    services.report_generate(report_id=report.pk)
    with chromium() as browser:
        for name, viewport in VIEWPORTS.items():
            page = browser.new_page(viewport=viewport, locale="zh-CN")
            log_in(page, live_server.url, "leader")
            page.goto(f"{live_server.url}/indicators/?start=2026-11-01&end=2026-11-30")
            expect(page.locator("[data-field=node]")).to_contain_text("测试区")
            expect(page.locator("[data-key=appeals_on_time_rate]")).to_contain_text("71.4%")
            expect(page.locator("[data-missing='shequ.workforce']").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / f"indicators-dashboard-{name}.png"), full_page=True)
            page.locator("[data-field=children] a", has_text="一街道").click()
            expect(page.locator("[data-field=node]")).to_contain_text("一街道")
            expect(page.locator("[data-field=children]")).to_contain_text("甲社区")
            page.goto(f"{live_server.url}/indicators/reports/{report.pk}/")
            expect(page.locator("[data-problem=appeals_overdue]")).to_contain_text("甲社区")
            page.screenshot(path=str(ARTIFACTS / f"indicators-report-{name}.png"), full_page=True)
            page.close()
