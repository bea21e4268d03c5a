"""Who sees which appeals (scoping.scope_queryset with DEPARTMENT_LOOKUP), through selectors,
services and the admin."""
import pytest

from shequ.appeals import selectors, services
from shequ.appeals.models import Appeal
from shequ.core.errors import NotAllowed, NotInScope
from shequ.core.testing import PASSWORD
from shequ.jurisdiction import scoping

from .factories import category, submit


@pytest.fixture
def appeals(world):
    """One grid appeal in each community, and one civil-affairs appeal located in B."""
    made = {key: submit(at=key, requester_phone="13912345678") for key in ("A", "B", "C")}
    made["civil_B"] = submit(at="B", code="subsistence_allowance")
    return made


def numbers(user, **filters):
    return {a.number for a in selectors.appeal_list(user=user, **filters)}


def test_community_worker_sees_only_appeals_located_in_their_community(world, appeals):
    assert numbers(world.users["worker_a"]) == {appeals["A"].number}
    assert numbers(world.users["worker_b"]) == {appeals["B"].number, appeals["civil_B"].number}


def test_worker_a_cannot_read_or_handle_community_bs_appeal(world, appeals):
    worker_a, foreign = world.users["worker_a"], appeals["B"]
    with pytest.raises(NotInScope):
        selectors.appeal_get(user=worker_a, pk=foreign.pk)
    with pytest.raises(NotInScope):
        services.appeal_accept(actor=worker_a, appeal_id=foreign.pk)
    assert Appeal.objects.get(pk=foreign.pk).status == Appeal.Status.RECEIVED


def test_street_grid_district_and_leader_scopes(world, appeals):
    assert numbers(world.users["street_s1"]) == {appeals[k].number for k in ("A", "B", "civil_B")}
    assert numbers(world.users["grid_a"]) == {appeals["A"].number}
    everything = {a.number for a in appeals.values()}
    assert numbers(world.users["office"]) == everything
    assert numbers(world.users["leader"]) == everything
    assert numbers(world.users["admin"]) == everything


def test_department_sees_only_appeals_it_handles(world, appeals):
    dept = world.users["dept"]
    assert numbers(dept) == {appeals["civil_B"].number}
    assert selectors.appeal_get(user=dept, pk=appeals["civil_B"].pk) == appeals["civil_B"]
    with pytest.raises(NotInScope):
        selectors.appeal_get(user=dept, pk=appeals["A"].pk)
    assert scoping.obj_in_scope(dept, appeals["civil_B"]) is True
    assert scoping.obj_in_scope(dept, appeals["A"]) is False


def test_department_scope_follows_dispatch(world, appeals):
    worker_b, dept = world.users["worker_b"], world.users["dept"]
    appeal = appeals["B"]
    services.appeal_accept(actor=worker_b, appeal_id=appeal.pk)
    services.appeal_dispatch(actor=worker_b, appeal_id=appeal.pk, department=world.departments["civil"])
    assert appeal.number in numbers(dept)


def test_department_lookup_leaves_other_models_on_the_district(world):
    from shequ.registry.models import Resident

    assert scoping.scope_queryset(Resident.objects.all(), world.users["dept"]).count() == 12


def test_residents_and_unbound_users_see_no_appeals(world, appeals, django_user_model):
    assert numbers(world.users["resident_a"]) == set()
    lost = django_user_model.objects.create_user("lost", password="x", role="community_worker")
    assert numbers(lost) == set()


def test_resident_cannot_handle(world, appeals):
    with pytest.raises(NotAllowed):
        services.appeal_accept(actor=world.users["resident_a"], appeal_id=appeals["A"].pk)


def test_overdue_is_a_query(world, appeals):
    worker_b = world.users["worker_b"]
    late = appeals["civil_B"].completion_due_at
    assert numbers(worker_b, overdue_at=late) == {appeals["B"].number}  # general class: due before the complex one
    assert numbers(worker_b, status="received", category=category("subsistence_allowance")) == {appeals["civil_B"].number}


def test_timeline_selector(world, appeals):
    appeal = selectors.appeal_get(user=world.users["worker_a"], pk=appeals["A"].pk)
    assert [e.verb for e in selectors.appeal_timeline(user=world.users["worker_a"], appeal=appeal)] == ["submitted"]


def test_list_selector_query_count(world, appeals, django_assert_num_queries):
    worker = world.users["street_s1"]
    list(selectors.appeal_list(user=worker))  # warm the bound-node cache
    with django_assert_num_queries(1):
        rows = list(selectors.appeal_list(user=worker))
        assert all(row.category.name and row.handling_unit.name for row in rows)


def test_admin_appeal_list_is_scoped(client, world, appeals):
    assert client.login(username="worker_a", password=PASSWORD)
    page = client.get("/admin/appeals/appeal/").content.decode()
    assert appeals["A"].number in page and appeals["B"].number not in page
    own = client.get(f"/admin/appeals/appeal/{appeals['A'].pk}/change/")
    assert own.status_code == 200
    assert "13912345678" not in own.content.decode() and "139****5678" in own.content.decode()
    response = client.get(f"/admin/appeals/appeal/{appeals['B'].pk}/change/")
    assert response.status_code == 302  # the admin's "does not exist" redirect


def test_admin_catalog_is_for_system_administrators(client, world):
    category("noise_neighbor")
    assert client.login(username="worker_a", password=PASSWORD)
    assert client.get("/admin/appeals/servicecategory/").status_code == 403
    client.logout()
    assert client.login(username="admin", password=PASSWORD)
    for path in ("servicecategory", "timelimitclass", "holiday", "appeal"):
        assert client.get(f"/admin/appeals/{path}/").status_code == 200, path
    assert "邻里噪声" in client.get("/admin/appeals/servicecategory/").content.decode()
