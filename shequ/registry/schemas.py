"""Input and output schemas of the registry API.

Personal data leaves the API masked, always: every schema that shows an ID number or a
phone inherits ``MaskedPersonal`` (or calls ``masked``), so there is one place that decides
how they look (110105********1234, 138****5678). Clear values come only from
``POST /registry/residents/{id}/reveal``, which is permission-checked and audit-logged.
Sensitive tags (低保, 残疾人, ...) are shown only to users who may unmask personal data.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from shequ.core.idcard import IdNumberError, mask_id_number, mask_phone, parse_id_number, validate_phone
from shequ.core.pagination import PageParams
from shequ.jurisdiction import scoping

from .models import Establishment, House, Household, Resident


def choice(choices) -> type:
    """A ``Literal`` of a TextChoices' values: validated, listed in OpenAPI, no enum-name clashes."""
    return Literal[tuple(choices.values)]  # type: ignore[valid-type]


def masked(kind: str, value: str | None) -> str:
    """The one masking rule for personal data in API answers: ``kind`` is "id_number" or "phone"."""
    return mask_id_number(value) if kind == "id_number" else mask_phone(value)


def _request_user(context):
    request = (context or {}).get("request")
    return getattr(request, "auth", None) or getattr(request, "user", None)


def visible_tags(resident: Resident, context) -> list:
    """The resident's tags; sensitive ones only for a user who may see personal data in clear."""
    tags = list(resident.tags.all())
    if any(t.sensitive for t in tags) and not scoping.can_unmask(_request_user(context)):
        tags = [t for t in tags if not t.sensitive]
    return tags


# --- input validation shared by create and update ---------------------------------------------

def _check_id_number(value: str | None) -> str | None:
    if value:
        try:
            return parse_id_number(value).number
        except IdNumberError as exc:
            raise PydanticCustomError("id_number", str(exc)) from None
    return value


def _check_phone(value: str | None) -> str | None:
    if value:
        try:
            return validate_phone(value)
        except ValueError as exc:
            raise PydanticCustomError("phone", str(exc)) from None
    return value


def _not_blank(value: str | None) -> str | None:
    if value is not None:
        value = value.strip()
        if not value:
            raise PydanticCustomError("blank", _("不能为空"))
    return value


# --- references --------------------------------------------------------------------------------

class NodeRef(Schema):
    id: int
    name: str
    level: str


class HouseRef(Schema):
    id: int
    code: str
    address: str = Field(..., description="标准地址全文")

    @staticmethod
    def resolve_address(obj) -> str:
        return obj.address.full_text


class HouseholdRef(Schema):
    id: int
    number: str


class TagOut(Schema):
    code: str
    name: str
    category: str


class MaskedPersonal(Schema):
    """ID number and phone, masked (the only form outside /reveal)."""

    id_number: str = Field("", description="身份证号(脱敏)")
    phone: str = Field("", description="联系电话(脱敏)")

    @staticmethod
    def resolve_id_number(obj) -> str:
        return masked("id_number", obj.id_number)

    @staticmethod
    def resolve_phone(obj) -> str:
        return masked("phone", obj.phone)


# --- addresses ---------------------------------------------------------------------------------

class AddressQuery(PageParams):
    q: str = Field("", max_length=100, description="自由文本,如“阳光小区3号楼501”:每一段都须出现在地址中")
    node: int | None = Field(None, description="只查此辖区节点之下")
    kind: str = Field("", pattern="^(|building|house)$", description="building 楼栋地址 / house 房屋地址")


class AddressOut(Schema):
    id: int
    kind: str
    full_text: str
    road: str
    number: str
    compound_name: str
    building_no: str
    unit_no: str
    room: str
    lng: float | None
    lat: float | None
    community: NodeRef | None
    grid: NodeRef | None
    building_id: int | None


class BuildingAddressIn(Schema):
    road: str = Field(..., min_length=1, max_length=100, description="街路巷")
    number: str = Field(..., min_length=1, max_length=30, description="门牌号")
    compound_name: str = Field("", max_length=100, description="小区名称")
    building_no: str = Field("", max_length=30, description="楼栋号(默认为楼栋节点名称)")

    check_blank = field_validator("road", "number")(_not_blank)


# --- houses ------------------------------------------------------------------------------------

class HouseQuery(PageParams):
    node: int | None = Field(None, description="只查此辖区节点之下")
    q: str = Field("", max_length=100, description="地址自由文本")
    use: choice(House.Use) | None = Field(None, description="房屋用途")


class HouseOut(Schema):
    id: int
    code: str
    address: str
    room: str
    floor: int | None
    area: float | None
    use: str
    use_label: str
    owner_name: str
    community: NodeRef | None
    grid: NodeRef | None
    building_id: int | None

    @staticmethod
    def resolve_address(obj) -> str:
        return obj.address.full_text

    @staticmethod
    def resolve_use_label(obj) -> str:
        return str(obj.get_use_display())


class HouseDetailOut(HouseOut):
    address_id: int
    unit_node_id: int | None
    group_id: int | None
    street: NodeRef | None
    building: NodeRef | None
    created_at: dt.datetime
    updated_at: dt.datetime


class HouseCreateIn(Schema):
    building: int = Field(..., description="楼栋节点 id")
    unit: int | None = Field(None, description="单元节点 id(可选,须在该楼栋下)")
    room: str = Field(..., min_length=1, max_length=30, description="室号")
    floor: int | None = Field(None, ge=-10, le=200)
    area: Decimal | None = Field(None, ge=0, max_digits=8, decimal_places=2, description="面积(㎡)")
    use: choice(House.Use) = House.Use.OWNER_OCCUPIED
    owner_name: str = Field("", max_length=50)
    code: str = Field("", max_length=40, description="房屋编码(默认:楼栋代码-单元-室号)")

    check_blank = field_validator("room")(_not_blank)


class HouseUpdateIn(Schema):
    floor: int | None = Field(None, ge=-10, le=200)
    area: Decimal | None = Field(None, ge=0, max_digits=8, decimal_places=2)
    use: choice(House.Use) | None = None
    owner_name: str | None = Field(None, max_length=50)


# --- households and residents ------------------------------------------------------------------

class HouseholdQuery(PageParams):
    node: int | None = Field(None, description="只查此辖区节点之下")
    q: str = Field("", max_length=40, description="户号前缀")


class HeadOut(Schema):
    id: int
    name: str


class HouseholdOut(Schema):
    id: int
    number: str
    kind: str
    registration: str
    house: HouseRef
    head: HeadOut | None
    community: NodeRef | None


class MemberOut(MaskedPersonal):
    id: int
    name: str
    relation: str
    sex: str
    birth_date: dt.date | None
    status: str


class HouseholdDetailOut(HouseholdOut):
    grid: NodeRef | None
    group_id: int | None
    members: list[MemberOut] = Field(..., description="在册成员(脱敏)")
    created_at: dt.datetime

    @staticmethod
    def resolve_members(obj) -> list:
        return obj.members_shown


class HouseholdCreateIn(Schema):
    house: int = Field(..., description="房屋 id")
    number: str = Field(..., min_length=1, max_length=40, description="户号(全局唯一)")
    kind: choice(Household.Kind) = Household.Kind.FAMILY
    registration: choice(Household.Registration) = Household.Registration.LOCAL

    check_blank = field_validator("number")(_not_blank)


RESIDENT_STATUS_FILTER = "^(|all|active|moved_out|deceased)$"


class ResidentQuery(PageParams):
    node: int | None = Field(None, description="只查此辖区节点之下")
    q: str = Field("", max_length=50, description="完整身份证号、完整电话(经密钥哈希查找)或姓名片段")
    tag: str = Field("", max_length=40, description="标签代码,如 elderly_alone")
    status: str = Field("active", pattern=RESIDENT_STATUS_FILTER, description="active(默认)/moved_out/deceased/all")


class ResidentOut(MaskedPersonal):
    id: int
    name: str
    sex: str
    birth_date: dt.date | None
    relation: str
    residence_type: str
    status: str
    household: HouseholdRef | None
    community: NodeRef | None
    grid: NodeRef | None
    tags: list[TagOut]

    @staticmethod
    def resolve_tags(obj, context) -> list:
        return visible_tags(obj, context)


class ResidentDetailOut(ResidentOut):
    ethnicity: str
    note: str
    house: HouseRef | None
    street: NodeRef | None
    building: NodeRef | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ResidentCreateIn(Schema):
    name: str = Field(..., min_length=1, max_length=50)
    household: int | None = Field(None, description="所在户 id(与 house 二选一;给户时房屋取户的房屋)")
    house: int | None = Field(None, description="居住房屋 id(未入户的居民)")
    id_number: str = Field("", max_length=30, description="18位身份证号(GB 11643 校验);出生日期、性别由其推出")
    phone: str = Field("", max_length=30, description="手机号或带区号的固定电话")
    ethnicity: str = Field("汉族", max_length=20)
    relation: str = Field("", max_length=20, description="与户主关系,如 户主、配偶、子")
    residence_type: choice(Resident.ResidenceType) = Resident.ResidenceType.REGISTERED
    tags: list[str] = Field(default_factory=list, description="标签代码或名称,须取自标签目录")
    note: str = Field("", max_length=200)
    joined_on: dt.date | None = Field(None, description="迁入日期(默认今天)")

    check_blank = field_validator("name")(_not_blank)
    check_id = field_validator("id_number")(_check_id_number)
    check_phone_ = field_validator("phone")(_check_phone)


class ResidentUpdateIn(Schema):
    name: str | None = Field(None, min_length=1, max_length=50)
    id_number: str | None = Field(None, max_length=30)
    phone: str | None = Field(None, max_length=30)
    ethnicity: str | None = Field(None, max_length=20)
    relation: str | None = Field(None, max_length=20)
    residence_type: choice(Resident.ResidenceType) | None = None
    status: choice(Resident.Status) | None = None
    note: str | None = Field(None, max_length=200)
    tags: list[str] | None = Field(None, description="给出则整体替换标签")
    updated_at: dt.datetime | None = Field(None, description="读取时的 updated_at;给出时若记录已被他人修改则 409(code stale),不覆盖")

    check_blank = field_validator("name")(_not_blank)
    check_id = field_validator("id_number")(_check_id_number)
    check_phone_ = field_validator("phone")(_check_phone)


class ResidentMoveIn(Schema):
    household: int | None = Field(..., description="迁入的户 id;null 表示迁出本辖区(状态改为已迁出)")
    relation: str = Field("", max_length=20)
    on: dt.date | None = Field(None, description="迁移日期(默认今天)")
    reason: str = Field("", max_length=100)


class MembershipOut(Schema):
    id: int
    household: HouseholdRef
    relation: str
    joined_on: dt.date
    join_reason: str
    left_on: dt.date | None
    leave_reason: str


class RevealOut(Schema):
    id_number: str = Field(..., description="身份证号明文")
    phone: str = Field(..., description="电话明文")


# --- tenancies ---------------------------------------------------------------------------------

class TenancyQuery(PageParams):
    house: int | None = None
    tenant: int | None = None


class TenancyOut(Schema):
    id: int
    house: HouseRef
    tenant: HeadOut
    landlord_name: str
    contract_no: str
    start_on: dt.date
    end_on: dt.date | None
    ended_on: dt.date | None


class TenancyCreateIn(Schema):
    house: int = Field(..., description="出租房屋 id(房屋用途须为“出租”)")
    tenant: int = Field(..., description="承租居民 id")
    start_on: dt.date
    end_on: dt.date | None = None
    landlord_name: str = Field("", max_length=50)
    contract_no: str = Field("", max_length=50)


class TenancyEndIn(Schema):
    on: dt.date | None = Field(None, description="退租日期(默认今天)")


# --- actual units ------------------------------------------------------------------------------

class UnitQuery(PageParams):
    node: int | None = Field(None, description="只查此辖区节点之下")
    q: str = Field("", max_length=100, description="单位名称片段")
    kind: choice(Establishment.Kind) | None = None


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    sector: str
    credit_code: str
    address: str
    community: NodeRef | None
    is_resident_unit: bool

    @staticmethod
    def resolve_address(obj) -> str:
        return obj.address.full_text

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())


class UnitDetailOut(UnitOut):
    address_id: int
    contact_name: str
    contact_phone: str = Field("", description="联系电话(脱敏)")
    employees: int | None
    grid: NodeRef | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_contact_phone(obj) -> str:
        return masked("phone", obj.contact_phone)


_CREDIT_CODE = "^[0-9A-HJ-NPQRTUWXY]{2}\\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"


class UnitCreateIn(Schema):
    address: int = Field(..., description="标准地址 id")
    name: str = Field(..., min_length=1, max_length=150)
    kind: choice(Establishment.Kind)
    sector: choice(Establishment.Sector) = Establishment.Sector.OTHER
    credit_code: str = Field("", max_length=18, description="18位统一社会信用代码(可空,非空时唯一)")
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=30)
    employees: int | None = Field(None, ge=0)
    is_resident_unit: bool = False

    check_blank = field_validator("name")(_not_blank)
    check_phone_ = field_validator("contact_phone")(_check_phone)

    @field_validator("credit_code")
    @classmethod
    def _credit_code(cls, value: str) -> str:
        return _check_credit_code(value)


class UnitUpdateIn(Schema):
    address: int | None = Field(None, description="迁到另一标准地址")
    name: str | None = Field(None, min_length=1, max_length=150)
    kind: choice(Establishment.Kind) | None = None
    sector: choice(Establishment.Sector) | None = None
    credit_code: str | None = Field(None, max_length=18)
    contact_name: str | None = Field(None, max_length=50)
    contact_phone: str | None = Field(None, max_length=30)
    employees: int | None = Field(None, ge=0)
    is_resident_unit: bool | None = None

    check_blank = field_validator("name")(_not_blank)
    check_phone_ = field_validator("contact_phone")(_check_phone)

    @field_validator("credit_code")
    @classmethod
    def _credit_code(cls, value: str | None) -> str | None:
        return _check_credit_code(value)


def _check_credit_code(value: str | None) -> str | None:
    import re

    if value:
        value = value.strip().upper()
        if not re.match(_CREDIT_CODE, value):
            raise PydanticCustomError("credit_code", _("统一社会信用代码应为18位数字或大写字母"))
    return value
