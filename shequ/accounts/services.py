"""Users, bindings and API tokens."""
from __future__ import annotations

import copy
import hashlib
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from shequ.core.audit import audit_record

from .models import ApiToken, Binding, User


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor, user: User, name: str, expires_at=None) -> tuple[ApiToken, str]:
    """Create a token for ``user``; return it with the key, which is shown only now."""
    key = "sq_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:10], key_hash=_digest(key), expires_at=expires_at)
    audit_record(actor=actor, verb="api_token.created", target=token, extra={"user": user.pk})
    return token, key


#: The shared cache key whose value changes with every change to a user, an API token, a binding
#: or a permission made through the application (``auth_changed``).
AUTH_GENERATION_KEY = "shequ:auth-generation"
#: API tokens this process has checked: key hash -> (checked at, generation then, token, user).
_checked_tokens: dict[str, tuple[float, str | None, ApiToken, User]] = {}


def auth_generation() -> str | None:
    return cache.get(AUTH_GENERATION_KEY)


def auth_changed(**_kwargs) -> None:
    """A user, token, binding or permission changed: every process drops the tokens it checked
    (connected to the models' signals in ``apps``). Moved again after commit, so that a process
    that re-read the old rows before the commit drops them as well."""
    def move():
        _checked_tokens.clear()
        cache.set(AUTH_GENERATION_KEY, secrets.token_hex(8), None)

    move()
    transaction.on_commit(move)


def api_token_user(key: str) -> User | None:
    """The active user of a valid API token, with their bindings read (``scoping``).

    A checked token is kept by the process for ``SHEQU_TOKEN_CACHE_SECONDS`` (default 10) while the
    shared generation (``auth_changed``) stays the same: revoking a token, deactivating a user or
    changing their bindings or permissions through the application takes effect at once in every
    process sharing the cache (settings ``CACHES``); a change made around the application (raw SQL)
    within those seconds. Each request gets its own copy of the user.
    """
    from shequ.jurisdiction import scoping

    digest = _digest(key)
    now = timezone.now()
    generation = auth_generation()
    kept = _checked_tokens.get(digest)
    if kept is not None and kept[1] == generation and time.monotonic() - kept[0] < settings.SHEQU_TOKEN_CACHE_SECONDS:
        token, user = kept[2], kept[3]
    else:
        token = ApiToken.objects.select_related("user").filter(key_hash=digest, revoked=False).first()
        if token is None or not token.user.is_active:
            _checked_tokens.pop(digest, None)
            return None
        user = token.user
        scoping.bound_nodes(user)  # read once, kept with the user
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        if settings.SHEQU_TOKEN_CACHE_SECONDS > 0:
            if len(_checked_tokens) > 10_000:
                _checked_tokens.clear()
            _checked_tokens[digest] = (time.monotonic(), generation, token, user)
    if token.expires_at and token.expires_at < now:
        return None
    return copy.copy(user)


@transaction.atomic
def user_create(*, actor, username: str, password: str, role: str, display_name: str = "", nodes=(), departments=(),
                resident=None, is_staff: bool | None = None, must_change_password: bool = False, unmask: bool = False) -> User:
    user = User(username=username, role=role, display_name=display_name, resident=resident,
                is_staff=is_staff if is_staff is not None else role != "resident",
                must_change_password=must_change_password)
    user.set_password(password)
    user.save()
    for node in nodes:
        Binding.objects.create(user=user, node=node)
    for department in departments:
        Binding.objects.create(user=user, department=department)
    if unmask:
        from django.contrib.auth.models import Permission

        user.user_permissions.add(Permission.objects.get(codename="unmask_personal_data", content_type__app_label="registry"))
    audit_record(actor=actor, verb="user.created", target=user, extra={"role": role})
    return user


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's own tokens (an admin may revoke anyone's); audited."""
    from django.utils.translation import gettext as _

    from shequ.core.errors import Conflict, NotInScope

    if token.user_id != actor.pk and not (actor.is_superuser or actor.role == "admin"):
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    if token.revoked:
        raise Conflict(_("该令牌已吊销"), code="already_revoked")
    token.revoked = True
    token.save(update_fields=["revoked", "updated_at"])
    audit_record(actor=actor, verb="api_token.revoked", target=token, extra={"user": token.user_id})
    return token
