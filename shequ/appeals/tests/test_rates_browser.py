"""A browser run of the three rates page: the district office opens it from the appeals list, switches
to communities and sorts. Screenshots (desktop 1280×800, phone 375×812) go to test-artifacts/rates-*.png."""
import datetime as dt
import os

import pytest

from shequ.appeals import services
from shequ.appeals.deadlines import SHANGHAI
from shequ.appeals.models import RateSettings
from shequ.web.tests.browser import ARTIFACTS, chromium, log_in, VIEWPORTS

from .factories import submit

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
H = dt.timedelta(hours=1)


def _history(world):
    """Six months of appeals in the three communities, handled more or less well."""
    office = world.users["office"]
    verdicts = [(True, "satisfied"), (True, "basic"), (False, "unsatisfied"), (True, "satisfied")]
    for month in range(6, 12):
        for i, place in enumerate("AABBCCA"[: 3 + month % 4]):
            at = dt.datetime(2026, month, 3 + i, 10, 0, tzinfo=SHANGHAI)
            appeal = submit(actor=office, at=place, now=at)
            accept = at + (H if (i + month) % 3 else 30 * H)
            services.appeal_accept(actor=office, appeal_id=appeal.pk, now=accept)
            services.appeal_reply(actor=office, appeal_id=appeal.pk, reply="已处理", now=accept + 3 * H)
            solved, satisfaction = verdicts[(i * month) % 4]
            services.appeal_evaluate(actor=office, appeal_id=appeal.pk, solved=solved, satisfaction=satisfaction,
                                     now=accept + 4 * H)
    RateSettings.objects.create(min_volume=3)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_office_reads_the_rates(live_server, world):
    from playwright.sync_api import expect

    _history(world)
    query = "start=2026-06-01&end=2026-11-30"
    with chromium() as browser:
        for name, viewport in VIEWPORTS.items():
            page = browser.new_page(viewport=viewport, locale="zh-CN")
            log_in(page, live_server.url, "office")
            page.goto(f"{live_server.url}/appeals/")
            page.click("text=三率统计")
            expect(page.locator("h1")).to_have_text("三率统计")
            page.goto(f"{live_server.url}/appeals/rates/?group=community&{query}")
            expect(page.locator("[data-field=table] tbody tr")).to_have_count(3)
            expect(page.locator("svg.bar-chart rect")).to_have_count(3)
            expect(page.locator("svg.line-chart polyline")).to_have_count(3)
            page.screenshot(path=str(ARTIFACTS / f"rates-community-{name}.png"), full_page=True)
            if name == "desktop":
                page.click("th >> text=解决率")
                expect(page.locator("th >> text=解决率 ↓")).to_be_visible()
                page.click("[data-field=dimensions] >> text=月份")
                expect(page.locator("[data-field=table] tbody tr")).to_have_count(6)
                page.screenshot(path=str(ARTIFACTS / f"rates-month-{name}.png"), full_page=True)
            page.close()
