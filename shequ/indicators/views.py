"""Pages: the indicator dashboard of a node (figures by section, a chart and table of the units
below with drill-down, a comparison with the siblings in scope), and the governance reports (ask
for one, watch its progress through htmx polling, read it, download .docx / .pdf).

Thin: the role is checked first (403), nodes and reports come through ``selectors`` (404 outside
scope), writes through ``services``.
"""
from __future__ import annotations

import datetime as dt

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from shequ.core.errors import InvalidInput, NotInScope
from shequ.web.paging import capped_page
from shequ.web.views import _require, attempt, page

from . import selectors, services
from .selectors import format_value


class PeriodForm(forms.Form):
    node = forms.IntegerField(required=False, widget=forms.HiddenInput)
    start = forms.DateField(label=gettext_lazy("期初(含)"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("期末(含)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    compare = forms.CharField(required=False, widget=forms.HiddenInput)


def _today() -> dt.date:
    return timezone.localdate()


def _period(data: dict) -> tuple[dt.date, dt.date]:
    today = _today()
    start = data.get("start") or dt.date(today.year, 1, 1)
    end = data.get("end") or today
    return start, end


def _presets(node_id: int, today: dt.date) -> list[dict]:
    month = dt.date(today.year, today.month, 1)
    last_end = month - dt.timedelta(days=1)
    items = [(_("本月"), month, today), (_("上月"), dt.date(last_end.year, last_end.month, 1), last_end),
             (_("本年"), dt.date(today.year, 1, 1), today),
             (_("上年"), dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31))]
    return [{"label": label, "query": urlencode({"node": node_id, "start": s.isoformat(), "end": e.isoformat()}),
             "start": s, "end": e} for label, s, e in items]


def _node(request, user, node_id):
    if node_id:
        return selectors.node_get(user=user, pk=node_id)
    node = selectors.default_node(user)
    if node is None:
        raise NotInScope(_("您没有可统计的辖区"))
    return node


@page
def dashboard(request):
    user = request.user
    _require(user, "indicators.view")
    form = PeriodForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    raw_node = request.GET.get("node", "")
    node = _node(request, user, data.get("node") or (int(raw_node) if raw_node.isdigit() else None))
    start, end = _period(data)
    error = "; ".join(f"{form.fields[name].label or name}: {' '.join(errors)}"
                      for name, errors in form.errors.items()) if form.is_bound else ""
    try:
        board = selectors.dashboard(user=user, node=node, start=start, end=end)
    except InvalidInput as exc:
        error = exc.message
        start, end = _period({})
        board = selectors.dashboard(user=user, node=node, start=start, end=end)
    by_key = {ind.key: ind for ind in board.indicators}
    columns = [cell.indicator for cell in board.headline]
    compare_key = data.get("compare") or ""
    if compare_key not in by_key:
        compare_key = next((k for k in ("households_per_community", "appeals_on_time_rate") if k in by_key),
                           columns[0].key if columns else "")
    compare = by_key.get(compare_key)
    period_query = {"start": start.isoformat(), "end": end.isoformat()}

    def chart_rows(pairs):
        return [{"name": n.name, "value": _chart_value(v.get(compare_key), compare)} for n, v in pairs]

    children = [{"node": child, "url": "?" + urlencode({"node": child.pk, **period_query, "compare": compare_key}),
                 "cells": [(ind.label, format_value(values.get(ind.key), ind)) for ind in columns]}
                for child, values in board.children]
    siblings = [{"node": sib, "current": sib.pk == node.pk,
                 "url": "?" + urlencode({"node": sib.pk, **period_query, "compare": compare_key}),
                 "display": format_value(values.get(compare_key), compare) if compare else "—"}
                for sib, values in board.siblings]
    parent_url = ("?" + urlencode({"node": node.parent_id, **period_query, "compare": compare_key})
                  if selectors.can_open(user, node.parent_id) else "")
    return render(request, "indicators/dashboard.html", {
        "board": board, "node": node, "start": start, "end": end, "error": error,
        "columns": columns, "children": children, "siblings": siblings,
        "compare": compare, "compare_key": compare_key,
        "compare_links": [{"key": ind.key, "label": ind.label, "active": ind.key == compare_key,
                           "query": urlencode({"node": node.pk, **period_query, "compare": ind.key})}
                          for ind in board.indicators],
        "child_chart": chart_rows(board.children), "sibling_chart": chart_rows(board.siblings),
        "child_max": _headroom(chart_rows(board.children)), "sibling_max": _headroom(chart_rows(board.siblings)),
        "percent": bool(compare and compare.percent),
        "presets": _presets(node.pk, _today()), "parent_url": parent_url,
        "can_report": selectors.can_report(user),
    })


def _headroom(rows: list[dict]) -> float | None:
    """A chart's top a little above its largest bar, so the value printed after it stays inside."""
    values = [r["value"] for r in rows if r["value"] is not None]
    return max(values) * 1.18 if values and max(values) > 0 else None


def _chart_value(value, indicator):
    if value is None or indicator is None:
        return None
    return float(value) / 100 if indicator.percent and abs(value) > 1 else float(value)


class ReportForm(forms.Form):
    node = forms.IntegerField(widget=forms.HiddenInput)
    start = forms.DateField(label=gettext_lazy("期初(含)"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("期末(含)"), widget=forms.DateInput(attrs={"type": "date"}))


@page
@require_http_methods(["GET", "POST"])
def report_list(request):
    user = request.user
    _require(user, "indicators.report")
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            node = selectors.node_get(user=user, pk=d["node"])
            ok, report = attempt(lambda: services.report_request(actor=user, node=node, start=d["start"], end=d["end"],
                                                                 ip=request.META.get("REMOTE_ADDR")),
                                 form=form)
            if ok:
                return redirect("indicators:report", pk=report.pk)
    else:
        node = selectors.default_node(user)
        today = _today()
        form = ReportForm(initial={"node": node.pk if node else None, "start": dt.date(today.year, 1, 1), "end": today})
    result = capped_page(selectors.report_list(user=user), request.GET.get("page"))
    return render(request, "indicators/reports.html", {"form": form, "page": result, "rows": result.rows})


@page
def report_detail(request, pk: int):
    report = selectors.report_get(user=request.user, pk=pk)
    charts = [{"title": chart["title"], "percent": chart["percent"],
               "rows": [{"name": name, "value": value} for name, value in chart["points"]]}
              for chart in (report.content or {}).get("charts", [])]
    for chart in charts:
        chart["max"] = _headroom(chart["rows"])
    table = (report.content or {}).get("table") or {"columns": [], "rows": []}
    labels = [column["label"] for column in table["columns"]]
    table_rows = [{"name": row["name"], "cells": list(zip(labels, row["cells"]))} for row in table["rows"]]
    return render(request, "indicators/report.html", {"report": report, "content": report.content, "charts": charts,
                                                        "table_rows": table_rows})


@page
def report_progress(request, pk: int):
    report = selectors.report_get(user=request.user, pk=pk)
    response = render(request, "indicators/partials/progress.html", {"report": report})
    if report.finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # show the finished report
    return response


@page
def report_download(request, pk: int, fmt: str):
    report = selectors.report_get(user=request.user, pk=pk, with_files=True)
    data, content_type, filename = services.report_download(actor=request.user, report=report, fmt=fmt,
                                                            ip=request.META.get("REMOTE_ADDR"))
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
