"""Scoped reads of proactive governance: the month's most frequent problems by place × category,
topics, and a topic's effect (its category's appeal count in its place, month by month).

Counts are over the appeals the user may see (``scoping.scope_queryset``), by receipt month in
Asia/Shanghai; every appeal counts, merged duplicates included (each is a resident's demand).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from shequ.appeals.deadlines import SHANGHAI
from shequ.appeals.models import Appeal, ServiceCategory
from shequ.core.errors import InvalidInput, NotAllowed
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Node

from .models import Topic

LEVELS = ("community", "street")


def month_start(day: dt.date, shift: int = 0) -> dt.date:
    months = day.year * 12 + day.month - 1 + shift
    return dt.date(months // 12, months % 12 + 1, 1)


def parse_month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime((text or "").strip(), "%Y-%m").date()
    except ValueError:
        raise InvalidInput(_("月份格式应为 YYYY-MM"), extra={"field": "month", "value": text}) from None


def _bounds(month: dt.date, months: int = 1) -> tuple[dt.datetime, dt.datetime]:
    return (dt.datetime.combine(month, dt.time(), tzinfo=SHANGHAI),
            dt.datetime.combine(month_start(month, months), dt.time(), tzinfo=SHANGHAI))


def _appeals(user) -> QuerySet[Appeal]:
    if not scoping.can(user, "proactive.view"):
        raise NotAllowed(_("您的角色无权查看主动治理"), extra={"action": "proactive.view"})
    return scoping.scope_queryset(Appeal.objects.all(), user)


@dataclass
class Problem:
    place_id: int
    place: str
    category_id: int
    category: str
    count: int
    share: float          # of all the user's appeals received in the month
    previous: int         # same place × category, the month before
    change: int           # count - previous
    repeat_addresses: int  # standard addresses with two or more of these appeals
    repeat_appeals: int    # the appeals at those addresses
    topic_id: int | None = None

    @property
    def place_category(self) -> str:
        return f"{self.place}·{self.category}"


def hot_problems(*, user, month: dt.date, level: str = "community", limit: int = 20) -> list[Problem]:
    """The month's problems by place (community or street) × category, most frequent first.

    Three queries: the month's groups (every place × category, the total their sum: one pass over
    the month's appeals, not two), the previous month's groups, the repeat addresses (plus names and
    existing topics)."""
    if level not in LEVELS:
        raise InvalidInput(_("地点层级只能是社区或街道"), extra={"field": "level", "allowed": list(LEVELS)})
    month = month_start(month)
    base = _appeals(user)
    column = f"{level}_id"
    lo, hi = _bounds(month)
    in_month = base.filter(received_at__gte=lo, received_at__lt=hi)
    cells = list(in_month.values(column, "category_id").annotate(n=Count("id")).order_by())
    groups = sorted((c for c in cells if c[column] is not None),
                    key=lambda c: (-c["n"], c[column], c["category_id"]))[:limit]
    if not groups:
        return []
    total = sum(c["n"] for c in cells)
    plo, phi = _bounds(month_start(month, -1))
    places = {g[column] for g in groups}
    categories = {g["category_id"] for g in groups}
    previous = {(r[column], r["category_id"]): r["n"] for r in base.filter(
        received_at__gte=plo, received_at__lt=phi, **{f"{column}__in": places}, category_id__in=categories,
    ).values(column, "category_id").annotate(n=Count("id")).order_by()}
    repeats: dict = {}
    for r in (in_month.filter(**{f"{column}__in": places}, category_id__in=categories, address_id__isnull=False)
              .values(column, "category_id", "address_id").annotate(n=Count("id")).filter(n__gte=2).order_by()):
        addresses, appeals = repeats.get((r[column], r["category_id"]), (0, 0))
        repeats[(r[column], r["category_id"])] = (addresses + 1, appeals + r["n"])
    place_names = dict(Node.objects.filter(pk__in=places).values_list("pk", "name"))
    category_names = dict(ServiceCategory.objects.filter(pk__in=categories).values_list("pk", "name"))
    topics = {(p, c): pk for pk, p, c in Topic.objects.filter(month=month, place_id__in=places, category_id__in=categories)
              .values_list("pk", "place_id", "category_id")}
    result = []
    for g in groups:
        key = (g[column], g["category_id"])
        prev = previous.get(key, 0)
        addresses, appeals = repeats.get(key, (0, 0))
        result.append(Problem(place_id=key[0], place=place_names.get(key[0], ""), category_id=key[1],
                              category=category_names.get(key[1], ""), count=g["n"], share=g["n"] / total,
                              previous=prev, change=g["n"] - prev, repeat_addresses=addresses,
                              repeat_appeals=appeals, topic_id=topics.get(key)))
    return result


def problem_appeals(*, user, month: dt.date, place: Node, category: ServiceCategory) -> QuerySet[Appeal]:
    """The appeals of ``place`` × ``category`` received in ``month`` that the user may see."""
    lo, hi = _bounds(month_start(month))
    return _appeals(user).filter(received_at__gte=lo, received_at__lt=hi, category=category,
                                 **place.scope_filter()).order_by("received_at", "id")


def topic_list(*, user, status: str = "") -> QuerySet[Topic]:
    if not scoping.can(user, "proactive.view"):
        raise NotAllowed(_("您的角色无权查看主动治理"), extra={"action": "proactive.view"})
    qs = scoping.scope_queryset(Topic.objects.all(), user)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("place", "category", "owner_node", "owner_department").annotate(
        appeal_count=Count("appeals")).order_by("-month", "-id")


def topic_get(*, user, pk: int) -> Topic:
    """One topic (404 when missing or outside the user's scope)."""
    if not scoping.can(user, "proactive.view"):
        raise NotAllowed(_("您的角色无权查看主动治理"), extra={"action": "proactive.view"})
    return scoping.get_in_scope(Topic.objects.select_related("place", "category", "owner_node", "owner_department"),
                                user, pk=pk)


def topic_appeals(*, user, topic: Topic) -> QuerySet[Appeal]:
    """The topic's appeals that the user may see."""
    return scoping.scope_queryset(topic.appeals.all(), user).select_related("category").order_by("received_at", "id")


def topic_effect(*, user, topic: Topic, today: dt.date, before: int = 3, after: int = 6) -> list[dict]:
    """The category's appeal count in the topic's place by month: ``before`` months up to the topic's
    month, then every month up to ``after`` months past completion (or past the topic's month while
    it is not done), never past ``today``'s month. Each row: ``month`` (YYYY-MM), ``count``, ``phase``
    (before / topic / working / after)."""
    first = month_start(topic.month, -before)
    done = month_start(topic.done_at.astimezone(SHANGHAI).date()) if topic.done_at else None
    last = min(month_start(done or topic.month, after), month_start(today))
    months = []
    m = first
    while m <= last:
        months.append(m)
        m = month_start(m, 1)
    lo, hi = _bounds(first, len(months))
    counts = {row["m"].date() if isinstance(row["m"], dt.datetime) else row["m"]: row["n"] for row in
              _appeals(user).filter(received_at__gte=lo, received_at__lt=hi, category_id=topic.category_id,
                                    **topic.place.scope_filter())
              .annotate(m=TruncMonth("received_at", tzinfo=SHANGHAI)).values("m").annotate(n=Count("id")).order_by()}
    rows = []
    for m in months:
        phase = ("before" if m < topic.month else "topic" if m == topic.month
                 else "after" if done is not None and m > done else "working")
        rows.append({"month": f"{m:%Y-%m}", "count": counts.get(m, 0), "phase": phase})
    return rows
