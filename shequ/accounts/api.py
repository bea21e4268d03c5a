"""The current user and their personal API tokens (``Authorization: Bearer <key>``)."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import field_validator

from shequ.core.errors import InvalidInput
from shequ.jurisdiction import scoping

from . import selectors, services

router = Router(tags=["账号与令牌"])


class BoundNodeOut(Schema):
    id: int
    name: str
    level: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    can_unmask: bool = Field(..., description="可否通过 /reveal 查看身份证号、电话明文")
    nodes: list[BoundNodeOut] = Field(..., description="所辖节点(部门账号为其所在区县)")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(..., description="密钥前缀,用于辨认令牌;完整密钥只在创建时显示一次")
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked: bool


class TokenCreateIn(Schema):
    name: str = Field(..., min_length=1, max_length=100, description="用途说明,如“数据同步脚本”")
    expires_at: dt.datetime | None = Field(None, description="过期时间(可选,须晚于当前时间)")

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError(_("名称不能为空"))
        return value

    @field_validator("expires_at")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


class TokenCreatedOut(TokenOut):
    key: str = Field(..., description="完整密钥,只显示这一次;请求时放在 Authorization: Bearer 之后")


@router.get("/me", response=MeOut, summary="当前用户", operation_id="accounts_me")
def me(request):
    user = request.auth
    return {
        "id": user.pk, "username": user.username, "display_name": user.display_name or user.username,
        "role": user.role, "can_unmask": scoping.can_unmask(user),
        "nodes": scoping.bound_nodes(user),
    }


@router.get("/tokens", response=list[TokenOut], summary="我的 API 令牌", operation_id="accounts_token_list")
def token_list(request):
    return list(selectors.api_token_list(user=request.auth)[:200])


@router.post("/tokens", response={201: TokenCreatedOut}, summary="创建 API 令牌(密钥只显示一次)",
             operation_id="accounts_token_create")
def token_create(request, payload: TokenCreateIn):
    if payload.expires_at is not None and payload.expires_at <= timezone.now():
        raise InvalidInput(_("expires_at: 过期时间须晚于当前时间"), extra={"field": "expires_at"})
    token, key = services.api_token_create(actor=request.auth, user=request.auth, name=payload.name,
                                           expires_at=payload.expires_at)
    data = TokenOut.model_validate(token).model_dump()
    return Status(201, {**data, "key": key})


@router.post("/tokens/{token_id}/revoke", response=TokenOut, summary="吊销 API 令牌",
             operation_id="accounts_token_revoke")
def token_revoke(request, token_id: int):
    token = selectors.api_token_get(user=request.auth, pk=token_id)
    return services.api_token_revoke(actor=request.auth, token=token)
