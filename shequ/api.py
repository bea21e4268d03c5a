"""The JSON API root (Django Ninja). OpenAPI at /api/openapi.json, docs at /api/docs.

Authentication: the session cookie (with CSRF for writes) or ``Authorization: Bearer <token>``.
Errors are always ``{"code", "message", "extra"}`` with a 4xx status.
"""
from __future__ import annotations

from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from shequ.core.errors import ShequError


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        from shequ.accounts.services import api_token_user

        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


class StaffSessionAuth(SessionAuth):
    def _get_key(self, request: HttpRequest):
        # Anonymous requests get 401, not a CSRF 403: check CSRF only for a logged-in session.
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        return user if user and user.is_active else None


api = NinjaAPI(
    title="Shequ API",
    version="1",
    description="社区治理平台 API:辖区树、标准地址、房屋、户、居民、实有单位。所有数据按用户辖区过滤,个人信息默认脱敏。",
    auth=[TokenAuth(), StaffSessionAuth()],
    urls_namespace="api",
)


@api.exception_handler(ShequError)
def shequ_error(request, exc: ShequError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    fields = {}
    for err in exc.errors:
        loc = ".".join(str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path"))
        fields.setdefault(loc or "request", []).append(err.get("msg", ""))
    first = next(iter(fields.items()), ("request", ["invalid"]))
    return api.create_response(
        request, {"code": "invalid", "message": f"{first[0]}: {first[1][0]}", "extra": {"fields": fields}}, status=422
    )


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def database_error(request, exc):
    from shequ.core.middleware import database_unavailable, is_connection_error

    if is_connection_error(exc):
        return database_unavailable(request)
    raise exc


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def value_out_of_range(request, exc):
    """A number too large for the database, or a value too long for its column: the client's input."""
    return api.create_response(request, {"code": "invalid", "message": "输入的数值超出范围或内容过长", "extra": {}},
                               status=422)


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    return api.create_response(request, {"code": "unauthenticated", "message": "请先登录或提供有效的 API 令牌", "extra": {}}, status=401)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return api.create_response(request, {"code": "http_error", "message": str(exc), "extra": {}}, status=exc.status_code)


def _register_routers() -> None:
    from shequ.accounts.api import router as accounts_router
    from shequ.admission.api import router as admission_router
    from shequ.agency.api import router as agency_router
    from shequ.consultation.api import router as consultation_router
    from shequ.appeals.api import router as appeals_router
    from shequ.appeals.api_metrics import router as appeals_rates_router
    from shequ.indicators.api import router as indicators_router
    from shequ.jurisdiction.api import router as tree_router
    from shequ.privacy.api import router as privacy_router
    from shequ.proactive.api import router as proactive_router
    from shequ.registry.api import router as registry_router
    from shequ.stars.api import router as stars_router
    from shequ.party.api import router as party_router
    from shequ.socialorgs.api import router as socialorgs_router
    from shequ.transfer.api import router as transfer_router
    from shequ.volunteers.api import router as volunteers_router
    from shequ.whistle.api import router as whistle_router
    from shequ.workforce.api import router as workforce_router
    from shequ.surveys.api import router as surveys_router

    api.add_router("/accounts", accounts_router)
    api.add_router("/tree", tree_router)
    api.add_router("/registry", registry_router)
    api.add_router("/transfer", transfer_router)
    api.add_router("/appeals/rates", appeals_rates_router)  # before /appeals/{appeal_id}
    api.add_router("/appeals", appeals_router)
    api.add_router("/proactive", proactive_router)
    api.add_router("/whistle", whistle_router)
    api.add_router("/agency", agency_router)
    api.add_router("/admission", admission_router)
    api.add_router("/privacy", privacy_router)
    api.add_router("/stars", stars_router)
    api.add_router("/party", party_router)
    api.add_router("/socialorgs", socialorgs_router)
    api.add_router("/volunteers", volunteers_router)
    api.add_router("/consultation", consultation_router)
    api.add_router("/workforce", workforce_router)
    api.add_router("/surveys", surveys_router)
    api.add_router("/indicators", indicators_router)


_register_routers()
