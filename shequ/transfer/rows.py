"""Pure row validation: text cells in, prepared values or Chinese error messages out.

Nothing here touches the database, so it can run in worker processes. ID numbers and
phones go through the registry's own helpers (``apply_id_number``, ``apply_phone``);
the prepared row already holds the encrypted values and keyed hashes.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils import translation
from django.utils.translation import gettext as _

from shequ.core.crypto import Cipher
from shequ.core.errors import ShequError
from shequ.registry.models import Establishment, House, Household, Resident
from shequ.registry.services import apply_id_number, apply_phone

from .models import Kind

Errors = list[tuple[str, str]]  # (column key, message)

_TAG_SPLIT = re.compile(r"[,,、;;\s]+")
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


class _Personal:
    """Receives what ``apply_id_number`` / ``apply_phone`` derive from the raw text."""

    __slots__ = ("id_number", "id_hash", "birth_date", "sex", "phone", "phone_hash", "contact_phone", "contact_phone_hash")


def choice_map(choices) -> dict[str, str]:
    """Accept a choice by its code, its Chinese label or its label in the active language."""
    mapping = {}
    for value, label in choices:
        mapping[value.lower()] = value
        mapping[str(label).lower()] = value
        with translation.override("zh-hans"):
            mapping[str(label).lower()] = value
    return mapping


def choice_names(choices) -> str:
    with translation.override("zh-hans"):
        return "/".join(str(label) for _value, label in choices)


def credit_code_check(code: str) -> str | None:
    """Return the GB 32100 check character of an 18-character credit code (None if malformed)."""
    if not _CREDIT_RE.match(code):
        return None
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(code[:17], _CREDIT_WEIGHTS))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


class RowPreparer:
    """Turn one row's cells into prepared values for one kind. Build once per process."""

    def __init__(self, kind: str, positions: dict[str, int], tags: dict[str, int] | None = None):
        self.kind = kind
        self.positions = positions
        self.tags = tags or {}
        self.cipher = Cipher()
        self.residence_types = choice_map(Resident.ResidenceType.choices)
        self.residence_type_choices = Resident.ResidenceType.choices  # built per access otherwise
        self.household_kinds = choice_map(Household.Kind.choices)
        self.registrations = choice_map(Household.Registration.choices)
        self.uses = choice_map(House.Use.choices)
        self.unit_kinds = choice_map(Establishment.Kind.choices)
        self.sectors = choice_map(Establishment.Sector.choices)
        self.prepare = getattr(self, f"_prepare_{kind}")

    def values(self, cells: list[str]) -> dict[str, str]:
        size = len(cells)
        return {key: (cells[i].strip() if i < size else "") for key, i in self.positions.items()}

    def __call__(self, cells: list[str]) -> tuple[dict | None, Errors]:
        return self.prepare(self.values(cells))

    # --- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _required(v: dict, errors: Errors, *keys: str) -> None:
        for key in keys:
            if not v.get(key):
                errors.append((key, _("必填项为空")))

    @staticmethod
    def _max_len(v: dict, errors: Errors, key: str, limit: int) -> None:
        if len(v.get(key, "")) > limit:
            errors.append((key, _("长度不能超过%(n)d个字符") % {"n": limit}))

    @staticmethod
    def _choice(v: dict, errors: Errors, key: str, mapping: dict[str, str], choices) -> str:
        raw = v.get(key, "")
        if not raw:
            return ""
        value = mapping.get(raw.lower())
        if value is None:
            errors.append((key, _("“%(v)s”不是有效取值,应为:%(names)s") % {"v": raw, "names": choice_names(choices)}))
            return ""
        return value

    def _phone(self, v: dict, errors: Errors, key: str, target: _Personal, field: str) -> None:
        try:
            apply_phone(target, v.get(key, ""), field=field)
        except ShequError as exc:
            errors.append((key, exc.message))
            setattr(target, field, "")
            setattr(target, f"{field}_hash", "")

    @staticmethod
    def _int(v: dict, errors: Errors, key: str, low: int, high: int) -> int | None:
        raw = v.get(key, "")
        if not raw:
            return None
        try:
            number = int(raw)
        except ValueError:
            errors.append((key, _("应为整数")))
            return None
        if not low <= number <= high:
            errors.append((key, _("应在%(a)d到%(b)d之间") % {"a": low, "b": high}))
            return None
        return number

    # --- kinds -----------------------------------------------------------------------------

    def _prepare_residents(self, v: dict) -> tuple[dict | None, Errors]:
        errors: Errors = []
        self._required(v, errors, "name", "household", "community")
        person = _Personal()
        if not v.get("id_number"):
            errors.append(("id_number", _("必填项为空")))
        else:
            try:
                apply_id_number(person, v["id_number"])
            except ShequError as exc:
                errors.append(("id_number", exc.message))
        self._phone(v, errors, "phone", person, "phone")
        for key, limit in (("name", 50), ("relation", 20), ("ethnicity", 20), ("note", 200)):
            self._max_len(v, errors, key, limit)
        residence_type = self._choice(v, errors, "residence_type", self.residence_types, self.residence_type_choices)
        tag_ids = None
        raw_tags = v.get("tags", "")
        if raw_tags:
            tag_ids = []
            for name in _TAG_SPLIT.split(raw_tags):
                if not name:
                    continue
                tag_id = self.tags.get(name) or self.tags.get(name.lower())
                if tag_id is None:
                    errors.append(("tags", _("未知标签:%(t)s(标签须取自标签目录)") % {"t": name}))
                elif tag_id not in tag_ids:
                    tag_ids.append(tag_id)
        if errors:
            return None, errors
        return {
            "id_hash": person.id_hash,
            "id_enc": self.cipher.encrypt(person.id_number),
            "birth_date": person.birth_date,
            "sex": person.sex,
            "phone_enc": self.cipher.encrypt(person.phone),
            "phone_hash": person.phone_hash,
            "name": v["name"],
            "household": v["household"],
            "relation": v.get("relation", ""),
            "residence_type": residence_type,
            "ethnicity": v.get("ethnicity", ""),
            "tag_ids": tag_ids,
            "community": v["community"],
            "note": v.get("note", ""),
        }, errors

    def _house_ref(self, v: dict, errors: Errors, code_key: str) -> None:
        if not v.get(code_key) and not (v.get("building_code") and v.get("room")):
            errors.append((code_key, _("须填写房屋编码,或楼栋代码+室号")))

    def _prepare_households(self, v: dict) -> tuple[dict | None, Errors]:
        errors: Errors = []
        self._required(v, errors, "number", "community")
        self._max_len(v, errors, "number", 40)
        self._house_ref(v, errors, "house_code")
        kind = self._choice(v, errors, "kind", self.household_kinds, Household.Kind.choices)
        registration = self._choice(v, errors, "registration", self.registrations, Household.Registration.choices)
        if errors:
            return None, errors
        return {"number": v["number"], "house_code": v.get("house_code", ""), "building_code": v.get("building_code", ""),
                "unit": v.get("unit", ""), "room": v.get("room", ""), "kind": kind, "registration": registration,
                "community": v["community"]}, errors

    def _prepare_houses(self, v: dict) -> tuple[dict | None, Errors]:
        errors: Errors = []
        self._required(v, errors, "community")
        self._house_ref(v, errors, "code")
        self._max_len(v, errors, "room", 30)
        self._max_len(v, errors, "owner_name", 50)
        floor = self._int(v, errors, "floor", -10, 200)
        area = None
        if v.get("area"):
            try:
                area = Decimal(v["area"]).quantize(Decimal("0.01"))
                if not Decimal(0) < area < Decimal(1000000):
                    raise InvalidOperation
            except InvalidOperation:
                errors.append(("area", _("面积应为大于0的数字")))
        use = self._choice(v, errors, "use", self.uses, House.Use.choices)
        if errors:
            return None, errors
        return {"code": v.get("code", ""), "building_code": v.get("building_code", ""), "unit": v.get("unit", ""),
                "room": v.get("room", ""), "floor": floor, "area": area, "use": use,
                "owner_name": v.get("owner_name", ""), "community": v["community"]}, errors

    def _prepare_units(self, v: dict) -> tuple[dict | None, Errors]:
        errors: Errors = []
        self._required(v, errors, "name", "kind", "community")
        self._max_len(v, errors, "name", 150)
        self._max_len(v, errors, "contact_name", 50)
        credit_code = v.get("credit_code", "").upper()
        if credit_code:
            expected = credit_code_check(credit_code) if len(credit_code) == 18 else None
            if expected is None:
                errors.append(("credit_code", _("统一社会信用代码应为18位数字或大写字母")))
            elif credit_code[17] != expected:
                errors.append(("credit_code", _("统一社会信用代码校验位错误(应为%(c)s)") % {"c": expected}))
        if not v.get("building_code") and not v.get("house_code"):
            errors.append(("building_code", _("须填写楼栋代码或房屋编码")))
        kind = self._choice(v, errors, "kind", self.unit_kinds, Establishment.Kind.choices)
        sector = self._choice(v, errors, "sector", self.sectors, Establishment.Sector.choices)
        person = _Personal()
        self._phone(v, errors, "contact_phone", person, "contact_phone")
        employees = self._int(v, errors, "employees", 0, 10_000_000)
        if errors:
            return None, errors
        return {"credit_code": credit_code, "name": v["name"], "kind": kind, "sector": sector,
                "building_code": v.get("building_code", ""), "house_code": v.get("house_code", ""),
                "contact_name": v.get("contact_name", ""), "contact_phone": person.contact_phone,
                "employees": employees, "community": v["community"]}, errors


    def _prepare_feed12345(self, v: dict) -> tuple[dict | None, Errors]:
        from .appeal_feed import prepare_row

        return prepare_row(v)


# --- worker-process entry points (multiprocessing with fork) ---------------------------------

_worker: RowPreparer | None = None


def worker_init(kind: str, positions: dict[str, int], tags: dict[str, int]) -> None:
    global _worker
    _worker = RowPreparer(kind, positions, tags)


def worker_prepare(chunk: list[tuple[int, list[str]]]) -> list[tuple[int, dict | None, Errors]]:
    prepare = _worker
    out = []
    for number, cells in chunk:
        data, errors = prepare(cells)
        out.append((number, data, errors))
    return out


KEYS = {
    Kind.RESIDENTS: "id_number",
    Kind.HOUSEHOLDS: "number",
    Kind.HOUSES: "code",
    Kind.UNITS: "credit_code",
    Kind.FEED_12345: "external_number",
}
