"""Registry selectors: free-text address search, hash lookups, scope, query counts."""
from shequ.registry import addresses, selectors
from shequ.registry import services as reg


def _sunshine(world):
    """Give A's building the address 幸福路12号 阳光小区 3栋 and add unit 2, room 501."""
    building = world.nodes["A_building"]
    admin = world.users["admin"]
    reg.building_address_set(actor=admin, building=building, road="幸福路", number="12", compound_name="阳光小区", building_no="3")
    from shequ.jurisdiction.services import node_create

    unit = node_create(actor=admin, parent=building, level="unit", name="2", code="A-B-U2")
    return reg.house_create(actor=admin, building=building, unit_node=unit, room="501")


def test_address_search_finds_free_text_queries(world):
    house = _sunshine(world)
    user = world.users["worker_a"]
    for query in ("阳光小区3号楼501", "阳光小区 3栋 2单元 501室", "幸福路12号3幢501", "阳光小区３号楼５０１", "3号楼2单元501"):
        found = list(selectors.address_search(user=user, q=query))
        assert [a.pk for a in found] == [house.address_id], query
    assert house.address.full_text == "幸福路12号 阳光小区 3栋2单元501室"
    assert list(selectors.address_search(user=user, q="阳光小区4号楼501")) == []
    assert list(selectors.address_search(user=world.users["worker_b"], q="阳光小区3号楼501")) == []


def test_address_normalization_is_shared():
    assert addresses.normalize("3号楼2单元501室") == addresses.normalize("3幢2单元501室") == "3栋2单元501室"
    assert addresses.query_tokens("阳光小区3号楼501") == ["阳光小区", "3栋", "501"]


def test_resident_list_finds_by_id_and_phone_hash_only_in_scope(world):
    target = world.residents["A102h"]
    assert list(selectors.resident_list(user=world.users["worker_a"], q=target.id_number.lower())) == [target]
    assert list(selectors.resident_list(user=world.users["worker_a"], q=target.phone)) == [target]
    assert list(selectors.resident_list(user=world.users["worker_b"], q=target.id_number)) == []
    # A partial ID number is not a lookup key: nothing is found (no scanning of decrypted values).
    assert list(selectors.resident_list(user=world.users["worker_a"], q=target.id_number[:10])) == []


def test_resident_list_page_uses_constant_queries(world, django_assert_num_queries):
    user = world.users["street_s1"]
    selectors.resident_list(user=user).count()  # bound nodes cached on the user
    with django_assert_num_queries(2):  # the page (joins) + the tags prefetch
        rows = list(selectors.resident_list(user=user, node=world.nodes["S1"])[:50])
        for row in rows:
            row.household and row.house.address.full_text and row.community.name and row.grid.name
            list(row.tags.all())
    assert len(rows) == 8


def test_household_members_are_scoped(world):
    household = world.households["A101"]
    assert {r.name for r in selectors.household_members(user=world.users["worker_a"], household=household)} == {
        "甲社区101户主", "甲社区101配偶"}
    assert list(selectors.household_members(user=world.users["worker_b"], household=household)) == []
