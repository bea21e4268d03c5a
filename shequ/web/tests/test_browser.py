"""One real browser run: a community worker logs in, finds a resident and sees the masked ID.

Drives Debian's chromium (/usr/bin/chromium) through Playwright; never downloads a browser.
Screenshots (desktop 1280×800, phone 375×812) go to test-artifacts/ for a human to look at.
"""
import pytest

from .browser import ARTIFACTS, chromium, log_in, VIEWPORTS


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_searches_resident_and_sees_masked_id(live_server, world):
    from playwright.sync_api import expect

    resident = world.residents["A102s"]
    masked = resident.id_number[:6] + "********" + resident.id_number[-4:]
    with chromium() as browser:
        for name, viewport in VIEWPORTS.items():
            page = browser.new_page(viewport=viewport, locale="zh-CN")
            log_in(page, live_server.url, "worker_a")
            expect(page.locator("h1")).to_contain_text("您好")
            page.screenshot(path=str(ARTIFACTS / f"home-{name}.png"), full_page=True)

            page.goto(f"{live_server.url}/residents/")
            page.fill("#q", resident.name)
            page.click("form.filters button[type=submit]")
            link = page.locator("#results a", has_text=resident.name)
            expect(link).to_have_count(1)
            expect(page).to_have_url(f"{live_server.url}/residents/?q={_quote(resident.name)}&node=&tag=")
            assert "乙社区" not in page.locator("#results").inner_text()
            page.screenshot(path=str(ARTIFACTS / f"search-{name}.png"), full_page=True)

            link.click()
            expect(page.locator("h1")).to_contain_text(resident.name)
            expect(page.locator("[data-field=id_number]")).to_have_text(masked)
            assert resident.id_number not in page.content()
            assert page.locator("text=显示明文").count() == 0
            page.screenshot(path=str(ARTIFACTS / f"detail-{name}.png"), full_page=True)

            page.goto(f"{live_server.url}/tree/{world.nodes['A_grid'].pk}/")
            expect(page.locator(".boundary svg path")).to_have_count(1)
            if name == "phone":
                expect(page.locator("#nav")).to_be_hidden()
                page.click("label[for=nav-toggle]")
            # The menu is grouped: the tree page lies under 基础数据, which is marked; its links show when opened.
            group = page.locator("#nav summary", has_text="基础数据")
            expect(group).to_have_class("active")
            expect(page.locator("#nav a", has_text="居民")).to_be_hidden()
            group.click()
            expect(page.locator("#nav a", has_text="居民")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / f"tree-{name}.png"), full_page=True)
            page.locator("#nav summary", has_text="接诉即办").click()  # one group open at a time
            expect(page.locator("#nav a", has_text="居民")).to_be_hidden()
            expect(page.locator("#nav a", has_text="诉求").first).to_be_visible()
            page.keyboard.press("Escape")
            expect(page.locator("#nav a", has_text="诉求").first).to_be_hidden()
            page.close()


def _quote(text):
    from urllib.parse import quote

    return quote(text)
