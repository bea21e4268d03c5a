"""Registry figures for the indicator dashboard and the governance report (the indicator protocol,
docs/indicators.md): communities, households and residents under each node, and the population's
structure. The registry has no history, so the figures are today's; ages are counted in the year
of the period's end (60 or over: born in or before that year − 60).

Built into shequ.indicators (not ``shequ/registry/indicators.py``) because it reads the
``RegistryTally`` of this app: per-community counts rebuilt every few minutes, so a district's
dashboard sums a few thousand rows instead of scanning a million residents. Without a fresh tally
(younger than ``SHEQU_INDICATORS_TALLY_MAX_AGE`` seconds, default 3600; 0: never used) it counts
the registry itself — the same figures, one aggregate per table and scan.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

APP = "shequ.registry"

INDICATORS = [
    {"key": "communities", "label": _("社区/村数"), "unit": _("个"), "better": "higher", "section": "overall"},
    {"key": "households", "label": _("户数"), "unit": _("户"), "better": "higher", "section": "overall"},
    {"key": "residents", "label": _("在册居民数"), "unit": _("人"), "better": "higher", "section": "overall"},
    {"key": "households_per_community", "label": _("平均每社区户数"), "unit": _("户/社区"), "better": "lower",
     "section": "overall"},
    {"key": "elderly_share", "label": _("60岁及以上居民占比"), "unit": "%", "better": "lower", "section": "other"},
    {"key": "floating_share", "label": _("流动人口占比"), "unit": "%", "better": "lower", "section": "other"},
]

#: Tree levels whose nodes the registry counts under (the ancestor column is ``<level>_id``).
LEVELS = ("city", "district", "street", "community")


def _scans(nodes) -> list[tuple[str, list[int], str | None, set[int]]]:
    """Plan the aggregates: each scan reads the records under some nodes of one level once, grouped
    by that level and the next, which also answers the requested nodes of the next level under
    them (a district and its streets: one scan). Returns (level, ids, child level, child ids)."""
    pending = {node.pk: node for node in nodes if node.level in LEVELS}
    scans = []
    for i, level in enumerate(LEVELS):
        top = [pk for pk, node in pending.items() if node.level == level]
        if not top:
            continue
        child = LEVELS[i + 1] if i + 1 < len(LEVELS) else None
        covered = {pk for pk, node in pending.items()
                   if child and node.level == child and getattr(node, f"{level}_id") in top}
        scans.append((level, top, child, covered))
        for pk in [*top, *covered]:
            pending.pop(pk)
    return scans


def _count(qs, scans, out: dict, **aggregates) -> None:
    """Run ``qs`` once per scan, grouped by (level, child level), adding each row to the node of
    its level and, when requested, to its child node."""
    for level, top, child, covered in scans:
        keys = [f"{level}_id"] + ([f"{child}_id"] if child else [])
        annotations = {f"n_{name}": aggregate for name, aggregate in aggregates.items()}  # never a field's name
        for row in qs.filter(**{f"{level}_id__in": top}).values(*keys).annotate(**annotations).order_by():
            targets = [row[f"{level}_id"]]
            if child and row[f"{child}_id"] in covered:
                targets.append(row[f"{child}_id"])
            for pk in targets:
                for name in aggregates:
                    out[pk][name] = out[pk].get(name, 0) + (row[f"n_{name}"] or 0)


def tally_fresh() -> bool:
    """Whether the registry tally is recent enough to answer (see the module docstring)."""
    from shequ.indicators.models import RegistryTallyRun

    max_age = int(getattr(settings, "SHEQU_INDICATORS_TALLY_MAX_AGE", 3600))
    if max_age <= 0:
        return False
    run = RegistryTallyRun.objects.order_by("-refreshed_at").first()
    return run is not None and (timezone.now() - run.refreshed_at).total_seconds() <= max_age


def compute(nodes, start: dt.date, end: dt.date) -> dict[int, dict]:
    """{node id: {key: value}} for every node (city, district, street or community): one aggregate
    per table and scan (a node and its children share one scan)."""
    from shequ.indicators.models import RegistryTally
    from shequ.jurisdiction.models import Level, Node
    from shequ.registry.models import Household, Resident

    counts: dict[int, dict] = {node.pk: {} for node in nodes}
    scans = _scans(nodes)
    elderly_year = end.year - 60
    _count(Node.objects.filter(level=Level.COMMUNITY), scans, counts, communities=Count("id"))
    if tally_fresh():
        _count(RegistryTally.objects.all(), scans, counts, households=Sum("households"), residents=Sum("residents"),
               elderly=Sum("residents", filter=Q(birth_year__lte=elderly_year)), floating=Sum("floating"))
    else:
        _count(Household.objects.all(), scans, counts, households=Count("id"))
        _count(Resident.objects.filter(status=Resident.Status.ACTIVE), scans, counts, residents=Count("id"),
               elderly=Count("id", filter=Q(birth_date__lt=dt.date(elderly_year + 1, 1, 1))),
               floating=Count("id", filter=Q(residence_type=Resident.ResidenceType.FLOATING)))
    out = {}
    for pk, c in counts.items():
        communities, households, residents = c.get("communities", 0), c.get("households", 0), c.get("residents", 0)
        out[pk] = {"communities": communities, "households": households, "residents": residents,
                   "households_per_community": households / communities if communities else None,
                   "elderly_share": c.get("elderly", 0) / residents if residents else None,
                   "floating_share": c.get("floating", 0) / residents if residents else None}
    return out


#: Defaults of the problem thresholds (override with settings.SHEQU_REGISTRY_PROBLEM_THRESHOLDS):
#: a community above ``max_households`` is too large for its committee (the usual guidance keeps a
#: community at 1,000–3,000 households); one with no household registered has no registry to reuse.
DEFAULT_THRESHOLDS = {"max_households": 3000}


def thresholds() -> dict:
    from django.conf import settings

    return {**DEFAULT_THRESHOLDS, **getattr(settings, "SHEQU_REGISTRY_PROBLEM_THRESHOLDS", {})}


def problems(nodes, start: dt.date, end: dt.date) -> list[dict]:
    """Communities too large for one committee, and communities with no household registered."""
    from django.utils.translation import gettext as _t

    from shequ.jurisdiction.models import Level, Node
    from shequ.registry.models import Household

    limits = thresholds()
    inside = Q()
    for node in nodes:
        if node.level in LEVELS:
            inside |= Q(**{f"{node.level}_id": node.pk})
    if not inside:
        return []
    names = dict(Node.objects.filter(inside, level=Level.COMMUNITY).values_list("pk", "name"))
    counts = dict(Household.objects.filter(inside, community_id__isnull=False).values("community_id")
                  .annotate(n=Count("id")).order_by().values_list("community_id", "n"))
    found = []
    large = sorted(((counts.get(pk, 0), pk) for pk in names if counts.get(pk, 0) > limits["max_households"]),
                   reverse=True)
    if large:
        found.append({
            "key": "registry_large_communities",
            "title": _t("社区规模偏大"),
            "evidence": _t("%(n)d 个社区/村超过 %(limit)d 户:%(names)s。") % {
                "n": len(large), "limit": limits["max_households"],
                "names": "、".join(f"{names[pk]}({n}户)" for n, pk in large[:5])},
            "communities": [pk for _n, pk in large],
            "suggestion": _t("按 1000—3000 户的规模优化社区设置,规模过大的社区增配社区工作者和网格员。"),
            "severity": 2,
        })
    empty = [pk for pk in names if not counts.get(pk)]
    if empty:
        found.append({
            "key": "registry_empty_communities",
            "title": _t("基础信息底数不清"),
            "evidence": _t("%(n)d 个社区/村尚未登记任何住户:%(names)s。") % {
                "n": len(empty), "names": "、".join(names[pk] for pk in empty[:5])},
            "communities": empty,
            "suggestion": _t("落实“一标三实”,先把人、房、户登记入库,其他工作复用登记数据,不再重复入户统计。"),
            "severity": 1,
        })
    return found
