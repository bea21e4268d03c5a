"""Reads for the resident pages.

* A resident's own appeals go through ``scoping`` (``OWN_USER_LOOKUP``: the appeals whose
  ``requester_user`` they are); another's appeal is 404.
* The follow link names one appeal by a signed token (``links``); a bad token is 404.
* The public list is deliberately unscoped: it reads only non-personal columns, as ``values()``
  rows, so no template can reach a name, phone, description, address or coordinate.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.appeals.deadlines import SHANGHAI
from shequ.appeals.models import Appeal, AppealEvent
from shequ.core.errors import NotInScope
from shequ.core.kept import cached_for
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Level, Node

from .links import appeal_id_from_token

#: What each timeline verb means to the requester (no staff names, no internal notes).
PLAIN_WORDS = {
    "submitted": gettext_lazy("您的诉求已受理登记"),
    "accepted": gettext_lazy("工作人员已签收,正在安排办理"),
    "dispatched": gettext_lazy("已派给承办单位办理"),
    "started": gettext_lazy("承办单位已开始办理"),
    "replied": gettext_lazy("承办单位已答复"),
    "returned": gettext_lazy("承办单位退回,正在重新派单"),
    "evaluated": gettext_lazy("已收到您的评价"),
    "closed": gettext_lazy("诉求已办结"),
    "reopened": gettext_lazy("诉求已重新办理"),
    "reopen_refused": gettext_lazy("重新办理次数已达上限,已提交上级协调"),
    "escalated": gettext_lazy("已超过办理时限,已提请上级督办"),
}

#: Columns the public list may read. Nothing personal, no free text, no place finer than a community.
PUBLIC_COLUMNS = ("pk", "number", "category__name", "street__name", "community__name", "status", "received_at",
                  "replied_at", "closed_at", "completion_due_at")


def my_appeal_list(*, user) -> QuerySet[Appeal]:
    """The signed-in resident's own appeals, newest first (nothing for other roles)."""
    if not scoping.can(user, "appeals.own"):
        return Appeal.objects.none()
    return scoping.scope_queryset(Appeal.objects.all(), user).select_related("category").order_by("-received_at", "-id")


def my_appeal_get(*, user, pk: int) -> Appeal:
    scoping.ensure_can(user, "appeals.own")
    return scoping.get_in_scope(Appeal.objects.select_related("category"), user, pk=pk)


def follow_appeal_get(*, token: str) -> Appeal:
    """The appeal a follow link names (404 for a token not signed here)."""
    appeal_id = appeal_id_from_token(token)
    appeal = Appeal.objects.select_related("category").filter(pk=appeal_id).first() if appeal_id else None
    if appeal is None:
        raise NotInScope(_("链接无效或已失效"))
    return appeal


def requester_timeline(*, appeal: Appeal) -> list[dict]:
    """The appeal's timeline in plain words for its requester: time and meaning only."""
    events = AppealEvent.objects.filter(appeal=appeal, verb__in=list(PLAIN_WORDS)).order_by("at", "id")
    return [{"at": at, "words": PLAIN_WORDS[verb]} for at, verb in events.values_list("at", "verb")]


OPEN_STATUSES = frozenset({Appeal.Status.RECEIVED, Appeal.Status.ACCEPTED, Appeal.Status.DISPATCHED,
                           Appeal.Status.IN_PROGRESS, Appeal.Status.REOPENED})


def on_time(*, status: str, replied_at, due, now) -> str:
    """'yes' / 'no' (answered within / after the completion deadline), 'late' (open and past it),
    'open' (open, still in time), '' (no deadline)."""
    if due is None:
        return ""
    if status not in OPEN_STATUSES and replied_at is not None:
        return "yes" if replied_at <= due else "no"
    return "late" if now > due else "open"


def public_filter_options() -> tuple[list, list]:
    """Streets and communities for the public filters, as (id, name) and (id, name, street id)."""
    streets = list(Node.objects.filter(level=Level.STREET).order_by("path").values_list("pk", "name"))
    communities = list(Node.objects.filter(level=Level.COMMUNITY).order_by("path")
                       .values_list("pk", "name", "street_id"))
    return streets, communities


def month_range(month: str) -> tuple[dt.datetime, dt.datetime]:
    """The start and end of a 'YYYY-MM' month in Shanghai time."""
    year, mon = (int(part) for part in month.split("-"))
    start = dt.datetime(year, mon, 1, tzinfo=SHANGHAI)
    end = dt.datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=SHANGHAI)
    return start, end


def public_appeal_list(*, street: int | None = None, community: int | None = None, category: str = "",
                       status: str = "", month: str = "") -> QuerySet:
    """Anonymized appeals for the public page, newest first, as dicts of ``PUBLIC_COLUMNS``."""
    return _public_filtered(street=street, community=community, category=category, status=status,
                            month=month).order_by("-received_at", "-id").values(*PUBLIC_COLUMNS)


def public_map(*, street: int | None = None, community: int | None = None, category: str = "", status: str = "",
               month: str = "", now: dt.datetime | None = None) -> tuple[list[dict], dict[int, int]]:
    """The grids of the chosen area (boundaries) and how many of the filtered appeals lie in each:
    counts per grid only, never a point. Without a month, the last 30 days.

    The counts are one aggregate over every appeal of the period (a third of a second over a month of
    a large district), the same for every visitor: kept per filter in the shared cache for
    ``SHEQU_PUBLIC_CACHE_SECONDS`` (default 60; 0 = counted on every view)."""
    def count() -> dict[int, int]:
        qs = _public_filtered(street=street, community=community, category=category, status=status, month=month)
        if not month:
            qs = qs.filter(received_at__gte=(now or timezone.now()) - dt.timedelta(days=30))
        return dict(qs.filter(grid_id__isnull=False).values_list("grid_id").annotate(n=Count("id")).order_by())

    key = f"shequ:public-map:{street or ''}:{community or ''}:{category}:{status}:{month}"
    counts = cached_for(key, int(getattr(settings, "SHEQU_PUBLIC_CACHE_SECONDS", 60)), count)
    grids = Node.objects.filter(level=Level.GRID, boundary__isnull=False)
    if community:
        grids = grids.filter(community_id=community)
    elif street:
        grids = grids.filter(street_id=street)
    return list(grids.order_by("path").values("id", "name", "boundary")), counts


def _public_filtered(*, street: int | None = None, community: int | None = None, category: str = "",
                     status: str = "", month: str = "") -> QuerySet:
    qs = Appeal.objects.all()
    if street:
        qs = qs.filter(street_id=street)
    if community:
        qs = qs.filter(community_id=community)
    if category:
        qs = qs.filter(category__code=category)
    if status:
        qs = qs.filter(status=status)
    if month:
        start, end = month_range(month)
        qs = qs.filter(received_at__gte=start, received_at__lt=end)
    return qs
