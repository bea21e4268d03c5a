"""Appeal figures for the indicator dashboard and the governance report (the indicator protocol,
docs/indicators.md): the three rates, the on-time completion rate and the overdue appeals of each
node, from ``metrics.node_rates`` — the same counts and formulas as the rates page (docs/metrics.md).

Problems: communities with appeals not completed on time, and communities whose response or
satisfaction rate is below the threshold. Thresholds come from ``settings.SHEQU_APPEAL_PROBLEM_THRESHOLDS``
(defaults below); a community is judged on a rate only with at least ``min_volume`` appeals behind it.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

INDICATORS = [
    {"key": "appeals_response_rate", "label": _("诉求响应率"), "unit": "%", "better": "higher", "section": "appeals"},
    {"key": "appeals_resolution_rate", "label": _("诉求解决率"), "unit": "%", "better": "higher", "section": "appeals"},
    {"key": "appeals_satisfaction_rate", "label": _("诉求满意率"), "unit": "%", "better": "higher", "section": "appeals"},
    {"key": "appeals_on_time_rate", "label": _("按时办结率"), "unit": "%", "better": "higher", "section": "appeals"},
    {"key": "appeals_overdue", "label": _("超期未办结诉求"), "unit": _("件"), "better": "lower", "section": "appeals"},
    {"key": "appeals_due", "label": _("应办结诉求"), "unit": _("件"), "better": "higher", "section": "appeals"},
]

#: Defaults of the problem thresholds (override with settings.SHEQU_APPEAL_PROBLEM_THRESHOLDS).
DEFAULT_THRESHOLDS = {
    "overdue": 1,              # a community with at least this many overdue appeals is listed
    "response_rate": 0.9,      # below: "slow response"
    "satisfaction_rate": 0.8,  # below: "low satisfaction"
    "min_volume": 5,           # appeals behind a rate before it is judged
}

LEVELS = ("city", "district", "street", "community")


def thresholds() -> dict:
    return {**DEFAULT_THRESHOLDS, **getattr(settings, "SHEQU_APPEAL_PROBLEM_THRESHOLDS", {})}


def _values(r) -> dict:
    return {"appeals_response_rate": r.response_rate, "appeals_resolution_rate": r.resolution_rate,
            "appeals_satisfaction_rate": r.satisfaction_rate, "appeals_on_time_rate": r.on_time_rate,
            "appeals_overdue": r.completion_due - r.completed_on_time, "appeals_due": r.completion_due}


def compute(nodes, start: dt.date, end: dt.date) -> dict[int, dict]:
    """{node id: {key: value}}: rates are ratios (0–1), None without appeals behind them. An
    overdue appeal is one whose completion deadline fell in the period and that was not replied
    to by then (late or still open)."""
    from .metrics import node_rates

    nodes = [node for node in nodes if node.level in LEVELS]
    rows = node_rates(nodes=nodes, start=start, end=end)
    empty = {"appeals_response_rate": None, "appeals_resolution_rate": None, "appeals_satisfaction_rate": None,
             "appeals_on_time_rate": None, "appeals_overdue": 0, "appeals_due": 0}
    return {node.pk: (_values(rows[node.pk]) if node.pk in rows else dict(empty)) for node in nodes}


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def problems(nodes, start: dt.date, end: dt.date) -> list[dict]:
    """Overdue appeals, slow response and low satisfaction, each with the communities concerned."""
    from shequ.jurisdiction.models import Level, Node

    from .metrics import node_rates

    limits = thresholds()
    ids = {}
    for node in nodes:
        if node.level in LEVELS:
            ids.setdefault(node.level, []).append(node.pk)
    communities = {}
    for level, pks in ids.items():
        for community in Node.objects.filter(level=Level.COMMUNITY, **{f"{level}_id__in": pks}).only(
                "id", "name", "level", "district_id", "street_id", "community_id", "city_id"):
            communities[community.pk] = community
    rows = node_rates(nodes=list(communities.values()), start=start, end=end) if communities else {}
    found = []

    overdue = sorted(((r.completion_due - r.completed_on_time, pk) for pk, r in rows.items()
                      if r.completion_due - r.completed_on_time >= limits["overdue"]), reverse=True)
    if overdue:
        total = sum(n for n, _pk in overdue)
        due = sum(r.completion_due for r in rows.values())
        done = sum(r.completed_on_time for r in rows.values())
        worst = "、".join(f"{communities[pk].name}({n}件)" for n, pk in overdue[:5])
        found.append({
            "key": "appeals_overdue",
            "title": _t("诉求超期未办结"),
            "evidence": _t("统计期内应办结诉求 %(due)d 件,按时办结 %(done)d 件;%(n)d 个社区/村共 %(total)d 件超期,"
                           "最多的是 %(worst)s。") % {"due": due, "done": done, "n": len(overdue), "total": total,
                                                   "worst": worst},
            "communities": [pk for _n, pk in overdue],
            "suggestion": _t("落实限时办结制:对超期诉求逐件督办,预警提前介入,确需延期的依规审批。"),
            "severity": 3 if total >= 10 else 2,
        })
    for key, attr, count_attr, title, suggestion in (
        ("appeals_slow_response", "response_rate", "response_due", _t("诉求响应不及时"),
         _t("落实首问负责制,诉求签收并联系诉求人须在响应时限内完成,纳入月度考评。")),
        ("appeals_low_satisfaction", "satisfaction_rate", "evaluated", _t("群众满意率偏低"),
         _t("对不满意诉求回访复核,必要时重启办理;分析集中问题列入“每月一题”。")),
    ):
        low = sorted((getattr(r, attr), pk) for pk, r in rows.items()
                     if getattr(r, count_attr) >= limits["min_volume"] and getattr(r, attr) is not None
                     and getattr(r, attr) < limits[attr])
        if not low:
            continue
        names = "、".join(f"{communities[pk].name}({_pct(v)})" for v, pk in low[:5])
        found.append({
            "key": key,
            "title": title,
            "evidence": _t("%(n)d 个社区/村低于 %(limit)s:%(names)s。") % {
                "n": len(low), "limit": _pct(limits[attr]), "names": names},
            "communities": [pk for _v, pk in low],
            "suggestion": suggestion,
            "severity": 2,
        })
    return found
