"""Import of a city 12345 hotline work-order feed as appeals (kind ``feed12345``).

Each row becomes an appeal through ``appeals.services.appeal_submit`` (channel ``feed12345``,
received at the order's 来电时间, routed by point or address like every appeal) with the order
number kept as ``Appeal.external_number``. An order already imported is skipped and the job's
message says which; two rows with the same order number in one file are an error.

Rules (docs/open311.md, "12345 feed"): the category (问题分类) must name an active catalog entry by
name or code (for "大类-小类" the last level counts); the appeal must be located inside the
importer's jurisdiction (a street office imports its street's orders; an order whose place is
unknown goes to the district, so only a district-level importer may take it).
"""
from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.appeals import routing
from shequ.appeals.deadlines import SHANGHAI
from shequ.appeals.models import Appeal, Channel, ContactKind, ServiceCategory
from shequ.appeals.services import appeal_submit
from shequ.core.audit import audit_bulk
from shequ.core.errors import ShequError
from shequ.core.idcard import validate_phone
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Level, Node

from .importers import Importer
from .rows import Errors, choice_map, choice_names

_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M:%S",
                 "%Y-%m-%dT%H:%M", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y%m%d%H%M%S")
_LEVEL_SPLIT = re.compile(r"\s*(?:-|—|/|>|>|\\|、)\s*")
_CONTACT_KINDS = choice_map(ContactKind.choices)
#: The job message lists at most this many skipped order numbers.
SKIPPED_SHOWN = 10


def _received_at(raw: str, errors: Errors) -> dt.datetime | None:
    raw = raw.strip()
    if not raw:
        errors.append(("received_at", _("必填项为空")))
        return None
    for fmt in _TIME_FORMATS:
        try:
            value = dt.datetime.strptime(raw, fmt).replace(tzinfo=SHANGHAI)
            break
        except ValueError:
            continue
    else:
        errors.append(("received_at", _("“%(v)s”不是有效的时间,应如 2026-11-26 09:30:00") % {"v": raw}))
        return None
    if value > timezone.now() + dt.timedelta(minutes=5):
        errors.append(("received_at", _("来电时间晚于当前时间")))
        return None
    return value


def _coordinate(v: dict, key: str, low: float, high: float, errors: Errors) -> float | None:
    raw = v.get(key, "")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        errors.append((key, _("应为数字")))
        return None
    if not low <= value <= high:
        errors.append((key, _("应在%(a)d到%(b)d之间") % {"a": low, "b": high}))
        return None
    return value


def prepare_row(v: dict) -> tuple[dict | None, Errors]:
    """Check one row's cells (no database): required cells, lengths, time, phone, coordinates."""
    errors: Errors = []
    for key in ("external_number", "description", "category"):
        if not v.get(key):
            errors.append((key, _("必填项为空")))
    for key, limit in (("external_number", 64), ("requester_name", 50), ("description", 4000),
                       ("address_text", 300), ("category", 100)):
        if len(v.get(key, "")) > limit:
            errors.append((key, _("长度不能超过%(n)d个字符") % {"n": limit}))
    received_at = _received_at(v.get("received_at", ""), errors)
    phone = ""
    if v.get("requester_phone"):
        try:
            phone = validate_phone(v["requester_phone"])
        except ValueError as exc:
            errors.append(("requester_phone", str(exc)))
    contact_kind = ""
    if v.get("contact_kind"):
        contact_kind = _CONTACT_KINDS.get(v["contact_kind"].lower(), "")
        if not contact_kind:
            errors.append(("contact_kind", _("“%(v)s”不是有效取值,应为:%(names)s") % {
                "v": v["contact_kind"], "names": choice_names(ContactKind.choices)}))
    lng = _coordinate(v, "lng", -180, 180, errors)
    lat = _coordinate(v, "lat", -90, 90, errors)
    if (lng is None) != (lat is None) and not any(key in ("lng", "lat") for key, _m in errors):
        errors.append(("lat" if lat is None else "lng", _("经度和纬度须同时填写")))
    if errors:
        return None, errors
    return {"external_number": v["external_number"], "received_at": received_at, "requester_name": v.get("requester_name", ""),
            "requester_phone": phone, "description": v["description"], "category": v["category"],
            "contact_kind": contact_kind, "address_text": v.get("address_text", ""), "lng": lng, "lat": lat}, errors


class AppealFeedImporter(Importer):
    kind = "feed12345"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._categories: dict[str, ServiceCategory] | None = None
        self._district: Node | None = None
        self.skipped: list[str] = []

    def key_of(self, data: dict):
        return data["external_number"]

    def key_column(self, data: dict) -> str:
        return "external_number"

    # --- resolve: category, already imported, routing and scope --------------------------

    def categories(self) -> dict[str, ServiceCategory]:
        if self._categories is None:
            self._categories = {}
            for category in ServiceCategory.objects.select_related("time_limit"):
                for name in (category.code, category.name, f"{category.group}/{category.name}",
                             f"{category.group}-{category.name}"):
                    self._categories.setdefault(name.lower(), category)
        return self._categories

    def category(self, raw: str) -> ServiceCategory | None:
        names = self.categories()
        found = names.get(raw.lower()) or names.get(_LEVEL_SPLIT.split(raw)[-1].lower())
        return found

    def district(self) -> Node | None:
        """Where an order with no known place goes: the importer's district (else the only one)."""
        if self._district is None:
            for node in scoping.bound_nodes(self.user):
                if node.district_id:
                    self._district = Node.objects.get(pk=node.district_id)
                    break
            else:
                districts = list(Node.objects.filter(level=Level.DISTRICT)[:2])
                self._district = districts[0] if len(districts) == 1 else None
        return self._district

    def resolve(self, rows):
        existing = dict(Appeal.objects.filter(channel=Channel.FEED_12345,
                                              external_number__in=[d["external_number"] for _n, d in rows])
                        .values_list("external_number", "number"))
        valid, errors = [], []
        for number, data in rows:
            if data["external_number"] in existing:
                data["duplicate_of"] = existing[data["external_number"]]
                valid.append((number, data))
                continue
            category = self.category(data["category"])
            if category is None:
                errors.append((number, "category", _("问题分类“%(c)s”不在派单目录中(请填写派单目录的类别名称或代码)") % {
                    "c": data["category"]}))
                continue
            if not category.active:
                errors.append((number, "category", _("问题分类“%(c)s”已停用") % {"c": category.name}))
                continue
            try:
                route = routing.route(category=category, lng=data["lng"], lat=data["lat"],
                                      address_text=data["address_text"], district=self.district())
            except ShequError as exc:
                errors.append((number, "address_text", exc.message))
                continue
            probe = Appeal()
            if route.place is not None:
                probe.copy_location(route.place)
            else:
                probe.city_id, probe.district_id = route.district.city_id, route.district.id
            if not scoping.obj_in_scope(self.user, probe):
                where = getattr(route.place, "full_text", None) or getattr(route.place, "name", None)
                message = (_("诉求位置(%(w)s)不在您的辖区内") % {"w": where} if where
                           else _("诉求位置不明(坐标不在任何网格内、地址未匹配),只有区级可以导入"))
                errors.append((number, "lng" if data["lng"] is not None else "address_text", message))
                continue
            data.update(category_id=category.pk, district_id=route.district.id)
            valid.append((number, data))
        return valid, errors

    # --- write: one appeal per order, through the appeals service ------------------------

    def write(self, rows):
        created_ids: list[int] = []
        errors = []
        categories = {c.pk: c for c in ServiceCategory.objects.select_related("time_limit").filter(
            pk__in={d["category_id"] for _n, d in rows if "category_id" in d})}
        districts = {n.pk: n for n in Node.objects.filter(pk__in={d["district_id"] for _n, d in rows if "district_id" in d})}
        for number, data in rows:
            duplicate = data.get("duplicate_of") or Appeal.objects.filter(
                channel=Channel.FEED_12345, external_number=data["external_number"]).values_list("number", flat=True).first()
            if duplicate:
                self.skipped.append(data["external_number"])
                continue
            try:
                appeal = appeal_submit(
                    actor=None, channel=Channel.FEED_12345, category=categories[data["category_id"]],
                    description=data["description"], contact_kind=data["contact_kind"], lng=data["lng"], lat=data["lat"],
                    address_text=data["address_text"], requester_name=data["requester_name"],
                    requester_phone=data["requester_phone"], district=districts[data["district_id"]],
                    external_number=data["external_number"], now=data["received_at"])
            except ShequError as exc:
                errors.append((number, exc.extra.get("field", ""), exc.message))
                continue
            created_ids.append(appeal.pk)
        if created_ids:
            audit_bulk(actor=self.user, verb="appeal.imported", target_type="appeals.appeal", ids=created_ids,
                       node_id=self.node_id, extra={"job": self.job_id, "channel": Channel.FEED_12345})
        return len(created_ids), 0, errors

    def note(self) -> str:
        if not self.skipped:
            return ""
        shown = "、".join(self.skipped[:SKIPPED_SHOWN]) + ("等" if len(self.skipped) > SKIPPED_SHOWN else "")
        return _(";跳过已导入的工单 %(n)d 条(%(list)s)") % {"n": len(self.skipped), "list": shown}
