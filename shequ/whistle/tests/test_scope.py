"""Who sees which whistles, decided by jurisdiction.scoping (DEPARTMENT_LOOKUP through the
whistled departments), for selectors, obj_in_scope and the admin."""
import pytest

from shequ.jurisdiction import scoping
from shequ.whistle import selectors
from shequ.whistle.models import Whistle, WhistleTarget

from .factories import blow

pytestmark = pytest.mark.django_db


@pytest.fixture
def whistles(wworld):
    return {"A": blow(wworld, at="A", departments=("civil", "housing"), title="甲社区违建"),
            "S1": blow(wworld, at="S1", departments=("housing",), title="一街道占道"),
            "C": blow(wworld, actor="office", at="C", departments=("urban",), title="丙村污染")}


@pytest.mark.parametrize("user, expected", [
    ("street_s1", {"甲社区违建", "一街道占道"}), ("office", {"甲社区违建", "一街道占道", "丙村污染"}), ("leader", {"甲社区违建", "一街道占道", "丙村污染"}),
    ("admin", {"甲社区违建", "一街道占道", "丙村污染"}), ("worker_a", {"甲社区违建"}), ("worker_b", set()), ("dept", {"甲社区违建"}),
    ("dept_housing", {"甲社区违建", "一街道占道"}), ("grid_a", set()), ("resident_a", set()),
])
def test_who_sees_which_whistles(wworld, whistles, user, expected):
    assert {w.title for w in selectors.whistle_list(user=wworld.users[user])} == expected
    for whistle in whistles.values():
        assert scoping.obj_in_scope(wworld.users[user], whistle) is (whistle.title in expected), whistle.title


def test_department_object_scope_goes_through_its_rows(wworld, whistles):
    dept = wworld.users["dept"]
    assert scoping.obj_in_scope(dept, whistles["A"]) is True
    assert scoping.obj_in_scope(dept, whistles["S1"]) is False
    rows = scoping.scope_queryset(WhistleTarget.objects.all(), dept)
    assert [t.department.name for t in rows] == ["民政局"]


def test_a_user_of_two_whistled_departments_sees_each_whistle_once(wworld, whistles):
    from shequ.accounts.models import Binding

    Binding.objects.create(user=wworld.users["dept"], department=wworld.departments["housing"])
    user = type(wworld.users["dept"]).objects.get(pk=wworld.users["dept"].pk)  # fresh binding cache
    titles = [w.title for w in selectors.whistle_list(user=user)]
    assert sorted(titles) == sorted(["甲社区违建", "一街道占道"])  # once each
    assert selectors.whistle_get(user=user, pk=whistles["A"].pk).title == "甲社区违建"


def test_admin_lists_are_scoped(wworld, whistles, client):
    street = wworld.users["street_s1"]
    street.is_staff = True
    street.save(update_fields=["is_staff"])
    client.force_login(street)
    text = client.get("/admin/whistle/whistle/").content.decode()
    assert "甲社区违建" in text and "一街道占道" in text and "丙村污染" not in text
    assert client.get(f"/admin/whistle/whistle/{whistles['A'].pk}/change/").status_code == 200
    assert client.get(f"/admin/whistle/whistle/{whistles['C'].pk}/change/").status_code == 302  # "not found": back to the list
    assert Whistle.objects.count() == 3


def test_a_department_sees_the_appeals_it_handles_co_handles_or_was_whistled_to_each_once(wworld):
    """The appeal scope of a department is the union of three ways (``scoping.DEPARTMENT_LOOKUP``)."""
    from shequ.appeals import services as appeal_services
    from shequ.appeals.cohandling import cohandler_add
    from shequ.appeals.models import Appeal
    from shequ.appeals.tests.factories import submit

    office, dept = wworld.users["office"], wworld.users["dept"]  # dept: 民政局 (civil)
    handled = submit(actor=office, at="A")
    appeal_services.appeal_accept(actor=office, appeal_id=handled.pk)
    appeal_services.appeal_dispatch(actor=office, appeal_id=handled.pk, department=wworld.departments["civil"])
    cohandled = submit(actor=office, at="B")
    appeal_services.appeal_accept(actor=office, appeal_id=cohandled.pk)
    cohandler_add(actor=office, appeal_id=cohandled.pk, task="核实低保", department=wworld.departments["civil"])
    whistled = submit(actor=office, at="A")
    blow(wworld, departments=("civil", "housing"), appeal_ids=[whistled.pk, handled.pk])  # handled: a second way
    other = submit(actor=office, at="A")
    blow(wworld, departments=("housing",), appeal_ids=[other.pk])
    seen = list(scoping.scope_queryset(Appeal.objects.order_by("pk"), dept).values_list("pk", flat=True))
    assert seen == [handled.pk, cohandled.pk, whistled.pk]  # each once, not the housing bureau's
    assert scoping.scope_queryset(Appeal.objects.all(), dept).count() == 3
    assert scoping.obj_in_scope(dept, other) is False and scoping.obj_in_scope(dept, whistled) is True
