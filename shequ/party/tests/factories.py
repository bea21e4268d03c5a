"""Test data for party building on top of the shared ``world``: actual units and party members."""
from __future__ import annotations

from shequ.registry import services as reg
from shequ.registry.services import building_address


def unit(world, community: str, name: str, kind: str = "enterprise", sector: str = "non_public"):
    """An actual unit at the building address of ``community``'s building."""
    address = building_address(world.nodes[f"{community}_building"])
    return reg.establishment_save(actor=world.users["admin"], address=address, name=name, kind=kind, sector=sector)


def party_member(world, key: str):
    """Tag resident ``key`` (e.g. "A101h") as a party member (党员) in the registry."""
    resident = world.residents[key]
    tags = list(resident.tags.values_list("code", flat=True)) + ["party_member"]
    return reg.resident_update(actor=world.users["admin"], resident=resident, tags=tags)


def units(world) -> dict:
    """A: property company + non-public enterprise + a school (not a covered kind); B: enterprise; C: social org."""
    return {
        "A_property": unit(world, "A", "甲物业公司", "property_company", "property"),
        "A_firm": unit(world, "A", "甲科技公司"),
        "A_school": unit(world, "A", "甲小学", "school", "education"),
        "B_firm": unit(world, "B", "乙商贸公司"),
        "C_social": unit(world, "C", "丙村老年协会", "social_organization", "social"),
    }
