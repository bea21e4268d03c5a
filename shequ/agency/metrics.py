"""The "at most one trip" measures 最多跑一趟 of full agency, by community, street, matter or month.
Exact definitions: docs/agency.md ("Measures").

Over the completed cases the user may see whose ``closed_at`` falls in the period (Asia/Shanghai
dates, both included): the share with at most one trip, the share with none, the average number
of trips and the share closed by the promised time. One ``GROUP BY`` query plus one for the names.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from shequ.appeals.deadlines import SHANGHAI
from shequ.appeals.metrics import period_bounds
from shequ.core.errors import InvalidInput
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Node

from .models import AgencyCase, Matter
from .selectors import ensure_staff

#: group name -> the case column it groups on (month: the Shanghai month of ``closed_at``).
GROUPS = {"community": "community_id", "street": "street_id", "matter": "matter_id", "month": None}


@dataclass
class MeasureRow:
    key: int | str
    name: str
    closed: int = 0              # completed cases closed in the period (the denominator)
    at_most_one_trip: int = 0    # ... with trip_count <= 1
    zero_trips: int = 0          # ... with trip_count = 0
    trips: int = 0               # sum of trip_count
    on_time: int = 0             # ... closed_at <= due_at
    at_most_one_trip_rate: float | None = None
    zero_trip_rate: float | None = None
    average_trips: float | None = None
    on_time_rate: float | None = None


@dataclass
class MeasureReport:
    group: str
    start: dt.date
    end: dt.date
    rows: list[MeasureRow] = field(default_factory=list)
    total: MeasureRow | None = None


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _finish(row: MeasureRow) -> MeasureRow:
    row.at_most_one_trip_rate = _ratio(row.at_most_one_trip, row.closed)
    row.zero_trip_rate = _ratio(row.zero_trips, row.closed)
    row.average_trips = _ratio(row.trips, row.closed)
    row.on_time_rate = _ratio(row.on_time, row.closed)
    return row


def agency_measures(*, user, group: str, start: dt.date, end: dt.date) -> MeasureReport:
    """The measures of each community, street, matter or month over ``start``..``end``."""
    ensure_staff(user)
    if group not in GROUPS:
        raise InvalidInput(_("未知的分组"), extra={"field": "group", "allowed": sorted(GROUPS)})
    lo, hi = period_bounds(start, end)
    qs = scoping.scope_queryset(AgencyCase.objects.all(), user).filter(
        status=AgencyCase.Status.COMPLETED, closed_at__gte=lo, closed_at__lt=hi)
    column = GROUPS[group]
    if column is not None:
        qs = qs.filter(**{f"{column}__isnull": False})
    qs = qs.annotate(key=TruncMonth("closed_at", tzinfo=SHANGHAI) if column is None else F(column))
    counts = (qs.values("key").order_by()
              .annotate(closed=Count("id"), at_most_one_trip=Count("id", filter=Q(trip_count__lte=1)),
                        zero_trips=Count("id", filter=Q(trip_count=0)), trips=Sum("trip_count"),
                        on_time=Count("id", filter=Q(closed_at__lte=F("due_at")))))
    rows = []
    for item in counts:
        key = item["key"]
        if column is None:
            key = key.astimezone(SHANGHAI) if isinstance(key, dt.datetime) and key.tzinfo else key
            key = f"{key.year:04d}-{key.month:02d}"
        rows.append(MeasureRow(key=key, name="", closed=item["closed"], at_most_one_trip=item["at_most_one_trip"],
                               zero_trips=item["zero_trips"], trips=item["trips"] or 0, on_time=item["on_time"]))
    if column is not None:
        model = Matter if group == "matter" else Node
        names = dict(model.objects.filter(pk__in=[r.key for r in rows]).values_list("pk", "name"))
        for row in rows:
            row.name = names.get(row.key, str(row.key))
        rows.sort(key=lambda r: (r.name, str(r.key)))
    else:
        for row in rows:
            row.name = row.key
        rows.sort(key=lambda r: r.key)
    total = MeasureRow(key="total", name=_("合计"))
    for row in rows:
        _finish(row)
        for name in ("closed", "at_most_one_trip", "zero_trips", "trips", "on_time"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return MeasureReport(group=group, start=start, end=end, rows=rows, total=_finish(total))
