from __future__ import annotations

from django.db.models import QuerySet

from shequ.jurisdiction import scoping

from .models import DataRequest


def request_list(*, user, status: str = "") -> QuerySet[DataRequest]:
    """Requests of the residents in the user's jurisdiction (staff with privacy.handle)."""
    scoping.ensure_can(user, "privacy.handle")
    qs = scoping.scope_queryset(DataRequest.objects.select_related("resident", "community"), user)
    return qs.filter(status=status) if status else qs


def request_get(*, user, pk: int) -> DataRequest:
    scoping.ensure_can(user, "privacy.handle")
    return scoping.get_in_scope(DataRequest.objects.select_related("resident", "community", "decided_by"), user, pk=pk)


def my_requests(*, user) -> QuerySet[DataRequest]:
    resident = getattr(user, "resident", None)
    if resident is None or getattr(user, "role", None) != "resident":
        return DataRequest.objects.none()
    return DataRequest.objects.filter(resident=resident)
