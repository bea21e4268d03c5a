"""One real browser run: a community worker logs in, finds a resident and sees the masked ID.

Drives Debian's chromium (/usr/bin/chromium) through Playwright; never downloads a browser.
Screenshots (desktop 1280×800, phone 375×812) go to test-artifacts/ for a human to look at.
"""
import os
import pathlib

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test
# body (the shared world) are safe here because nothing else runs concurrently in it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = pathlib.Path(__file__).resolve().parents[3] / "test-artifacts"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 812}}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_searches_resident_and_sees_masked_id(live_server, world):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium fonts-noto-cjk)")
    from playwright.sync_api import expect, sync_playwright

    resident = world.residents["A102s"]
    masked = resident.id_number[:6] + "********" + resident.id_number[-4:]
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
        try:
            for name, viewport in VIEWPORTS.items():
                page = browser.new_page(viewport=viewport, locale="zh-CN")
                page.goto(f"{live_server.url}/login/")
                page.fill("#id_username", "worker_a")
                page.fill("#id_password", "pass12345")
                page.click("main button[type=submit]")
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
                expect(page.locator("#nav a", has_text="居民")).to_be_visible()
                page.screenshot(path=str(ARTIFACTS / f"tree-{name}.png"), full_page=True)
                page.close()
        finally:
            browser.close()


def _quote(text):
    from urllib.parse import quote

    return quote(text)
