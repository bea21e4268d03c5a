"""A browser run of the whistle pages: a department records its action on its phone; the
street's detail (one department scored, one late) and the ranking with its SVG chart. Screenshots
(desktop 1280×800, phone 375×812) go to test-artifacts/whistle-*.png."""
import datetime as dt

import pytest
from django.utils import timezone

from shequ.web.tests.browser import ARTIFACTS, chromium, log_in, VIEWPORTS
from shequ.whistle import services

from .factories import add_departments, blow, target_of


def _login(page, url, username):
    log_in(page, url, username)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_whistle_pages_in_a_browser(live_server, world):
    from playwright.sync_api import expect

    add_departments(world)
    now = timezone.now()
    start = now - dt.timedelta(hours=3)
    whistle = blow(world, urgency="urgent", departments=("civil", "housing", "urban"), now=start,
                   address_text="甲社区3号楼东侧")
    civil, housing = target_of(whistle, "civil", world), target_of(whistle, "housing", world)
    dept = world.users["dept"]
    services.target_acknowledge(actor=dept, target_id=civil.pk, now=start + dt.timedelta(minutes=3))
    services.target_report_on_site(actor=dept, target_id=civil.pk, people="张科长等2人", now=start + dt.timedelta(minutes=25))
    services.target_act(actor=dept, target_id=civil.pk, notes="现场勘查,下达整改通知", now=start + dt.timedelta(minutes=40))
    services.target_reply(actor=dept, target_id=civil.pk, reply="违建已拆除", now=start + dt.timedelta(hours=2))
    services.target_score(actor=world.users["street_s1"], target_id=civil.pk, timeliness=5, attitude=5, result=4,
                          comment="响应迅速", now=now)
    services.target_acknowledge(actor=world.users["dept_housing"], target_id=housing.pk, now=start + dt.timedelta(minutes=50))
    services.target_report_on_site(actor=world.users["dept_housing"], target_id=housing.pk, now=start + dt.timedelta(hours=1))
    with chromium() as browser:
        for name, viewport in VIEWPORTS.items():
            page = browser.new_page(viewport=viewport, locale="zh-CN")
            _login(page, live_server.url, "street_s1")
            page.goto(f"{live_server.url}/whistle/")
            page.screenshot(path=str(ARTIFACTS / f"whistle-list-{name}.png"), full_page=True)
            page.click(f"text={whistle.title}")
            expect(page.locator("h1")).to_contain_text(whistle.title)
            expect(page.locator(f"#target-{civil.pk} [data-field=score]")).to_contain_text("93.33")
            expect(page.locator(f"#target-{housing.pk}")).to_contain_text("迟到")
            page.screenshot(path=str(ARTIFACTS / f"whistle-detail-{name}.png"), full_page=True)
            page.goto(f"{live_server.url}/whistle/ranking/")
            expect(page.locator("svg.chart rect")).to_have_count(1)
            page.screenshot(path=str(ARTIFACTS / f"whistle-ranking-{name}.png"), full_page=True)
            page.close()
        page = browser.new_page(viewport=VIEWPORTS["phone"], locale="zh-CN")
        _login(page, live_server.url, "dept_housing")
        page.goto(f"{live_server.url}/whistle/{whistle.pk}/")
        page.click(f"#action-{housing.pk}-act summary")
        page.fill(f"#id_t{housing.pk}-act-notes", "已联系产权单位,限期拆除")
        page.screenshot(path=str(ARTIFACTS / "whistle-department-phone.png"), full_page=True)
        page.click(f"#action-{housing.pk}-act button[type=submit]")
        expect(page.locator(f"#target-{housing.pk} [data-field=target-status]")).to_have_text("处置中")
        page.close()
        page = browser.new_page(viewport=VIEWPORTS["desktop"], locale="zh-CN")
        _login(page, live_server.url, "street_s1")
        page.goto(f"{live_server.url}/whistle/new/")
        page.screenshot(path=str(ARTIFACTS / "whistle-create-desktop.png"), full_page=True)
        page.goto(f"{live_server.url}/whistle/{whistle.pk}/")
        page.click(f"#action-{civil.pk}-score summary")
        page.screenshot(path=str(ARTIFACTS / "whistle-score-desktop.png"), full_page=True)
        page.close()
    urban = target_of(whistle, "urban", world)
    assert urban.status == "whistled"
