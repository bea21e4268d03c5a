"""Department ranking 部门报到排名: how the district's departments answered the streets' whistles
in a month or a year. Definitions (docs/whistle.md):

* whistles: the department's rows (one per whistle that called it) blown in the period
  (``whistled_at``, Asia/Shanghai);
* on-time report rate: reported on site by the report due time ÷ rows whose outcome is known
  (reported, or the due time has passed);
* on-time reply rate: the same for the reply and its due time;
* average score: the mean of the 0–100 scores of the scored rows.

Ranked: departments with at least one score, by average score, then on-time report rate,
on-time reply rate, number of whistles (ties share a rank). The rest follow unranked.

The ranking is about departments, so it covers the whole district of the user (a street sees
its district's departments, whoever whistled them): the district comes from the user's bound
nodes (``scoping.bound_nodes``), and only roles with ``whistle.ranking`` may read it.
Two queries: the departments and one ``GROUP BY``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Avg, Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.appeals.deadlines import SHANGHAI
from shequ.core.errors import InvalidInput, NotAllowed, NotInScope
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Department, Level, Node

from .models import WhistleTarget

PERIODS = ("month", "year")


@dataclass
class RankRow:
    department_id: int
    name: str
    whistles: int = 0
    report_known: int = 0
    report_on_time: int = 0
    reply_known: int = 0
    reply_on_time: int = 0
    scored: int = 0
    average_score: float | None = None
    report_rate: float | None = None
    reply_rate: float | None = None
    rank: int | None = None


@dataclass
class Ranking:
    district_id: int
    district: str
    period: str
    start: dt.date
    end: dt.date  # exclusive
    rows: list[RankRow] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m}" if self.period == "month" else f"{self.start:%Y}"


def ranking_districts(user) -> list[Node]:
    """The districts whose department ranking ``user`` may read (403 without ``whistle.ranking``)."""
    if not scoping.can(user, "whistle.ranking"):
        raise NotAllowed(_("您的角色无权查看部门排名"), extra={"action": "whistle.ranking"})
    if scoping.is_global(user):
        return list(Node.objects.filter(level=Level.DISTRICT).order_by("path"))
    ids = {node.district_id for node in scoping.bound_nodes(user) if node.district_id}
    return list(Node.objects.filter(pk__in=ids).order_by("path"))


def period_range(period: str, year: int, month: int | None) -> tuple[dt.date, dt.date]:
    if period not in PERIODS:
        raise InvalidInput(_("统计周期须为 month 或 year"), extra={"field": "period", "period": period})
    if not 2000 <= year <= 2100:
        raise InvalidInput(_("年份超出范围"), extra={"field": "year", "year": year})
    if period == "year":
        return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    if month is None or not 1 <= month <= 12:
        raise InvalidInput(_("月份须为 1 至 12"), extra={"field": "month", "month": month})
    start = dt.date(year, month, 1)
    return start, dt.date(year + (month == 12), month % 12 + 1, 1)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def department_ranking(*, user, period: str, year: int, month: int | None = None, district_id: int | None = None,
                       now: dt.datetime | None = None) -> Ranking:
    """The departments of the user's district (or ``district_id``, one of theirs) ranked over the period."""
    districts = ranking_districts(user)
    start, end = period_range(period, year, month)
    if district_id is not None:
        districts = [d for d in districts if d.pk == district_id]
    if not districts:
        raise NotInScope(_("辖区不存在或不在您的辖区内"), extra={"district": district_id})
    district = districts[0]
    now = now or timezone.now()
    lo = dt.datetime.combine(start, dt.time(), tzinfo=SHANGHAI)
    hi = dt.datetime.combine(end, dt.time(), tzinfo=SHANGHAI)
    rows = {pk: RankRow(department_id=pk, name=name) for pk, name in
            Department.objects.filter(district=district).order_by("code", "id").values_list("pk", "name")}
    counts = (WhistleTarget.objects.filter(department__district=district, whistle__whistled_at__gte=lo,
                                           whistle__whistled_at__lt=hi)
              .values("department_id").order_by()
              .annotate(n=Count("id"),
                        report_known=Count("id", filter=Q(on_site_at__isnull=False) | Q(whistle__report_due_at__lt=now)),
                        report_on_time=Count("id", filter=Q(on_site_at__lte=F("whistle__report_due_at"))),
                        reply_known=Count("id", filter=Q(replied_at__isnull=False) | Q(whistle__reply_due_at__lt=now)),
                        reply_on_time=Count("id", filter=Q(replied_at__lte=F("whistle__reply_due_at"))),
                        scored=Count("score"), average=Avg("score")))
    for item in counts:
        row = rows[item["department_id"]]
        row.whistles, row.scored = item["n"], item["scored"]
        row.report_known, row.report_on_time = item["report_known"], item["report_on_time"]
        row.reply_known, row.reply_on_time = item["reply_known"], item["reply_on_time"]
        row.report_rate = _rate(row.report_on_time, row.report_known)
        row.reply_rate = _rate(row.reply_on_time, row.reply_known)
        row.average_score = round(float(item["average"]), 2) if item["average"] is not None else None

    def key(r: RankRow) -> tuple:
        return (-r.average_score, -(r.report_rate or 0), -(r.reply_rate or 0), -r.whistles)

    ranked = sorted((r for r in rows.values() if r.scored), key=lambda r: (key(r), r.name))
    for i, r in enumerate(ranked):
        r.rank = ranked[i - 1].rank if i and key(ranked[i - 1]) == key(r) else i + 1
    rest = sorted((r for r in rows.values() if not r.scored), key=lambda r: (-r.whistles, r.name))
    return Ranking(district_id=district.pk, district=district.name, period=period, start=start, end=end,
                   rows=ranked + rest)


def bar_chart(rows: list[RankRow], *, width: int = 420, bar: int = 20, gap: int = 8, label: int = 96) -> dict:
    """Geometry of a horizontal bar chart of the average scores (0–100), drawn as inline SVG by
    the template: one bar per department with a score, in ranking order."""
    scored = [r for r in rows if r.average_score is not None]
    span = width - label - 48
    bars = []
    for i, r in enumerate(scored):
        y = gap + i * (bar + gap)
        bars.append({"name": r.name, "y": y, "text_y": y + bar * 0.7, "width": round(span * r.average_score / 100, 1),
                     "value": r.average_score, "value_x": label + round(span * r.average_score / 100, 1) + 6})
    ticks = [{"x": label + span * t / 100, "label": t} for t in (0, 20, 40, 60, 80, 100)]
    height = gap + len(scored) * (bar + gap) + 18
    return {"width": width, "height": height, "label": label, "span": span, "bar": bar, "bars": bars,
            "ticks": ticks, "axis_y": height - 16}
