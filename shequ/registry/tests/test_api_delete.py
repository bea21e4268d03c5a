"""DELETE for records registered by mistake: scope, roles, refusals while referenced, audit."""
from shequ.core.models import AuditLog
from shequ.jurisdiction.models import Node
from shequ.jurisdiction.services import node_create
from shequ.registry import services
from shequ.registry.models import Address, Establishment, House, Household, HouseholdMembership, Resident

from .apiclient import api_as


def test_resident_delete_needs_reason_scope_and_role(world):
    own, foreign = world.residents["A102s"], world.residents["B102s"]
    worker = api_as(world, "worker_a")
    assert worker.delete(f"/registry/residents/{foreign.pk}", reason="重复登记").status == 404
    assert api_as(world, "leader").delete(f"/registry/residents/{own.pk}", reason="重复登记").status == 403
    missing_reason = worker.delete(f"/registry/residents/{own.pk}")
    assert missing_reason.status == 422 and "原因" in missing_reason.data["message"]
    assert Resident.objects.filter(pk__in=[own.pk, foreign.pk]).count() == 2

    assert worker.delete(f"/registry/residents/{own.pk}", reason="重复登记").status == 204
    assert not Resident.objects.filter(pk=own.pk).exists()
    assert not HouseholdMembership.objects.filter(resident_id=own.pk).exists()
    entry = AuditLog.objects.get(verb="resident.deleted", target_id=str(own.pk))
    assert entry.actor_name == "worker_a" and entry.extra["reason"] == "重复登记"
    assert entry.target_repr == "甲社区102配偶"


def test_deleting_a_head_of_household_clears_the_head(world):
    head = world.residents["A101h"]
    services.resident_delete(actor=world.users["worker_a"], resident=head, reason="误登记")
    assert Household.objects.get(pk=world.households["A101"].pk).head_id is None


def test_house_and_household_delete_refused_while_in_use(world):
    worker = api_as(world, "worker_a")
    house, household = world.houses["A101"], world.households["A101"]
    answer = worker.delete(f"/registry/houses/{house.pk}")
    assert answer.status == 409 and "不能删除" in answer.data["message"]
    assert worker.delete(f"/registry/households/{household.pk}").status == 409
    assert worker.delete(f"/registry/houses/{world.houses['B101'].pk}").status == 404


def test_empty_house_and_household_can_be_deleted(world):
    admin = world.users["admin"]
    house = services.house_create(actor=admin, building=world.nodes["A_building"], room="999")
    household = services.household_create(actor=admin, house=house, number="H-MISTAKE")
    worker = api_as(world, "worker_a")
    assert worker.delete(f"/registry/households/{household.pk}").status == 204
    address_id = house.address_id
    assert worker.delete(f"/registry/houses/{house.pk}").status == 204
    assert not House.objects.filter(pk=house.pk).exists() and not Address.objects.filter(pk=address_id).exists()
    assert set(AuditLog.objects.filter(actor_name="worker_a").values_list("verb", flat=True)) == {"household.deleted", "house.deleted"}


def test_unit_delete_is_scoped_and_audited(world):
    admin = world.users["admin"]
    address = services.building_address(world.nodes["A_building"])
    unit = services.establishment_save(actor=admin, address=address, name="测试超市", kind="shop")
    foreign_address = services.building_address(world.nodes["B_building"])
    foreign = services.establishment_save(actor=admin, address=foreign_address, name="别家超市", kind="shop")
    worker = api_as(world, "worker_a")
    assert worker.delete(f"/registry/units/{foreign.pk}").status == 404
    assert worker.delete(f"/registry/units/{unit.pk}", reason="已关店").status == 204
    assert list(Establishment.objects.values_list("name", flat=True)) == ["别家超市"]
    assert AuditLog.objects.get(verb="establishment.deleted").extra["reason"] == "已关店"


def test_tree_node_delete_only_when_empty(world):
    office = api_as(world, "office")
    grid = world.nodes["A_grid"]
    answer = office.delete(f"/tree/nodes/{grid.pk}")
    assert answer.status == 409
    spare = node_create(actor=world.users["admin"], parent=world.nodes["A"], level="grid", name="备用网格", code="11010500100199")
    assert api_as(world, "worker_a").delete(f"/tree/nodes/{spare.pk}").status == 403  # a community worker may not change the tree
    assert office.delete(f"/tree/nodes/{spare.pk}").status == 204
    assert not Node.objects.filter(pk=spare.pk).exists()
    assert AuditLog.objects.filter(verb="node.deleted", target_id=str(spare.pk)).exists()
