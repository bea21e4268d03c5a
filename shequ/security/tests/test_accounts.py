"""Account rules a user meets: password policy and history, initial-password change, lockout,
idle timeout, two-factor sign-in for administrators and unmasking roles."""
from __future__ import annotations

import time

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from shequ.accounts.services import api_token_create
from shequ.core.models import AuditLog
from shequ.core.testing import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, username, password=PASSWORD):
    return client.post("/login/", {"username": username, "password": password})


def _code(device: TOTPDevice, offset: int = 0) -> str:
    return format(totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits,
                       drift=device.drift + offset), f"0{device.digits}d")


# --- initial password and policy -----------------------------------------------------------------

def test_initial_password_must_be_changed_before_anything_else(client, world, policy):
    user = world.users["worker_a"]
    user.must_change_password = True
    user.save()
    assert _login(client, "worker_a").status_code == 302
    page = client.get("/residents/")
    assert page.status_code == 302 and page["Location"].startswith("/account/password/?next=%2Fresidents%2F")
    api = client.get("/api/registry/residents")
    assert api.status_code == 403 and api.json()["code"] == "password_change_required"
    form = client.get("/account/password/").content.decode()
    assert "初始密码" in form and "密码" in form


@pytest.mark.parametrize("new, message", [
    ("Ab1", "10"),                            # too short (at least 10 characters)
    ("abcdefghij1", "大写字母"),              # no upper case
    ("ABCDEFGHIJ1", "小写字母"),              # no lower case
    ("Abcdefghijk", "数字"),                  # no digit
])
def test_weak_passwords_are_refused_with_the_reason(client, world, policy, new, message):
    client.force_login(world.users["worker_a"])
    response = client.post("/account/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 200
    import re

    errors = re.findall(r'field-error[^>]*>([^<]*)<', response.content.decode())
    assert len(errors) == 1 and message in errors[0]
    world.users["worker_a"].refresh_from_db()
    assert world.users["worker_a"].check_password(PASSWORD)


def test_changing_the_password_clears_the_flag_and_history_forbids_reuse(client, world, policy):
    user = world.users["worker_a"]
    user.must_change_password = True
    user.save()
    client.force_login(user)
    first, second = "Shequ2026Safe", "Shequ2027Safer"
    response = client.post("/account/password/?next=/residents/",
                           {"old_password": PASSWORD, "new_password1": first, "new_password2": first,
                            "next": "/residents/"})
    assert response.status_code == 302 and response["Location"] == "/residents/"
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password(first)
    assert client.get("/residents/").status_code == 200  # still signed in, now let through
    client.post("/account/password/", {"old_password": first, "new_password1": second, "new_password2": second})
    again = client.post("/account/password/", {"old_password": second, "new_password1": first, "new_password2": first})
    assert again.status_code == 200 and "field-error" in again.content.decode()
    user.refresh_from_db()
    assert user.check_password(second)
    assert AuditLog.objects.filter(verb="account.password_changed", target_id=str(user.pk)).count() == 2


def test_admin_set_password_is_an_initial_password(client, world, policy):
    client.force_login(world.users["admin"])
    settings_2fa_off(policy)
    target = world.users["worker_b"]
    response = client.post(f"/admin/accounts/user/{target.pk}/password/",
                           {"password1": "Initial2026Pw", "password2": "Initial2026Pw", "usable_password": "true"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.must_change_password


def settings_2fa_off(settings):
    settings.SHEQU_REQUIRE_2FA = False


# --- lockout and rate limits ---------------------------------------------------------------------

def test_five_wrong_passwords_lock_the_account(client, world, policy):
    for _ in range(5):
        response = _login(client, "worker_a", "wrong-password")
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    # even the right password is refused while locked
    locked = _login(client, "worker_a")
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    assert AuditLog.objects.filter(verb="account.locked_out").exists()
    # another account from another address is not affected
    other = client_class_login(world, "worker_b", ip="10.0.0.9")
    assert other.status_code == 302


def client_class_login(world, username, *, ip):
    from django.test import Client

    return Client(REMOTE_ADDR=ip).post("/login/", {"username": username, "password": PASSWORD})


def test_a_successful_sign_in_resets_the_failure_count(client, world, policy):
    for _ in range(4):
        _login(client, "worker_a", "wrong-password")
    assert _login(client, "worker_a").status_code == 302
    client.logout()
    for _ in range(4):
        assert _login(client, "worker_a", "wrong-password").status_code == 200
    assert _login(client, "worker_a").status_code == 302


def test_sign_in_is_rate_limited_per_address(client, world, policy):
    policy.AXES_ENABLED = False
    policy.SHEQU_RATE_LIMITS = {**policy.SHEQU_RATE_LIMITS, "login": "3/h"}
    codes = [_login(client, f"nobody{i}", "x").status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "请求过于频繁" in _login(client, "worker_a").content.decode()


# --- idle sessions ---------------------------------------------------------------------------------

def test_an_idle_session_ends(client, world, policy):
    policy.SHEQU_SESSION_IDLE_SECONDS = 600
    client.force_login(world.users["worker_a"])
    assert client.get("/residents/").status_code == 200
    session = client.session
    session["_last_seen"] = time.time() - 601
    session.save()
    response = client.get("/residents/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=%2Fresidents%2F")
    assert client.get("/residents/").status_code == 302  # signed out for good


def test_an_idle_api_session_gets_401(client, world, policy):
    client.force_login(world.users["worker_a"])
    client.get("/api/registry/residents")
    session = client.session
    session["_last_seen"] = time.time() - 10 * 3600
    session.save()
    response = client.get("/api/registry/residents")
    assert response.status_code == 401 and response.json()["code"] == "session_expired"


# --- two factors -----------------------------------------------------------------------------------

def test_administrator_sets_up_and_then_uses_a_second_factor(client, world, policy):
    policy.OTP_TOTP_THROTTLE_FACTOR = 0  # the wrong codes below would otherwise make the next one wait
    admin = world.users["admin"]
    assert _login(client, "admin").status_code == 302
    redirect = client.get("/residents/")
    assert redirect["Location"].startswith("/account/two-factor/setup/")
    setup = client.get(redirect["Location"])
    assert b"<svg" in setup.content and b"data-field=\"secret\"" in setup.content
    device = TOTPDevice.objects.get(user=admin)
    wrong = client.post("/account/two-factor/setup/", {"token": "000000" if _code(device) != "000000" else "111111"})
    assert "验证码不正确" in wrong.content.decode()
    done = client.post("/account/two-factor/setup/?next=/residents/", {"token": _code(device), "next": "/residents/"})
    assert done["Location"] == "/residents/"
    assert client.get("/residents/").status_code == 200
    assert AuditLog.objects.filter(verb="account.two_factor_enabled", target_id=str(admin.pk)).exists()

    client.logout()
    _login(client, "admin")
    assert client.get("/admin/")["Location"].startswith("/account/two-factor/?next=%2Fadmin%2F")
    assert client.post("/account/two-factor/", {"token": "12345x"}).status_code == 200
    device.refresh_from_db()
    verified = client.post("/account/two-factor/", {"token": _code(device, 1), "next": "/admin/"})
    assert verified.status_code == 302 and client.get("/admin/").status_code == 200


def test_unmasking_role_needs_a_second_factor_and_others_do_not(client, world, policy):
    client.force_login(world.users["worker_a_unmask"])
    response = client.get("/api/registry/residents")
    assert response.status_code == 403 and response.json()["code"] == "two_factor_required"
    client.force_login(world.users["worker_a"])
    assert client.get("/api/registry/residents").status_code == 200


def test_api_token_calls_are_not_sessions(client, world, policy):
    _token, key = api_token_create(actor=world.users["worker_a_unmask"], user=world.users["worker_a_unmask"], name="t")
    response = client.get("/api/registry/residents", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200


# --- headers ---------------------------------------------------------------------------------------

def test_pages_carry_a_content_security_policy(client, world):
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"


def test_ids_too_large_for_the_database_are_not_found(client, world):
    client.force_login(world.users["worker_a"])
    huge = "9" * 30
    assert client.get(f"/residents/{huge}/").status_code == 404
    answer = client.get(f"/api/registry/residents/{huge}")
    assert answer.status_code in (404, 422) and answer.json()["code"] in ("invalid", "not_found")
