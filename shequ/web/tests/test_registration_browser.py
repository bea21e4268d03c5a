"""A real browser registers a resident in a new household; screenshots of the household page with its form.

Same launch as test_browser.py: Debian's chromium through Playwright, never a downloaded browser.
"""
import datetime as dt

import pytest

from shequ.web.tests.browser import ARTIFACTS, chromium, log_in, VIEWPORTS


@pytest.fixture
def tag_vocabulary(transactional_db):
    """Put back the tag vocabulary (a data migration) that an earlier transactional test flushed away."""
    import importlib

    from django.apps import apps

    importlib.import_module("shequ.registry.migrations.0002_default_tags").forwards(apps, None)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_registers_a_resident_in_a_new_household(live_server, tag_vocabulary, world):
    from playwright.sync_api import expect

    from shequ.core.idcard import make_id_number
    from shequ.registry import services as reg

    # Written before Playwright starts its event loop: inside it, Django would open a second
    # connection that the test database teardown cannot close.
    households = [reg.household_create(actor=world.users["admin"], house=world.houses["A101"], number=f"HB{seq}")
                  for seq in range(len(VIEWPORTS))]
    with chromium() as browser:
        for seq, (name, viewport) in enumerate(VIEWPORTS.items()):
            household = households[seq]
            id_number = make_id_number("110105", dt.date(1988, 8, 8), 300 + seq)
            page = browser.new_page(viewport=viewport, locale="zh-CN")
            log_in(page, live_server.url, "worker_a")
            page.goto(f"{live_server.url}/households/{household.pk}/")
            form = page.locator("#reg-form form")
            expect(form).to_be_visible()  # an empty household opens the resident form in place
            page.screenshot(path=str(ARTIFACTS / f"household-register-{name}.png"), full_page=True)

            # A wrong check digit: the reason appears on the field, the number is not echoed.
            bad = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")
            page.fill("#id_name", f"浏览器居民{seq}")
            page.fill("#id_id_number", bad)
            form.locator("button[type=submit]").click()
            expect(page.locator("#reg-form .error")).to_contain_text("校验位")
            assert bad not in page.content()
            page.screenshot(path=str(ARTIFACTS / f"household-register-error-{name}.png"), full_page=True)

            page.fill("#id_name", f"浏览器居民{seq}")
            page.fill("#id_id_number", id_number)
            page.fill("#id_relation", "户主")
            page.locator("#reg-form button[type=submit]").click()
            expect(page.locator("h1")).to_contain_text(f"浏览器居民{seq}")
            expect(page.locator("main")).to_contain_text("1988-08-08")
            assert id_number not in page.content()
            page.screenshot(path=str(ARTIFACTS / f"resident-registered-{name}.png"), full_page=True)

            page.goto(f"{live_server.url}/tree/{world.nodes['A_building'].pk}/")
            expect(page.locator("#building-panel form")).to_have_count(2)  # loaded in place by htmx
            page.screenshot(path=str(ARTIFACTS / f"building-{name}.png"), full_page=True)
            page.close()
