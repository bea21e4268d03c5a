"""Writes to the jurisdiction tree."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shequ.core.audit import audit_record
from shequ.core.errors import Conflict, InvalidInput

from . import scoping
from .models import FIXED_PARENT, LEVEL_RANK, SCOPE_LEVELS, Level, Node, path_of


def validate_boundary(boundary) -> None:
    """Accept a GeoJSON Polygon/MultiPolygon (or a Feature holding one) that is a valid shape."""
    if boundary in (None, ""):
        return
    from shapely.geometry import shape

    geometry = boundary.get("geometry", boundary) if isinstance(boundary, dict) else None
    if not isinstance(geometry, dict) or geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        raise InvalidInput(_("边界须为 GeoJSON 的 Polygon 或 MultiPolygon"), extra={"field": "boundary"})
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise InvalidInput(_("边界坐标无法解析:%(e)s") % {"e": exc}, extra={"field": "boundary"}) from None
    if not geom.is_valid or geom.is_empty:
        raise InvalidInput(_("边界多边形无效(自相交或为空)"), extra={"field": "boundary"})


def _set_ancestry(node: Node, parent: Node | None) -> None:
    if parent is None:
        for level in SCOPE_LEVELS:
            setattr(node, f"{level}_id", None)
        node.depth = 0
    else:
        node.copy_location(parent)
        node.depth = parent.depth + 1
    if node.level in SCOPE_LEVELS:
        setattr(node, f"{node.level}_id", node.id)
    node.path = path_of(parent.path if parent else None, node.id)


def check_parent(level: str, parent: Node | None) -> None:
    if level == Level.CITY:
        if parent is not None:
            raise InvalidInput(_("市级节点不能有上级"), extra={"field": "parent"})
        return
    if parent is None:
        raise InvalidInput(_("除市级外,节点必须有上级"), extra={"field": "parent"})
    if level in FIXED_PARENT and parent.level != FIXED_PARENT[level]:
        raise InvalidInput(
            _("%(level)s 的上级必须是 %(parent)s") % {"level": Level(level).label, "parent": Level(FIXED_PARENT[level]).label},
            extra={"field": "parent"},
        )
    if LEVEL_RANK[parent.level] < LEVEL_RANK[Level.COMMUNITY] and level not in FIXED_PARENT:
        raise InvalidInput(_("社区/村以下的层级只能建在社区/村之下"), extra={"field": "parent"})
    if parent.level == Level.UNIT:
        raise InvalidInput(_("单元下不能再设下级节点"), extra={"field": "parent"})
    if level == parent.level:
        raise InvalidInput(_("下级层级不能与上级相同"), extra={"field": "level"})


@transaction.atomic
def node_create(*, actor, parent: Node | None, level: str, name: str, code: str, kind: str = "",
                boundary=None, sort: int = 0, audit: bool = True) -> Node:
    if parent is not None:
        scoping.ensure_can(actor, "tree.change", parent) if actor is not None else None
    elif actor is not None and not scoping.is_global(actor):
        raise scoping.NotAllowed(_("只有系统管理员可以创建市级节点"))
    check_parent(level, parent)
    validate_boundary(boundary)
    if Node.objects.filter(code=code).exists():
        raise Conflict(_("代码 %(code)s 已被其他节点使用") % {"code": code}, extra={"field": "code"})
    node = Node(parent=parent, level=level, kind=kind or level, name=name, code=code, boundary=boundary, sort=sort, path="/")
    try:
        node.full_clean(exclude=["path", "city", "district", "street", "community", "compound", "grid", "building"])
    except ValidationError as exc:
        raise InvalidInput(_("节点数据无效"), extra={"fields": exc.message_dict}) from None
    node.save()
    _set_ancestry(node, parent)
    node.save(update_fields=["path", "depth", *Node.location_fields()])
    if audit:
        audit_record(actor=actor, verb="node.created", target=node, node_id=node.id)
    return node


@transaction.atomic
def node_update(*, actor, node: Node, name: str | None = None, code: str | None = None,
                boundary=..., sort: int | None = None) -> Node:
    scoping.ensure_can(actor, "tree.change", node)
    changed = []
    if code is not None and code != node.code and Node.objects.filter(code=code).exists():
        raise Conflict(_("代码 %(code)s 已被其他节点使用") % {"code": code}, extra={"field": "code"})
    for field, value in (("name", name), ("code", code), ("sort", sort)):
        if value is not None and getattr(node, field) != value:
            setattr(node, field, value)
            changed.append(field)
    if boundary is not ...:
        validate_boundary(boundary)
        node.boundary = boundary
        changed.append("boundary")
    if changed:
        node.save(update_fields=[*changed, "updated_at"])
        audit_record(actor=actor, verb="node.updated", target=node, node_id=node.id, extra={"fields": changed})
    return node


@transaction.atomic
def node_delete(*, actor, node: Node) -> None:
    """Delete an empty node (no children, no located records, no user bound to it)."""
    scoping.ensure_can(actor, "tree.change", node)
    if node.parent_id is None and not scoping.is_global(actor):
        raise scoping.NotAllowed(_("只有系统管理员可以删除市级节点"))
    from django.apps import apps

    from .models import Located

    if node.children.exists() or node.bindings.exists() or node.groups.exists() or node.departments.exists():
        raise Conflict(_("该节点还有下级、小组、部门或绑定的用户,不能删除"), extra={"node": node.pk})
    if node.level == Level.UNIT:
        from shequ.registry.models import House

        if House.objects.filter(unit_node=node).exists():
            raise Conflict(_("该单元下还有房屋,不能删除"), extra={"node": node.pk})
    for model in apps.get_models() if node.level != Level.UNIT else ():
        if issubclass(model, Located) and model is not Node and model._default_manager.filter(**node.scope_filter()).exists():
            raise Conflict(_("该节点下还有登记数据(%(m)s),不能删除") % {"m": model._meta.verbose_name}, extra={"node": node.pk})
    audit_record(actor=actor, verb="node.deleted", target=node, node_id=node.parent_id)
    if node.level in SCOPE_LEVELS:  # its own ancestor column points at itself (PROTECT)
        Node.objects.filter(pk=node.pk).update(**{f"{node.level}_id": None})
        setattr(node, f"{node.level}_id", None)
    node.delete()


@transaction.atomic
def node_move(*, actor, node: Node, new_parent: Node) -> Node:
    """Re-parent a node below the community level; descendants and located records follow."""
    scoping.ensure_can(actor, "tree.change", node)
    scoping.ensure_can(actor, "tree.change", new_parent)
    if node.level == Level.UNIT:
        raise InvalidInput(_("单元随楼栋一起调整,不能单独移动"), extra={"field": "level"})
    if new_parent.pk == node.pk or new_parent.path.startswith(node.path):
        raise InvalidInput(_("不能把节点移到它自己或它的下级之下(会形成环)"), extra={"field": "parent"})
    check_parent(node.level, new_parent)
    node = Node.objects.select_for_update().get(pk=node.pk)
    old_filter = node.scope_filter()
    node.parent = new_parent
    _set_ancestry(node, new_parent)
    node.save(update_fields=["parent", "path", "depth", *Node.location_fields(), "updated_at"])
    # Descendants, in path order so each parent is fixed before its children.
    for child in Node.objects.filter(**old_filter).exclude(pk=node.pk).order_by("depth"):
        parent = Node.objects.get(pk=child.parent_id)
        _set_ancestry(child, parent)
        child.save(update_fields=["path", "depth", *Node.location_fields()])
    # Located records under the node take the new ancestors above the node's level.
    from django.apps import apps

    from .models import Located

    upper = {f"{level}_id": getattr(node, f"{level}_id") for level in SCOPE_LEVELS if LEVEL_RANK[level] < LEVEL_RANK[node.level]}
    for model in apps.get_models():
        if issubclass(model, Located) and model is not Node:
            model._default_manager.filter(**old_filter).update(**upper)
    audit_record(actor=actor, verb="node.moved", target=node, node_id=node.id, extra={"parent": new_parent.pk})
    return node
