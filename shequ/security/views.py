"""Sign-in, initial password change and two-factor pages (docs/security.md)."""
from __future__ import annotations

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from shequ.core.audit import audit_record

from .policy import requires_two_factor
from .ratelimit import limit


def _next(request, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


class LoginView(auth_views.LoginView):
    """Django's sign-in with a per-address rate limit; repeated failures lock the account (django-axes)."""

    template_name = "web/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        limit(request, "login", key=lambda group, req: f"ip:{_ip(req)}")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(actor=form.get_user(), verb="account.signed_in", target=form.get_user())
        return response


def _ip(request) -> str:
    from shequ.core.middleware import client_ip_from

    return client_ip_from(request) or "-"


def locked_out(request, credentials=None, *args, **kwargs):
    """django-axes' answer once an account is locked (AXES_LOCKOUT_CALLABLE)."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60) if settings.AXES_COOLOFF_TIME else None
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    audit_record(actor=None, verb="account.locked_out", target_type="accounts.user", target_repr=username[:150])
    return render(request, "security/locked.html", {"minutes": minutes, "limit": settings.AXES_FAILURE_LIMIT},
                  status=429)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "security/password_change.html"
    success_url = reverse_lazy("web:home")

    def get_context_data(self, **kwargs):
        from django.contrib.auth.password_validation import password_validators_help_texts

        return super().get_context_data(**kwargs) | {"password_help": password_validators_help_texts()}

    def form_valid(self, form):
        user = form.save()
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        update_session_auth_hash(self.request, user)
        audit_record(actor=user, verb="account.password_changed", target=user)
        messages.success(self.request, _("密码已修改"))
        return redirect(_next(self.request, str(self.success_url)))


class TokenForm(forms.Form):
    token = forms.CharField(label=gettext_lazy("验证码"), min_length=6, max_length=8,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                          "autofocus": True}))


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=4, dark="#1f2937")


@login_required
def two_factor_setup(request):
    """Add a TOTP authenticator: scan the code, type the six digits it shows."""
    user = request.user
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect(f"{reverse('security:two_factor_verify')}?next={_next(request)}")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
        user=user, name=_("身份验证器"), confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit_record(actor=user, verb="account.two_factor_enabled", target=user)
            messages.success(request, _("双因素认证已启用"))
            return redirect(_next(request))
        form.add_error("token", _("验证码不正确或已过期,请重试"))
    import base64

    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "security/two_factor_setup.html", {
        "form": form, "qr": mark_safe(_qr_svg(device.config_url)), "secret": secret, "next": _next(request),
        "required": requires_two_factor(user)})


@login_required
def two_factor_verify(request):
    user = request.user
    devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    if not devices:
        return redirect(f"{reverse('security:two_factor_setup')}?next={_next(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in devices:
            allowed, _info = device.verify_is_allowed()
            if allowed and device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                audit_record(actor=user, verb="account.two_factor_verified", target=user)
                return redirect(_next(request))
        audit_record(actor=user, verb="account.two_factor_failed", target=user)
        form.add_error("token", _("验证码不正确或已过期,请重试(多次错误后需等待更久)"))
    return render(request, "security/two_factor_verify.html", {"form": form, "next": _next(request)})
