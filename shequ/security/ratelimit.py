"""Rate limits on login, appeal creation and the Open311 POST (docs/security.md).

One helper for pages and the API: ``limit(request, group)`` counts the request in the shared cache
(django-ratelimit) under the group's rate from ``SHEQU_RATE_LIMITS`` and raises ``RateLimited``
(HTTP 429) once the rate is exceeded. Signed-in users are counted per account, others per address.
"""
from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from shequ.core.errors import ShequError


class RateLimited(ShequError):
    status = 429
    code = "rate_limited"


def _key(group, request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    from shequ.core.middleware import client_ip_from

    return f"ip:{client_ip_from(request)}"


def limit(request, group: str, *, key=None) -> None:
    rate = settings.SHEQU_RATE_LIMITS.get(group)
    if not rate or not getattr(settings, "RATELIMIT_ENABLE", True):
        return
    if is_ratelimited(request, group=f"shequ.{group}", key=key or _key, rate=rate, method=is_ratelimited.ALL,
                      increment=True):
        raise RateLimited(_("请求过于频繁,请稍后再试"), extra={"limit": rate})
