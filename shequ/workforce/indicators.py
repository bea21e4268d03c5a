"""Indicators of community workers, facilities and funds for the leaders' dashboard and the governance
report (the indicator protocol of issue 7). Thresholds come from ``WorkforcePolicy`` (admin-edited,
per district, defaults in ``models.DEFAULTS``). Every figure is ``stats.node_figures``: a few grouped
queries for all nodes together."""
from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.jurisdiction.models import Level, Node

from . import stats

INDICATORS = [
    {"key": "workers_per_community", "label": gettext_lazy("每社区工作者数"), "unit": gettext_lazy("人"),
     "better": "higher", "section": "workforce"},
    {"key": "households_per_worker", "label": gettext_lazy("每名工作者服务户数"), "unit": gettext_lazy("户"),
     "better": "lower", "section": "workforce"},
    {"key": "worker_avg_pay", "label": gettext_lazy("工作者平均月薪酬"), "unit": gettext_lazy("元"),
     "better": "higher", "section": "workforce"},
    {"key": "pay_to_standard", "label": gettext_lazy("平均薪酬与标准之比"), "unit": "",
     "better": "higher", "section": "workforce"},
    {"key": "social_work_certified_share", "label": gettext_lazy("持社会工作职业资格比例"), "unit": "%",
     "better": "higher", "section": "workforce"},
    {"key": "facility_coverage", "label": gettext_lazy("服务设施面积达标率"), "unit": "%",
     "better": "higher", "section": "facilities"},
    {"key": "funds_per_community", "label": gettext_lazy("每社区经费"), "unit": gettext_lazy("元"),
     "better": "higher", "section": "facilities"},
]


def compute(nodes, start, end):
    figures = stats.node_figures(list(nodes), start, end)
    return {pk: {
        "workers_per_community": f["workers_per_community"],
        "households_per_worker": f["households_per_worker"],
        "worker_avg_pay": f["avg_pay"],
        "pay_to_standard": f["pay_to_standard"],
        "social_work_certified_share": f["certified_share"],
        "facility_coverage": f["facility_coverage"],
        "funds_per_community": f["funds_per_community"],
    } for pk, f in figures.items()}


def _communities(nodes) -> list[Node]:
    ids = {n.pk for n in nodes if n.level == Level.COMMUNITY}
    above = [n for n in nodes if n.level != Level.COMMUNITY]
    qs = Node.objects.none()
    if above or ids:
        q = Q(pk__in=ids)
        if above:
            q |= reduce(or_, (Q(**n.scope_filter()) for n in above))
        qs = Node.objects.filter(q, level=Level.COMMUNITY).order_by("path")
    return list(qs)


def problems(nodes, start, end):
    """Pay under the standard, low facility coverage, too many households per worker — per community,
    against each district's policy."""
    communities = _communities(nodes)
    if not communities:
        return []
    figures = stats.node_figures(communities, start, end)
    found = []
    under = [c for c in communities if figures[c.pk]["workers_under_standard"]]
    if under:
        workers = sum(figures[c.pk]["workers_under_standard"] for c in under)
        paid = sum(figures[c.pk]["workers_with_pay"] for c in communities)
        standard = figures[under[0].pk]["pay_standard"]
        found.append({
            "key": "pay_under_standard", "title": _("社区工作者薪酬低于标准"),
            "evidence": _("%(n)d个社区的%(w)d名工作者月薪酬低于标准(%(std).0f元/月,当地最低工资的倍数),占有薪酬记录工作者的%(share).1f%%。") % {
                "n": len(under), "w": workers, "std": standard or 0, "share": 100 * workers / paid if paid else 0},
            "communities": [c.pk for c in under],
            "suggestion": _("按当地最低工资2.5倍左右核定社区工作者薪酬标准,补齐差额。"),
            "severity": 3 if paid and workers / paid >= 0.3 else 2,
        })
    short = [c for c in communities if not figures[c.pk]["communities_meeting_standard"]]
    coverage = 1 - len(short) / len(communities)
    minimum = min(figures[c.pk]["min_facility_coverage"] for c in communities)
    if short and coverage < minimum:
        area = figures[communities[0].pk]["centre_area_standard"]
        found.append({
            "key": "low_facility_coverage", "title": _("社区服务设施覆盖率低"),
            "evidence": _("%(n)d个社区中%(short)d个服务中心面积不足%(area).0f㎡或未建,达标率%(cov).1f%%,低于%(min).0f%%。") % {
                "n": len(communities), "short": len(short), "area": area, "cov": 100 * coverage, "min": 100 * minimum},
            "communities": [c.pk for c in short],
            "suggestion": _("整合扩建、优化改建社区服务用房,缩减办公面积、扩大服务场所。"),
            "severity": 3 if coverage < minimum - 0.2 else 2,
        })
    crowded = [c for c in communities if figures[c.pk]["households_per_worker"] is not None
               and figures[c.pk]["households_per_worker"] > figures[c.pk]["max_households_per_worker"]]
    unstaffed = [c for c in communities if figures[c.pk]["workers"] == 0 and figures[c.pk]["households"] > 0]
    if crowded or unstaffed:
        limit = figures[(crowded or unstaffed)[0].pk]["max_households_per_worker"]
        worst = max((figures[c.pk]["households_per_worker"] for c in crowded), default=None)
        evidence = _("%(n)d个社区每名工作者服务户数超过%(limit)d户") % {"n": len(crowded), "limit": limit}
        if worst is not None:
            evidence += _(",最高%(worst).0f户") % {"worst": worst}
        if unstaffed:
            evidence += _(";%(m)d个社区没有登记在岗工作者") % {"m": len(unstaffed)}
        found.append({
            "key": "households_per_worker_high", "title": _("社区工作力量不足"), "evidence": evidence + "。",
            "communities": [c.pk for c in crowded + unstaffed],
            "suggestion": _("按服务户数配齐社区工作者,通过购买服务充实网格员等力量。"),
            "severity": 3 if unstaffed else 2,
        })
    return found
