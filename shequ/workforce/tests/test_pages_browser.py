"""A browser run of the workforce overview (figures and SVG charts) and a worker's page for the district
office, and of the resident's survey page on a phone. Screenshots (desktop 1280×800, phone 375×812)
go to test-artifacts/workforce-*.png and surveys-*.png."""
import pytest

from shequ.surveys.tests.factories import resident_survey
from shequ.web.tests.browser import ARTIFACTS, VIEWPORTS, chromium, log_in

from .factories import add_users, staff


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_workforce_and_survey_pages_in_a_browser(live_server, world):
    from playwright.sync_api import expect

    add_users(world)
    workers = staff(world)
    survey, q = resident_survey(world)
    with chromium() as browser:
        for name, viewport in VIEWPORTS.items():
            page = browser.new_page(viewport=viewport, locale="zh-CN")
            log_in(page, live_server.url, "office")
            page.goto(f"{live_server.url}/workforce/")
            expect(page.locator("[data-figure=facility_coverage]")).to_have_text("33%")
            assert page.locator("svg").count() >= 4
            page.screenshot(path=str(ARTIFACTS / f"workforce-overview-{name}.png"), full_page=True)
            page.goto(f"{live_server.url}/workforce/workers/{workers['王一'].pk}/")
            expect(page.locator("[data-field=phone]")).to_contain_text("****")
            page.screenshot(path=str(ARTIFACTS / f"workforce-worker-{name}.png"), full_page=True)
            page.close()
        page = browser.new_page(viewport=VIEWPORTS["phone"], locale="zh-CN")
        log_in(page, live_server.url, "resident_a")
        page.goto(f"{live_server.url}/s/surveys/{survey.pk}/")
        page.get_by_label("满意", exact=True).check()
        page.get_by_label("养老").check()
        page.check(f"#field-q{q['scale'].pk} input[value='4']")
        page.screenshot(path=str(ARTIFACTS / "surveys-answer-phone.png"), full_page=True)
        page.click("button.submit")
        expect(page.locator(".messages")).to_contain_text("提交成功")
        page.goto(f"{live_server.url}/s/surveys/{survey.pk}/")
        expect(page.locator("[data-state=answered]")).to_be_visible()
        page.close()
