"""Account rules on every request (docs/security.md): idle sessions end, an initial password must be
changed before anything else, and accounts that need a second factor must present it.

API calls with a bearer token are not sessions and pass through (the token was made after signing in);
API calls on a session get JSON errors instead of redirects.
"""
from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import logout
from django.db import DataError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .policy import idle_seconds, requires_two_factor
from .ratelimit import RateLimited

#: paths open to a signed-in user who still has to change their password or present a second factor
_OPEN_PREFIXES = ("/static/", "/i18n/", "/login/", "/logout/", "/account/", "/favicon")
_JSON_PREFIXES = ("/api/", "/open311/")
_TOUCH_EVERY = 60  # seconds between writes of the last-seen time (not a session write per request)


def mark_seen(sender, request, user, **kwargs):
    """A new session starts its idle clock at sign-in (and the first request writes nothing)."""
    if request is not None and hasattr(request, "session"):
        request.session["_last_seen"] = time.time()


def _json(request) -> bool:
    return request.path.startswith(_JSON_PREFIXES) or "application/json" in request.headers.get("Accept", "")


class AccountSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            blocked = self._check(request, user)
            if blocked is not None:
                return blocked
        return self.get_response(request)

    def _check(self, request, user):
        now = time.time()
        last = request.session.get("_last_seen")
        if last is not None and now - last > idle_seconds():
            logout(request)
            if _json(request):
                return JsonResponse({"code": "session_expired", "message": _("长时间未操作,请重新登录"), "extra": {}},
                                    status=401)
            messages.info(request, _("长时间未操作,已自动退出,请重新登录"))
            return redirect(f"{reverse('web:login')}?{urlencode({'next': request.get_full_path()})}")
        if last is None or now - last > _TOUCH_EVERY:
            request.session["_last_seen"] = now
        if request.path.startswith(_OPEN_PREFIXES):
            return None
        if user.must_change_password:
            return self._stop(request, "password_change_required", _("请先修改初始密码"), "security:password_change")
        if requires_two_factor(user) and not user.is_verified():
            from django_otp import user_has_device

            target = "security:two_factor_verify" if user_has_device(user) else "security:two_factor_setup"
            return self._stop(request, "two_factor_required", _("请先完成双因素认证"), target)
        return None

    def _stop(self, request, code: str, message: str, target: str):
        if _json(request):
            return JsonResponse({"code": code, "message": message, "extra": {"url": reverse(target)}}, status=403)
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")

    def process_exception(self, request, exception):
        if isinstance(exception, (OverflowError, DataError)):
            # an id too large for the database (/residents/99999999999999999999/): nothing has it
            if _json(request):
                return JsonResponse({"code": "invalid", "message": _("输入的数值超出范围或内容过长"), "extra": {}},
                                    status=422)
            raise Http404
        if isinstance(exception, RateLimited):
            if _json(request):
                return JsonResponse(exception.as_dict(), status=429)
            return render(request, "security/rate_limited.html", {"message": exception.message}, status=429)
        return None
