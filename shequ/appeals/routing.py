"""Routing 派单: which unit handles an appeal, and why (the reason is stored on the appeal).

1. Where: the grid whose polygon contains the point, else the standard address matching the
   address text (its grid, community, street).
2. Who: the category's unit kind. A grid/community/street category goes to that level of the
   place, or up the tree where the place has no such level; a department category goes to the
   district department of that kind; a district category, anything without a known place and
   anything no unit owns goes to the district (兜底).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from shequ.core.errors import InvalidInput
from shequ.jurisdiction.models import Department, Node
from shequ.jurisdiction.selectors import grid_with_ancestors
from shequ.registry.selectors import address_match

from .errors import AppealErrorCode
from .models import ServiceCategory, UnitKind

#: Levels tried, in order, for a category handled by a node of the given kind.
FALLBACK_LEVELS = {
    UnitKind.GRID: ("grid", "community", "street"),
    UnitKind.COMMUNITY: ("community", "street"),
    UnitKind.STREET: ("street",),
}


@dataclass
class Route:
    node: Node | None
    department: Department | None
    place: object | None  # the grid Node or registry Address whose ancestor columns locate the appeal
    address: object | None
    district: Node
    reason: str
    #: The place's grid, community, street and district by id (as far as it has them), already read.
    nodes: dict[int, Node] = field(default_factory=dict)

    @property
    def unit_name(self) -> str:
        return (self.department or self.node).name


def route(*, category: ServiceCategory, lng: float | None = None, lat: float | None = None,
          address=None, address_text: str = "", district: Node | None = None,
          default_district: Callable[[], Node | None] | None = None) -> Route:
    """Find the handling unit. ``district`` is where an appeal without a known place goes;
    ``default_district`` finds it only when needed (the place, when known, gives the district)."""
    place, where = None, ""
    nodes: dict[int, Node] = {}
    if lng is not None and lat is not None:
        place, nodes = grid_with_ancestors(lng=lng, lat=lat)
        if place is not None:
            where = _("坐标位于%(grid)s范围内") % {"grid": place.name}
    if place is None and address is None and address_text:
        address = address_match(q=address_text)
    if place is None and address is not None:
        place = address
        where = _("地址匹配标准地址「%(address)s」") % {"address": address.full_text}
    if place is not None and place.district_id:
        if not nodes:
            # The district and the place's grid, community and street in one query (any may handle it).
            ids = [place.district_id, *(getattr(place, f"{level}_id", None) for level in ("street", "community", "grid"))]
            nodes = Node.objects.in_bulk([i for i in ids if i])
        district = nodes[place.district_id]
    if district is None and default_district is not None:
        district = default_district()
    if district is None:
        raise InvalidInput(_("无法确定诉求所在的区:请提供位置或地址"), code=AppealErrorCode.NO_DISTRICT)

    def done(node=None, department=None, why=""):
        unit = (department or node).name
        reason = _("派至%(unit)s,因为%(why)s") % {"unit": unit, "why": why}
        return Route(node=node, department=department, place=place, address=address, district=district, reason=reason,
                     nodes=nodes)

    kind_label = UnitKind(category.unit_kind).label
    if category.unit_kind == UnitKind.DEPARTMENT:
        department = (Department.objects.filter(district=district, kind=category.department_kind)
                      .order_by("code").first())
        dept_label = Department.Kind(category.department_kind).label
        if department is not None:
            return done(department=department, why=_("类别「%(category)s」由%(kind)s部门承办") % {
                "category": category.name, "kind": dept_label})
        return done(node=district, why=_("类别「%(category)s」应由%(kind)s部门承办,但本区没有该部门,由区兜底") % {
            "category": category.name, "kind": dept_label})
    if category.unit_kind in FALLBACK_LEVELS:
        if place is None:
            return done(node=district, why=_("类别「%(category)s」由%(kind)s承办,但诉求位置不明(坐标不在任何网格内、地址未匹配),由区兜底") % {
                "category": category.name, "kind": kind_label})
        levels = FALLBACK_LEVELS[category.unit_kind]
        for level in levels:
            node_id = getattr(place, f"{level}_id", None)
            if node_id:
                node = nodes.get(node_id) or Node.objects.get(pk=node_id)
                why = _("%(where)s,类别「%(category)s」由%(kind)s承办") % {
                    "where": where, "category": category.name, "kind": kind_label}
                if level != levels[0]:
                    why += _("(该位置没有%(kind)s,上交%(unit)s)") % {"kind": kind_label, "unit": node.name}
                return done(node=node, why=why)
        return done(node=district, why=_("%(where)s,但该位置不属于任何街道,由区兜底") % {"where": where})
    return done(node=district, why=_("类别「%(category)s」由区统一承办") % {"category": category.name})
