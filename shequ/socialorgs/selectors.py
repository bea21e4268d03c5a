"""Scoped reads of social organizations and purchased service projects.

"Per community" counts every organization of the community that is not revoked (已注销), whatever
its filing status; a community is below target under ``target_per_community`` (default 10) and
alerted under ``alert_below`` (default 3), from the most specific ``SocialOrgPolicy`` above it.
"""
from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from shequ.core.errors import NotAllowed
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Level, Node

from .models import DEFAULT_ALERT_BELOW, DEFAULT_TARGET, ServiceProject, SocialOrganization, SocialOrgPolicy


def ensure_view(user) -> None:
    if not scoping.can(user, "socialorgs.view") or (getattr(user, "role", "") == "resident" and not scoping.is_global(user)):
        raise NotAllowed(_("您的角色无权查看社会组织信息"), extra={"action": "socialorgs.view"})


def _scoped(qs: QuerySet, user, node: Node | None = None) -> QuerySet:
    ensure_view(user)
    qs = scoping.scope_queryset(qs, user)
    if node is not None:
        qs = qs.filter(**node.scope_filter())
    return qs


class Targets:
    """All policy rows, loaded once; the nearest ancestor's row applies."""

    def __init__(self):
        self.rows = {r.node_id: (r.target_per_community, r.alert_below) for r in SocialOrgPolicy.objects.all()}

    def for_node(self, node: Node) -> tuple[int, int]:
        for node_id in reversed(node.ancestor_path_ids):
            if node_id in self.rows:
                return self.rows[node_id]
        return self.rows.get(None, (DEFAULT_TARGET, DEFAULT_ALERT_BELOW))


def organization_list(*, user, node: Node | None = None, type: str = "", filing: str = "", q: str = "",
                      include_revoked: bool = False) -> QuerySet[SocialOrganization]:
    qs = _scoped(SocialOrganization.objects.all(), user, node)
    if type:
        qs = qs.filter(type=type)
    if filing:
        qs = qs.filter(filing=filing)
    elif not include_revoked:
        qs = qs.exclude(filing=SocialOrganization.Filing.REVOKED)
    if q.strip():
        qs = qs.filter(name__contains=q.strip())
    return qs.select_related("community").annotate(project_count=Count("projects")).order_by("community__path", "name", "id")


def organization_get(*, user, pk: int) -> SocialOrganization:
    ensure_view(user)
    return scoping.get_in_scope(SocialOrganization.objects.select_related("community", "unit"), user, pk=pk)


def public_list(*, node: Node | None = None, type: str = "") -> QuerySet[SocialOrganization]:
    """The public directory: organizations registered or filed (登记/备案), name, type, community only."""
    qs = SocialOrganization.objects.filter(filing__in=[SocialOrganization.Filing.REGISTERED, SocialOrganization.Filing.FILED])
    if node is not None:
        qs = qs.filter(**node.scope_filter())
    if type:
        qs = qs.filter(type=type)
    return qs.select_related("community", "street").order_by("community__path", "name", "id")


def community_counts(*, user, node: Node | None = None) -> list[dict]:
    """Every community in scope: organizations by type, total, the target, ``below_target`` and ``alert``.
    Three queries."""
    ensure_view(user)
    communities = list(_scoped(Node.objects.filter(level=Level.COMMUNITY), user, node).order_by("path"))
    counts: dict[int, dict[str, int]] = {}
    for r in (SocialOrganization.objects.filter(community_id__in=[c.pk for c in communities])
              .exclude(filing=SocialOrganization.Filing.REVOKED).values("community_id", "type")
              .annotate(n=Count("id")).order_by()):
        counts.setdefault(r["community_id"], {})[r["type"]] = r["n"]
    targets = Targets()
    rows = []
    for c in communities:
        by_type = counts.get(c.pk, {})
        total = sum(by_type.values())
        target, alert_below = targets.for_node(c)
        rows.append({"community": c, "by_type": by_type, "total": total, "target": target, "alert_below": alert_below,
                     "below_target": total < target, "alert": total < alert_below})
    return rows


def type_counts(*, user, node: Node | None = None) -> list[dict]:
    labels = dict(SocialOrganization.Type.choices)
    rows = (_scoped(SocialOrganization.objects.exclude(filing=SocialOrganization.Filing.REVOKED), user, node)
            .values("type").annotate(n=Count("id")).order_by("type"))
    return [{"type": r["type"], "label": str(labels.get(r["type"], r["type"])), "count": r["n"]} for r in rows]


def project_list(*, user, node: Node | None = None, status: str = "", organization: SocialOrganization | None = None,
                 year: int | None = None) -> QuerySet[ServiceProject]:
    qs = _scoped(ServiceProject.objects.all(), user, node)
    if status:
        qs = qs.filter(status=status)
    if organization is not None:
        qs = qs.filter(organization=organization)
    if year:
        qs = qs.filter(start_on__year__lte=year, end_on__year__gte=year)
    return qs.select_related("organization", "place").order_by("-start_on", "-id")


def project_get(*, user, pk: int) -> ServiceProject:
    ensure_view(user)
    return scoping.get_in_scope(ServiceProject.objects.select_related("organization", "place"), user, pk=pk)


def project_totals(*, user, node: Node | None = None) -> dict:
    """Projects, budget and spending in scope, by status: one query."""
    rows = project_list(user=user, node=node).values("status").annotate(
        n=Count("id"), budget=Sum("budget"), spent=Sum("spent", filter=Q(spent__isnull=False))).order_by()
    return {r["status"]: r for r in rows}
