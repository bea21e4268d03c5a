"""Suite-wide fixtures. ``world``: the shared small world of shequ.core.testing."""
import os

import pytest


def pytest_configure(config):
    if os.environ.get("SHEQU_TEST_DB") == "postgres":
        # A PostgreSQL run must fail, never skip, when the server cannot be reached.
        import psycopg

        url = os.environ.get("SHEQU_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shequ")
        from config.env import database_config

        cfg = database_config(url)
        try:
            psycopg.connect(host=cfg["HOST"], port=cfg["PORT"], user=cfg["USER"], password=cfg["PASSWORD"] or None,
                            dbname="postgres", connect_timeout=5).close()
        except Exception as exc:  # noqa: BLE001 - any failure to connect ends the run
            raise pytest.UsageError(f"PostgreSQL test run requested but the server cannot be reached: {exc}") from exc


def pytest_collection_modifyitems(config, items):
    """The long tests (marked ``slow``) go first: the workers take tests in this order, and a long
    one taken last would leave the other worker idle until it ends. Only tests inside a rolled-back
    transaction may be marked: pytest-django has put the transactional ones (the browser tests)
    last, because each of them leaves the database empty behind it.

    Browser tests run once, on the SQLite pass: they check what chromium shows and does, which
    does not depend on the database; the same pages' queries run on PostgreSQL in the Django-client
    page tests (as the API's schema fuzzing, shequ/security/tests/test_api_fuzz.py)."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
    if os.environ.get("SHEQU_TEST_DB") != "postgres":
        return
    skip = pytest.mark.skip(reason="browser tests run once, on the SQLite pass")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.fixture
def world(db):
    from shequ.core.testing import world_for_test

    return world_for_test()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts and ends in the default language: a page test that switched to English
    must not change the messages later tests (in the same worker) assert on."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def pinned_now():
    """The clock pinned for a test whose pages or services read "now" themselves (an overdue filter,
    a default period, a deadline counted from now) while its data is made at the fixed times of the
    factories (Thursday 2026-11-26): now is 2026-11-28 12:00 UTC, as when those tests were written,
    so they do not change their answer as the real date moves on. Every ``timezone.now()`` (and
    ``timezone.localdate()``) in the test returns it."""
    import datetime as dt
    from unittest import mock

    at = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield at
