"""/healthz: for load balancers and the operator (docs/deployment.md); /favicon.ico for browsers."""
from __future__ import annotations

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """200 when this application server can reach its database, else 503 (no other detail is given)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        connection.close()
        return JsonResponse({"status": "unavailable"}, status=503, headers={"Retry-After": "5"})
    return JsonResponse({"status": "ok"})


def favicon(request):
    """Browsers ask for /favicon.ico on their own (pages name the icon, other answers do not): the
    site's icon, where the static files are served."""
    return redirect(static("web/icon.svg"), permanent=True)
