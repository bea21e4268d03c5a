"""Jurisdiction selectors: the level-scheme deviation report, grid lookup, node lists and counts."""
from shequ.jurisdiction import selectors
from shequ.jurisdiction.services import node_create


def _problems(report):
    return {entry.community.name: set(entry.problems) for entry in report}


def test_deviation_report_lists_building_directly_under_community(world):
    node_create(actor=None, parent=world.nodes["B"], level="building", name="5", code="B-B5")
    report = _problems(selectors.level_deviation_report(user=world.users["admin"]))
    assert set(report) == {"乙社区"}
    assert any("楼栋未划入网格" in label for label in report["乙社区"])


def test_deviation_report_lists_compound_under_grid(world):
    node_create(actor=None, parent=world.nodes["A_grid"], level="compound", name="倒置小区", code="A-G-C")
    report = selectors.level_deviation_report(user=world.users["street_s1"])
    assert [e.community.name for e in report] == ["甲社区"]
    assert any("小区位于网格之下" in label for label in report[0].problems)
    assert any("倒置小区" in example for example in report[0].examples)


def test_deviation_report_lists_community_without_grid_and_respects_scope(world):
    node_create(actor=None, parent=world.nodes["S2"], level="community", kind="village", name="丁村", code="110105002009")
    assert "丁村" in _problems(selectors.level_deviation_report(user=world.users["admin"]))
    assert _problems(selectors.level_deviation_report(user=world.users["street_s1"])) == {}


def test_standard_scheme_with_compound_is_not_a_deviation(world):
    compound = node_create(actor=None, parent=world.nodes["A"], level="compound", name="阳光小区", code="A-C")
    grid = node_create(actor=None, parent=compound, level="grid", name="阳光网格", code="A-C-G")
    node_create(actor=None, parent=grid, level="building", name="1", code="A-C-G-1")
    assert selectors.level_deviation_report(user=world.users["admin"]) == []


def test_grid_for_point(world):
    assert selectors.grid_for_point(lng=116.25, lat=39.25) == world.nodes["A_grid"]
    assert selectors.grid_for_point(lng=116.5, lat=39.25) == world.nodes["A_grid"]  # on the edge
    assert selectors.grid_for_point(lng=10, lat=10) is None
    assert selectors.grid_for_point(lng=116.25, lat=39.25, within=world.nodes["B"]) is None


def test_grid_locate_is_limited_to_scope(world):
    point = {"lng": 116.25, "lat": 39.25}
    assert selectors.grid_locate(user=world.users["worker_a"], **point) == world.nodes["A_grid"]
    assert selectors.grid_locate(user=world.users["street_s1"], **point) == world.nodes["A_grid"]
    assert selectors.grid_locate(user=world.users["worker_b"], **point) is None
    assert selectors.grid_locate(user=world.users["resident_a"], **point) is None


def test_node_list_search_and_children(world):
    street = world.users["street_s1"]
    assert [n.name for n in selectors.node_list(user=street)] == ["一街道"]
    assert [n.name for n in selectors.node_list(user=street, parent=world.nodes["S1"])] == ["甲社区", "乙社区"]
    assert [n.name for n in selectors.node_list(user=street, q="网格")] == ["甲社区第1网格", "乙社区第1网格"]
    assert [n.name for n in selectors.node_list(user=street, parent=world.nodes["A"], level="grid")] == ["甲社区第1网格"]


def test_node_counts_is_a_few_grouped_queries(world, django_assert_max_num_queries):
    nodes = [world.nodes[k] for k in ("A", "B", "C", "S1", "A_grid")]
    with django_assert_max_num_queries(12):  # 4 per level present, independent of the number of nodes
        counts = selectors.node_counts(nodes)
    assert counts[world.nodes["S1"].pk]["residents"] == 8
    assert counts[world.nodes["C"].pk]["households"] == 2


def test_kept_grid_index_sees_changes_made_through_the_application_at_once(world, settings):
    """With the index kept (SHEQU_CATALOG_CACHE_SECONDS), saving a grid or an ancestor rebuilds it at once."""
    settings.SHEQU_CATALOG_CACHE_SECONDS = 60
    selectors._grid_index.kept.changed()
    grid, nodes = selectors.grid_with_ancestors(lng=116.25, lat=39.25)
    assert grid == world.nodes["A_grid"]
    community = world.nodes["A"]
    assert nodes[community.pk].name == community.name
    community.name = "甲社区(更名)"
    community.save()
    grid, nodes = selectors.grid_with_ancestors(lng=116.25, lat=39.25)
    assert nodes[community.pk].name == "甲社区(更名)"
    nodes[community.pk].name = "changed by one caller"  # callers get copies
    assert selectors.grid_with_ancestors(lng=116.25, lat=39.25)[1][community.pk].name == "甲社区(更名)"
    moved = world.nodes["A_grid"]
    moved.boundary = {"type": "Polygon", "coordinates": [[[10, 10], [11, 10], [11, 11], [10, 11], [10, 10]]]}
    moved.save()
    assert selectors.grid_for_point(lng=116.25, lat=39.25) is None
    assert selectors.grid_for_point(lng=10.5, lat=10.5) == moved
    # A bulk change (no signals) is seen once the seconds have passed.
    from shequ.jurisdiction.models import Node

    Node.objects.filter(pk=moved.pk).update(boundary=None)
    assert selectors.grid_for_point(lng=10.5, lat=10.5) == moved
    selectors._grid_index.checked_at -= 61
    assert selectors.grid_for_point(lng=10.5, lat=10.5) is None
    selectors._grid_index.kept.changed()
