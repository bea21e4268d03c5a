"""A browser run of the star-rating pages: the public star board and the township's rating page on
desktop and phone, the resident's survey on a phone, the overview with its chart. Screenshots go to
test-artifacts/stars-*.png."""
import datetime as dt

import pytest
from django.utils import timezone

from shequ.stars import services
from shequ.web.tests.browser import ARTIFACTS, VIEWPORTS, chromium, log_in

from .factories import ALL, add_users, award, rating_of


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_star_pages_in_a_browser(live_server, world):
    from playwright.sync_api import expect

    add_users(world)
    today = services.local_day(timezone.now())
    cycle = services.cycle_create(actor=world.users["admin"], year=today.year,
                                  mass_start=max(dt.date(today.year, 1, 1), today - dt.timedelta(days=3)),
                                  mass_end=min(dt.date(today.year, 12, 31), today + dt.timedelta(days=3)))
    past = timezone.now() - dt.timedelta(hours=3)
    rating = award(world, cycle, "A", passing=ALL[:8], now=past)
    award(world, cycle, "C", passing=ALL[:4], now=past)
    services.star_remove(actor=world.users["street_s1"], rating_id=rating.pk,
                         star_id=cycle.stars.get(code="organization").pk, reason="未按期换届", evidence="核查记录")
    community = world.nodes["A"].pk
    with chromium() as browser:
        for name, viewport in VIEWPORTS.items():
            page = browser.new_page(viewport=viewport, locale="zh-CN")
            page.goto(f"{live_server.url}/stars/board/{community}/")
            expect(page.locator("h1")).to_contain_text("甲社区党组织")
            expect(page.locator("[data-field=stars]")).to_have_text("7")
            expect(page.locator(".starboard li.lit")).to_have_count(7)
            expect(page.locator("[data-field=grade]")).to_have_text("较好")
            page.screenshot(path=str(ARTIFACTS / f"stars-board-{name}.png"), full_page=True)
            log_in(page, live_server.url, "street_s1")
            page.goto(f"{live_server.url}/stars/r/{rating.pk}/")
            expect(page.locator("#history")).to_contain_text("未按期换届")
            page.screenshot(path=str(ARTIFACTS / f"stars-rating-{name}.png"), full_page=True)
            page.goto(f"{live_server.url}/stars/overview/")
            expect(page.locator("svg.chart rect")).to_have_count(4)
            page.screenshot(path=str(ARTIFACTS / f"stars-overview-{name}.png"), full_page=True)
            page.close()
        page = browser.new_page(viewport=VIEWPORTS["phone"], locale="zh-CN")
        log_in(page, live_server.url, "street_s1")
        page.goto(f"{live_server.url}/stars/r/{rating_of(world, cycle, 'B').pk}/")
        expect(page.locator("#assess fieldset")).to_have_count(10)
        page.screenshot(path=str(ARTIFACTS / "stars-assess-phone.png"), full_page=False)
        page.close()
        page = browser.new_page(viewport=VIEWPORTS["phone"], locale="zh-CN")
        log_in(page, live_server.url, "resident_b")
        page.click("text=为本社区党组织星级评定打分")
        expect(page.locator("h1")).to_have_text("群众测评")
        for i, star in enumerate(cycle.stars.order_by("order")):
            page.check(f"input[name=s{star.pk}][value={'basic' if i % 3 else 'satisfied'}]")
        page.screenshot(path=str(ARTIFACTS / "stars-rate-phone.png"), full_page=True)
        page.click("form.survey button[type=submit]")
        expect(page.locator("[data-field=voted]")).to_have_count(1)
        page.close()
