"""Social-organization figures for the indicator dashboard and the governance report (the indicator protocol).

* ``socialorgs_per_community`` — organizations existing at the period's end (founded by then, not revoked
  by then) ÷ communities;
* ``socialorgs_filed_share`` — of those, registered or filed (登记/备案) ÷ all (ratio 0–1);
* ``purchased_service_budget`` — budget of government-purchased service projects running in the period (元).

Problems: communities with fewer organizations than the alert line (default 3), and the average under the
target (default 10 per community). Policies from ``SocialOrgPolicy``. Three grouped queries.
"""
from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.party.indicators import LEVELS, by_ancestor, communities_under

INDICATORS = [
    {"key": "socialorgs_per_community", "label": gettext_lazy("每社区社会组织数"), "unit": gettext_lazy("个"),
     "better": "higher", "section": "overall"},
    {"key": "socialorgs_filed_share", "label": gettext_lazy("社会组织登记备案率"), "unit": "%", "better": "higher",
     "section": "other"},
    {"key": "purchased_service_budget", "label": gettext_lazy("政府购买服务项目预算"), "unit": gettext_lazy("元"),
     "better": "higher", "section": "other"},
]


def _counts(ids: list[int], end: dt.date) -> dict[int, dict]:
    from .models import SocialOrganization

    out = {pk: {"orgs": 0, "filed": 0, "budget": 0} for pk in ids}
    if not ids:
        return out
    existing = (Q(founded_on__isnull=True) | Q(founded_on__lte=end)) & (
        ~Q(filing=SocialOrganization.Filing.REVOKED) | Q(revoked_on__gt=end))
    filed = Q(filing__in=[SocialOrganization.Filing.REGISTERED, SocialOrganization.Filing.FILED], filed_on__lte=end)
    for r in (SocialOrganization.objects.filter(existing, community_id__in=ids).values("community_id")
              .annotate(n=Count("id"), f=Count("id", filter=filed)).order_by()):
        out[r["community_id"]].update(orgs=r["n"], filed=r["f"])
    return out


def compute(nodes, start: dt.date, end: dt.date) -> dict[int, dict]:
    from .models import ServiceProject

    nodes = list(nodes)
    communities = communities_under(nodes)
    counts = _counts([c["pk"] for c in communities], end)
    budgets: dict[int, float] = {}
    for node in nodes:
        budgets[node.pk] = 0.0
    running = ServiceProject.objects.filter(start_on__lte=end, end_on__gte=start)
    for level in LEVELS:
        ids = [n.pk for n in nodes if n.level == level]
        if ids:
            for r in running.filter(**{f"{level}_id__in": ids}).values(f"{level}_id").annotate(b=Sum("budget")).order_by():
                budgets[r[f"{level}_id"]] = float(r["b"] or 0)
    out = {}
    index = by_ancestor(communities)
    for node in nodes:
        mine = index.get((node.level, node.pk), [])
        orgs = sum(counts[pk]["orgs"] for pk in mine)
        out[node.pk] = {
            "socialorgs_per_community": orgs / len(mine) if mine else None,
            "socialorgs_filed_share": sum(counts[pk]["filed"] for pk in mine) / orgs if orgs else None,
            "purchased_service_budget": budgets[node.pk] if node.level in LEVELS else None,
        }
    return out


def problems(nodes, start: dt.date, end: dt.date) -> list[dict]:
    from .selectors import Targets

    communities = communities_under(list(nodes))
    if not communities:
        return []
    counts = _counts([c["pk"] for c in communities], end)
    targets = Targets()
    rules = {c["pk"]: _rule(targets, c["path"]) for c in communities}
    under = [c["pk"] for c in communities if counts[c["pk"]]["orgs"] < rules[c["pk"]][1]]
    total = sum(v["orgs"] for v in counts.values())
    average = total / len(communities)
    target = max(t for t, _a in rules.values())
    found = []
    if under:
        line = min(rules[pk][1] for pk in under)
        found.append({
            "key": "socialorgs_under_three", "title": _("社区社会组织发展慢"),
            "evidence": _("%(n)s 个社区/村(占 %(share).0f%%)社会组织少于 %(line)s 个;平均每社区 %(avg).1f 个,"
                          "距每社区不少于 %(target)s 个的目标差距较大。") % {
                "n": len(under), "share": len(under) / len(communities) * 100, "line": line, "avg": average,
                "target": target},
            "communities": under,
            "suggestion": _("重点培育生活服务类、公益慈善类、居民互助类和服务特定群体的社区社会组织,"
                            "通过政府购买服务和公益创投扶持,推动“三社联动”。"),
            "severity": 3 if len(under) * 2 >= len(communities) else 2,
        })
    elif average < target:
        found.append({
            "key": "socialorgs_below_target", "title": _("社区社会组织未达目标"),
            "evidence": _("平均每社区社会组织 %(avg).1f 个,低于每社区不少于 %(target)s 个的目标。") % {
                "avg": average, "target": target},
            "communities": [c["pk"] for c in communities if counts[c["pk"]]["orgs"] < rules[c["pk"]][0]],
            "suggestion": _("按类型补齐社区社会组织,支持街道购买社会组织服务。"),
            "severity": 1,
        })
    return found


def _rule(targets, path: str) -> tuple[int, int]:
    from types import SimpleNamespace

    return targets.for_node(SimpleNamespace(ancestor_path_ids=[int(x) for x in path.strip("/").split("/") if x]))
