"""Keep the current request's client address at hand for the audit log."""
from __future__ import annotations

import contextvars

from django.conf import settings

_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)


def client_ip_from(request) -> str | None:
    if getattr(settings, "USE_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


def current_client_ip() -> str | None:
    return _client_ip.get()


RETRY_AFTER_SECONDS = 5


def database_unavailable(request):
    """503 with Retry-After while the database cannot be reached (restart, failover): an error the
    client may retry, never a 500. Nothing was written: the request's transaction did not commit."""
    from django.http import HttpResponse, JsonResponse

    message = "数据库暂时不可用,请稍后重试"
    if request.path.startswith(("/api/", "/open311/")):
        response = JsonResponse({"code": "unavailable", "message": message, "extra": {}}, status=503)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def is_connection_error(exc) -> bool:
    from django.db import InterfaceError, OperationalError

    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    text = str(exc).lower()
    # PostgreSQL gone or restarting; SQLite busy beyond its timeout
    return any(s in text for s in ("connection", "server closed", "terminating", "starting up", "shutting down",
                                   "database is locked", "could not connect", "the database system"))


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_connection_error(exception):
            from django.db import connection

            # a broken connection is dropped so the next request opens a new one (never inside a
            # transaction still in progress, e.g. a test's)
            if connection.connection is not None and not connection.in_atomic_block and not connection.is_usable():
                connection.close()
            return database_unavailable(request)
        return None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _client_ip.set(client_ip_from(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)
