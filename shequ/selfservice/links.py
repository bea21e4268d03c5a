"""The requester's follow link: an unguessable signed token (``django.core.signing``, HMAC with
SECRET_KEY and its own salt) that names one appeal. Whoever holds the link sees that appeal's
status, plain-words timeline and reply, and may evaluate it; a changed token is refused."""
from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "shequ.selfservice.follow"


def follow_token(appeal_id: int) -> str:
    return signing.dumps({"a": appeal_id}, salt=SALT, compress=False)


def appeal_id_from_token(token: str) -> int | None:
    """The appeal id a token names, or None when it was not made here (tampered, truncated)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=getattr(settings, "SHEQU_FOLLOW_LINK_MAX_AGE", None))
    except signing.BadSignature:
        return None
    value = data.get("a") if isinstance(data, dict) else None
    return value if isinstance(value, int) else None


def follow_path(appeal_id: int) -> str:
    return reverse("selfservice:follow", args=[follow_token(appeal_id)])


def follow_url(appeal_id: int) -> str:
    """The absolute link sent in notifications (``SHEQU_PUBLIC_BASE_URL`` + path)."""
    base = getattr(settings, "SHEQU_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    return base + follow_path(appeal_id)
