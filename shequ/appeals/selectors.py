"""Scoped reads of appeals. Every read starts from ``scoping.scope_queryset``: a grid or
community worker sees the appeals located in their area, a street its communities', a
department the appeals it handles, the district office and leaders their district's."""
from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from shequ.core.errors import NotInScope
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Department

from . import catalog
from .models import NUMBER_PREFIX, Appeal, AppealAttachment, AppealEvent, ServiceCategory, TimeLimitClass

OPEN_STATUSES = (Appeal.Status.RECEIVED, Appeal.Status.ACCEPTED, Appeal.Status.DISPATCHED,
                 Appeal.Status.IN_PROGRESS, Appeal.Status.REOPENED)


def _visible(user) -> QuerySet[Appeal]:
    if not scoping.can(user, "appeals.view"):
        return Appeal.objects.none()
    return scoping.scope_queryset(Appeal.objects.all(), user)


#: How long a number prefix is that names one day (SQ-20261126): see ``appeal_list``.
DAY_PREFIX_LENGTH = len(f"{NUMBER_PREFIX}-YYYYMMDD")


def appeal_list(*, user, status: str = "", category: ServiceCategory | None = None, node=None,
                overdue_at: dt.datetime | None = None, number: str = "") -> QuerySet[Appeal]:
    """The appeals a user may see, newest first; ``overdue_at`` keeps the open ones past their completion
    due time; ``number`` matches the start of the appeal number (SQ-20261126-...)."""
    qs = _visible(user)
    if number:
        prefix = number.strip().upper()
        if len(prefix) >= DAY_PREFIX_LENGTH:
            # At most one day's appeals: their keys from the number's own index first, then newest first
            # among them (``KeyIn``). As a plain filter PostgreSQL walks the newest-first list down to
            # that day, past every appeal received since: on the 1,000,000-appeal benchmark copy, for
            # the district, 0.21 s for a day three days back and 0.53-1.7 s for one two months back
            # against 0.06-0.08 s and 0.02 s this way.
            qs = qs.filter(scoping.KeyIn("pk", Appeal.objects.filter(number__startswith=prefix).values("pk")))
        else:
            qs = qs.filter(number__startswith=prefix)
    if status:
        qs = qs.filter(status=status)
    if category is not None:
        qs = qs.filter(category=category)
    if node is not None:
        qs = qs.filter(**node.scope_filter())
    if overdue_at is not None:
        qs = qs.filter(status__in=OPEN_STATUSES, paused_since__isnull=True, completion_due_at__lt=overdue_at)
    return qs.select_related("category", "handling_node", "handling_department", "community").order_by("-received_at", "-id")


_DETAIL_RELATED = ("category__time_limit", "handling_node", "handling_department", "lead_node", "lead_department",
                   "first_receiver", "address", "community", "grid", "merged_into")


def appeal_get(*, user, pk: int) -> Appeal:
    """One appeal (404 when missing or outside the user's scope)."""
    return scoping.get_in_scope(_visible(user).select_related(*_DETAIL_RELATED), user, pk=pk)


def appeal_by_id(pk: int) -> Appeal:
    """An appeal by id, unscoped: only for one its caller already made (an idempotent retry
    returning the appeal made by the first request, shequ.core.idempotency)."""
    return Appeal.objects.select_related(*_DETAIL_RELATED).get(pk=pk)


def appeal_timeline(*, user, appeal: Appeal) -> QuerySet[AppealEvent]:
    """The timeline of an appeal already loaded through ``appeal_get``."""
    return AppealEvent.objects.filter(appeal=appeal).select_related("actor").order_by("at", "id")


def appeal_attachments(*, appeal: Appeal) -> QuerySet[AppealAttachment]:
    """The files of an appeal already loaded through ``appeal_get`` (so in the user's scope)."""
    return AppealAttachment.objects.filter(appeal=appeal).order_by("id")


def attachment_get(*, user, appeal_pk: int, pk: int) -> AppealAttachment:
    """One file of an appeal the user may see (404 when either is missing or out of scope)."""
    appeal = appeal_get(user=user, pk=appeal_pk)
    try:
        return appeal_attachments(appeal=appeal).get(pk=pk)
    except AppealAttachment.DoesNotExist:
        raise NotInScope(_("记录不存在或不在您的辖区内")) from None


def category_list(*, active_only: bool = True) -> QuerySet[ServiceCategory]:
    """The service catalog (public: it is what Open311 ``services`` lists)."""
    qs = ServiceCategory.objects.select_related("time_limit", "parent")
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("sort", "code")


def time_limit_class_list() -> QuerySet[TimeLimitClass]:
    return TimeLimitClass.objects.order_by("sort", "code")


def category_get(*, code: str) -> ServiceCategory:
    """An active catalog entry by code, with its time limit and parent (404 when unknown or
    inactive); from the catalog the process keeps (``catalog``)."""
    category = catalog.active_category(code)
    if category is None:
        raise NotInScope(_("类别不存在或已停用"), extra={"category": code})
    return category


def department_get(*, pk: int) -> Department:
    """A department to dispatch to (departments are district-wide units, visible to handlers)."""
    try:
        return Department.objects.get(pk=pk)
    except Department.DoesNotExist:
        raise NotInScope(_("部门不存在"), extra={"department": pk}) from None


def department_list() -> QuerySet[Department]:
    """Departments an appeal may be dispatched to (district-wide units)."""
    return Department.objects.order_by("name", "id")


def appeal_time_requests(*, appeal: Appeal) -> QuerySet:
    """The pause and extension requests of an appeal already loaded through ``appeal_get``."""
    from .models import TimeRequest

    return TimeRequest.objects.filter(appeal=appeal).select_related("requested_by", "decided_by").order_by("requested_at", "id")


def appeal_cohandlers(*, appeal: Appeal) -> QuerySet:
    """The co-handling units of an appeal already loaded through ``appeal_get``."""
    from .models import CoHandler

    return CoHandler.objects.filter(appeal=appeal).select_related("node", "department", "replied_by").order_by("added_at", "id")


def pending_time_requests(*, user) -> QuerySet:
    """The approval desk: pending pause and extension requests this user may decide (appeals in their
    scope, handled at a level below theirs, asked by someone else)."""
    from .models import TimeRequest

    from .timing import approvable_q

    scoping.ensure_can(user, "appeals.approve")
    return (TimeRequest.objects.filter(approvable_q(user, via="appeal__"), status=TimeRequest.Status.PENDING,
                                       appeal__in=_visible(user).values("pk"))
            .exclude(requested_by=user)
            .select_related("appeal__category", "appeal__handling_node", "appeal__handling_department", "requested_by")
            .order_by("requested_at", "id"))
#: Defaults of the duplicate search; override with the settings ``APPEALS_DUPLICATE_RADIUS_M`` and
#: ``APPEALS_DUPLICATE_DAYS`` (read at call time).
DUPLICATE_RADIUS_M = 100
DUPLICATE_DAYS = 7
_EARTH_RADIUS_M = 6_371_000


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(math.sqrt(h))


def appeal_duplicates(*, user, appeal: Appeal, radius_m: float | None = None, days: int | None = None) -> list[Appeal]:
    """Possible duplicates 可能重复 of ``appeal``: other open, unmerged appeals the user may see, of
    the same category, received within ``days`` of it (either side), and either matched to the
    same standard address or within ``radius_m`` metres of its point. Nearest first; each has
    ``distance_m`` (None when matched by address only) and ``same_address``.

    One query: a bounding box around the point narrows the rows, the exact distance is computed here.
    """
    radius = float(radius_m if radius_m is not None else getattr(settings, "APPEALS_DUPLICATE_RADIUS_M", DUPLICATE_RADIUS_M))
    days = int(days if days is not None else getattr(settings, "APPEALS_DUPLICATE_DAYS", DUPLICATE_DAYS))
    near = Q(pk__in=[])
    if appeal.address_id:
        near |= Q(address_id=appeal.address_id)
    has_point = appeal.lat is not None and appeal.lng is not None
    if has_point:
        dlat = radius / 111_320
        dlng = radius / (111_320 * max(math.cos(math.radians(appeal.lat)), 0.01))
        near |= Q(lat__range=(appeal.lat - dlat, appeal.lat + dlat), lng__range=(appeal.lng - dlng, appeal.lng + dlng))
    window = dt.timedelta(days=days)
    qs = (_visible(user).filter(near, category_id=appeal.category_id, status__in=OPEN_STATUSES, merged_into__isnull=True,
                                received_at__range=(appeal.received_at - window, appeal.received_at + window))
          .exclude(pk=appeal.pk).select_related("category", "community").order_by("received_at", "id"))
    found = []
    for other in qs:
        other.same_address = bool(appeal.address_id and other.address_id == appeal.address_id)
        other.distance_m = (round(distance_m(appeal.lat, appeal.lng, other.lat, other.lng), 1)
                            if has_point and other.lat is not None and other.lng is not None else None)
        if other.same_address or (other.distance_m is not None and other.distance_m <= radius):
            found.append(other)
    return sorted(found, key=lambda a: (a.distance_m if a.distance_m is not None else -1, a.received_at, a.pk))


def merged_followers(*, appeal: Appeal) -> QuerySet[Appeal]:
    """The appeals merged into ``appeal``: their requesters are to be told of its later changes."""
    return Appeal.objects.filter(merged_into=appeal).order_by("id")
