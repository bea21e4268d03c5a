"""Scoped reads: the dashboard of a node (its figures, its children's for drill-down, its siblings'
for comparison) and the stored reports. A node outside the user's scope is 404, like a missing one;
siblings outside the scope are left out of the comparison.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shequ.core.errors import InvalidInput, NotAllowed, NotInScope
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Node
from shequ.web.charts import grouped

from . import catalog, compute
from .discovery import Indicator, indicators, installed_apps
from .models import GovernanceReport


def ensure_view(user, action: str = "indicators.view") -> None:
    if not scoping.can(user, action):
        raise NotAllowed(_("您的角色无权查看指标"), extra={"action": action})


def node_get(*, user, pk: int) -> Node:
    """A node of the dashboard levels (city to community) in the user's scope, else 404."""
    try:
        node = scoping.get_in_scope(Node.objects.all(), user, pk=pk)
    except (ValueError, TypeError):
        raise NotInScope(_("记录不存在或不在您的辖区内")) from None
    if node.level not in catalog.LEVELS:
        raise NotInScope(_("指标按社区/村及以上层级统计"), extra={"node": pk})
    return node


def default_node(user) -> Node | None:
    """The highest dashboard-level node the user is bound to (an admin: the first district)."""
    bound = [n for n in scoping.bound_nodes(user) if n.level in catalog.LEVELS]
    if bound:
        return min(bound, key=lambda n: (n.rank, n.pk))
    if scoping.is_global(user):
        return (Node.objects.filter(level="district").order_by("path").first()
                or Node.objects.filter(level__in=catalog.LEVELS).order_by("path").first())
    return None


def check_period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise InvalidInput(_("统计期末不能早于期初"), extra={"field": "to", "from": start.isoformat(),
                                                           "to": end.isoformat()})
    if (end - start).days > 3 * 366:
        raise InvalidInput(_("统计期不能超过三年"), extra={"field": "from"})


def children_of(node: Node) -> list[Node]:
    if node.level == "community":
        return []
    return list(Node.objects.filter(parent=node, level__in=catalog.LEVELS).order_by("sort", "code"))


def siblings_of(user, node: Node) -> list[Node]:
    """The node's siblings the user may see (the node included), for comparison."""
    if node.parent_id is None:
        return [node]
    qs = scoping.scope_queryset(Node.objects.filter(parent_id=node.parent_id, level=node.level), user)
    return list(qs.order_by("sort", "code"))


@dataclass
class Cell:
    indicator: Indicator
    value: float | None

    @property
    def display(self) -> str:
        return format_value(self.value, self.indicator)


@dataclass
class Section:
    key: str
    label: str
    cells: list[Cell] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)  # {"app", "what"}: modules not installed


@dataclass
class Dashboard:
    node: Node
    start: dt.date
    end: dt.date
    headline: list[Cell]
    missing_headline: list[dict]
    sections: list[Section]
    children: list[tuple[Node, dict]]
    siblings: list[tuple[Node, dict]]
    indicators: list[Indicator]
    values: dict


def value_text(value, percent: bool) -> str:
    """A value as shown on the dashboard and in the reports: a ratio as a percentage (a provider
    that already gives 0–100 is kept), a count without decimals, other figures with one."""
    if value is None or not percent:
        return grouped(value)
    return f"{(value * 100 if abs(value) <= 1 else value):.1f}%"


def format_value(value, indicator: Indicator) -> str:
    return value_text(value, indicator.percent)


def headline_of(known: dict[str, Indicator]) -> list[Indicator]:
    order = {key: i for i, key in enumerate(catalog.HEADLINE_ORDER)}
    chosen = [ind for ind in known.values() if ind.key in order or ind.section == "overall"]
    return sorted(chosen, key=lambda ind: (order.get(ind.key, len(order)), ind.app, ind.key))


def missing_modules() -> list[dict]:
    present = installed_apps()
    return [{"app": app, "section": section, "what": str(what)}
            for app, (section, what) in catalog.EXPECTED_MODULES.items() if app not in present]


def build_sections(known: dict[str, Indicator], values: dict) -> list[Section]:
    missing = missing_modules()
    sections = []
    for key, label in catalog.SECTIONS:
        section = Section(key=key, label=str(label))
        section.cells = [Cell(ind, values.get(ind.key)) for ind in known.values() if ind.section == key]
        section.missing = [m for m in missing if m["section"] == key]
        if section.cells or section.missing:
            sections.append(section)
    return sections


def dashboard(*, user, node: Node, start: dt.date, end: dt.date) -> Dashboard:
    """The figures of ``node`` (already fetched through ``node_get``), its children and siblings:
    one ``compute()`` per provider for all of them."""
    ensure_view(user)
    check_period(start, end)
    children = children_of(node)
    siblings = siblings_of(user, node)
    nodes = {n.pk: n for n in [node, *children, *siblings]}
    values = compute.all_values(list(nodes.values()), start, end)
    known = indicators()
    own = values.get(node.pk, {})
    missing = missing_modules()
    return Dashboard(
        node=node, start=start, end=end,
        headline=[Cell(ind, own.get(ind.key)) for ind in headline_of(known)],
        missing_headline=[m for m in missing if m["app"] in catalog.HEADLINE_MODULES],
        sections=build_sections(known, own),
        children=[(child, values.get(child.pk, {})) for child in children],
        siblings=[(sib, values.get(sib.pk, {})) for sib in siblings],
        indicators=list(known.values()),
        values=values,
    )


def report_list(*, user) -> QuerySet[GovernanceReport]:
    ensure_view(user, "indicators.report")
    return (scoping.scope_queryset(GovernanceReport.objects.all(), user)
            .select_related("node", "requested_by").defer("docx", "pdf", "content").order_by("-created_at", "-id"))


def report_get(*, user, pk: int, with_files: bool = False) -> GovernanceReport:
    ensure_view(user, "indicators.report")
    qs = GovernanceReport.objects.select_related("node", "requested_by")
    if not with_files:
        qs = qs.defer("docx", "pdf")
    return scoping.get_in_scope(qs, user, pk=pk)


def can_report(user) -> bool:
    return scoping.can(user, "indicators.report")


def can_open(user, node_id: int | None) -> bool:
    """Whether the dashboard of ``node_id`` is open to the user (for the "up one level" link)."""
    if not node_id:
        return False
    try:
        node_get(user=user, pk=node_id)
    except NotInScope:
        return False
    return True
