"""The demo loader: deterministic, valid ID numbers, a consistent tree, a login per role, scoped logins."""
import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from shequ.accounts.models import Role, User
from shequ.core.idcard import parse_id_number
from shequ.core.models import AuditLog
from shequ.demo.loader import DISTRICT_CODE, REFERENCE_DATE, DemoLoader
from shequ.demo.logins import COMMUNITY_A, COMMUNITY_B, DEMO_LOGINS, PASSWORD, ensure_demo_logins
from shequ.demo.reset import reset_demo
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import SCOPE_LEVELS, Node
from shequ.registry.models import Establishment, House, Household, Resident, Tenancy

pytestmark = pytest.mark.django_db


def load(seed=7):
    DemoLoader(scale="tiny", seed=seed).run()
    ensure_demo_logins()


def snapshot():
    return {
        "nodes": list(Node.objects.order_by("code").values_list("code", "name", "level", "kind")),
        "residents": [(r.name, r.id_number, r.phone, r.birth_date, r.house.code) for r in
                      Resident.objects.select_related("house").order_by("house__code", "name", "birth_date")],
        "houses": list(House.objects.order_by("code").values_list("code", "use", "owner_name", "address__full_text")),
        "households": list(Household.objects.order_by("number").values_list("number", "registration")),
        "units": sorted(Establishment.objects.values_list("name", "kind", "credit_code")),
    }


def test_same_seed_gives_the_same_demo():
    load(seed=7)
    first = snapshot()
    reset_demo()
    load(seed=7)
    assert snapshot() == first
    reset_demo()
    load(seed=8)
    assert snapshot()["residents"] != first["residents"]


def test_id_numbers_are_valid_and_match_birth_date_and_sex():
    load()
    residents = list(Resident.objects.all())
    assert len(residents) > 300
    for resident in residents:
        parsed = parse_id_number(resident.id_number, today=REFERENCE_DATE)
        assert (parsed.birth_date, parsed.sex) == (resident.birth_date, resident.sex)
    assert len({r.id_number for r in residents}) == len(residents)
    locals_ = [r for r in residents if r.residence_type == Resident.ResidenceType.REGISTERED]
    assert sum(r.id_number.startswith(DISTRICT_CODE) for r in locals_) > 0.9 * len(locals_)


def test_tree_paths_and_ancestor_columns_are_consistent():
    load()
    nodes = {n.id: n for n in Node.objects.all()}
    for node in nodes.values():
        parent = nodes.get(node.parent_id)
        expected = dict.fromkeys(SCOPE_LEVELS) if parent is None else parent.ancestor_ids()
        if node.level in SCOPE_LEVELS:
            expected[node.level] = node.id
        assert node.ancestor_ids() == expected, node.code
        assert node.path == (parent.path if parent else "/") + f"{node.id:010d}/"
        assert node.depth == (parent.depth + 1 if parent else 0)
        if node.level in ("street", "community"):
            assert node.code.startswith(parent.code)
        elif node.community_id and node.level != "community":
            assert node.code.startswith(nodes[node.community_id].code)  # grid/building codes extend it
    for resident in Resident.objects.select_related("house__building")[:200]:
        building = resident.house.building
        assert building.level == "building"
        assert resident.ancestor_ids() == resident.house.ancestor_ids() == building.ancestor_ids()
        if resident.household_id:
            assert resident.household.house_id == resident.house_id
    for model in (Household, Tenancy, Establishment, House):
        for row in model.objects.all()[:100]:
            anchor = nodes[row.building_id or row.grid_id]
            assert row.ancestor_ids() == anchor.ancestor_ids()


def test_codes_follow_the_division_code_scheme():
    load()
    for node in Node.objects.filter(level="street"):
        assert len(node.code) == 9 and node.code.startswith(DISTRICT_CODE)
    for node in Node.objects.filter(level="community"):
        assert len(node.code) == 12 and node.code.isdigit()
        assert (node.kind == "village") == (node.code[-3] == "2")


def test_grid_boundaries_are_valid_and_tile_their_community():
    from shapely.geometry import shape
    from shapely.ops import unary_union

    load()
    for community in Node.objects.filter(level="community"):
        shapes = [shape(g.boundary) for g in Node.objects.filter(level="grid", community=community)]
        assert shapes and all(s.is_valid and s.area > 0 for s in shapes)
        union = unary_union(shapes)
        assert abs(union.area - sum(s.area for s in shapes)) < 1e-12  # no overlaps
        assert abs(union.area - union.envelope.area) < 1e-9  # a full rectangle


def test_registry_has_tenancies_tags_and_moves():
    load()
    tenants = Resident.objects.filter(tenancies__isnull=False).distinct()
    assert tenants.exists()
    assert all(t.house.use == House.Use.RENTED for t in Tenancy.objects.select_related("house"))
    assert set(tenants.values_list("tags__code", flat=True)) >= {"tenant", "floating"}
    assert Resident.objects.filter(tags__code="elderly_alone").exists()
    assert Household.objects.filter(head__isnull=False).count() == Household.objects.count()


def test_every_role_has_a_demo_login_that_authenticates():
    load()
    assert {login.role for login in DEMO_LOGINS} == set(Role.values)
    for login in DEMO_LOGINS:
        user = authenticate(username=login.username, password=PASSWORD)
        assert user is not None, login.username
        assert user.must_change_password is False
    assert User.objects.get(username="admin").is_superuser
    resident_user = User.objects.get(username="resident_a")
    assert resident_user.resident is not None and resident_user.resident.household_id
    assert scoping.can_unmask(User.objects.get(username="worker_a_unmask"))
    assert not scoping.can_unmask(User.objects.get(username="worker_a"))


def test_demo_community_worker_sees_only_their_community():
    load()
    community_a = Node.objects.get(code=COMMUNITY_A)
    worker = User.objects.get(username="worker_a")
    seen = scoping.scope_queryset(Resident.objects.all(), worker)
    assert seen.count() == Resident.objects.filter(community=community_a).count() > 0
    assert not seen.filter(community__code=COMMUNITY_B).exists()
    street_user = User.objects.get(username="street1")
    assert scoping.scope_queryset(Resident.objects.all(), street_user).count() > seen.count()
    assert not scoping.scope_queryset(Resident.objects.all(), street_user).exclude(street__code=COMMUNITY_A[:9]).exists()


def test_demo_command_is_idempotent_and_reset_keeps_the_audit_log():
    out = io.StringIO()
    call_command("demo", scale="tiny", stdout=out)
    assert AuditLog.objects.filter(verb="demo.loaded").count() == 1
    residents = Resident.objects.count()
    call_command("demo", scale="tiny", stdout=out)
    assert "already loaded" in out.getvalue()
    assert Resident.objects.count() == residents
    audit_rows = AuditLog.objects.count()
    call_command("demo", scale="tiny", reset=True, stdout=out)
    assert Resident.objects.count() == residents
    assert AuditLog.objects.count() > audit_rows
    assert AuditLog.objects.filter(verb="demo.loaded").count() == 2
    call_command("demo_logins", stdout=out)
    assert "worker_a" in out.getvalue() and "http://127.0.0.1:8000/" in out.getvalue()
    assert "示范区 / 东城街道 / 和平社区" in out.getvalue()


def test_deep_resident_pages_match_plain_offset_slicing():
    """The deferred join of resident_list gives the same rows, in order, as a plain OFFSET."""
    from django.db.models import QuerySet

    from shequ.registry import selectors

    load()
    user = User.objects.get(username="street1")
    street = Node.objects.get(code=COMMUNITY_A[:9])
    qs = selectors.resident_list(user=user, node=street)
    plain = QuerySet.__getitem__(qs.all(), slice(250, 300))
    assert [r.id for r in qs[250:300]] == [r.id for r in plain] and len(plain) == 50
    assert "IN (SELECT" in str(qs[250:300].query)


def test_deviation_report_shows_the_village_with_the_older_layout():
    """The demo keeps one village's courtyards outside any grid, and the report finds exactly it."""
    from shequ.jurisdiction.selectors import DEVIATION_LABELS, level_deviation_report

    load()
    admin = User.objects.get(username="admin")
    report = level_deviation_report(user=admin)
    assert [d.community.kind for d in report] == ["village"]
    assert list(report[0].problems) == [DEVIATION_LABELS["building_without_grid"]]
    assert report[0].problems[DEVIATION_LABELS["building_without_grid"]] == Node.objects.filter(
        level="building", community=report[0].community, grid__isnull=True).count() > 0
