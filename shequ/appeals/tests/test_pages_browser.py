"""A browser run of the appeal detail page: a community worker opens an appeal, sees the routing
reason and the masked phone, tries an illegal move (the refusal shows on the page), accepts it.
Screenshots (desktop 1280×800, phone 375×812) go to test-artifacts/appeal-detail-*.png."""

import pytest

from shequ.web.tests.browser import ARTIFACTS, chromium, log_in, VIEWPORTS

from .factories import submit


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_sees_the_appeal_detail(live_server, world):
    from playwright.sync_api import expect

    appeal = submit(at="A", actor=world.users["worker_a"], requester_name="王小明", requester_phone="13912345678",
                    address_text="甲社区路10号")
    with chromium() as browser:
        for name, viewport in VIEWPORTS.items():
            page = browser.new_page(viewport=viewport, locale="zh-CN")
            log_in(page, live_server.url, "worker_a")
            page.goto(f"{live_server.url}/appeals/")
            page.click(f"text={appeal.number}")
            expect(page.locator("h1")).to_contain_text(appeal.number)
            expect(page.locator("[data-field=requester_phone]")).to_have_text("139****5678")
            expect(page.locator("[data-field=routing]")).to_contain_text("派至")
            assert "13912345678" not in page.content()
            page.screenshot(path=str(ARTIFACTS / f"appeal-detail-{name}.png"), full_page=True)
            if name == "desktop":
                page.click("#action-accept summary")
                page.click("#action-accept button[type=submit]")
                expect(page.locator("[data-field=status]")).to_have_text("已签收")
                page.click("#action-dispatch summary")
                page.screenshot(path=str(ARTIFACTS / f"appeal-dispatch-{name}.png"), full_page=True)
            page.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_street_approves_a_pause_with_a_cohandler_shown(live_server, world):
    """The street opens the approval desk, approves a community's pause; the detail shows the
    paused clock, the request and a co-handler. Screenshots appeal-handling-{desktop,phone}.png."""
    from playwright.sync_api import expect

    from shequ.appeals import cohandling, timing

    from .test_timing import handled

    appeal = handled(world)
    cohandling.cohandler_add(actor=world.users["worker_a"], appeal_id=appeal.pk, department=world.departments["civil"],
                             task="核实困难情况,评估临时救助")
    timing.time_request_create(actor=world.users["worker_a"], appeal_id=appeal.pk, kind="pause",
                               reason="诉求人住院,约定出院后上门核实")
    with chromium() as browser:
        for name, viewport in VIEWPORTS.items():
            page = browser.new_page(viewport=viewport, locale="zh-CN")
            log_in(page, live_server.url, "street_s1")
            page.goto(f"{live_server.url}/appeals/approvals/")
            if name == "desktop":
                page.click(f"text={appeal.number}")
                page.check("input[name=decide-approve][value='1']")
                page.fill("#id_decide-note", "同意挂起")
                page.click("#action-decide button[type=submit]")
                expect(page.locator("[data-field=paused]")).to_contain_text("挂起")
            else:
                page.goto(f"{live_server.url}/appeals/{appeal.pk}/")
            expect(page.locator(".cohandlers")).to_contain_text("民政局")
            page.screenshot(path=str(ARTIFACTS / f"appeal-handling-{name}.png"), full_page=True)
            page.close()
