"""Deployment checks of our own, run by `manage.py check --deploy` beside Django's."""
from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def account_rules(app_configs, **kwargs):
    problems = []
    if not settings.SHEQU_REQUIRE_2FA:
        problems.append(Warning("Two-factor sign-in is off (SHEQU_REQUIRE_2FA)",
                                hint="Level-3 protection requires it for administrators and unmasking roles.",
                                id="shequ.W001"))
    if not getattr(settings, "AXES_ENABLED", True):
        problems.append(Warning("Account lockout (django-axes) is off", id="shequ.W002"))
    if not getattr(settings, "RATELIMIT_ENABLE", True):
        problems.append(Warning("Rate limits are off (RATELIMIT_ENABLE)", id="shequ.W003"))
    if settings.SESSION_COOKIE_AGE > 12 * 3600:
        problems.append(Warning("Sessions last more than 12 hours", id="shequ.W004"))
    return problems
