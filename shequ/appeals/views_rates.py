"""The three rates page 三率 (``/appeals/rates/``) and its Excel export: a dimension switch (street,
community, department, category, month), a period, a sortable ranking table that shows the
minimum-volume rule, a bar chart of the composite per unit and a month chart of the three rates.

Figures come from ``metrics.appeal_rates`` (scoped: the user's own appeals only; definitions in
docs/metrics.md). The page table and the export are built by the same ``rate_table``.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core.audit import audit_record
from shequ.web.charts import format_value
from shequ.web.views import _require, page

from . import metrics
from .deadlines import SHANGHAI

DIMENSIONS = (
    ("street", gettext_lazy("街道/乡镇")), ("community", gettext_lazy("社区/村")),
    ("department", gettext_lazy("区直部门")), ("category", gettext_lazy("类别")), ("month", gettext_lazy("月份")),
)


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    kind: str  # "rate" (0–1, shown as %), "score" (0–100), "count"
    parts: tuple[str, str] | None = None  # (numerator, denominator) counts shown next to a rate


COLUMNS = (
    Column("response_rate", gettext_lazy("响应率"), "rate", ("responded", "response_due")),
    Column("resolution_rate", gettext_lazy("解决率"), "rate", ("solved", "evaluated")),
    Column("satisfaction_rate", gettext_lazy("满意率"), "rate", ("satisfied_any", "evaluated")),
    Column("satisfaction_score", gettext_lazy("满意度得分"), "score"),
    Column("on_time_rate", gettext_lazy("按时办结率"), "rate", ("completed_on_time", "completion_due")),
    Column("composite", gettext_lazy("综合得分"), "score"),
    Column("response_due", gettext_lazy("响应件数"), "count"),
    Column("evaluated", gettext_lazy("评价件数"), "count"),
)
SORT_KEYS = {"rank", "name"} | {c.key for c in COLUMNS}
#: The three rates drawn by month.
MONTH_SERIES = [("response_rate", gettext_lazy("响应率")), ("resolution_rate", gettext_lazy("解决率")),
                ("satisfaction_rate", gettext_lazy("满意率"))]


def _today() -> dt.date:
    return timezone.now().astimezone(SHANGHAI).date()


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    months = day.year * 12 + day.month - 1 - back
    return dt.date(months // 12, months % 12 + 1, 1)


def presets(today: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    this_month = _month_start(today)
    return [(_("本月"), this_month, today),
            (_("上月"), _month_start(today, 1), this_month - dt.timedelta(days=1)),
            (_("近6个月"), _month_start(today, 5), today),
            (_("本年"), dt.date(today.year, 1, 1), today)]


class RatesForm(forms.Form):
    group = forms.ChoiceField(label=gettext_lazy("维度"), choices=DIMENSIONS, required=False)
    start = forms.DateField(label=gettext_lazy("期初(含)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("期末(含)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in sorted(SORT_KEYS)])
    dir = forms.ChoiceField(required=False, choices=[("asc", "asc"), ("desc", "desc")])

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("统计期末不能早于期初"))
        return data

    def params(self, today: dt.date) -> dict:
        """The cleaned choice, each missing or invalid part replaced by its default (street, this month)."""
        data = self.cleaned_data if self.is_valid() else {}
        start = data.get("start") or _month_start(today)
        end = data.get("end") or today
        return {"group": data.get("group") or "street", "start": start, "end": end,
                "sort": data.get("sort") or "", "dir": data.get("dir") or "asc"}


def _cell(row, column: Column) -> dict:
    value = getattr(row, column.key)
    if column.kind == "rate":
        shown = format_value(value, percent=True)
        number = None if value is None else round(value * 100, 1)
    elif column.kind == "score":
        shown = format_value(value)
        number = None if value is None else round(value, 1)
    else:
        shown, number = str(value), value
    cell = {"key": column.key, "label": column.label, "value": value, "shown": shown, "number": number}
    if column.parts:
        num = row.satisfied + row.basic if column.parts[0] == "satisfied_any" else getattr(row, column.parts[0])
        cell["detail"] = f"{num}/{getattr(row, column.parts[1])}"
    return cell


def rate_table(report: metrics.RateReport, *, sort: str = "", direction: str = "asc") -> list[dict]:
    """The report's rows as table rows (display strings and the rounded numbers the export writes),
    in the report's order (ranked first) or sorted by ``sort``; an empty figure always sorts last."""
    rows = [{"row": r, "key": r.key, "name": r.name, "rank": r.rank, "ranked": r.ranked,
             "cells": [_cell(r, c) for c in COLUMNS]} for r in report.rows]
    if sort in SORT_KEYS:
        def value(item):
            if sort in ("rank", "name"):
                return item[sort]
            return next(c["value"] for c in item["cells"] if c["key"] == sort)

        present = [i for i in rows if value(i) is not None]
        missing = [i for i in rows if value(i) is None]
        present.sort(key=lambda i: (value(i), str(i["key"])), reverse=direction == "desc")
        rows = present + missing
    return rows


def _context(request) -> dict:
    user = request.user
    _require(user, "appeals.view")
    today = _today()
    form = RatesForm(request.GET or None)
    p = form.params(today)
    report = metrics.appeal_rates(user=user, group=p["group"], start=p["start"], end=p["end"])
    table = rate_table(report, sort=p["sort"], direction=p["dir"])
    months = report if p["group"] == "month" else metrics.appeal_rates(user=user, group="month", start=p["start"], end=p["end"])
    return {"form": form, "p": p, "report": report, "table": table, "months": months.rows, "today": today}


def _sort_links(p: dict) -> dict:
    """For each sortable column, the query that sorts by it (a second click reverses)."""
    base = {"group": p["group"], "start": p["start"].isoformat(), "end": p["end"].isoformat()}
    links = {}
    for key in SORT_KEYS:
        direction = "asc" if key in ("rank", "name") else "desc"
        if p["sort"] == key:
            direction = "asc" if p["dir"] == "desc" else "desc"
        links[key] = {**base, "sort": key, "dir": direction}
    return links


@page
def rates(request):
    ctx = _context(request)
    p = ctx["p"]
    ctx["dimensions"] = [{"value": v, "label": label, "active": v == p["group"],
                          "query": urlencode({"group": v, "start": p["start"].isoformat(), "end": p["end"].isoformat()})}
                         for v, label in DIMENSIONS]
    ctx["presets"] = [{"label": label, "active": (s, e) == (p["start"], p["end"]),
                       "query": urlencode({"group": p["group"], "start": s.isoformat(), "end": e.isoformat()})}
                      for label, s, e in presets(ctx["today"])]
    links = {k: urlencode(v) for k, v in _sort_links(p).items()}
    ctx["sort_links"] = links
    ctx["headers"] = [{"key": c.key, "label": c.label, "query": links[c.key],
                       "arrow": ("↓" if p["dir"] == "desc" else "↑") if p["sort"] == c.key else ""} for c in COLUMNS]
    ctx["export_query"] = urlencode({"group": p["group"], "start": p["start"].isoformat(), "end": p["end"].isoformat(),
                                     "sort": p["sort"], "dir": p["dir"]})
    ctx["bars"] = sorted((r for r in ctx["report"].rows if r.composite is not None),
                         key=lambda r: (-r.composite, str(r.key))) if p["group"] != "month" else []
    ctx["month_series"] = MONTH_SERIES
    ctx["ranked_group"] = p["group"] in metrics.RANKED_GROUPS
    ctx["dimension_label"] = dict(DIMENSIONS)[p["group"]]
    return render(request, "appeals/rates.html", ctx)


@page
def rates_export(request):
    """The page's table as .xlsx (same scope, same rows, same order, the numbers as shown)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    ctx = _context(request)
    p, report = ctx["p"], ctx["report"]
    wb = Workbook()
    ws = wb.active
    ws.title = _("三率")
    ws.append([_("维度"), str(dict(DIMENSIONS)[p["group"]]), _("期间"), f"{p['start']:%Y-%m-%d} ~ {p['end']:%Y-%m-%d}"])
    ws.append([_("权重"), "/".join(str(w) for w in report.weights.values()), _("参与排名最低件数"), report.min_volume])
    header = [_("排名"), _("名称")]
    for c in COLUMNS:
        header.append(f"{c.label}(%)" if c.kind == "rate" else str(c.label))
    ws.append(header)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for item in ctx["table"]:
        unranked = _("不参与排名") if p["group"] in metrics.RANKED_GROUPS else ""
        ws.append([item["rank"] if item["ranked"] else unranked, item["name"]] + [c["number"] for c in item["cells"]])
    out = io.BytesIO()
    wb.save(out)
    audit_record(actor=request.user, verb="appeals.rates_exported",
                 extra={"group": p["group"], "from": p["start"].isoformat(), "to": p["end"].isoformat(),
                        "rows": len(ctx["table"])})
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="rates-{p["group"]}-{p["start"]:%Y%m%d}-{p["end"]:%Y%m%d}.xlsx"'
    return response
