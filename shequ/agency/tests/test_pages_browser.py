"""A browser run of the agency pages: a community worker works a case's steps (a refusal shows on
the page), the grid worker records a visit on a phone, the measures page draws its chart.
Screenshots (desktop 1280×800, phone 375×812) go to test-artifacts/agency-*.png."""
import datetime as dt

import pytest

from shequ.agency import services
from shequ.web.tests.browser import ARTIFACTS, chromium, log_in, VIEWPORTS

from .factories import finish_steps, open_case


def _login(page, base, username):
    log_in(page, base, username)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_agency_pages_in_a_browser(live_server, world):
    from playwright.sync_api import expect

    case = open_case(world, code="subsistence_allowance", materials_received=["身份证", "户口簿"], note="独居老人,行动不便")
    services.case_trip_add(actor=world.users["worker_a"], case_id=case.pk, reason="本人到场签署申请书")
    visit = services.visit_request(actor=world.users["worker_a"], resident_id=world.residents["A101h"].pk,
                                   kind="agency", purpose="上门核对家庭收入情况", case_id=case.pk)
    services.visit_request(actor=world.users["worker_a"], resident_id=world.residents["A102h"].pk,
                           kind="elderly_alone", purpose="独居老人每周探访", now=dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone.utc))
    done = open_case(world, resident="A102s", code="residence_cert")
    finish_steps(world, done)
    services.case_complete(actor=world.users["worker_a"], case_id=done.pk, delivery="door", result="证明已送到家")
    resident = world.residents["A101h"]
    with chromium() as browser:
        for name, viewport in VIEWPORTS.items():
            page = browser.new_page(viewport=viewport, locale="zh-CN")
            _login(page, live_server.url, "worker_a")
            page.goto(f"{live_server.url}/agency/")
            page.click(f"text={case.number}")
            expect(page.locator("h1")).to_contain_text(case.number)
            assert resident.id_number not in page.content()
            expect(page.locator("[data-field=trips]")).to_contain_text("1")
            if name == "desktop":
                page.click("#steps button[value='1']")  # skip without a reason: refused on the page
                expect(page.locator("#steps .error")).to_contain_text("跳过步骤须说明理由")
                page.click("#steps button[value='0']")
                expect(page.locator(".step-done")).to_have_count(1)
            page.screenshot(path=str(ARTIFACTS / f"agency-case-{name}.png"), full_page=True)
            page.goto(f"{live_server.url}/agency/measures/")
            expect(page.locator(".chart svg rect")).to_have_count(2)
            page.screenshot(path=str(ARTIFACTS / f"agency-measures-{name}.png"), full_page=True)
            page.close()
        page = browser.new_page(viewport=VIEWPORTS["phone"], locale="zh-CN")
        _login(page, live_server.url, "grid_a")
        page.goto(f"{live_server.url}/agency/visits/")
        expect(page.locator(".visit-card")).to_have_count(2)
        expect(page.locator(".visit-card.is-overdue")).to_have_count(1)
        page.screenshot(path=str(ARTIFACTS / "agency-visits-phone.png"), full_page=True)
        page.goto(f"{live_server.url}/agency/visits/{visit.pk}/")
        page.fill("#id_record-outcome", "已核对收入证明,材料齐全")
        page.check("#id_record-solved_at_door_0")
        page.click("#record button[type=submit]")
        expect(page.locator("[data-field=status]")).to_have_text("已上门")
        page.screenshot(path=str(ARTIFACTS / "agency-visit-phone.png"), full_page=True)
        page.close()
