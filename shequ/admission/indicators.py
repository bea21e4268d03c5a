"""Indicators of work admission and burden for the leaders' dashboard and the governance report
(the indicator protocol of COMMON.md; this module must not import ``shequ.indicators``).

For each node (community level or above) over [start, end]:

* ``burden_index_per_community`` — the mean burden index of the communities under it
  (``burden.LedgerRow.compute_index``; docs/admission.md gives the formula);
* ``unadmitted_tasks`` — unadmitted work flagged by its communities (not dismissed);
* ``overdue_tasks`` — tasks admitted to its communities in the period still open past their due date;
* ``admitted_tasks_per_community`` — tasks admitted per community;
* ``collections_avoided`` — door-to-door collections spared by data reuse.

Queries: one for the communities, five for the ledger, whatever the number of nodes.
"""
from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

INDICATORS = [
    {"key": "burden_index_per_community", "label": _("社区平均负担指数"), "unit": _("分"), "better": "lower",
     "section": "burden"},
    {"key": "unadmitted_tasks", "label": _("未准入事项"), "unit": _("项"), "better": "lower", "section": "burden"},
    {"key": "overdue_tasks", "label": _("逾期未完成的准入事项"), "unit": _("项"), "better": "lower", "section": "burden"},
    {"key": "admitted_tasks_per_community", "label": _("每社区准入事项"), "unit": _("项"), "better": "lower",
     "section": "burden"},
    {"key": "collections_avoided", "label": _("数据复用免于入户采集"), "unit": _("次"), "better": "higher",
     "section": "burden"},
]


def _members(nodes) -> tuple[dict[int, list[int]], list[int]]:
    from .burden import communities_under

    members: dict[int, list[int]] = {node.pk: [] for node in nodes}
    communities = list(communities_under(list(nodes)).values("pk", "city_id", "district_id", "street_id"))
    for node in nodes:
        for c in communities:
            if c["pk"] == node.pk or c.get(f"{node.level}_id") == node.pk:
                members[node.pk].append(c["pk"])
    return members, [c["pk"] for c in communities]


def _ledger(nodes, start, end):
    from .burden import community_ledger

    members, all_ids = _members(nodes)
    return members, community_ledger(all_ids, start, end)


def compute(nodes, start, end):
    nodes = list(nodes)
    members, ledger = _ledger(nodes, start, end)
    result = {}
    for node in nodes:
        rows = [ledger[pk] for pk in members[node.pk]]
        n = len(rows)
        result[node.pk] = {
            "burden_index_per_community": round(sum(r.index for r in rows) / n, 2) if n else None,
            "unadmitted_tasks": sum(r.unadmitted for r in rows) if n else None,
            "overdue_tasks": sum(r.overdue for r in rows) if n else None,
            "admitted_tasks_per_community": round(sum(r.admitted for r in rows) / n, 2) if n else None,
            "collections_avoided": sum(r.avoided for r in rows) if n else None,
        }
    return result


def problems(nodes, start, end):
    """Heavy burden, unadmitted work and overdue tasks, with the thresholds of ``BurdenPolicy``."""
    from .models import BurdenPolicy

    nodes = list(nodes)
    w = BurdenPolicy.current()
    _members_, ledger = _ledger(nodes, start, end)
    rows = sorted(ledger.values(), key=lambda r: -r.index)
    found = []
    heavy = [r for r in rows if r.index >= float(w.heavy_index)]
    if heavy:
        worst = heavy[0]
        found.append({
            "key": "admission_heavy_burden", "title": gettext("社区负担过重"),
            "evidence": gettext("%(n)d 个社区的负担指数达到 %(limit)s 以上,最高为%(name)s(%(index)s:准入事项 %(admitted)d 项、"
                                 "未准入事项 %(unadmitted)d 项、台账 %(ledgers)d 本、表格 %(forms)d 份)。") % {
                "n": len(heavy), "limit": w.heavy_index, "name": worst.name, "index": worst.index,
                "admitted": worst.admitted, "unadmitted": worst.unadmitted, "ledgers": worst.ledgers, "forms": worst.forms},
            "communities": [r.id for r in heavy],
            "suggestion": gettext("严格执行社区工作准入制度,清理清单外事项和重复台账,协助事项落实费随事转。"),
            "severity": 3 if len(heavy) * 2 >= len(rows) else 2,
        })
    flagged = [r for r in rows if r.unadmitted >= w.unadmitted_alert]
    if flagged:
        total = sum(r.unadmitted for r in flagged)
        found.append({
            "key": "admission_unadmitted_work", "title": gettext("未经准入的工作进社区"),
            "evidence": gettext("%(n)d 个社区登记了 %(total)d 项未经准入的工作(每社区 %(limit)d 项以上)。") % {
                "n": len(flagged), "total": total, "limit": w.unadmitted_alert},
            "communities": [r.id for r in flagged],
            "suggestion": gettext("约谈交办部门,未经区社区办审批的事项一律退回,并计入部门考核。"),
            "severity": 2,
        })
    late = [r for r in rows if r.overdue >= w.overdue_alert]
    if late:
        found.append({
            "key": "admission_overdue_tasks", "title": gettext("准入事项逾期未完成"),
            "evidence": gettext("%(n)d 个社区各有 %(limit)d 项以上准入事项逾期,合计 %(total)d 项。") % {
                "n": len(late), "limit": w.overdue_alert, "total": sum(r.overdue for r in late)},
            "communities": [r.id for r in late],
            "suggestion": gettext("核查事项期限是否合理、经费是否到位,必要时调整期限或减少事项。"),
            "severity": 1,
        })
    return found
