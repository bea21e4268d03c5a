"""Who must use what: the account rules of docs/security.md in one place."""
from __future__ import annotations

from django.conf import settings

from shequ.accounts.models import Role


def requires_two_factor(user) -> bool:
    """System administrators and every account allowed to see personal data unmasked sign in with a
    second factor (a TOTP authenticator app) when ``SHEQU_REQUIRE_2FA`` is on (production: always)."""
    if not (settings.SHEQU_REQUIRE_2FA and user and user.is_authenticated):
        return False
    from shequ.jurisdiction.scoping import can_unmask

    return bool(user.is_superuser or getattr(user, "role", None) == Role.ADMIN or can_unmask(user))


def idle_seconds() -> int:
    return settings.SHEQU_SESSION_IDLE_SECONDS
