"""Scoped reads of the jurisdiction tree: children with counts, the level-scheme report, grid lookup."""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, QuerySet

from shequ.core.kept import Kept, instance_copy

from . import scoping
from .models import SCOPE_LEVELS, Level, Node

WORKER_ROLES = ("community_worker", "grid_worker")


def node_get(*, user, pk: int) -> Node:
    return scoping.get_in_scope(Node.objects.select_related("parent"), user, pk=pk)


def node_roots(*, user) -> QuerySet[Node]:
    """The top nodes a user can browse: their bound nodes (all cities for an admin)."""
    if scoping.is_global(user):
        return Node.objects.filter(parent__isnull=True)
    ids = [n.pk for n in scoping.bound_nodes(user)]
    return Node.objects.filter(pk__in=ids)


def node_children(*, user, node: Node) -> QuerySet[Node]:
    return scoping.visible_nodes(user).filter(parent=node).order_by("sort", "code")


def node_search(*, user, q: str, level: str = "", limit: int = 20) -> QuerySet[Node]:
    qs = scoping.visible_nodes(user)
    if level:
        qs = qs.filter(level=level)
    q = q.strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q))
    return qs.order_by("path")[:limit]


def breadcrumbs(node: Node) -> list[Node]:
    ids = node.ancestor_path_ids
    by_id = Node.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def node_counts(nodes: list[Node]) -> dict[int, dict[str, int]]:
    """Households, residents, grids and workers under each node: a few grouped queries in all."""
    from shequ.accounts.models import Binding
    from shequ.registry.models import Household, Resident

    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"households": 0, "residents": 0, "grids": 0, "workers": 0})
    by_level: dict[str, list[int]] = defaultdict(list)
    for node in nodes:
        counts[node.pk]  # noqa: B018 - materialize zero rows
        if node.level in SCOPE_LEVELS:
            by_level[node.level].append(node.pk)
    for level, ids in by_level.items():
        col = f"{level}_id"
        for model, key, extra in ((Household, "households", {}), (Resident, "residents", {"status": "active"}),
                                  (Node, "grids", {"level": Level.GRID})):
            rows = model.objects.filter(**{f"{col}__in": ids}, **extra).values(col).annotate(n=Count("id")).order_by()
            for row in rows:
                counts[row[col]][key] = row["n"]
        rows = (Binding.objects.filter(**{f"node__{col}__in": ids}, user__role__in=WORKER_ROLES, user__is_active=True)
                .values(f"node__{col}").annotate(n=Count("user", distinct=True)).order_by())
        for row in rows:
            counts[row[f"node__{col}"]]["workers"] = row["n"]
    return dict(counts)


@dataclass
class Deviation:
    community: Node
    problems: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)


_DEVIATIONS = (
    (Q(level=Level.BUILDING, grid__isnull=True), "building_without_grid", "楼栋未划入网格(社区—楼栋,缺少网格层级)"),
    (Q(level=Level.COMPOUND, grid__isnull=False), "compound_below_grid", "小区位于网格之下(层级倒置)"),
    (Q(level=Level.GRID, building__isnull=False), "grid_below_building", "网格位于楼栋之下(如“楼组”式四级划分)"),
    (Q(level=Level.UNIT, building__isnull=True), "unit_without_building", "单元不在楼栋之下"),
)
DEVIATION_LABELS = {code: label for _q, code, label in _DEVIATIONS} | {"no_grid": "社区/村未划分网格"}


def level_deviation_report(*, user, node: Node | None = None) -> list[Deviation]:
    """Communities whose levels below them differ from the standard scheme, and how.

    Standard: community → [compound] → grid → building → [unit] → house.
    """
    visible = scoping.visible_nodes(user)
    if node is not None:
        visible = visible.filter(**node.scope_filter())
    communities = {c.pk: c for c in visible.filter(level=Level.COMMUNITY).order_by("path")}
    report: dict[int, Deviation] = {}
    for condition, code, label in _DEVIATIONS:
        rows = (visible.filter(condition, community__isnull=False).values("community_id")
                .annotate(n=Count("id"), example=Max("name")).order_by())
        for row in rows:
            community = communities.get(row["community_id"])
            if community is None:
                continue
            entry = report.setdefault(community.pk, Deviation(community=community))
            entry.problems[label] = entry.problems.get(label, 0) + row["n"]
            entry.examples.append(f"{label}:{row['example']}")
    with_grids = set(visible.filter(level=Level.GRID).values_list("community_id", flat=True).distinct())
    for pk, community in communities.items():
        if pk not in with_grids:
            entry = report.setdefault(pk, Deviation(community=community))
            entry.problems[DEVIATION_LABELS["no_grid"]] = 1
    return [report[pk] for pk in communities if pk in report]


class _GridIndex:
    """Grid polygons in an R-tree (shapely STRtree), with each grid's node and its community,
    street and district nodes, rebuilt when the grids change.

    Whether they changed is one small aggregate (count, latest ``updated_at`` and the sum of ids of
    the grids with a boundary), run on a lookup at most every ``SHEQU_CATALOG_CACHE_SECONDS``
    (0: on every lookup) unless a grid, community, street or district was saved or deleted through
    the application meanwhile (``watched``, a shared generation as in ``shequ.core.kept``): such a
    change is seen at once by every process, a bulk or raw change within those seconds.
    """

    #: Saving or deleting a node of these levels rebuilds the index everywhere.
    WATCHED_LEVELS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID)

    def __init__(self):
        self.kept = Kept("grid-index", setting="SHEQU_CATALOG_CACHE_SECONDS")
        self.version = None
        self.generation = None
        self.checked_at = 0.0
        #: (tree, rows, nodes), replaced as a whole so that a thread reading it while another
        #: rebuilds (``runserver``) never pairs one build's tree with another's rows.
        self.built: tuple[object | None, list[tuple[int, object, tuple[int | None, ...]]], dict[int, Node]] = (
            None, [], {})

    def watched(self, *, instance: Node, **_kwargs) -> None:
        """Signal receiver (``apps``): a node of a watched level was saved or deleted."""
        if instance.level in self.WATCHED_LEVELS:
            self.kept.changed()

    def _refresh(self) -> tuple:
        import numpy
        import shapely
        from django.db import connection
        from shapely import STRtree
        from shapely.geometry import shape

        now, generation = time.monotonic(), self.kept.generation()
        if (generation == self.generation and self.version is not None
                and now - self.checked_at < self.kept.seconds):
            return self.built
        with connection.cursor() as cursor:  # as SQL: the ORM took longer to write it than the database to run it
            cursor.execute(f"SELECT COUNT(*), MAX(updated_at), SUM(id) FROM {Node._meta.db_table} "  # noqa: S608
                           "WHERE level = %s AND boundary IS NOT NULL", [Level.GRID])
            version = tuple(cursor.fetchone())
        if version != self.version or generation != self.generation:
            grids = Node.objects.filter(level=Level.GRID, boundary__isnull=False)
            rows = [(pk, shape(b.get("geometry", b)), (district, street, community))
                    for pk, b, district, street, community in grids.values_list(
                        "id", "boundary", "district_id", "street_id", "community_id").order_by("path")]
            wanted = {pk for row in rows for pk in (row[0], *row[2]) if pk}
            # Without the boundaries (already in the tree): what an appeal's place and units need.
            nodes = {n.pk: n for n in Node.objects.filter(pk__in=wanted).defer("boundary")} if wanted else {}
            geometries = numpy.array([row[1] for row in rows], dtype=object)
            shapely.prepare(geometries)  # point tests against a polygon's own index of its edges
            self.built = ((STRtree(geometries), geometries) if rows else None, rows, nodes)
            self.version = version
        self.generation, self.checked_at = generation, now
        return self.built

    def lookup(self, lng: float, lat: float) -> list[tuple[int, tuple[int | None, ...]]]:
        """The grids covering the point, in tree order: (id, (district_id, street_id, community_id))."""
        return self._hits(self._refresh(), lng, lat)

    @staticmethod
    def _hits(built: tuple, lng: float, lat: float) -> list[tuple[int, tuple[int | None, ...]]]:
        import shapely
        from shapely.geometry import Point

        index, rows, _nodes = built
        if index is None:
            return []
        tree, geometries = index
        # The grids covering the point (its boundary included), in tree order like the old linear scan:
        # those whose box holds it, then the exact test on the prepared polygons (a point intersects a
        # polygon exactly when the polygon covers it), by coordinates.
        boxed = tree.query(Point(lng, lat))
        hits = sorted(int(i) for i in boxed[shapely.intersects_xy(geometries[boxed], lng, lat)])
        return [(rows[i][0], rows[i][2]) for i in hits]

    def with_ancestors(self, lng: float, lat: float) -> tuple[Node | None, dict[int, Node]]:
        """The first grid covering the point and, by id, that grid with its community, street and
        district: copies of the kept nodes (a caller may change its own)."""
        built = self._refresh()
        kept = built[2]
        for pk, ancestors in self._hits(built, lng, lat):
            if pk in kept:
                nodes = {i: instance_copy(kept[i]) for i in (pk, *ancestors) if i in kept}
                return nodes[pk], nodes
        return None, {}


_grid_index = _GridIndex()


def grid_for_point(*, lng: float, lat: float, within: Node | None = None) -> Node | None:
    """The grid whose boundary polygon contains the point (the basis of location routing)."""
    ids = [pk for pk, _ancestors in _grid_index.lookup(lng, lat)]
    if not ids:
        return None
    grids = Node.objects.filter(pk__in=ids)
    if within is not None:
        grids = grids.filter(**within.scope_filter())
    found = {g.pk: g for g in grids.only("id", "boundary", "name", "community_id", "street_id", "district_id", "path",
                                         "level", "city_id", "compound_id", "grid_id", "building_id", "parent_id")}
    return next((found[pk] for pk in ids if pk in found), None)


def grid_index_warm() -> None:
    """Build the grid index now (a server process before its first request, see config/wsgi.py)."""
    _grid_index._refresh()


def district_list() -> list[Node]:
    """Every district, by code: copies of what the process keeps with the grid index (dropped with it
    when a district is saved or deleted through the application; else re-read within
    ``SHEQU_CATALOG_CACHE_SECONDS``)."""
    districts = _grid_index.kept.read("districts", lambda: list(
        Node.objects.filter(level=Level.DISTRICT).defer("boundary").order_by("code")))
    return [instance_copy(d) for d in districts]


def node_names(ids) -> dict[int, str]:
    """Node names by id: the grids and their communities, streets and districts from the grid
    index (no query), any other node in one query."""
    kept = _grid_index._refresh()[2]
    names = {pk: kept[pk].name for pk in ids if pk in kept}
    missing = [pk for pk in ids if pk not in names]
    if missing:
        names.update(Node.objects.filter(pk__in=missing).values_list("id", "name"))
    return names


def grid_with_ancestors(*, lng: float, lat: float) -> tuple[Node | None, dict[int, Node]]:
    """The grid containing the point (as ``grid_for_point``) and, by id, that grid with its
    community, street and district (as the index keeps them: no query; without ``boundary``)."""
    return _grid_index.with_ancestors(lng, lat)


def node_list(*, user, parent: Node | None = None, q: str = "", level: str = "") -> QuerySet[Node]:
    """Visible nodes for a paginated list: matching ``q``/``level`` anywhere in scope, else the
    children of ``parent``, else the user's top nodes. Unsliced, ordered by tree position."""
    q = (q or "").strip()
    if q or level:
        qs = scoping.visible_nodes(user)
        if parent is not None:
            qs = qs.filter(**parent.scope_filter()).exclude(pk=parent.pk)
        if level:
            qs = qs.filter(level=level)
        if q:
            qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q))
        return qs.select_related("parent").order_by("path")
    if parent is not None:
        return node_children(user=user, node=parent).select_related("parent")
    return node_roots(user=user).select_related("parent").order_by("path")


def grid_locate(*, user, lng: float, lat: float) -> Node | None:
    """The grid containing the point, searched only inside the user's jurisdiction."""
    if scoping.is_global(user):
        return grid_for_point(lng=lng, lat=lat)
    for node in scoping.bound_nodes(user):
        grid = grid_for_point(lng=lng, lat=lat, within=node)
        if grid is not None:
            return grid
    return None
