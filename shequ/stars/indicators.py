"""Star-rating figures for the leaders' indicator dashboard and the governance report (the
indicator protocol of issue 7). Does not import shequ.indicators.

On the period's last day (``end``), under the latest cycle awarded by then: the average star count
of the communities' and villages' party organizations, the share graded 好 and the share graded 差
(of those rated). ``problems`` lists the organizations graded 差; the grade bands are the cycle's
(admin-edited; SPEC defaults 8 / 7 / 5).
"""
from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import rules

INDICATORS = [
    {"key": "stars_average", "label": gettext_lazy("党组织平均星数"), "unit": gettext_lazy("颗"),
     "better": "higher", "section": "party"},
    {"key": "stars_good_share", "label": gettext_lazy("星级评定为“好”的占比"), "unit": "%",
     "better": "higher", "section": "party"},
    {"key": "stars_poor_share", "label": gettext_lazy("星级评定为“差”的占比"), "unit": "%",
     "better": "lower", "section": "party"},
]


def _under(node) -> Q:
    key, value = next(iter(node.scope_filter().items()))
    return Q(**{key: value})


def _standings(nodes, end):
    from .selectors import standing

    nodes = list(nodes)
    if not nodes:
        return nodes, {}
    q = Q()
    for node in nodes:
        q |= _under(node)
    return nodes, standing(on=end, ratings=q)


def _ancestors(nodes, found):
    """node pk -> the standings of the organizations under it (one query for their columns)."""
    from shequ.jurisdiction.models import Node

    columns = {n.pk: n.scope_filter() for n in nodes}
    levels = {next(iter(c)) for c in columns.values()}
    rows = Node.objects.filter(pk__in=list(found)).values("pk", *levels)
    result = {n.pk: [] for n in nodes}
    for row in rows:
        for node in nodes:
            (key, value), = columns[node.pk].items()
            if row[key] == value:
                result[node.pk].append(found[row["pk"]])
    return result


def compute(nodes, start, end):
    nodes, found = _standings(nodes, end)
    if not nodes:
        return {}
    under = _ancestors(nodes, found)
    result = {}
    for node in nodes:
        standings = under[node.pk]
        n = len(standings)
        result[node.pk] = {
            "stars_average": round(sum(s.count for s in standings) / n, 2) if n else None,
            "stars_good_share": round(100 * sum(s.grade == rules.Grade.GOOD for s in standings) / n, 1) if n else None,
            "stars_poor_share": round(100 * sum(s.grade == rules.Grade.POOR for s in standings) / n, 1) if n else None,
        }
    return result


def problems(nodes, start, end):
    nodes, found = _standings(nodes, end)
    if not nodes:
        return []
    poor = sorted({org for org, s in found.items() if s.grade == rules.Grade.POOR})
    if not poor:
        return []
    share = len(poor) / len(found)
    from shequ.jurisdiction.models import Node

    names = list(Node.objects.filter(pk__in=poor[:10]).order_by("path").values_list("name", flat=True))
    return [{
        "key": "stars_poor",
        "title": _("星级评定为“差”的社区/村党组织"),
        "evidence": _("截至 %(end)s,已评定的 %(total)s 个社区/村党组织中有 %(n)s 个(%(share)s%%)评定为“差”,如:%(names)s。") % {
            "end": end.isoformat(), "total": len(found), "n": len(poor), "share": round(share * 100, 1),
            "names": "、".join(names)},
        "communities": poor,
        "suggestion": _("乡镇党委逐一分析失星原因、制定整改计划,在季度核查中跟踪整改,达标后按程序申请增星。"),
        "severity": 3 if share >= 0.2 else 2 if share >= 0.1 else 1,
    }]
