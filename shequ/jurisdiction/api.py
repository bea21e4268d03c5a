"""The jurisdiction tree API: browse, search, create, rename, move; the level-scheme report; grid lookup."""
from __future__ import annotations

from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from shequ.core.errors import NotInScope
from shequ.core.pagination import PageParams, page_of, paginate

from . import scoping, selectors, services
from .models import Level, Node, NodeKind

router = Router(tags=["辖区树"])

LevelName = Literal[tuple(Level.values)]  # type: ignore[valid-type]
KindName = Literal[tuple(NodeKind.values)]  # type: ignore[valid-type]


# --- schemas -----------------------------------------------------------------------------------

class NodeRefOut(Schema):
    id: int
    name: str
    level: str
    code: str


class NodeOut(Schema):
    id: int
    name: str
    code: str
    level: str
    level_label: str
    kind: str
    parent_id: int | None
    depth: int
    sort: int
    has_boundary: bool

    @staticmethod
    def resolve_level_label(obj) -> str:
        return str(obj.get_level_display())

    @staticmethod
    def resolve_has_boundary(obj) -> bool:
        return bool(obj.boundary)


class CountsOut(Schema):
    households: int = Field(..., description="户数")
    residents: int = Field(..., description="在册居民数")
    grids: int = Field(..., description="网格数")
    workers: int = Field(..., description="社区工作者与网格员人数")


class NodeWithCountsOut(NodeOut):
    counts: CountsOut


class NodeDetailOut(NodeOut):
    boundary: dict[str, Any] | None = Field(None, description="网格边界,GeoJSON")
    breadcrumbs: list[NodeRefOut] = Field(..., description="从市到本节点的路径")
    counts: CountsOut
    children_count: int


class NodeQuery(PageParams):
    parent: int | None = Field(None, description="列出此节点的下级(与 q/level 同用时:在此节点之下搜索)")
    q: str = Field("", max_length=100, description="名称片段或代码前缀")
    level: LevelName | None = Field(None, description="只列此层级")


class NodeCreateIn(Schema):
    parent: int | None = Field(..., description="上级节点 id;市级为 null")
    level: LevelName
    kind: KindName | None = Field(None, description="类型(如 街道/乡镇、社区/行政村),默认同层级")
    name: str = Field(..., min_length=1, max_length=100)
    code: str = Field(..., min_length=1, max_length=32, pattern=r"^[0-9A-Za-z\-]+$",
                      description="行政区划代码:6位县级+3位街道+3位社区/村;以下层级在上级代码后续编")
    boundary: dict[str, Any] | None = Field(None, description="网格边界:GeoJSON Polygon/MultiPolygon(WGS84)")
    sort: int = Field(0, ge=0)


class NodeUpdateIn(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    code: str | None = Field(None, min_length=1, max_length=32, pattern=r"^[0-9A-Za-z\-]+$")
    boundary: dict[str, Any] | None = Field(None, description="给出 null 则清除边界")
    sort: int | None = Field(None, ge=0)


class NodeMoveIn(Schema):
    parent: int = Field(..., description="新的上级节点 id")


class DeviationProblemOut(Schema):
    label: str
    count: int


class DeviationOut(Schema):
    community: NodeRefOut
    problems: list[DeviationProblemOut]
    examples: list[str]


class LocateQuery(Schema):
    lng: float = Field(..., ge=-180, le=180, description="经度(WGS84)")
    lat: float = Field(..., ge=-90, le=90, description="纬度(WGS84)")


# --- helpers -----------------------------------------------------------------------------------

def _detail(user, node: Node) -> Node:
    """The node with what NodeDetailOut shows besides its fields: breadcrumbs, counts, children."""
    node.breadcrumbs = selectors.breadcrumbs(node)
    node.counts = selectors.node_counts([node])[node.pk]
    node.children_count = selectors.node_children(user=user, node=node).count()
    return node


# --- endpoints ---------------------------------------------------------------------------------

@router.get("/nodes", response=page_of(NodeOut), summary="辖区节点列表:顶层、某节点的下级,或按名称/代码/层级搜索",
            operation_id="tree_node_list")
def node_list(request, filters: Query[NodeQuery]):
    parent = selectors.node_get(user=request.auth, pk=filters.parent) if filters.parent else None
    qs = selectors.node_list(user=request.auth, parent=parent, q=filters.q, level=filters.level or "")
    return paginate(qs, filters)


@router.get("/nodes/{node_id}", response=NodeDetailOut, summary="辖区节点详情(路径、户数/人数/网格数/工作人员数)",
            operation_id="tree_node_get")
def node_get(request, node_id: int):
    node = selectors.node_get(user=request.auth, pk=node_id)
    return _detail(request.auth, node)


@router.get("/nodes/{node_id}/children", response=page_of(NodeWithCountsOut), summary="下级节点及其统计",
            operation_id="tree_node_children")
def node_children(request, node_id: int, page: Query[PageParams]):
    node = selectors.node_get(user=request.auth, pk=node_id)
    result = paginate(selectors.node_children(user=request.auth, node=node), page)
    counts = selectors.node_counts(result["items"])
    for child in result["items"]:
        child.counts = counts[child.pk]
    return result


@router.post("/nodes", response={201: NodeDetailOut}, summary="新建辖区节点", operation_id="tree_node_create")
def node_create(request, payload: NodeCreateIn):
    parent = selectors.node_get(user=request.auth, pk=payload.parent) if payload.parent is not None else None
    node = services.node_create(actor=request.auth, parent=parent, level=payload.level, kind=payload.kind or "",
                                name=payload.name.strip(), code=payload.code, boundary=payload.boundary, sort=payload.sort)
    return Status(201, _detail(request.auth, node))


@router.patch("/nodes/{node_id}", response=NodeDetailOut, summary="修改辖区节点(名称、代码、边界、排序)",
              operation_id="tree_node_update")
def node_update(request, node_id: int, payload: NodeUpdateIn):
    node = selectors.node_get(user=request.auth, pk=node_id)
    changes = payload.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is not None:
        changes["name"] = changes["name"].strip()
    node = services.node_update(actor=request.auth, node=node, name=changes.get("name"), code=changes.get("code"),
                                sort=changes.get("sort"), boundary=changes["boundary"] if "boundary" in changes else ...)
    return _detail(request.auth, node)


@router.delete("/nodes/{node_id}", response={204: None}, summary="删除空节点(无下级、无登记数据、无绑定用户)",
               operation_id="tree_node_delete")
def node_delete(request, node_id: int):
    services.node_delete(actor=request.auth, node=selectors.node_get(user=request.auth, pk=node_id))
    return Status(204, None)


@router.post("/nodes/{node_id}/move", response=NodeDetailOut, summary="移动节点到新的上级(下级与登记数据随之更新)",
             operation_id="tree_node_move")
def node_move(request, node_id: int, payload: NodeMoveIn):
    node = selectors.node_get(user=request.auth, pk=node_id)
    new_parent = selectors.node_get(user=request.auth, pk=payload.parent)
    node = services.node_move(actor=request.auth, node=node, new_parent=new_parent)
    return _detail(request.auth, selectors.node_get(user=request.auth, pk=node.pk))


@router.get("/deviations", response=list[DeviationOut], summary="层级方案偏差报告:与标准层级不一致的社区/村",
            operation_id="tree_deviation_report")
def deviation_report(request, node: int | None = None):
    scoping.ensure_can(request.auth, "tree.report")
    within = selectors.node_get(user=request.auth, pk=node) if node else None
    report = selectors.level_deviation_report(user=request.auth, node=within)
    return [
        {"community": d.community, "examples": d.examples,
         "problems": [{"label": label, "count": n} for label, n in d.problems.items()]}
        for d in report
    ]


@router.get("/locate", response=NodeDetailOut, summary="按经纬度查找所在网格(限本辖区)", operation_id="tree_locate")
def locate(request, point: Query[LocateQuery]):
    grid = selectors.grid_locate(user=request.auth, lng=point.lng, lat=point.lat)
    if grid is None:
        raise NotInScope(_("该位置不在您辖区内的任何网格中"), extra={"lng": point.lng, "lat": point.lat})
    return _detail(request.auth, selectors.node_get(user=request.auth, pk=grid.pk))
