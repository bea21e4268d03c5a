import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # rate-limit counters and axes' cache
    yield
    cache.clear()


@pytest.fixture
def policy(settings):
    """The production account rules (tests otherwise run without them)."""
    from config.settings import base

    settings.AUTH_PASSWORD_VALIDATORS = base.AUTH_PASSWORD_VALIDATORS
    settings.SHEQU_REQUIRE_2FA = True
    settings.AXES_ENABLED = True
    settings.RATELIMIT_ENABLE = True
    return settings
