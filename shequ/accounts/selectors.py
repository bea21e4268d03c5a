"""Reads of accounts data: a user's own API tokens."""
from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shequ.core.errors import NotInScope

from .models import ApiToken, User


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first (never anyone else's)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def api_token_get(*, user: User, pk: int) -> ApiToken:
    try:
        return api_token_list(user=user).get(pk=pk)
    except ApiToken.DoesNotExist:
        raise NotInScope(_("记录不存在或不在您的辖区内")) from None
