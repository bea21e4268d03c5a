"""The central scope: who sees which residents, and who may change them."""
import pytest

from shequ.core.errors import NotAllowed, NotInScope
from shequ.jurisdiction import scoping
from shequ.registry.models import Resident


def names(user):
    return set(scoping.scope_queryset(Resident.objects.all(), user).values_list("name", flat=True))


def test_community_worker_sees_only_own_community(world):
    seen = names(world.users["worker_a"])
    assert seen and all(name.startswith("甲社区") for name in seen)
    assert len(seen) == 4


def test_street_user_sees_all_its_communities(world):
    seen = names(world.users["street_s1"])
    assert {n[:3] for n in seen} == {"甲社区", "乙社区"}
    assert len(seen) == 8


def test_department_sees_its_district_and_leader_too(world):
    assert len(names(world.users["dept"])) == 12
    assert len(names(world.users["leader"])) == 12


def test_grid_worker_sees_own_grid(world):
    assert len(names(world.users["grid_a"])) == 4


def test_resident_sees_only_own_household(world):
    assert names(world.users["resident_a"]) == {"甲社区101户主", "甲社区101配偶"}


def test_user_without_binding_sees_nothing(world, django_user_model):
    lost = django_user_model.objects.create_user("lost", password="x", role="community_worker")
    assert names(lost) == set()


def test_ensure_can_refuses_foreign_record_with_404(world):
    foreign = world.residents["B101h"]
    with pytest.raises(NotInScope):
        scoping.ensure_can(world.users["worker_a"], "registry.change", foreign)
    scoping.ensure_can(world.users["worker_a"], "registry.change", world.residents["A101h"])


def test_ensure_can_refuses_wrong_role_with_403(world):
    with pytest.raises(NotAllowed):
        scoping.ensure_can(world.users["leader"], "registry.change", world.residents["A101h"])


def test_get_in_scope_hides_foreign_as_missing(world):
    with pytest.raises(NotInScope):
        scoping.get_in_scope(Resident.objects.all(), world.users["worker_a"], pk=world.residents["C101h"].pk)
