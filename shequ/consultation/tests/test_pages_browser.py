"""A browser run: a resident votes on a phone (the household's second member sees it is done),
staff read the topic page on desktop and phone, the public results page; the resident volunteer page.
Screenshots go to test-artifacts/consultation-*.png and volunteers-*.png."""
import datetime as dt

import pytest

from shequ.accounts.models import Role
from shequ.accounts.services import user_create
from shequ.consultation import services
from shequ.core.testing import PASSWORD
from shequ.volunteers.tests.factories import activity, register
from shequ.web.tests.browser import ARTIFACTS, VIEWPORTS, chromium, log_in

from .factories import options_of, voting_topic


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_consultation_pages_in_a_browser(live_server, world):
    from playwright.sync_api import expect

    t = voting_topic(world)
    user_create(actor=world.users["admin"], username="spouse", password=PASSWORD, role=Role.RESIDENT,
                resident=world.residents["A101s"])
    decided = voting_topic(world, title="规范小区停车秩序")
    services.vote_cast(actor=world.users["worker_a"], topic_id=decided.pk, option_id=options_of(decided)[0].pk,
                       resident_id=world.residents["A102h"].pk)
    services.topic_decide(actor=world.users["worker_a"], topic_id=decided.pk, decision="施划车位、外来车辆限时停放")
    services.action_add(actor=world.users["worker_a"], topic_id=decided.pk, text="施划车位线", owner="物业",
                        deadline=dt.date(2026, 1, 1))
    register(world, "A101h")
    activity(world, title="敬老院探访", capacity=5)
    with chromium() as browser:
        page = browser.new_page(viewport=VIEWPORTS["phone"], locale="zh-CN")
        log_in(page, live_server.url, "resident_a")
        page.click("text=社区协商与投票")
        page.click(f"text={t.title}")
        page.check(f"input[name=option][value='{options_of(t)[0].pk}']")
        page.screenshot(path=str(ARTIFACTS / "consultation-vote-phone.png"), full_page=True)
        page.click("#vote button[type=submit]")
        expect(page.locator("#voted")).to_contain_text(options_of(t)[0].text)
        page.goto(f"{live_server.url}/s/volunteer/")
        page.click(".activity-card button:has-text('报名')")
        expect(page.locator(".activity-card")).to_contain_text("已报名")
        page.screenshot(path=str(ARTIFACTS / "volunteers-mine-phone.png"), full_page=True)
        page.close()
        page = browser.new_page(viewport=VIEWPORTS["phone"], locale="zh-CN")
        log_in(page, live_server.url, "spouse")
        page.goto(f"{live_server.url}/s/consultations/{t.pk}/")
        expect(page.locator("#voted")).to_contain_text("本户已由")
        expect(page.locator("#vote")).to_have_count(0)
        page.close()
        for name, viewport in VIEWPORTS.items():
            page = browser.new_page(viewport=viewport, locale="zh-CN")
            log_in(page, live_server.url, "worker_a")
            page.goto(f"{live_server.url}/consultation/")
            expect(page.locator("#overdue")).to_contain_text("施划车位线")
            page.click(f"text={decided.number}")
            expect(page.locator("[data-field=status]")).to_have_text("已决定")
            expect(page.locator(".actions-table")).to_contain_text("逾期未完成")
            page.screenshot(path=str(ARTIFACTS / f"consultation-detail-{name}.png"), full_page=True)
            page.goto(f"{live_server.url}/volunteers/activities/")
            page.click("text=敬老院探访")
            if name == "desktop":
                page.click(".signup-row button:has-text('签到')")
            expect(page.locator(".signup-row")).to_have_attribute("data-status", "checked_in")
            page.screenshot(path=str(ARTIFACTS / f"volunteers-activity-{name}.png"), full_page=True)
            page.close()
        page = browser.new_page(viewport=VIEWPORTS["phone"], locale="zh-CN")
        page.goto(f"{live_server.url}/public/consultations/{decided.pk}/")
        expect(page.locator("h1")).to_have_text(decided.title)
        page.screenshot(path=str(ARTIFACTS / "consultation-public-phone.png"), full_page=True)
        page.close()
