"""Volunteer figures for the indicator dashboard and the governance report (the indicator protocol,
see docs/volunteers.md). Plain module: it does not import shequ.indicators.

* volunteers_per_1000: volunteers in register (status "active", registered by ``end``) per 1,000
  active residents of the registry;
* volunteer_hours: service hours confirmed for activities starting in [start, end];
* callout_response_rate: share (%) of volunteers called out in [start, end] who answered "yes".
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

INDICATORS = [
    {"key": "volunteers_per_1000", "label": _("每千名居民志愿者数"), "unit": _("人"), "better": "higher", "section": "other"},
    {"key": "volunteer_hours", "label": _("志愿服务时长"), "unit": _("小时"), "better": "higher", "section": "other"},
    {"key": "callout_response_rate", "label": _("志愿者召集响应率"), "unit": "%", "better": "higher", "section": "other"},
]


def _by_level(nodes) -> dict[str, list[int]]:
    levels: dict[str, list[int]] = defaultdict(list)
    for node in nodes:
        levels[node.level].append(node.pk)
    return levels


def _grouped(qs, level: str, ids: list[int], prefix: str = "", **aggregates) -> dict[int, dict]:
    column = f"{prefix}{level}_id"
    rows = qs.filter(**{f"{column}__in": ids}).values(column).annotate(**aggregates).order_by()
    return {r[column]: r for r in rows}


def compute(nodes, start: dt.date, end: dt.date) -> dict[int, dict]:
    """Figures per node: five grouped queries per level present among ``nodes``."""
    from shequ.registry.models import Resident

    from .models import CallOutReply, SignUp, Volunteer

    result: dict[int, dict] = {}
    for level, ids in _by_level(nodes).items():
        residents = _grouped(Resident.objects.filter(status=Resident.Status.ACTIVE), level, ids, n=Count("id"))
        volunteers = _grouped(Volunteer.objects.filter(status=Volunteer.Status.ACTIVE, registered_at__date__lte=end),
                              level, ids, n=Count("id"))
        hours = _grouped(SignUp.objects.filter(status=SignUp.Status.CONFIRMED, activity__starts_at__date__gte=start,
                                               activity__starts_at__date__lte=end),
                         level, ids, prefix="volunteer__", h=Sum("hours"))
        calls = _grouped(CallOutReply.objects.filter(callout__called_at__date__gte=start, callout__called_at__date__lte=end),
                         level, ids, prefix="callout__", n=Count("id"),
                         yes=Count("id", filter=Q(answer=CallOutReply.Answer.YES)))
        for pk in ids:
            people = residents.get(pk, {}).get("n", 0)
            called = calls.get(pk, {}).get("n", 0)
            result[pk] = {
                "volunteers_per_1000": round(volunteers.get(pk, {}).get("n", 0) * 1000 / people, 1) if people else None,
                "volunteer_hours": float(hours.get(pk, {}).get("h") or 0),
                "callout_response_rate": round(calls[pk]["yes"] * 100 / called, 1) if called else None,
            }
    return result
