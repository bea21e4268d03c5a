"""Survey indicators for the dashboard and the governance report (the indicator protocol of issue 7):
answers received in the period under each node, online and by phone interview."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.jurisdiction.models import SCOPE_LEVELS

from .models import Channel, Response

INDICATORS = [
    {"key": "survey_responses", "label": _("调研答卷数"), "unit": _("份"), "better": "higher", "section": "other"},
    {"key": "survey_phone_interviews", "label": _("电话访谈数"), "unit": _("人次"), "better": "higher", "section": "other"},
]


def _bounds(start: dt.date, end: dt.date):
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


def compute(nodes, start, end):
    """Responses submitted in [start, end] located under each node: one grouped query per level."""
    nodes = list(nodes)
    low, high = _bounds(start, end)
    result = {n.pk: {"survey_responses": 0, "survey_phone_interviews": 0} for n in nodes}
    by_level: dict[str, list[int]] = defaultdict(list)
    for n in nodes:
        if n.level in SCOPE_LEVELS:
            by_level[n.level].append(n.pk)
    for level, ids in by_level.items():
        col = f"{level}_id"
        rows = (Response.objects.filter(**{f"{col}__in": ids}, submitted_at__gte=low, submitted_at__lt=high)
                .values(col).order_by().annotate(n=Count("id"), phone=Count("id", filter=Q(channel=Channel.PHONE))))
        for row in rows:
            result[row[col]] = {"survey_responses": row["n"], "survey_phone_interviews": row["phone"]}
    return result
