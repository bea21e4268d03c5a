"""Jurisdiction services: ancestor columns, one-query subtrees, moves, cycles."""
import pytest

from shequ.core.errors import InvalidInput, NotAllowed
from shequ.jurisdiction.models import SCOPE_LEVELS, Node
from shequ.jurisdiction.services import node_create, node_move, node_update
from shequ.registry.models import Address, House, Household, Resident


def test_node_create_sets_ancestor_columns_at_every_depth(world):
    office = world.users["office"]
    compound = node_create(actor=office, parent=world.nodes["A"], level="compound", name="阳光小区", code="A-C1")
    grid = node_create(actor=office, parent=compound, level="grid", name="阳光网格", code="A-C1-G1")
    building = node_create(actor=office, parent=grid, level="building", name="3", code="A-C1-G1-B3")
    unit = node_create(actor=office, parent=building, level="unit", name="2", code="A-C1-G1-B3-U2")
    n = world.nodes
    expected = {"city": n["city"].pk, "district": n["district"].pk, "street": n["S1"].pk, "community": n["A"].pk,
                "compound": compound.pk, "grid": grid.pk, "building": building.pk}
    chain = [n["city"], n["district"], n["S1"], n["A"], compound, grid, building, unit]
    for depth, node in enumerate(chain):
        node.refresh_from_db()
        assert node.depth == depth
        assert node.path == "/" + "".join(f"{c.pk:010d}/" for c in chain[: depth + 1])
        for level in SCOPE_LEVELS:
            want = expected[level] if SCOPE_LEVELS.index(level) <= min(depth, len(SCOPE_LEVELS) - 1) else None
            assert getattr(node, f"{level}_id") == want, (node.name, level)


def test_everything_under_a_node_is_one_query(world, django_assert_num_queries):
    for key, count in (("S1", 8), ("A", 4), ("A_grid", 4), ("A_building", 4), ("district", 12)):
        node = world.nodes[key]
        with django_assert_num_queries(1):
            rows = list(Resident.objects.filter(**node.scope_filter()))
        assert len(rows) == count, key
    with django_assert_num_queries(1):
        assert len(list(Node.objects.filter(**world.nodes["S1"].scope_filter()))) == 1 + 2 * 3


def test_node_create_checks_levels_and_role(world):
    office = world.users["office"]
    with pytest.raises(InvalidInput):
        node_create(actor=office, parent=world.nodes["A"], level="street", name="x", code="X1")
    with pytest.raises(InvalidInput):
        node_create(actor=office, parent=world.nodes["S1"], level="grid", name="x", code="X2")
    with pytest.raises(NotAllowed):
        node_create(actor=world.users["worker_a"], parent=world.nodes["A"], level="grid", name="x", code="X3")
    with pytest.raises(NotAllowed):
        node_create(actor=office, parent=None, level="city", name="x", code="X4")
    with pytest.raises(InvalidInput):
        node_create(actor=office, parent=world.nodes["A"], level="grid", name="x", code="X5",
                    boundary={"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]})


def test_node_move_updates_descendants_and_located_records(world):
    office = world.users["office"]
    grid_a, community_b = world.nodes["A_grid"], world.nodes["B"]
    node_move(actor=office, node=grid_a, new_parent=community_b)
    grid_a.refresh_from_db()
    building = Node.objects.get(pk=world.nodes["A_building"].pk)
    assert grid_a.community_id == community_b.pk and grid_a.path.startswith(community_b.path)
    assert building.community_id == community_b.pk and building.path == grid_a.path + f"{building.pk:010d}/"
    assert building.grid_id == grid_a.pk and building.depth == grid_a.depth + 1
    for model in (House, Household, Resident, Address):
        rows = model.objects.filter(grid=grid_a)
        assert rows.exists() and set(rows.values_list("community_id", flat=True)) == {community_b.pk}, model
    assert Resident.objects.filter(community=world.nodes["A"]).count() == 0
    assert Resident.objects.filter(community=community_b).count() == 8


def test_node_move_across_streets(world):
    grid_c = world.nodes["C_grid"]
    node_move(actor=world.users["office"], node=grid_c, new_parent=world.nodes["A"])
    assert set(Resident.objects.filter(grid=grid_c).values_list("street_id", "community_id")) == {
        (world.nodes["S1"].pk, world.nodes["A"].pk)}


def test_node_move_rejects_cycles(world):
    office = world.users["office"]
    with pytest.raises(InvalidInput, match="环"):
        node_move(actor=office, node=world.nodes["A_grid"], new_parent=world.nodes["A_building"])
    with pytest.raises(InvalidInput):
        node_move(actor=office, node=world.nodes["A_grid"], new_parent=world.nodes["A_grid"])
    grid = Node.objects.get(pk=world.nodes["A_grid"].pk)
    assert grid.parent_id == world.nodes["A"].pk


def test_node_update_validates_boundary_and_audits(world):
    from shequ.core.models import AuditLog

    grid = world.nodes["A_grid"]
    with pytest.raises(InvalidInput):
        node_update(actor=world.users["office"], node=grid, boundary={"type": "LineString", "coordinates": [[0, 0], [1, 1]]})
    node_update(actor=world.users["office"], node=grid, name="新名")
    assert AuditLog.objects.filter(verb="node.updated", target_id=str(grid.pk)).exists()


def test_node_code_must_be_unique_409(world):
    from shequ.core.errors import Conflict
    from shequ.jurisdiction.services import node_create

    with pytest.raises(Conflict, match="110105001001"):
        node_create(actor=world.users["admin"], parent=world.nodes["S1"], level="community", name="重复", code="110105001001")


def test_paths_order_siblings_by_id_whatever_their_digits():
    """Ordering by path is the tree's order: a parent before its children, siblings by id, also
    where their ids have different numbers of digits (99, 100, 1000)."""
    from shequ.jurisdiction.models import path_of

    root = path_of(None, 7)
    in_tree_order = [root, path_of(root, 99), path_of(path_of(root, 99), 5000), path_of(root, 100), path_of(root, 1000)]
    assert sorted(in_tree_order) == in_tree_order
