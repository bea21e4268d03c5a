"""The data items a data-collection task may ask for, and where the registry already holds them.

Each item names the registry export (``shequ.transfer.exports``: residents, households, houses,
units) and the column of that export that carries it. A task's items held here are offered as a
scoped, masked export of those columns for the task's communities (data reuse, "collect once,
reuse"); anything else the task needs is listed as free text and still collected by the community.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class DataField:
    code: str
    label: str
    kind: str  # a shequ.transfer.models.Kind value
    header: str  # the export column


FIELDS = [
    DataField("name", _("姓名"), "residents", "姓名"),
    DataField("id_number", _("身份证号"), "residents", "身份证号"),
    DataField("sex", _("性别"), "residents", "性别"),
    DataField("birth_date", _("出生日期"), "residents", "出生日期"),
    DataField("phone", _("联系电话"), "residents", "联系电话"),
    DataField("household_no", _("户号"), "residents", "户号"),
    DataField("relation", _("与户主关系"), "residents", "与户主关系"),
    DataField("residence_type", _("人口类型"), "residents", "人口类型"),
    DataField("ethnicity", _("民族"), "residents", "民族"),
    DataField("tags", _("人员标签(独居老人、退役军人等)"), "residents", "标签"),
    DataField("community", _("所在社区"), "residents", "社区"),
    DataField("grid", _("所在网格"), "residents", "网格"),
    DataField("house_code", _("居住房屋编码"), "residents", "房屋编码"),
    DataField("household_kind", _("户类型"), "households", "户类型"),
    DataField("registration", _("户籍性质"), "households", "户籍性质"),
    DataField("household_head", _("户主"), "households", "户主"),
    DataField("household_address", _("户住址"), "households", "地址"),
    DataField("house_use", _("房屋用途(自住/出租/空置)"), "houses", "用途"),
    DataField("house_area", _("房屋面积"), "houses", "面积"),
    DataField("house_owner", _("产权人"), "houses", "产权人"),
    DataField("house_address", _("房屋地址"), "houses", "地址"),
    DataField("unit_name", _("单位名称"), "units", "单位名称"),
    DataField("unit_kind", _("单位类型"), "units", "单位类型"),
    DataField("unit_sector", _("行业/领域"), "units", "行业/领域"),
    DataField("credit_code", _("统一社会信用代码"), "units", "统一社会信用代码"),
    DataField("unit_contact", _("单位联系人"), "units", "联系人"),
    DataField("unit_phone", _("单位联系电话"), "units", "联系电话"),
    DataField("employees", _("从业人数"), "units", "从业人数"),
]
BY_CODE = {f.code: f for f in FIELDS}
#: The export column identifying the row in each kind (always exported with the asked columns).
KEY_HEADERS = {"residents": ("姓名", "社区"), "households": ("户号", "社区"), "houses": ("房屋编码", "社区"),
               "units": ("单位名称", "社区")}
KIND_LABELS = {"residents": _("居民"), "households": _("户"), "houses": _("房屋"), "units": _("实有单位")}


def choices() -> list[tuple[str, str]]:
    return [(f.code, f.label) for f in FIELDS]


def unknown(codes) -> list[str]:
    return sorted({c for c in codes if c not in BY_CODE})


def headers_by_kind(codes) -> dict[str, list[str]]:
    """The export columns to send per registry kind: identifying columns first, then the asked ones."""
    result: dict[str, list[str]] = {}
    for code in codes:
        field = BY_CODE.get(code)
        if field is None:
            continue
        headers = result.setdefault(field.kind, list(KEY_HEADERS[field.kind]))
        if field.header not in headers:
            headers.append(field.header)
    return result
