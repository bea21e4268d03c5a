"""Import community workers from Excel (.xlsx) or CSV with a row-by-row error report.

Reuses the transfer module's machinery: ``transfer.reader.open_table`` (xlsx, CSV in UTF-8/GBK),
tolerant header matching (``transfer.columns``), choice matching by code or Chinese label
(``transfer.rows.choice_map``) and the .xlsx writer for the template and the error report. A
district's workers are a few thousand rows, so the import runs in the request: every row is checked
first; any error and nothing is written (the report lists row, column and reason); otherwise all
rows are written in one transaction through ``services`` (scope checked, audited). A row whose ID
number is already registered in the user's area updates that worker instead of adding one.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.core.audit import audit_record
from shequ.core.errors import InvalidInput, ShequError
from shequ.core.idcard import IdNumberError, parse_id_number
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Level, Node
from shequ.registry.services import id_hash_of
from shequ.transfer.columns import Column, normalize_header, template_header
from shequ.transfer.reader import open_table
from shequ.transfer.rows import choice_map, choice_names

from . import services
from .errors import WorkforceErrorCode as E
from .models import Certificate, Education, Position, Worker

MAX_ROWS = 20_000
YES = {"是", "有", "y", "yes", "1", "true", "√", "已参保", "参保"}
NO = {"否", "无", "n", "no", "0", "false", "", "未参保"}

COLUMNS = (
    Column("name", "姓名", True, "王芳"),
    Column("community", "社区代码", True, "110105001001", ("社区/村代码", "村代码")),
    Column("id_number", "身份证号", False, "110105198803150027", ("公民身份号码", "身份证号码")),
    Column("phone", "联系电话", False, "13800001234", ("电话", "手机号")),
    Column("sex", "性别", False, "女", note="填写身份证号时按身份证号"),
    Column("birth_date", "出生日期", False, "1988-03-15", note="填写身份证号时按身份证号"),
    Column("position", "岗位", True, "社区专职工作者", note="/".join(str(label) for _v, label in Position.choices)),
    Column("education", "学历", True, "本科", note="/".join(str(label) for _v, label in Education.choices)),
    Column("certificate", "社会工作职业资格", False, "助理社会工作师", ("职业资格", "社工证")),
    Column("monthly_pay", "月薪酬", False, "6200", ("月薪酬(元)", "月工资", "薪酬")),
    Column("pension_insured", "养老保险", False, "是"),
    Column("medical_insured", "医疗保险", False, "是"),
    Column("unemployment_insured", "失业保险", False, "否"),
    Column("injury_insured", "工伤/意外伤害保险", False, "是", ("工伤保险", "意外伤害保险")),
    Column("hired_on", "入职日期", False, "2019-07-01"),
    Column("note", "备注", False, ""),
)
BOOLEAN_KEYS = ("pension_insured", "medical_insured", "unemployment_insured", "injury_insured")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column header, reason)

    @property
    def ok(self) -> bool:
        return not self.errors


def header_of(key: str) -> str:
    return next((c.header for c in COLUMNS if c.key == key), key)


def template() -> tuple[list[str], list[list[str]]]:
    return [template_header(c) for c in COLUMNS], [[c.example for c in COLUMNS]]


def _match(headers: list[str]) -> tuple[dict[str, int], list[str]]:
    lookup = {normalize_header(name): c for c in COLUMNS for name in (c.header, *c.aliases)}
    positions: dict[str, int] = {}
    for index, header in enumerate(headers):
        column = lookup.get(normalize_header(header))
        if column is not None and column.key not in positions:
            positions[column.key] = index
    return positions, [c.header for c in COLUMNS if c.required and c.key not in positions]


def _date(raw: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(raw[:10] if "-" in raw or "/" in raw else raw, fmt).date()
        except ValueError:
            continue
    raise ValueError(raw)


class _Rows:
    def __init__(self, user):
        self.user = user
        self.positions = choice_map(Position.choices)
        self.educations = choice_map(Education.choices)
        self.certificates = choice_map(Certificate.choices)
        self.sexes = choice_map(Worker.Sex.choices)
        self.communities: dict[str, Node | None] = {}

    def community(self, code: str) -> Node | None:
        if code not in self.communities:
            node = Node.objects.filter(level=Level.COMMUNITY, code=code).first()
            self.communities[code] = node if node is not None and scoping.obj_in_scope(self.user, node) else None
        return self.communities[code]

    def prepare(self, v: dict[str, str]) -> tuple[dict, list[tuple[str, str]]]:
        errors: list[tuple[str, str]] = []
        data: dict = {}
        for key in ("name", "community", "position", "education"):
            if not v.get(key):
                errors.append((key, _("必填项为空")))
        if len(v.get("name", "")) > 50:
            errors.append(("name", _("长度不能超过%(n)d个字符") % {"n": 50}))
        data["name"] = v.get("name", "")
        if v.get("community"):
            data["community"] = self.community(v["community"])
            if data["community"] is None:
                errors.append(("community", _("社区代码 %(c)s 不存在或不在您的辖区内") % {"c": v["community"]}))
        for key, mapping, choices in (("position", self.positions, Position.choices),
                                      ("education", self.educations, Education.choices),
                                      ("certificate", self.certificates, Certificate.choices),
                                      ("sex", self.sexes, Worker.Sex.choices)):
            raw = v.get(key, "")
            if raw:
                value = mapping.get(raw.lower())
                if value is None:
                    errors.append((key, _("“%(v)s”不是有效取值,应为:%(names)s") % {"v": raw, "names": choice_names(choices)}))
                else:
                    data[key] = value
        if v.get("id_number"):
            try:
                data["id_number"] = parse_id_number(v["id_number"]).number
            except IdNumberError as exc:
                errors.append(("id_number", str(exc)))
        if v.get("phone"):
            data["phone"] = v["phone"]
        for key in ("birth_date", "hired_on"):
            if v.get(key):
                try:
                    data[key] = _date(v[key])
                except ValueError:
                    errors.append((key, _("日期格式应为 2020-01-31")))
        if v.get("monthly_pay"):
            try:
                pay = Decimal(v["monthly_pay"].replace(",", "").replace("元", ""))
                if pay < 0 or pay > 1_000_000:
                    raise InvalidOperation
                data["monthly_pay"] = pay.quantize(Decimal("0.01"))
            except InvalidOperation:
                errors.append(("monthly_pay", _("应为不小于零的金额")))
        for key in BOOLEAN_KEYS:
            raw = v.get(key, "").strip().lower()
            if raw in YES:
                data[key] = True
            elif raw in NO:
                data[key] = False
            else:
                errors.append((key, _("应填写“是”或“否”")))
        if len(v.get("note", "")) > 200:
            errors.append(("note", _("长度不能超过%(n)d个字符") % {"n": 200}))
        data["note"] = v.get("note", "")
        return data, errors


def worker_import(*, actor, binary: IO[bytes], filename: str) -> ImportResult:
    """Check every row; write all of them (one transaction) only when none has an error."""
    scoping.ensure_can(actor, "workforce.manage")
    table = open_table(binary, filename)
    positions, missing = _match(table.headers)
    result = ImportResult()
    if missing:
        raise InvalidInput(_("缺少必填列:%(cols)s") % {"cols": "、".join(missing)}, code=E.BAD_FILE,
                           extra={"field": "file", "missing": missing})
    rows = _Rows(actor)
    prepared: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        if len(prepared) + len(result.errors) >= MAX_ROWS:
            raise InvalidInput(_("一次最多导入%(n)d行") % {"n": MAX_ROWS}, code=E.BAD_FILE, extra={"field": "file"})
        values = {key: (cells[i].strip() if i < len(cells) else "") for key, i in positions.items()}
        data, errors = rows.prepare(values)
        if data.get("id_number"):
            if data["id_number"] in seen:
                errors.append(("id_number", _("与第%(n)d行身份证号重复") % {"n": seen[data["id_number"]]}))
            seen.setdefault(data["id_number"], number)
        result.errors += [(number, header_of(key), message) for key, message in errors]
        if not errors:
            prepared.append((number, data))
    if result.errors:
        return result
    existing = _existing(actor, [d["id_number"] for _n, d in prepared if d.get("id_number")])
    try:
        with transaction.atomic():
            for number, data in prepared:
                try:
                    worker_id = existing.get(data.get("id_number", ""))
                    if worker_id:
                        data.pop("id_number")
                        services.worker_update(actor=actor, worker_id=worker_id, **data)
                        result.updated += 1
                    else:
                        services.worker_create(actor=actor, **data)
                        result.created += 1
                except ShequError as exc:
                    column = header_of(exc.extra.get("field", "")) if exc.extra.get("field") else ""
                    result.errors.append((number, column, exc.message))
            if result.errors:
                raise _Rollback
            audit_record(actor=actor, verb="worker.imported", target_type="workforce.worker", target_repr=filename[:200],
                         extra={"created": result.created, "updated": result.updated, "file": filename})
    except _Rollback:
        result.created = result.updated = 0
    return result


class _Rollback(Exception):
    pass


def _existing(actor, id_numbers: list[str]) -> dict[str, int]:
    """ID number -> worker id for workers already registered in the actor's area."""
    hashes = {id_hash_of(n): n for n in id_numbers}
    found = scoping.scope_queryset(Worker.objects.filter(id_hash__in=list(hashes)), actor).values_list("id_hash", "pk")
    return {hashes[h]: pk for h, pk in found}
