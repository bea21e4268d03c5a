"""Writes to the registry. Each service checks scope, validates, writes and audits in one transaction."""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import crypto
from shequ.core.versioning import ensure_version
from shequ.core.audit import audit_record
from shequ.core.errors import Conflict, InvalidInput, NotAllowed
from shequ.core.validation import full_clean
from shequ.core.idcard import IdNumberError, normalize_phone, parse_id_number, validate_phone
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Level, Node

from . import addresses
from .models import Address, Establishment, House, Household, HouseholdMembership, Resident, Tag, Tenancy

RESIDENT_EDITABLE = ("name", "id_number", "phone", "ethnicity", "relation", "residence_type", "status", "note")


# --- personal data -------------------------------------------------------------------------

def apply_id_number(resident: Resident, raw: str) -> None:
    """Validate an ID number (GB 11643) and set number, keyed hash, birth date and sex."""
    if not raw:
        resident.id_number, resident.id_hash = "", ""
        return
    try:
        parsed = parse_id_number(raw)
    except IdNumberError as exc:
        raise InvalidInput(str(exc), extra={"field": "id_number"}) from None
    resident.id_number = parsed.number
    resident.id_hash = crypto.blind_index("id", parsed.number)
    resident.birth_date = parsed.birth_date
    resident.sex = parsed.sex


def apply_phone(obj, raw: str, field: str = "phone") -> None:
    if not raw:
        setattr(obj, field, "")
        setattr(obj, f"{field}_hash", "")
        return
    try:
        phone = validate_phone(raw)
    except ValueError as exc:
        raise InvalidInput(str(exc), extra={"field": field}) from None
    setattr(obj, field, phone)
    setattr(obj, f"{field}_hash", crypto.blind_index("phone", phone))


def id_hash_of(raw: str) -> str:
    from shequ.core.idcard import normalize_id_number

    return crypto.blind_index("id", normalize_id_number(raw))


def phone_hash_of(raw: str) -> str:
    return crypto.blind_index("phone", normalize_phone(raw))


def resident_reveal(*, actor, resident: Resident, channel: str = "page") -> dict[str, str]:
    """Return a resident's ID number and phone in clear, for a user allowed to see them; audited."""
    scoping.ensure_can(actor, "registry.view", resident)
    if not scoping.can_unmask(actor):
        raise NotAllowed(_("您没有查看身份证号、电话明文的权限"))
    audit_record(actor=actor, verb="resident.unmasked", target=resident, extra={"channel": channel})
    return {"id_number": resident.id_number, "phone": resident.phone}


# --- addresses and houses ------------------------------------------------------------------

def _address_fill(address: Address) -> None:
    address.full_text = addresses.compose(
        road=address.road, number=address.number, compound_name=address.compound_name,
        building_no=address.building_no, unit_no=address.unit_no, room=address.room,
    )
    address.search_text = addresses.normalize(address.full_text)


def building_address(building: Node) -> Address | None:
    return Address.objects.filter(building=building, kind=Address.Kind.BUILDING).first()


@transaction.atomic
def building_address_set(*, actor, building: Node, road: str, number: str, compound_name: str = "", building_no: str = "") -> Address:
    """Give a building its standard address (or change it); house addresses follow."""
    scoping.ensure_can(actor, "registry.change", building)
    if building.level != Level.BUILDING:
        raise InvalidInput(_("只有楼栋有楼栋地址"), extra={"field": "building"})
    address = building_address(building) or Address(kind=Address.Kind.BUILDING)
    address.copy_location(building)
    address.road, address.number, address.compound_name = road.strip(), number.strip(), compound_name.strip()
    address.building_no = (building_no or building.name).strip()
    _address_fill(address)
    full_clean(address)
    address.save()
    for house_address in Address.objects.filter(building=building, kind=Address.Kind.HOUSE):
        house_address.road, house_address.number = address.road, address.number
        house_address.compound_name, house_address.building_no = address.compound_name, address.building_no
        _address_fill(house_address)
        house_address.save(update_fields=["road", "number", "compound_name", "building_no", "full_text", "search_text", "updated_at"])
    audit_record(actor=actor, verb="address.saved", target=address)
    return address


def house_code(building: Node, unit_no: str, room: str) -> str:
    return f"{building.code}-{unit_no or '0'}-{room}"


@transaction.atomic
def house_create(*, actor, building: Node, room: str, unit_node: Node | None = None, floor: int | None = None,
                 area=None, use: str = House.Use.OWNER_OCCUPIED, owner_name: str = "", code: str = "", group=None) -> House:
    scoping.ensure_can(actor, "registry.change", building)
    if building.level != Level.BUILDING:
        raise InvalidInput(_("房屋必须建在楼栋下"), extra={"field": "building"})
    if unit_node is not None and unit_node.parent_id != building.id:
        raise InvalidInput(_("单元不属于该楼栋"), extra={"field": "unit"})
    base = building_address(building)
    if base is None:
        raise InvalidInput(_("楼栋尚无标准地址,请先登记楼栋地址"), extra={"field": "building"})
    unit_no = unit_node.name if unit_node else ""
    address = Address(kind=Address.Kind.HOUSE, road=base.road, number=base.number, compound_name=base.compound_name,
                      building_no=base.building_no, unit_no=unit_no, room=room.strip())
    address.copy_location(building)
    _address_fill(address)
    address.save()
    house = House(code=code or house_code(building, unit_no, room.strip()), address=address, unit_node=unit_node,
                  room=room.strip(), floor=floor, area=area, use=use, owner_name=owner_name, group=group)
    house.copy_location(building)
    full_clean(house, exclude=["address"])
    try:
        with transaction.atomic():
            house.save()
    except IntegrityError:
        raise Conflict(_("房屋编码 %(code)s 已存在") % {"code": house.code}, extra={"field": "code"}) from None
    audit_record(actor=actor, verb="house.created", target=house)
    return house


def _apply_changes(obj, changes: dict[str, Any], allowed: Iterable[str]) -> list[str]:
    """Set the allowed fields that differ; return their names (for update_fields and the audit)."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise InvalidInput(_("不可修改的字段:%(f)s") % {"f": ", ".join(sorted(unknown))})
    changed = [k for k, v in changes.items() if getattr(obj, k) != v]
    for key in changed:
        setattr(obj, key, changes[key])
    return changed


@transaction.atomic
def house_update(*, actor, house: House, **changes: Any) -> House:
    scoping.ensure_can(actor, "registry.change", house)
    changed = _apply_changes(house, changes, {"floor", "area", "use", "owner_name", "group"})
    if changed:
        full_clean(house, exclude=["address"])
        house.save(update_fields=[*changed, "updated_at"])
        audit_record(actor=actor, verb="house.updated", target=house, extra={"fields": changed})
    return house


@transaction.atomic
def house_delete(*, actor, house: House) -> None:
    """Delete a house registered by mistake; refused while anything still refers to it."""
    scoping.ensure_can(actor, "registry.change", house)
    house = House.objects.select_for_update().get(pk=house.pk)
    if house.households.exists() or house.occupants.exists() or house.tenancies.exists() \
            or Establishment.objects.filter(address_id=house.address_id).exists():
        raise Conflict(_("该房屋仍有户、居住人员、租住登记或单位,不能删除"), extra={"house": house.pk})
    audit_record(actor=actor, verb="house.deleted", target=house)
    address = house.address
    house.delete()
    address.delete()


# --- households and residents --------------------------------------------------------------

@transaction.atomic
def household_create(*, actor, house: House, number: str, kind: str = Household.Kind.FAMILY,
                     registration: str = Household.Registration.LOCAL, group=None) -> Household:
    scoping.ensure_can(actor, "registry.change", house)
    household = Household(house=house, number=number.strip(), kind=kind, registration=registration, group=group or house.group)
    household.copy_location(house)
    full_clean(household)
    if Household.objects.filter(number=household.number).exists():
        raise Conflict(_("户号 %(n)s 已存在") % {"n": household.number}, extra={"field": "number"})
    household.save()
    audit_record(actor=actor, verb="household.created", target=household)
    return household


@transaction.atomic
def household_update(*, actor, household: Household, **changes: Any) -> Household:
    """Change a household's type or registration (its house and number stay)."""
    scoping.ensure_can(actor, "registry.change", household)
    changed = _apply_changes(household, changes, {"kind", "registration", "group"})
    if changed:
        full_clean(household)
        household.save(update_fields=[*changed, "updated_at"])
        audit_record(actor=actor, verb="household.updated", target=household, extra={"fields": changed})
    return household


@transaction.atomic
def household_delete(*, actor, household: Household) -> None:
    """Delete a household registered by mistake: only one that never had a member (history stays whole)."""
    scoping.ensure_can(actor, "registry.change", household)
    if household.memberships.exists() or household.members.exists():
        raise Conflict(_("该户有成员或成员变动历史,不能删除;请将成员迁出"), extra={"household": household.pk})
    audit_record(actor=actor, verb="household.deleted", target=household)
    household.delete()


def _set_tags(resident: Resident, tags: Iterable[Tag | str] | None) -> list[str] | None:
    if tags is None:
        return None
    tag_objs = []
    for tag in tags:
        if isinstance(tag, Tag):
            tag_objs.append(tag)
            continue
        found = Tag.objects.filter(active=True).filter(code=tag).first() or Tag.objects.filter(active=True, name=tag).first()
        if found is None:
            raise InvalidInput(_("未知标签:%(t)s(标签须取自标签目录)") % {"t": tag}, extra={"field": "tags"})
        tag_objs.append(found)
    resident.tags.set(tag_objs)
    return sorted(t.code for t in tag_objs)


@transaction.atomic
def resident_create(*, actor, name: str, household: Household | None = None, house: House | None = None,
                    id_number: str = "", phone: str = "", ethnicity: str = "汉族", relation: str = "",
                    residence_type: str = Resident.ResidenceType.REGISTERED, tags: Iterable[Tag | str] | None = None,
                    note: str = "", joined_on: dt.date | None = None, join_reason: str = "") -> Resident:
    house = house or (household.house if household else None)
    if house is None:
        raise InvalidInput(_("居民须登记在某户或某房屋"), extra={"field": "household"})
    scoping.ensure_can(actor, "registry.change", house)
    if household is not None:
        scoping.ensure_can(actor, "registry.change", household)
    resident = Resident(name=name.strip(), household=household, house=house, ethnicity=ethnicity, relation=relation,
                        residence_type=residence_type, note=note)
    resident.copy_location(house)
    apply_id_number(resident, id_number)
    apply_phone(resident, phone)
    full_clean(resident, exclude=["id_number", "phone"])
    if resident.id_hash and Resident.objects.with_id_hash(resident.id_hash).exists():
        raise Conflict(_("该身份证号已登记"), extra={"field": "id_number"})
    resident.save()
    tag_codes = _set_tags(resident, tags)
    if household is not None:
        HouseholdMembership.objects.create(resident=resident, household=household, relation=relation,
                                           joined_on=joined_on or timezone.localdate(), join_reason=join_reason or _("登记"))
        if relation == "户主" and household.head_id is None:
            household.head = resident
            household.save(update_fields=["head", "updated_at"])
    audit_record(actor=actor, verb="resident.created", target=resident, extra={"tags": tag_codes or []})
    return resident


@transaction.atomic
def resident_update(*, actor, resident: Resident, tags: Iterable[Tag | str] | None = None,
                    expected_version=None, **changes: Any) -> Resident:
    """Change a resident. ``expected_version`` (the ``updated_at`` the editor read) refuses the
    change with 409 when someone else saved the record in between (core.versioning)."""
    scoping.ensure_can(actor, "registry.change", resident)
    unknown = set(changes) - set(RESIDENT_EDITABLE)
    if unknown:
        raise InvalidInput(_("不可修改的字段:%(f)s") % {"f": ", ".join(sorted(unknown))})
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    ensure_version(resident, expected_version)
    changed: list[str] = []
    if "id_number" in changes:
        before = resident.id_hash
        apply_id_number(resident, changes.pop("id_number") or "")
        if resident.id_hash != before:
            if resident.id_hash and Resident.objects.with_id_hash(resident.id_hash).exclude(pk=resident.pk).exists():
                raise Conflict(_("该身份证号已登记"), extra={"field": "id_number"})
            changed += ["id_number", "id_hash", "birth_date", "sex"]
    if "phone" in changes:
        before = resident.phone_hash
        apply_phone(resident, changes.pop("phone") or "")
        if resident.phone_hash != before:
            changed += ["phone", "phone_hash"]
    for key, value in changes.items():
        if getattr(resident, key) != value:
            setattr(resident, key, value)
            changed.append(key)
    if changed:
        full_clean(resident, exclude=["id_number", "phone"])
        resident.save(update_fields=[*changed, "updated_at"])
    if tags is not None and not scoping.can_unmask(actor):
        # Sensitive tags are hidden from this user, so a replacement set cannot mean to drop them.
        tags = [*tags, *resident.tags.filter(sensitive=True)]
    tag_codes = _set_tags(resident, tags)
    if changed or tag_codes is not None:
        # Field names only: the audit log never holds personal data in clear.
        audit_record(actor=actor, verb="resident.updated", target=resident,
                     extra={"fields": sorted(set(changed) - {"id_hash", "phone_hash"}), "tags": tag_codes})
    return resident


@transaction.atomic
def resident_move(*, actor, resident: Resident, household: Household | None, relation: str = "",
                  on: dt.date | None = None, reason: str = "") -> Resident:
    """Move a resident into another household (``household``) or out of the registry (None); history kept."""
    scoping.ensure_can(actor, "registry.change", resident)
    if household is not None:
        scoping.ensure_can(actor, "registry.change", household)
        if household.pk == resident.household_id:
            raise InvalidInput(_("该居民已在此户"), extra={"field": "household"})
    on = on or timezone.localdate()
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    HouseholdMembership.objects.filter(resident=resident, left_on__isnull=True).update(
        left_on=on, leave_reason=reason or (_("迁往其他户") if household else _("迁出")), updated_at=timezone.now())
    old_household_id = resident.household_id
    if household is None:
        resident.status = Resident.Status.MOVED_OUT
        resident.household = None
        resident.save(update_fields=["status", "household", "updated_at"])
    else:
        resident.household = household
        resident.house = household.house
        resident.relation = relation
        resident.status = Resident.Status.ACTIVE
        resident.copy_location(household)
        resident.save(update_fields=["household", "house", "relation", "status", *Resident.location_fields(), "updated_at"])
        HouseholdMembership.objects.create(resident=resident, household=household, relation=relation, joined_on=on,
                                           join_reason=reason or _("迁入"))
    Household.objects.filter(pk=old_household_id, head=resident).update(head=None)
    audit_record(actor=actor, verb="resident.moved", target=resident,
                 extra={"from_household": old_household_id, "to_household": household.pk if household else None})
    return resident


@transaction.atomic
def resident_delete(*, actor, resident: Resident, reason: str) -> None:
    """Delete a resident registered by mistake (a duplicate, a wrong person) with their history.

    People who move away or die are not deleted: use ``resident_move`` (status 已迁出) or the
    status 已故, which keep history and statistics. The audit row keeps the id, name and reason.
    """
    scoping.ensure_can(actor, "registry.change", resident)
    if not (reason or "").strip():
        raise InvalidInput(_("删除居民须填写原因"), extra={"field": "reason"})
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    audit_record(actor=actor, verb="resident.deleted", target=resident, extra={"reason": reason.strip()})
    Household.objects.filter(head=resident).update(head=None)
    Tenancy.objects.filter(tenant=resident).delete()
    resident.delete()


@transaction.atomic
def tenancy_start(*, actor, house: House, tenant: Resident, start_on: dt.date, end_on: dt.date | None = None,
                  landlord_name: str = "", contract_no: str = "") -> Tenancy:
    scoping.ensure_can(actor, "registry.change", house)
    scoping.ensure_can(actor, "registry.view", tenant)
    if house.use != House.Use.RENTED:
        raise InvalidInput(_("该房屋用途不是“出租”,请先修改房屋用途"), extra={"field": "house"})
    if end_on and end_on < start_on:
        raise InvalidInput(_("到期日期早于起租日期"), extra={"field": "end_on"})
    if Tenancy.objects.filter(house=house, tenant=tenant, ended_on__isnull=True).exists():
        raise Conflict(_("该承租人已在此房屋登记租住"))
    tenancy = Tenancy(house=house, tenant=tenant, start_on=start_on, end_on=end_on, landlord_name=landlord_name, contract_no=contract_no)
    tenancy.copy_location(house)
    tenancy.save()
    tenant_tag = Tag.objects.filter(code="tenant").first()
    if tenant_tag:
        tenant.tags.add(tenant_tag)
    audit_record(actor=actor, verb="tenancy.started", target=tenancy, extra={"house": house.pk, "tenant": tenant.pk})
    return tenancy


@transaction.atomic
def tenancy_end(*, actor, tenancy: Tenancy, on: dt.date | None = None) -> Tenancy:
    scoping.ensure_can(actor, "registry.change", tenancy)
    if tenancy.ended_on:
        raise Conflict(_("该租住登记已结束"))
    tenancy.ended_on = on or timezone.localdate()
    tenancy.save(update_fields=["ended_on", "updated_at"])
    if not Tenancy.objects.filter(tenant_id=tenancy.tenant_id, ended_on__isnull=True).exists():
        tenancy.tenant.tags.remove(*Tag.objects.filter(code="tenant"))
    audit_record(actor=actor, verb="tenancy.ended", target=tenancy)
    return tenancy


# --- actual units --------------------------------------------------------------------------

ESTABLISHMENT_EDITABLE = ("name", "kind", "sector", "credit_code", "contact_name", "contact_phone", "employees", "is_resident_unit")


@transaction.atomic
def establishment_save(*, actor, address: Address, establishment: Establishment | None = None, **fields: Any) -> Establishment:
    """Create (establishment=None) or update an actual unit at a standard address."""
    unknown = set(fields) - set(ESTABLISHMENT_EDITABLE)
    if unknown:
        raise InvalidInput(_("不可修改的字段:%(f)s") % {"f": ", ".join(sorted(unknown))})
    scoping.ensure_can(actor, "registry.change", address)
    creating = establishment is None
    if not creating:
        scoping.ensure_can(actor, "registry.change", establishment)
    unit = establishment or Establishment()
    phone = fields.pop("contact_phone", None)
    for key, value in fields.items():
        setattr(unit, key, value)
    if phone is not None:
        apply_phone(unit, phone, field="contact_phone")
    unit.address = address
    unit.copy_location(address)
    if unit.kind == Establishment.Kind.RESIDENT_UNIT:
        unit.is_resident_unit = True
    full_clean(unit, exclude=["contact_phone", "address"])
    if unit.credit_code and Establishment.objects.filter(credit_code=unit.credit_code).exclude(pk=unit.pk).exists():
        raise Conflict(_("统一社会信用代码 %(c)s 已登记") % {"c": unit.credit_code}, extra={"field": "credit_code"})
    unit.save()
    audit_record(actor=actor, verb="establishment.created" if creating else "establishment.updated", target=unit)
    return unit


@transaction.atomic
def establishment_delete(*, actor, establishment: Establishment, reason: str = "") -> None:
    """Remove an actual unit that has closed or moved away (注销)."""
    scoping.ensure_can(actor, "registry.change", establishment)
    audit_record(actor=actor, verb="establishment.deleted", target=establishment, extra={"reason": reason})
    establishment.delete()
