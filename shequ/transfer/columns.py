"""The columns of each import/export kind: Chinese headers, which are required, example rows.

Headers match tolerantly: spaces (also full-width), the required marker ``*`` and case are
ignored, and a few common aliases are accepted (``电话`` for ``联系电话``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Kind


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    example: str = ""
    aliases: tuple[str, ...] = ()
    note: str = ""


RESIDENT_COLUMNS = (
    Column("id_number", "身份证号", True, "110105198001010016", ("公民身份号码", "身份证号码", "证件号码")),
    Column("name", "姓名", True, "张三"),
    Column("phone", "联系电话", False, "13800001234", ("电话", "手机号", "手机号码")),
    Column("household", "户号", True, "H110105001001101"),
    Column("relation", "与户主关系", False, "户主"),
    Column("residence_type", "人口类型", False, "户籍人口", note="户籍人口/常住非户籍/流动人口/境外人员"),
    Column("ethnicity", "民族", False, "汉族"),
    Column("tags", "标签", False, "党员,退役军人", note="多个标签用逗号分隔,须取自标签目录"),
    Column("community", "社区代码", True, "110105001001", ("社区/村代码", "村代码")),
    Column("note", "备注", False, ""),
)

HOUSEHOLD_COLUMNS = (
    Column("number", "户号", True, "H110105001001101"),
    Column("house_code", "房屋编码", False, "1101050010010101-0-101", note="或填写楼栋代码+单元+室号"),
    Column("building_code", "楼栋代码", False, ""),
    Column("unit", "单元", False, ""),
    Column("room", "室号", False, ""),
    Column("kind", "户类型", False, "家庭户", note="家庭户/集体户"),
    Column("registration", "户籍性质", False, "户籍户", note="户籍户/非户籍户"),
    Column("community", "社区代码", True, "110105001001", ("社区/村代码", "村代码")),
)

HOUSE_COLUMNS = (
    Column("code", "房屋编码", False, "", note="已有房屋按房屋编码更新;新房屋填写楼栋代码+单元+室号"),
    Column("building_code", "楼栋代码", False, "1101050010010101"),
    Column("unit", "单元", False, "", note="楼栋下的单元名称,无单元留空"),
    Column("room", "室号", False, "301"),
    Column("floor", "楼层", False, "3"),
    Column("area", "面积", False, "89.5", ("面积(㎡)", "建筑面积")),
    Column("use", "用途", False, "自住", note="自住/出租/空置/商用"),
    Column("owner_name", "产权人", False, "李四"),
    Column("community", "社区代码", True, "110105001001", ("社区/村代码", "村代码")),
)

UNIT_COLUMNS = (
    Column("credit_code", "统一社会信用代码", False, "91110105MA01A1B2CU"),
    Column("name", "单位名称", True, "某某便利店"),
    Column("kind", "单位类型", True, "个体商户/门店", note="企业/个体商户/门店/物业服务企业/社会组织/学校/机关事业单位/驻区单位"),
    Column("sector", "行业/领域", False, "商贸零售", ("行业",)),
    Column("building_code", "楼栋代码", False, "1101050010010101", note="单位所在楼栋;或填写房屋编码"),
    Column("house_code", "房屋编码", False, ""),
    Column("contact_name", "联系人", False, "王五"),
    Column("contact_phone", "联系电话", False, "13900001234", ("电话",)),
    Column("employees", "从业人数", False, "5"),
    Column("community", "社区代码", True, "110105001001", ("社区/村代码", "村代码")),
)

#: A city 12345 hotline work-order export (工单导出): one row per order, imported as appeals.
FEED_12345_COLUMNS = (
    Column("external_number", "工单编号", True, "GD20261126000123", ("工单号", "工单编码")),
    Column("received_at", "来电时间", True, "2026-11-26 09:30:00", ("受理时间", "来电日期", "派单时间")),
    Column("requester_name", "诉求人", False, "王先生", ("来电人", "来电人姓名", "联系人")),
    Column("requester_phone", "联系电话", False, "13912345678", ("来电号码", "电话", "联系方式")),
    Column("description", "诉求内容", True, "楼上夜间装修噪声扰民", ("问题描述", "反映内容", "工单内容")),
    Column("category", "问题分类", True, "邻里噪声", ("诉求分类", "分类", "问题类别"),
           note="派单目录的类别名称或代码;“大类-小类”取最后一级"),
    Column("contact_kind", "诉求类型", False, "投诉", ("来电类型", "工单类型"), note="咨询/求助/投诉/举报/建议"),
    Column("address_text", "事发地址", False, "甲社区路10号1号楼", ("诉求地址", "地址", "事发地点")),
    Column("lng", "经度", False, "116.25"),
    Column("lat", "纬度", False, "39.25"),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    Kind.RESIDENTS: RESIDENT_COLUMNS,
    Kind.HOUSEHOLDS: HOUSEHOLD_COLUMNS,
    Kind.HOUSES: HOUSE_COLUMNS,
    Kind.UNITS: UNIT_COLUMNS,
    Kind.FEED_12345: FEED_12345_COLUMNS,
}

TEMPLATE_NAMES = {
    Kind.RESIDENTS: _("居民导入模板"),
    Kind.HOUSEHOLDS: _("户导入模板"),
    Kind.HOUSES: _("房屋导入模板"),
    Kind.UNITS: _("实有单位导入模板"),
    Kind.FEED_12345: _("12345工单导入模板"),
}

_NOISE = re.compile(r"[\s\u3000*＊]+")


def normalize_header(text) -> str:
    return _NOISE.sub("", str(text or "")).replace("（", "(").replace("）", ")").lower()


def template_header(column: Column) -> str:
    return f"{column.header}*" if column.required else column.header


def match_headers(kind: str, headers: list) -> tuple[dict[str, int], list[str], list[str]]:
    """Map column keys to positions in ``headers``.

    Return (positions, missing required headers, headers that appear twice). Unknown
    headers are ignored, so an export (which has extra columns) can be imported again.
    """
    lookup: dict[str, Column] = {}
    for column in COLUMNS[kind]:
        for name in (column.header, *column.aliases):
            lookup[normalize_header(name)] = column
    positions: dict[str, int] = {}
    duplicated: list[str] = []
    for index, header in enumerate(headers):
        column = lookup.get(normalize_header(header))
        if column is None:
            continue
        if column.key in positions:
            duplicated.append(column.header)
            continue
        positions[column.key] = index
    missing = [c.header for c in COLUMNS[kind] if c.required and c.key not in positions]
    return positions, missing, duplicated


def header_of(kind: str, key: str) -> str:
    for column in COLUMNS[kind]:
        if column.key == key:
            return column.header
    return key
