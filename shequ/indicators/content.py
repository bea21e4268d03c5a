"""The governance report as data, in the structure of the reports in the seeds:

一、总体情况 (overall situation and results: the headline figures in the reports' sentences, each
section's figures, a table and a chart of the units below), 二、存在的问题 (each problem a
provider detected, with its evidence and the communities concerned), 三、对策建议 (the problems'
suggestions), and the survey results when the surveys module is installed.

``build_content`` returns plain JSON-able data; the page, the .docx and the .pdf draw from it.
"""
from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.jurisdiction.models import Node

from . import catalog, compute
from .discovery import indicators, providers
from .selectors import build_sections, children_of, format_value, headline_of, missing_modules

#: Indicators charted across the units below, first available first (at most CHARTS charts).
CHART_KEYS = ("households_per_community", "workers_per_community", "socialorgs_per_community", "party_coverage",
              "appeals_on_time_rate", "appeals_satisfaction_rate", "appeals_overdue", "burden_index", "residents")
CHARTS = 3
NUMERALS = "一二三四五六七八九十"


def _chinese_number(i: int) -> str:
    return NUMERALS[i] if i < len(NUMERALS) else str(i + 1)


def _ratio(value) -> float | None:
    return None if value is None else float(value)


def steps_total() -> int:
    """Progress steps: compute and problems per provider, then the documents (3)."""
    return 2 * len(providers()) + 3


def build_content(node: Node, start: dt.date, end: dt.date, *, on_step=None) -> dict:
    known = indicators()
    children = children_of(node)
    nodes = [node, *children]
    values = compute.all_values(nodes, start, end, on_step=on_step)
    found = compute.all_problems([node], start, end, on_step=on_step)
    own = values.get(node.pk, {})

    headline = [{"key": ind.key, "label": str(ind.label), "unit": str(ind.unit), "value": _ratio(own.get(ind.key)),
                 "display": format_value(own.get(ind.key), ind)} for ind in headline_of(known)]
    in_headline = {h["key"] for h in headline}
    sections = [{"key": s.key, "label": s.label,
                 "indicators": [{"key": c.indicator.key, "label": str(c.indicator.label), "unit": str(c.indicator.unit),
                                 "value": _ratio(c.value), "display": c.display}
                                for c in s.cells if c.indicator.key not in in_headline],  # said once
                 "missing": s.missing} for s in build_sections(known, own)]
    sections = [s for s in sections if s["indicators"] or s["missing"]]

    columns = [ind for ind in known.values() if ind.key in dict.fromkeys(catalog.HEADLINE_ORDER)]
    table = {"columns": [{"key": ind.key, "label": str(ind.label)} for ind in columns],
             "rows": [{"id": child.pk, "name": child.name,
                       "cells": [format_value(values[child.pk].get(ind.key), ind) for ind in columns]}
                      for child in children]}
    charts = []
    for key in CHART_KEYS:
        ind = known.get(key)
        if ind is None or not children or len(charts) >= CHARTS:
            continue
        points = [(child.name, _ratio(values[child.pk].get(key))) for child in children]
        if all(not v for _name, v in points):  # nothing to compare
            continue
        charts.append({"key": key, "title": _("%(label)s(按下级单位)") % {"label": ind.label},
                       "percent": ind.percent, "unit": str(ind.unit), "points": points})

    community_names = dict(Node.objects.filter(pk__in={pk for p in found for pk in p["communities"]})
                           .values_list("pk", "name"))
    problems = []
    for i, p in enumerate(found):
        problems.append({"number": _("问题%(n)s") % {"n": _chinese_number(i)}, "key": p.get("key", ""),
                         "title": str(p.get("title", "")), "evidence": str(p.get("evidence", "")),
                         "communities": [community_names.get(pk, str(pk)) for pk in p["communities"]],
                         "suggestion": str(p.get("suggestion", "")), "severity": int(p.get("severity") or 1),
                         "source": p["source"]})
    suggestions = list(dict.fromkeys(p["suggestion"] for p in problems if p["suggestion"]))

    surveys = None
    survey_inds = [ind for ind in known.values() if ind.app == "shequ.surveys"]
    if survey_inds:
        surveys = [{"label": str(ind.label), "display": format_value(own.get(ind.key), ind)} for ind in survey_inds]

    communities = own.get("communities")
    lead = _("本报告由平台根据 %(start)s 至 %(end)s 的实时数据自动生成,范围为%(node)s") % {
        "start": start.isoformat(), "end": end.isoformat(), "node": node.name}
    lead += (_(",覆盖社区/村 %(n)s 个。") % {"n": format_value(communities, known["communities"])}
             if communities is not None and "communities" in known else "。")
    summary = _summary(node, own, known)
    sentences = [_("%(label)s:%(value)s%(unit)s") % {"label": h["label"], "value": h["display"],
                                                      "unit": "" if h["unit"] in ("%", "") or h["value"] is None
                                                      else h["unit"]} for h in headline]
    return {
        "title": _("%(node)s社区治理情况报告") % {"node": node.name},
        "node": {"id": node.pk, "name": node.name, "level": node.level},
        "start": start.isoformat(), "end": end.isoformat(),
        "generated_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "lead": lead,
        "overall": {"summary": summary, "headline": headline, "sentences": sentences},
        "sections": sections,
        "missing": missing_modules(),
        "table": table,
        "charts": charts,
        "problems": problems,
        "suggestions": suggestions,
        "surveys": surveys,
    }


def _summary(node: Node, own: dict, known: dict) -> str:
    """The reports' opening sentence of the overall situation ("当前,我市共有社区xx个,平均x户/社区;
    社区工作者x人,平均x人/社区、x户/人;社会组织……"), from the figures that are there."""
    def shown(key):
        value = own.get(key)
        return None if value is None or key not in known else format_value(value, known[key])

    parts = []
    if shown("communities") is not None:
        part = _("共有社区/村%(n)s个") % {"n": shown("communities")}
        if shown("households_per_community") is not None:
            part += _(",平均%(n)s户/社区") % {"n": shown("households_per_community")}
        parts.append(part)
    if shown("workers") is not None:
        part = _("社区工作者%(n)s人") % {"n": shown("workers")}
        extra = [text % {"n": shown(key)} for key, text in (("workers_per_community", _("%(n)s人/社区")),
                                                            ("households_per_worker", _("%(n)s户/人")))
                 if shown(key) is not None]
        if extra:
            part += _(",平均") + "、".join(extra)
        parts.append(part)
    if shown("socialorgs_per_community") is not None:
        parts.append(_("平均每社区社会组织%(n)s个") % {"n": shown("socialorgs_per_community")})
    if shown("appeals_on_time_rate") is not None:
        parts.append(_("诉求按时办结率%(n)s") % {"n": shown("appeals_on_time_rate")})
    if not parts:
        return ""
    return _("当前,%(node)s") % {"node": node.name} + ";".join(parts) + "。"
