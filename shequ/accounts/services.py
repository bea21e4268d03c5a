"""Users, bindings and API tokens."""
from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from shequ.core.audit import audit_record
from shequ.core.kept import Kept, instance_copy

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


#: API tokens this process has checked (``shequ.core.kept``): key hash -> (token, user).
kept_tokens = Kept("api-token")


def api_token_user(key: str) -> User | None:
    """The active user of a valid API token, with their bindings read (``scoping``).

    A checked token is kept by the process for a few seconds (``shequ.core.kept``; changes to the
    token, its user, their bindings or permissions drop it at once, see ``apps``). Each request
    gets its own copy of the user.
    """
    from shequ.jurisdiction import scoping

    digest = _digest(key)
    now = timezone.now()
    kept = kept_tokens.get(digest)
    if kept is not None:
        token, user = kept
    else:
        generation = kept_tokens.generation()
        token = ApiToken.objects.select_related("user").filter(key_hash=digest, revoked=False).first()
        if token is None or not token.user.is_active:
            return None
        user = token.user
        scoping.bound_nodes(user)  # read once, kept with the user
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        kept_tokens.put(digest, (token, user), generation)
    if token.expires_at and token.expires_at < now:
        return None
    return instance_copy(user)


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
