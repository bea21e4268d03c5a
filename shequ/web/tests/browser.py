"""Browser tests drive Debian's chromium (/usr/bin/chromium) through Playwright; never a browser
download. ``chromium()`` skips the test when it is not installed; screenshots go to ARTIFACTS
(test-artifacts/) for a human to look at."""
import os
import pathlib
from contextlib import contextmanager

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test body
# (the shared world) are safe here because nothing else runs concurrently in it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = pathlib.Path(__file__).resolve().parents[3] / "test-artifacts"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 812}}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@contextmanager
def chromium():
    """A launched chromium, closed afterwards; skips the test without Debian's chromium."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(page, base_url: str, username: str, password: str = "pass12345") -> None:
    """Sign in through the login form (the test world's password by default)."""
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
