"""The jurisdiction tree: city > district > street > community > [compound] > grid > building > [unit].

Houses hang below buildings (or building units) in ``registry.House``. Every node and every
located record stores the ids of its ancestors, one column per level (``Located``), so
"everything under node X" is ``filter(<X.level>_id=X.id)``: one indexed equality at any depth.
``path`` (ancestor ids, each zero-padded to ten digits, joined by '/': ``path_of``) gives
ordering, breadcrumbs and cycle checks.
"""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.models import BaseModel


#: Digits of one id in a node's ``path``: padded, the text order of paths is the tree's order with
#: siblings by id (unpadded, "/…/100/" would come before "/…/99/").
PATH_DIGITS = 10


def path_of(parent_path: str | None, node_id: int) -> str:
    """The ``path`` of node ``node_id`` under a parent with ``parent_path`` (None: a root)."""
    return f"{parent_path or '/'}{node_id:0{PATH_DIGITS}d}/"


class Level(models.TextChoices):
    CITY = "city", _("市")
    DISTRICT = "district", _("区县")
    STREET = "street", _("街道/乡镇")
    COMMUNITY = "community", _("社区/村")
    COMPOUND = "compound", _("小区")
    GRID = "grid", _("网格")
    BUILDING = "building", _("楼栋")
    UNIT = "unit", _("单元")


LEVEL_ORDER = [Level.CITY, Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.COMPOUND, Level.GRID, Level.BUILDING, Level.UNIT]
LEVEL_RANK = {level.value: rank for rank, level in enumerate(LEVEL_ORDER)}
#: Levels that get an ancestor column on every located record (``unit`` does not: it is
#: too fine for a jurisdiction binding; houses keep it as ``House.unit_node``).
SCOPE_LEVELS = ["city", "district", "street", "community", "compound", "grid", "building"]
#: The standard scheme: level -> levels its children may have. Anything else is a deviation.
STANDARD_CHILDREN = {
    "city": {"district"},
    "district": {"street"},
    "street": {"community"},
    "community": {"compound", "grid"},
    "compound": {"grid"},
    "grid": {"building"},
    "building": {"unit"},
    "unit": set(),
}
#: The fixed top of the tree; below a community districts vary (and the deviation report shows how).
FIXED_PARENT = {"district": "city", "street": "district", "community": "street"}


class NodeKind(models.TextChoices):
    CITY = "city", _("市")
    DISTRICT = "district", _("区")
    COUNTY = "county", _("县")
    STREET = "street", _("街道")
    TOWNSHIP = "township", _("乡镇")
    COMMUNITY = "community", _("社区")
    VILLAGE = "village", _("行政村")
    COMPOUND = "compound", _("小区")
    GRID = "grid", _("网格")
    BUILDING = "building", _("楼栋")
    UNIT = "unit", _("单元")


_ANCESTOR_NAMES = {"city": _("市"), "district": _("区县"), "street": _("街道/乡镇"), "community": _("社区/村"),
                   "compound": _("小区"), "grid": _("网格"), "building": _("楼栋")}


def ancestor_field(level: str, **kwargs) -> models.ForeignKey:
    """The column of one ancestor level of a ``Located`` model (a model whose own indexes already
    lead with the column passes ``db_index=False``)."""
    return models.ForeignKey("jurisdiction.Node", verbose_name=_ANCESTOR_NAMES[level], null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+", **kwargs)


class Located(models.Model):
    """Ancestor columns: which city, district, street, community, compound, grid, building."""

    city = ancestor_field("city", db_index=False)
    district = ancestor_field("district")
    street = ancestor_field("street")
    community = ancestor_field("community")
    compound = ancestor_field("compound")
    grid = ancestor_field("grid")
    building = ancestor_field("building")

    class Meta:
        abstract = True

    def ancestor_ids(self) -> dict[str, int | None]:
        return {level: getattr(self, f"{level}_id") for level in SCOPE_LEVELS}

    def copy_location(self, source: "Located") -> None:
        for level in SCOPE_LEVELS:
            setattr(self, f"{level}_id", getattr(source, f"{level}_id"))

    @property
    def audit_node_id(self) -> int | None:
        return self.community_id or self.street_id or self.district_id

    @classmethod
    def location_fields(cls) -> list[str]:
        return [f"{level}_id" for level in SCOPE_LEVELS]


class Node(Located, BaseModel):
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices, db_index=True)
    kind = models.CharField(_("类型"), max_length=16, choices=NodeKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("代码"), max_length=32, unique=True, help_text=_("行政区划代码:6位县级+3位街道+3位社区/村;以下层级在上级代码后续编"))
    parent = models.ForeignKey("self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(_("路径"), max_length=255, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(_("深度"), default=0, editable=False)
    boundary = models.JSONField(_("边界(GeoJSON)"), null=True, blank=True, help_text=_("网格边界多边形,GeoJSON Polygon 或 MultiPolygon,经纬度(WGS84)"))
    sort = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("辖区节点")
        verbose_name_plural = _("辖区节点")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["parent", "sort", "name"], name="node_children_idx"),
            # The grid polygons' version (selectors._GridIndex), read on every located appeal: an
            # index-only scan of the grids instead of a heap scan of them.
            models.Index(fields=["updated_at", "id"], condition=models.Q(level="grid", boundary__isnull=False),
                         name="node_grid_version_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def rank(self) -> int:
        return LEVEL_RANK[self.level]

    @property
    def ancestor_path_ids(self) -> list[int]:
        return [int(x) for x in self.path.strip("/").split("/") if x]

    def scope_filter(self) -> dict[str, int]:
        """The lookup selecting every located record under this node (this node included)."""
        if self.level == Level.UNIT:
            return {"building_id": self.building_id}
        return {f"{self.level}_id": self.id}


class ResidentGroup(BaseModel):
    """居民小组 (of a community) or 村民小组 (of a village)."""

    class Kind(models.TextChoices):
        RESIDENT = "resident", _("居民小组")
        VILLAGER = "villager", _("村民小组")

    community = models.ForeignKey(Node, verbose_name=_("社区/村"), on_delete=models.PROTECT, related_name="groups", limit_choices_to={"level": "community"})
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("代码"), max_length=32, unique=True)
    leader_name = models.CharField(_("组长"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("居民小组/村民小组")
        verbose_name_plural = _("居民小组/村民小组")
        ordering = ["community", "code"]

    def __str__(self) -> str:
        return f"{self.community.name}{self.name}"

    @property
    def audit_node_id(self) -> int:
        return self.community_id


class Department(BaseModel):
    """A district department (区直部门): civil affairs, housing, police, urban management, ..."""

    class Kind(models.TextChoices):
        CIVIL_AFFAIRS = "civil_affairs", _("民政")
        HOUSING = "housing", _("住建")
        POLICE = "police", _("公安")
        URBAN_MANAGEMENT = "urban_management", _("城管")
        HEALTH = "health", _("卫健")
        HUMAN_RESOURCES = "human_resources", _("人社")
        MARKET = "market", _("市场监管")
        ECOLOGY = "ecology", _("生态环境")
        EMERGENCY = "emergency", _("应急管理")
        WATER = "water", _("水务")
        ORGANIZATION = "organization", _("组织部")
        POLITICAL_LEGAL = "political_legal", _("政法委")
        DISCIPLINE = "discipline", _("纪委监委")
        COMMUNITY_OFFICE = "community_office", _("社区办")
        OTHER = "other", _("其他")

    district = models.ForeignKey(Node, verbose_name=_("所属区县"), on_delete=models.PROTECT, related_name="departments", limit_choices_to={"level": "district"})
    kind = models.CharField(_("类别"), max_length=32, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("代码"), max_length=32, unique=True)

    class Meta:
        verbose_name = _("区直部门")
        verbose_name_plural = _("区直部门")
        ordering = ["district", "code"]

    def __str__(self) -> str:
        return self.name
