"""Routing: by point in a grid polygon, by address, by category to a department, and to the
district when no unit owns the appeal — always with the reason stored."""
import pytest

from shequ.appeals import routing
from shequ.core.errors import InvalidInput
from shequ.jurisdiction.models import Node

from .factories import POINT_IN, POINT_NOWHERE, category


def test_point_in_grid_routes_a_grid_category_to_that_grid(world):
    lng, lat = POINT_IN["A"]
    route = routing.route(category=category("noise_neighbor"), lng=lng, lat=lat)
    assert route.node == world.nodes["A_grid"] and route.department is None
    assert route.place == world.nodes["A_grid"]
    assert route.reason.startswith("派至甲社区第1网格")
    assert "坐标位于甲社区第1网格范围内" in route.reason and "邻里噪声" in route.reason


def test_point_routes_community_and_street_categories_up_the_tree(world):
    lng, lat = POINT_IN["B"]
    assert routing.route(category=category("property_repair"), lng=lng, lat=lat).node == world.nodes["B"]
    assert routing.route(category=category("garbage_collection"), lng=lng, lat=lat).node == world.nodes["S1"]


def test_address_text_routes_through_the_matched_standard_address(world):
    route = routing.route(category=category("property_repair"), address_text="丙村路14号")
    assert route.node == world.nodes["C"]
    assert route.address is not None and route.address.community_id == world.nodes["C"].pk
    assert "地址匹配标准地址" in route.reason and "丙村路14号" in route.reason


def test_point_outside_every_grid_falls_back_to_the_address(world):
    lng, lat = POINT_NOWHERE
    route = routing.route(category=category("noise_neighbor"), lng=lng, lat=lat, address_text="乙社区路12号")
    assert route.node == world.nodes["B_grid"]


def test_grid_category_on_a_place_without_grid_goes_up_to_the_community(world):
    community = world.nodes["A"]
    address = type("Place", (), {"grid_id": None, "community_id": community.pk, "street_id": community.street_id,
                                 "district_id": community.district_id, "full_text": "甲社区某处"})()
    route = routing.route(category=category("noise_neighbor"), address=address)
    assert route.node == community
    assert "上交甲社区" in route.reason


def test_category_routes_to_the_district_department_of_its_kind(world):
    lng, lat = POINT_IN["A"]
    route = routing.route(category=category("subsistence_allowance"), lng=lng, lat=lat)
    assert route.department == world.departments["civil"] and route.node is None
    assert route.reason.startswith("派至民政局") and "民政部门承办" in route.reason


def test_department_kind_missing_in_the_district_falls_back_to_the_district(world):
    lng, lat = POINT_IN["A"]
    route = routing.route(category=category("water_outage"), lng=lng, lat=lat)
    assert route.node == world.nodes["district"] and route.department is None
    assert "没有该部门" in route.reason and "由区兜底" in route.reason


def test_unknown_place_falls_back_to_the_given_district(world):
    lng, lat = POINT_NOWHERE
    route = routing.route(category=category("noise_neighbor"), lng=lng, lat=lat, district=world.nodes["district"])
    assert route.node == world.nodes["district"] and route.place is None
    assert "位置不明" in route.reason


def test_district_category_goes_to_the_district(world):
    lng, lat = POINT_IN["C"]
    route = routing.route(category=category("power_outage"), lng=lng, lat=lat)
    assert route.node == world.nodes["district"]
    assert "由区统一承办" in route.reason


def test_no_place_and_no_district_is_refused(world):
    with pytest.raises(InvalidInput) as caught:
        routing.route(category=category("noise_neighbor"))
    assert caught.value.code == "appeal_no_district"
    assert Node.objects.filter(level="district").count() == 1
