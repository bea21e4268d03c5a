"""Exports of what the user may see, masked unless they may and ask to see personal data in clear.

Every export is written to the audit log before the first row leaves. Rows are produced
lazily (``iterator``), so CSV streams and .xlsx is built by openpyxl's write-only mode.
The columns mirror the import templates, so an (unmasked) export can be imported again.
"""
from __future__ import annotations

import csv
import tempfile
from typing import Iterable, Iterator

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from shequ.core.audit import audit_record
from shequ.core.errors import InvalidInput, NotAllowed
from shequ.core.idcard import mask_id_number, mask_phone
from shequ.jurisdiction import scoping
from shequ.registry import selectors as registry
from shequ.registry.models import Tag

from .columns import COLUMNS, template_header
from .models import Kind

FORMATS = ("csv", "xlsx")
CHUNK = 2000


def _within(qs, communities):
    """``qs`` narrowed to records of the given communities (None: no narrowing)."""
    return qs if communities is None else qs.filter(community_id__in=list(communities))


def _resident_rows(user, unmask: bool, communities=None) -> tuple[list[str], int, Iterator[list]]:
    qs = _within(registry.resident_list(user=user, status=None), communities).select_related("street", "house").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.only("id", "name", "sensitive", "sort", "code"), to_attr="export_tags"))
    headers = ["身份证号", "姓名", "性别", "出生日期", "联系电话", "户号", "与户主关系", "人口类型", "民族", "标签",
               "社区代码", "社区", "网格", "房屋编码", "状态", "备注"]
    show_sensitive = unmask

    def rows():
        for r in qs.iterator(chunk_size=CHUNK):
            tags = ",".join(t.name for t in r.export_tags if show_sensitive or not t.sensitive)
            yield [r.id_number if unmask else mask_id_number(r.id_number), r.name, r.get_sex_display(),
                   r.birth_date.isoformat() if r.birth_date else "", r.phone if unmask else mask_phone(r.phone),
                   r.household.number if r.household_id else "", r.relation, r.get_residence_type_display(), r.ethnicity, tags,
                   r.community.code if r.community_id else "", r.community.name if r.community_id else "",
                   r.grid.name if r.grid_id else "", r.house.code if r.house_id else "", r.get_status_display(), r.note]

    return headers, qs.count(), rows()


def _household_rows(user, unmask: bool, communities=None):
    qs = _within(registry.household_list(user=user), communities).select_related("house__building")
    headers = ["户号", "房屋编码", "户类型", "户籍性质", "户主", "社区代码", "社区", "地址"]

    def rows():
        for h in qs.iterator(chunk_size=CHUNK):
            yield [h.number, h.house.code, h.get_kind_display(), h.get_registration_display(), h.head.name if h.head_id else "",
                   h.community.code if h.community_id else "", h.community.name if h.community_id else "", str(h.house.address)]

    return headers, qs.count(), rows()


def _house_rows(user, unmask: bool, communities=None):
    qs = _within(registry.house_list(user=user), communities).select_related("building", "unit_node")
    headers = ["房屋编码", "楼栋代码", "单元", "室号", "楼层", "面积", "用途", "产权人", "社区代码", "社区", "网格", "地址"]

    def rows():
        for h in qs.iterator(chunk_size=CHUNK):
            yield [h.code, h.building.code if h.building_id else "", h.unit_node.name if h.unit_node_id else "", h.room,
                   "" if h.floor is None else h.floor, "" if h.area is None else str(h.area), h.get_use_display(), h.owner_name,
                   h.community.code if h.community_id else "", h.community.name if h.community_id else "",
                   h.grid.name if h.grid_id else "", h.address.full_text]

    return headers, qs.count(), rows()


def _unit_rows(user, unmask: bool, communities=None):
    qs = _within(registry.establishment_list(user=user), communities).select_related("building", "address__house")
    headers = ["统一社会信用代码", "单位名称", "单位类型", "行业/领域", "楼栋代码", "房屋编码", "联系人", "联系电话", "从业人数",
               "社区代码", "社区", "地址"]

    def rows():
        for u in qs.iterator(chunk_size=CHUNK):
            house = getattr(u.address, "house", None) if u.address.kind == "house" else None
            yield [u.credit_code, u.name, u.get_kind_display(), u.get_sector_display(), u.building.code if u.building_id else "",
                   house.code if house else "", u.contact_name, u.contact_phone if unmask else mask_phone(u.contact_phone),
                   "" if u.employees is None else u.employees, u.community.code if u.community_id else "",
                   u.community.name if u.community_id else "", u.address.full_text]

    return headers, qs.count(), rows()


_ROWS = {Kind.RESIDENTS: _resident_rows, Kind.HOUSEHOLDS: _household_rows, Kind.HOUSES: _house_rows, Kind.UNITS: _unit_rows}
#: The kinds that can be exported (a 12345 feed is import-only: appeals have their own pages).
EXPORTABLE = frozenset(_ROWS)


def export_rows(*, actor, kind: str, unmask: bool = False, fmt: str = "csv", capability: str = "registry.export",
                communities: list[int] | None = None, columns: list[str] | None = None,
                audit_extra: dict | None = None) -> tuple[list[str], Iterator[list]]:
    """Check permission, write the audit record and return (headers, lazy rows) of one export.

    ``communities`` narrows the export to records of those communities (inside the actor's scope
    still) and ``columns`` to those headers, in that order: a scoped export for one purpose (the
    data reuse of work admission, shequ.admission). ``capability`` is the role capability asked
    for; the caller of a narrowed export checks its own approval first.
    """
    scoping.ensure_can(actor, capability)
    if kind not in _ROWS:
        raise InvalidInput(_("未知的导出类型:%(k)s") % {"k": kind}, extra={"field": "kind"})
    if fmt not in FORMATS:
        raise InvalidInput(_("只支持 csv 和 xlsx 格式"), extra={"field": "format"})
    if unmask and not scoping.can_unmask(actor):
        raise NotAllowed(_("您没有导出身份证号、电话明文的权限"))
    headers, count, rows = _ROWS[kind](actor, unmask, communities)
    if columns is not None:
        unknown = [c for c in columns if c not in headers]
        if unknown:
            raise InvalidInput(_("未知的导出列:%(c)s") % {"c": "、".join(unknown)}, extra={"field": "columns"})
        picks = [headers.index(c) for c in columns]
        headers, rows = list(columns), ([row[i] for i in picks] for row in rows)
    nodes = scoping.bound_nodes(actor)
    extra = {"count": count, "unmasked": unmask, "format": fmt}
    if communities is not None:
        extra.update(communities=sorted(communities), columns=headers)
    audit_record(actor=actor, verb=f"export.{kind}", target_type=f"registry.{kind}", target_repr=f"{count} records",
                 node_id=nodes[0].pk if nodes else None, extra={**extra, **(audit_extra or {})})
    return headers, rows


class _Echo:
    def write(self, value):
        return value


def csv_stream(headers: list[str], rows: Iterable[list]) -> Iterator[str]:
    """CSV text in UTF-8 with a BOM (so Excel opens Chinese correctly), one line at a time."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(headers)
    for row in rows:
        yield writer.writerow(row)


def xlsx_file(headers: list[str], rows: Iterable[list], *, title: str = "Sheet1", text_columns=()) -> tempfile.SpooledTemporaryFile:
    """Build an .xlsx with openpyxl's write-only mode (constant memory); return it rewound."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    text = set(text_columns)
    for row in rows:
        if text:
            row = [_text_cell(sheet, v) if i in text else v for i, v in enumerate(row)]
        sheet.append(row)
    out = tempfile.SpooledTemporaryFile(max_size=16 * 2**20)
    workbook.save(out)
    out.seek(0)
    return out


def _text_cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = "@"
    return cell


TEXT_HEADERS = {"身份证号", "联系电话", "户号", "社区代码", "楼栋代码", "房屋编码", "统一社会信用代码", "室号"}


def text_columns(headers: list[str]) -> list[int]:
    """Columns Excel must keep as text (18-digit ID numbers lose digits as numbers)."""
    return [i for i, h in enumerate(headers) if h.rstrip("*") in TEXT_HEADERS]


def template_rows(kind: str) -> tuple[list[str], list[list[str]]]:
    columns = COLUMNS[kind]
    return [template_header(c) for c in columns], [[c.example for c in columns]]


def error_report_rows(errors) -> tuple[list[str], Iterator[list]]:
    headers = [_("行号"), _("列"), _("原因")]
    return headers, ([_("第%(n)d行") % {"n": e.row}, e.column, e.message] for e in errors.iterator(chunk_size=CHUNK))
