"""The registry API (一标三实): standard addresses, houses, households, residents, tenancies, units.

Every read goes through ``selectors`` (scoped: missing and foreign records are both 404),
every write through ``services`` (role check: 403; audited). ID numbers and phones are
masked in every answer (``schemas.MaskedPersonal``); ``/residents/{id}/reveal`` is the only
way to the clear values, for users with the unmask permission, and each use is audit-logged.
"""
from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from shequ.core.errors import InvalidInput
from shequ.core.pagination import page_of, paginate
from shequ.jurisdiction import selectors as tree_selectors

from . import selectors, services
from .schemas import (
    AddressOut, AddressQuery, BuildingAddressIn, HouseCreateIn, HouseDetailOut, HouseholdCreateIn, HouseholdDetailOut,
    HouseholdOut, HouseholdQuery, HouseOut, HouseQuery, HouseUpdateIn, MembershipOut, ResidentCreateIn,
    ResidentDetailOut, ResidentMoveIn, ResidentOut, ResidentQuery, ResidentUpdateIn, RevealOut, TenancyCreateIn,
    TenancyEndIn, TenancyOut, TenancyQuery, UnitCreateIn, UnitDetailOut, UnitOut, UnitQuery, UnitUpdateIn,
)

router = Router(tags=["登记:一标三实"])


def _node(request, pk: int | None):
    return tree_selectors.node_get(user=request.auth, pk=pk) if pk else None


def _present(changes: dict[str, Any], nullable: set[str] = frozenset()) -> dict[str, Any]:
    """Fields the client sent, without nulls for fields that cannot be empty."""
    return {k: v for k, v in changes.items() if v is not None or k in nullable}


# --- addresses ---------------------------------------------------------------------------------

@router.get("/addresses", response=page_of(AddressOut), summary="标准地址检索(如“阳光小区3号楼501”)",
            operation_id="registry_address_list")
def address_list(request, filters: Query[AddressQuery]):
    qs = selectors.address_list(user=request.auth, q=filters.q, node=_node(request, filters.node), kind=filters.kind)
    return paginate(qs, filters)


@router.put("/buildings/{building_id}/address", response=AddressOut, summary="登记或修改楼栋标准地址(房屋地址随之更新)",
            operation_id="registry_building_address_set")
def building_address_set(request, building_id: int, payload: BuildingAddressIn):
    building = tree_selectors.node_get(user=request.auth, pk=building_id)
    address = services.building_address_set(actor=request.auth, building=building, road=payload.road,
                                            number=payload.number, compound_name=payload.compound_name,
                                            building_no=payload.building_no)
    return selectors.address_get(user=request.auth, pk=address.pk)


# --- houses ------------------------------------------------------------------------------------

@router.get("/houses", response=page_of(HouseOut), summary="实有房屋列表", operation_id="registry_house_list")
def house_list(request, filters: Query[HouseQuery]):
    qs = selectors.house_list(user=request.auth, q=filters.q, node=_node(request, filters.node), use=filters.use or "")
    return paginate(qs, filters)


@router.get("/houses/{house_id}", response=HouseDetailOut, summary="房屋详情", operation_id="registry_house_get")
def house_get(request, house_id: int):
    return selectors.house_get(user=request.auth, pk=house_id)


@router.post("/houses", response={201: HouseDetailOut}, summary="登记房屋", operation_id="registry_house_create")
def house_create(request, payload: HouseCreateIn):
    building = tree_selectors.node_get(user=request.auth, pk=payload.building)
    unit = tree_selectors.node_get(user=request.auth, pk=payload.unit) if payload.unit else None
    house = services.house_create(actor=request.auth, building=building, unit_node=unit, room=payload.room,
                                  floor=payload.floor, area=payload.area, use=payload.use,
                                  owner_name=payload.owner_name.strip(), code=payload.code.strip())
    return Status(201, selectors.house_get(user=request.auth, pk=house.pk))


@router.patch("/houses/{house_id}", response=HouseDetailOut, summary="修改房屋(楼层、面积、用途、产权人)",
              operation_id="registry_house_update")
def house_update(request, house_id: int, payload: HouseUpdateIn):
    house = selectors.house_get(user=request.auth, pk=house_id)
    changes = _present(payload.model_dump(exclude_unset=True), nullable={"floor", "area"})
    services.house_update(actor=request.auth, house=house, **changes)
    return selectors.house_get(user=request.auth, pk=house_id)


@router.delete("/houses/{house_id}", response={204: None}, summary="删除误登记的房屋(仍有户、人员、租住或单位时拒绝)",
               operation_id="registry_house_delete")
def house_delete(request, house_id: int):
    services.house_delete(actor=request.auth, house=selectors.house_get(user=request.auth, pk=house_id))
    return Status(204, None)


# --- households --------------------------------------------------------------------------------

@router.get("/households", response=page_of(HouseholdOut), summary="户列表", operation_id="registry_household_list")
def household_list(request, filters: Query[HouseholdQuery]):
    qs = selectors.household_list(user=request.auth, q=filters.q, node=_node(request, filters.node))
    return paginate(qs, filters)


def _household_detail(request, pk: int):
    household = selectors.household_get(user=request.auth, pk=pk)
    household.members_shown = list(selectors.household_members(user=request.auth, household=household))
    return household


@router.get("/households/{household_id}", response=HouseholdDetailOut, summary="户详情(成员信息脱敏)",
            operation_id="registry_household_get")
def household_get(request, household_id: int):
    return _household_detail(request, household_id)


@router.delete("/households/{household_id}", response={204: None}, summary="删除误登记的户(从未有成员时)",
               operation_id="registry_household_delete")
def household_delete(request, household_id: int):
    services.household_delete(actor=request.auth, household=selectors.household_get(user=request.auth, pk=household_id))
    return Status(204, None)


@router.post("/households", response={201: HouseholdDetailOut}, summary="登记户", operation_id="registry_household_create")
def household_create(request, payload: HouseholdCreateIn):
    house = selectors.house_get(user=request.auth, pk=payload.house)
    household = services.household_create(actor=request.auth, house=house, number=payload.number,
                                          kind=payload.kind, registration=payload.registration)
    return Status(201, _household_detail(request, household.pk))


# --- residents ---------------------------------------------------------------------------------

@router.get("/residents", response=page_of(ResidentOut), summary="居民列表(可按节点、标签、状态筛选;q 为完整身份证号/电话或姓名)",
            operation_id="registry_resident_list")
def resident_list(request, filters: Query[ResidentQuery]):
    node = _node(request, filters.node)
    if filters.tag and not selectors.tag_list(user=request.auth).filter(code=filters.tag).exists():
        raise InvalidInput(_("tag: 未知标签,或您无权按此敏感标签查询"), extra={"fields": {"tag": [_("未知标签或无权查询")]}})
    status = None if filters.status in ("", "all") else filters.status
    qs = selectors.resident_list(user=request.auth, q=filters.q, node=node, tag=filters.tag, status=status)
    return paginate(selectors.resident_list_rows(qs), filters)


@router.get("/residents/{resident_id}", response=ResidentDetailOut, summary="居民详情(身份证号、电话脱敏)",
            operation_id="registry_resident_get")
def resident_get(request, resident_id: int):
    return selectors.resident_get(user=request.auth, pk=resident_id)


@router.post("/residents", response={201: ResidentDetailOut}, summary="登记居民(出生日期、性别由身份证号推出)",
             operation_id="registry_resident_create")
def resident_create(request, payload: ResidentCreateIn):
    if payload.household is None and payload.house is None:
        raise InvalidInput(_("household: 须给出所在户(household)或居住房屋(house)"), extra={"field": "household"})
    household = selectors.household_get(user=request.auth, pk=payload.household) if payload.household else None
    house = selectors.house_get(user=request.auth, pk=payload.house) if payload.house else None
    resident = services.resident_create(
        actor=request.auth, name=payload.name, household=household, house=house, id_number=payload.id_number,
        phone=payload.phone, ethnicity=payload.ethnicity, relation=payload.relation,
        residence_type=payload.residence_type, tags=payload.tags, note=payload.note, joined_on=payload.joined_on,
    )
    return Status(201, selectors.resident_get(user=request.auth, pk=resident.pk))


@router.patch("/residents/{resident_id}", response=ResidentDetailOut, summary="修改居民信息与标签",
              operation_id="registry_resident_update")
def resident_update(request, resident_id: int, payload: ResidentUpdateIn):
    resident = selectors.resident_get(user=request.auth, pk=resident_id)
    changes = payload.model_dump(exclude_unset=True)
    tags = changes.pop("tags", None)
    version = changes.pop("updated_at", None)
    for key in ("id_number", "phone"):  # null clears them
        if key in changes and changes[key] is None:
            changes[key] = ""
    services.resident_update(actor=request.auth, resident=resident, tags=tags, expected_version=version,
                             **_present(changes))
    return selectors.resident_get(user=request.auth, pk=resident_id)


@router.post("/residents/{resident_id}/move", response=ResidentDetailOut, summary="居民迁入他户或迁出(保留变动历史)",
             operation_id="registry_resident_move")
def resident_move(request, resident_id: int, payload: ResidentMoveIn):
    resident = selectors.resident_get(user=request.auth, pk=resident_id)
    household = selectors.household_get(user=request.auth, pk=payload.household) if payload.household else None
    services.resident_move(actor=request.auth, resident=resident, household=household, relation=payload.relation,
                           on=payload.on, reason=payload.reason)
    return selectors.resident_get(user=request.auth, pk=resident_id)


@router.get("/residents/{resident_id}/history", response=list[MembershipOut], summary="居民入户/迁出历史",
            operation_id="registry_resident_history")
def resident_history(request, resident_id: int):
    resident = selectors.resident_get(user=request.auth, pk=resident_id)
    return list(selectors.membership_list(user=request.auth, resident=resident))


@router.post("/residents/{resident_id}/reveal", response=RevealOut, summary="查看身份证号、电话明文(需专门权限,记入审计日志)",
             operation_id="registry_resident_reveal")
def resident_reveal(request, resident_id: int):
    resident = selectors.resident_get(user=request.auth, pk=resident_id)
    return services.resident_reveal(actor=request.auth, resident=resident, channel="api")


@router.delete("/residents/{resident_id}", response={204: None},
               summary="删除误登记的居民(须填原因;迁出、死亡请用迁移或状态,不要删除)", operation_id="registry_resident_delete")
def resident_delete(request, resident_id: int, reason: str = ""):
    """``?reason=`` is required and goes into the audit log."""
    resident = selectors.resident_get(user=request.auth, pk=resident_id)
    services.resident_delete(actor=request.auth, resident=resident, reason=reason)
    return Status(204, None)


# --- tenancies ---------------------------------------------------------------------------------

@router.get("/tenancies", response=page_of(TenancyOut), summary="租住登记列表", operation_id="registry_tenancy_list")
def tenancy_list(request, filters: Query[TenancyQuery]):
    house = selectors.house_get(user=request.auth, pk=filters.house) if filters.house else None
    tenant = selectors.resident_get(user=request.auth, pk=filters.tenant) if filters.tenant else None
    return paginate(selectors.tenancy_list(user=request.auth, house=house, tenant=tenant), filters)


@router.post("/tenancies", response={201: TenancyOut}, summary="登记租住(以房管人)", operation_id="registry_tenancy_create")
def tenancy_create(request, payload: TenancyCreateIn):
    house = selectors.house_get(user=request.auth, pk=payload.house)
    tenant = selectors.resident_get(user=request.auth, pk=payload.tenant)
    tenancy = services.tenancy_start(actor=request.auth, house=house, tenant=tenant, start_on=payload.start_on,
                                     end_on=payload.end_on, landlord_name=payload.landlord_name,
                                     contract_no=payload.contract_no)
    return Status(201, selectors.tenancy_get(user=request.auth, pk=tenancy.pk))


@router.post("/tenancies/{tenancy_id}/end", response=TenancyOut, summary="结束租住(退租)", operation_id="registry_tenancy_end")
def tenancy_end(request, tenancy_id: int, payload: TenancyEndIn):
    tenancy = selectors.tenancy_get(user=request.auth, pk=tenancy_id)
    services.tenancy_end(actor=request.auth, tenancy=tenancy, on=payload.on)
    return selectors.tenancy_get(user=request.auth, pk=tenancy_id)


# --- actual units ------------------------------------------------------------------------------

@router.get("/units", response=page_of(UnitOut), summary="实有单位列表", operation_id="registry_unit_list")
def unit_list(request, filters: Query[UnitQuery]):
    qs = selectors.establishment_list(user=request.auth, q=filters.q, node=_node(request, filters.node),
                                      kind=filters.kind or "")
    return paginate(qs, filters)


@router.get("/units/{unit_id}", response=UnitDetailOut, summary="实有单位详情(联系电话脱敏)", operation_id="registry_unit_get")
def unit_get(request, unit_id: int):
    return selectors.establishment_get(user=request.auth, pk=unit_id)


@router.post("/units", response={201: UnitDetailOut}, summary="登记实有单位", operation_id="registry_unit_create")
def unit_create(request, payload: UnitCreateIn):
    address = selectors.address_get(user=request.auth, pk=payload.address)
    fields = payload.model_dump(exclude={"address"})
    fields["name"] = fields["name"].strip()
    unit = services.establishment_save(actor=request.auth, address=address, **fields)
    return Status(201, selectors.establishment_get(user=request.auth, pk=unit.pk))


@router.patch("/units/{unit_id}", response=UnitDetailOut, summary="修改实有单位", operation_id="registry_unit_update")
def unit_update(request, unit_id: int, payload: UnitUpdateIn):
    unit = selectors.establishment_get(user=request.auth, pk=unit_id)
    changes = _present(payload.model_dump(exclude_unset=True), nullable={"employees"})
    address_id = changes.pop("address", None)
    address = selectors.address_get(user=request.auth, pk=address_id) if address_id else unit.address
    services.establishment_save(actor=request.auth, address=address, establishment=unit, **changes)
    return selectors.establishment_get(user=request.auth, pk=unit_id)


@router.delete("/units/{unit_id}", response={204: None}, summary="注销实有单位(关闭或迁走)", operation_id="registry_unit_delete")
def unit_delete(request, unit_id: int, reason: str = ""):
    unit = selectors.establishment_get(user=request.auth, pk=unit_id)
    services.establishment_delete(actor=request.auth, establishment=unit, reason=reason)
    return Status(204, None)
