"""Registry services: personal-data rules, moves with history, tenancies, units."""
import datetime as dt

import pytest

from shequ.core.errors import Conflict, InvalidInput, NotAllowed, NotInScope
from shequ.core.idcard import make_id_number
from shequ.core.models import AuditLog
from shequ.registry import services as reg
from shequ.registry.models import HouseholdMembership, Resident, Tenancy


def test_resident_create_derives_birth_date_and_sex_from_id(world):
    female = make_id_number("110105", dt.date(1988, 2, 29), 124)  # even sequence digit: female
    resident = reg.resident_create(actor=world.users["worker_a"], name="王芳", household=world.households["A101"],
                                   id_number=female.lower(), phone="+86 139-0000-1234")
    assert resident.birth_date == dt.date(1988, 2, 29) and resident.sex == "F"
    assert resident.id_number == female and resident.phone == "13900001234"
    assert resident.id_hash == reg.id_hash_of(female) and resident.phone_hash == reg.phone_hash_of("13900001234")
    assert resident.community_id == world.nodes["A"].pk and resident.grid_id == world.nodes["A_grid"].pk
    membership = HouseholdMembership.objects.get(resident=resident)
    assert membership.household_id == world.households["A101"].pk and membership.left_on is None
    assert AuditLog.objects.filter(verb="resident.created", target_id=str(resident.pk)).exists()


def test_resident_create_stores_personal_data_encrypted(world):
    from django.db import connection

    resident = world.residents["A101h"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM registry_resident WHERE id = %s", [resident.pk])
        raw_id, raw_phone = cursor.fetchone()
    assert raw_id.startswith("v1:") and resident.id_number not in raw_id
    assert raw_phone.startswith("v1:") and resident.phone not in raw_phone


def test_resident_create_rejects_bad_check_digit(world):
    good = make_id_number("110105", dt.date(1990, 1, 1), 5)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(InvalidInput, match="校验位") as exc:
        reg.resident_create(actor=world.users["worker_a"], name="x", household=world.households["A101"], id_number=bad)
    assert exc.value.extra == {"field": "id_number"}


def test_resident_create_duplicate_id_is_conflict(world):
    with pytest.raises(Conflict):
        reg.resident_create(actor=world.users["worker_a"], name="x", household=world.households["A102"],
                            id_number=world.residents["A101h"].id_number)
    full_width = world.residents["A101h"].id_number.translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ"))
    with pytest.raises(Conflict):  # the same number written in full-width digits
        reg.resident_update(actor=world.users["worker_a"], resident=world.residents["A102h"], id_number=full_width)


def test_resident_create_outside_scope_or_role(world):
    with pytest.raises(NotInScope):
        reg.resident_create(actor=world.users["worker_a"], name="x", household=world.households["B101"])
    with pytest.raises(NotAllowed):
        reg.resident_create(actor=world.users["leader"], name="x", household=world.households["A101"])
    assert not Resident.objects.filter(name="x").exists()


def test_resident_move_keeps_history(world):
    resident, old, new = world.residents["A101s"], world.households["A101"], world.households["A102"]
    moved = reg.resident_move(actor=world.users["worker_a"], resident=resident, household=new, relation="母亲",
                              on=dt.date(2099, 1, 1), reason="投靠子女")
    assert moved.household_id == new.pk and moved.house_id == new.house_id and moved.relation == "母亲"
    rows = list(HouseholdMembership.objects.filter(resident=resident).order_by("id"))
    assert [(r.household_id, r.left_on) for r in rows] == [(old.pk, dt.date(2099, 1, 1)), (new.pk, None)]
    assert rows[0].leave_reason == "投靠子女"
    gone = reg.resident_move(actor=world.users["worker_a"], resident=moved, household=None, reason="迁往外省")
    assert gone.status == Resident.Status.MOVED_OUT and gone.household_id is None
    assert HouseholdMembership.objects.filter(resident=resident, left_on__isnull=True).count() == 0
    assert HouseholdMembership.objects.filter(resident=resident).count() == 2


def test_resident_move_of_head_clears_household_head(world):
    head, household = world.residents["A101h"], world.households["A101"]
    reg.resident_move(actor=world.users["worker_a"], resident=head, household=world.households["A102"])
    household.refresh_from_db()
    assert household.head_id is None


def test_resident_move_across_communities_updates_location(world):
    resident = world.residents["A101s"]
    moved = reg.resident_move(actor=world.users["street_s1"], resident=resident, household=world.households["B101"])
    assert (moved.community_id, moved.grid_id) == (world.nodes["B"].pk, world.nodes["B_grid"].pk)
    with pytest.raises(NotInScope):
        reg.resident_move(actor=world.users["worker_a"], resident=world.residents["A102h"], household=world.households["B101"])


def test_tenancy_requires_a_rented_house(world):
    with pytest.raises(InvalidInput, match="出租"):
        reg.tenancy_start(actor=world.users["worker_a"], house=world.houses["A101"], tenant=world.residents["A102h"],
                          start_on=dt.date(2024, 1, 1))
    tenancy = reg.tenancy_start(actor=world.users["worker_a"], house=world.houses["A102"], tenant=world.residents["A101h"],
                                start_on=dt.date(2024, 1, 1))
    assert tenancy.community_id == world.nodes["A"].pk
    with pytest.raises(Conflict):
        reg.tenancy_start(actor=world.users["worker_a"], house=world.houses["A102"], tenant=world.residents["A101h"],
                          start_on=dt.date(2024, 2, 1))
    reg.tenancy_end(actor=world.users["worker_a"], tenancy=tenancy, on=dt.date(2024, 6, 1))
    assert "tenant" not in set(world.residents["A101h"].tags.values_list("code", flat=True))
    assert Tenancy.objects.get(pk=tenancy.pk).ended_on == dt.date(2024, 6, 1)


def test_establishment_credit_code_is_unique(world):
    address = reg.building_address(world.nodes["A_building"])
    first = reg.establishment_save(actor=world.users["worker_a"], address=address, name="甲公司", kind="enterprise",
                                   credit_code="91110105MA01ABCD1X")
    assert first.community_id == world.nodes["A"].pk
    with pytest.raises(Conflict, match="91110105MA01ABCD1X"):
        reg.establishment_save(actor=world.users["admin"], address=reg.building_address(world.nodes["B_building"]),
                               name="乙公司", kind="enterprise", credit_code="91110105MA01ABCD1X")
    # Units without a credit code do not clash with each other.
    reg.establishment_save(actor=world.users["worker_a"], address=address, name="小店一", kind="shop")
    reg.establishment_save(actor=world.users["worker_a"], address=address, name="小店二", kind="shop")


def test_establishment_resident_unit_flag(world):
    address = reg.building_address(world.nodes["A_building"])
    unit = reg.establishment_save(actor=world.users["worker_a"], address=address, name="驻区医院", kind="resident_unit")
    assert unit.is_resident_unit is True


def test_resident_reveal_is_audited_and_permission_checked(world):
    resident = world.residents["A101h"]
    with pytest.raises(NotAllowed):
        reg.resident_reveal(actor=world.users["worker_a"], resident=resident)
    with pytest.raises(NotInScope):
        reg.resident_reveal(actor=world.users["worker_b"], resident=resident)
    clear = reg.resident_reveal(actor=world.users["worker_a_unmask"], resident=resident, channel="api")
    assert clear == {"id_number": resident.id_number, "phone": resident.phone}
    assert AuditLog.objects.filter(verb="resident.unmasked", actor=world.users["worker_a_unmask"]).count() == 1


def test_tag_replacement_keeps_sensitive_tags_hidden_from_the_editor(world):
    resident = world.residents["A101h"]
    reg.resident_update(actor=world.users["worker_a_unmask"], resident=resident, tags=["elderly_alone", "subsistence"])
    reg.resident_update(actor=world.users["worker_a"], resident=resident, tags=["veteran"])
    assert set(resident.tags.values_list("code", flat=True)) == {"veteran", "subsistence"}
    reg.resident_update(actor=world.users["worker_a_unmask"], resident=resident, tags=["veteran"])
    assert set(resident.tags.values_list("code", flat=True)) == {"veteran"}
