"""Party-building figures for the indicator dashboard and the governance report (the indicator protocol).

* ``party_org_coverage`` — units of the covered kinds (property companies, enterprises, social
  organizations) linked to an organization not dissolved by the period's end ÷ those units (ratio 0–1);
* ``joint_meetings_per_community`` — joint meetings held in the period ÷ communities;
* ``dual_members_registered`` — party members registered (双报到, active) with the communities.

Problems: communities whose coverage is under the policy's alert line (default 80 %), communities that
held fewer joint meetings than the yearly minimum (default 4) prorated to the period, and registrations
with no confirmed service for the policy's months (default 6). Three or four grouped queries whatever the
number of nodes.
"""
from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

INDICATORS = [
    {"key": "party_org_coverage", "label": gettext_lazy("党组织覆盖率"), "unit": "%", "better": "higher", "section": "party"},
    {"key": "joint_meetings_per_community", "label": gettext_lazy("每社区党建联席会议次数"), "unit": gettext_lazy("次/社区"),
     "better": "higher", "section": "party"},
    {"key": "dual_members_registered", "label": gettext_lazy("双报到在职党员数"), "unit": gettext_lazy("人"),
     "better": "higher", "section": "party"},
]

LEVELS = ("city", "district", "street", "community")


def communities_under(nodes) -> list[dict]:
    """The communities under any of ``nodes``: pk, name, path and ancestor columns (one query)."""
    from shequ.jurisdiction.models import Level, Node

    by_level: dict[str, list[int]] = {}
    for node in nodes:
        if node.level in LEVELS:
            by_level.setdefault(node.level, []).append(node.pk)
    if not by_level:
        return []
    q = Q()
    for level, ids in by_level.items():
        q |= Q(**{f"{level}_id__in": ids})
    return list(Node.objects.filter(q, level=Level.COMMUNITY).values("pk", "name", "path", "city_id", "district_id",
                                                                       "street_id"))


def by_ancestor(communities: list[dict]) -> dict[tuple[str, int], list[int]]:
    """(level, node id) -> the community ids under that node, for every level a node may have."""
    index: dict[tuple[str, int], list[int]] = {}
    for c in communities:
        index.setdefault(("community", c["pk"]), []).append(c["pk"])
        for level in ("city", "district", "street"):
            if c.get(f"{level}_id"):
                index.setdefault((level, c[f"{level}_id"]), []).append(c["pk"])
    return index


def _per_community(communities: list[dict], start: dt.date, end: dt.date) -> dict[int, dict]:
    from shequ.registry.models import Establishment

    from .models import COVERED_KINDS, DualRegistration, JointMeeting, PartyOrganization

    ids = [c["pk"] for c in communities]
    rows = {pk: {"units": 0, "covered": 0, "meetings": 0, "members": 0} for pk in ids}
    if not ids:
        return rows
    alive = PartyOrganization.units.through.objects.filter(
        Q(partyorganization__dissolved_on__isnull=True) | Q(partyorganization__dissolved_on__gt=end),
        Q(partyorganization__founded_on__isnull=True) | Q(partyorganization__founded_on__lte=end),
        establishment_id=OuterRef("pk"))
    for r in (Establishment.objects.filter(kind__in=COVERED_KINDS, community_id__in=ids).annotate(c=Exists(alive))
              .values("community_id").annotate(units=Count("id"), covered=Count("id", filter=Q(c=True))).order_by()):
        rows[r["community_id"]].update(units=r["units"], covered=r["covered"])
    for r in (JointMeeting.objects.filter(community_id__in=ids, status=JointMeeting.Status.HELD, held_on__gte=start,
                                          held_on__lte=end).values("community_id").annotate(n=Count("id")).order_by()):
        rows[r["community_id"]]["meetings"] = r["n"]
    for r in (DualRegistration.objects.filter(community_id__in=ids, kind=DualRegistration.Kind.MEMBER,
                                              registered_on__lte=end)
              .filter(Q(status=DualRegistration.Status.ACTIVE) | Q(withdrawn_on__gt=end))
              .values("community_id").annotate(n=Count("id")).order_by()):
        rows[r["community_id"]]["members"] = r["n"]
    return rows


def compute(nodes, start: dt.date, end: dt.date) -> dict[int, dict]:
    nodes = list(nodes)
    communities = communities_under(nodes)
    per = _per_community(communities, start, end)
    out = {}
    index = by_ancestor(communities)
    for node in nodes:
        mine = index.get((node.level, node.pk), [])
        units = sum(per[pk]["units"] for pk in mine)
        covered = sum(per[pk]["covered"] for pk in mine)
        out[node.pk] = {
            "party_org_coverage": covered / units if units else None,
            "joint_meetings_per_community": sum(per[pk]["meetings"] for pk in mine) / len(mine) if mine else None,
            "dual_members_registered": sum(per[pk]["members"] for pk in mine) if mine else None,
        }
    return out


def required_meetings(minimum_per_year: int, start: dt.date, end: dt.date) -> int:
    """The yearly minimum prorated to the period (a full year: the minimum itself)."""
    days = (end - start).days + 1
    return round(minimum_per_year * min(days, 366) / 365)


def problems(nodes, start: dt.date, end: dt.date) -> list[dict]:
    from .policy import PolicyBook

    communities = communities_under(list(nodes))
    if not communities:
        return []
    per = _per_community(communities, start, end)
    book = PolicyBook()
    found = []
    low, units, covered, lines = [], 0, 0, []
    for c in communities:
        row = per[c["pk"]]
        units += row["units"]
        covered += row["covered"]
        policy = book.for_path([int(x) for x in c["path"].strip("/").split("/") if x])
        if row["units"] and row["covered"] / row["units"] * 100 < float(policy.coverage_alert_below):
            low.append(c)
            lines.append(float(policy.coverage_alert_below))
    if low:
        found.append({
            "key": "party_low_coverage", "title": _("党组织覆盖率偏低,存在党建“真空区”"),
            "evidence": _("%(n)s 个社区/村的党组织覆盖率低于 %(line)s%%;辖区内应建组织的单位 %(units)s 个,"
                          "已覆盖 %(covered)s 个(%(rate).1f%%),%(gap)s 个单位没有党组织。") % {
                "n": len(low), "line": f"{min(lines):g}", "units": units, "covered": covered,
                "rate": covered / units * 100 if units else 0, "gap": units - covered},
            "communities": [c["pk"] for c in low],
            "suggestion": _("按“真空区”名单逐一组建单独或联合党支部,优先物业服务企业和非公企业,选派党建指导员。"),
            "severity": 3 if units and covered / units < 0.5 else 2,
        })
    few, required_any = [], 0
    for c in communities:
        policy = book.for_path([int(x) for x in c["path"].strip("/").split("/") if x])
        required = required_meetings(policy.min_joint_meetings, start, end)
        if required and per[c["pk"]]["meetings"] < required:
            few.append((c, per[c["pk"]]["meetings"]))
            required_any = max(required_any, required)
    if few:
        one_or_two = sum(1 for _c, n in few if 1 <= n <= 2)
        none = sum(1 for _c, n in few if n == 0)
        found.append({
            "key": "party_few_joint_meetings", "title": _("党建联席会议召开不够经常"),
            "evidence": _("%(start)s 至 %(end)s,%(n)s 个社区/村(共 %(total)s 个)召开党建联席会议少于 %(req)s 次,"
                          "其中 %(none)s 个一次未开,%(few)s 个只开了1—2次。") % {
                "start": start.isoformat(), "end": end.isoformat(), "n": len(few), "total": len(communities),
                "req": required_any, "none": none, "few": one_or_two},
            "communities": [c["pk"] for c, _n in few],
            "suggestion": _("建立联席会议年度计划,每季度至少召开一次,议定事项明确责任单位和时限并跟踪落实。"),
            "severity": 2 if len(few) * 2 >= len(communities) else 1,
        })
    found += _idle_problem(communities, end, book)
    return found


def _idle_problem(communities: list[dict], end: dt.date, book) -> list[dict]:
    """Active registrations with no confirmed service in the policy's months before ``end`` (只报到不服务)."""
    from django.db.models import Max

    from .models import DualRegistration, ServiceRecord
    from .selectors import months_before

    paths = {c["pk"]: [int(x) for x in c["path"].strip("/").split("/") if x] for c in communities}
    rows = (DualRegistration.objects.filter(community_id__in=list(paths), status=DualRegistration.Status.ACTIVE,
                                            registered_on__lte=end)
            .annotate(last=Max("services__served_on", filter=Q(services__status=ServiceRecord.Status.CONFIRMED,
                                                               services__served_on__lte=end)))
            .values_list("community_id", "registered_on", "last"))
    idle, total, places, months = 0, 0, set(), set()
    for community_id, registered_on, last in rows:
        total += 1
        n = book.for_path(paths[community_id]).idle_months
        since = months_before(end, n)
        if registered_on <= since and (last is None or last < since):
            idle += 1
            places.add(community_id)
            months.add(n)
    if not idle:
        return []
    return [{
        "key": "party_dual_idle", "title": _("双报到“只报到不服务”"),
        "evidence": _("在册报到的 %(total)s 个党组织和党员中,%(idle)s 个已超过 %(m)s 个月没有经社区确认的服务记录。") % {
            "total": total, "idle": idle, "m": min(months)},
        "communities": sorted(places),
        "suggestion": _("社区按报到名单发布服务需求清单,定期通报服务情况,并反馈给报到党员所在单位党组织。"),
        "severity": 2 if idle * 2 >= total else 1,
    }]
