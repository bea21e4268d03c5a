"""Importing houses, households and actual units through the registry services."""
from __future__ import annotations

import pytest

from shequ.registry.models import Establishment, House, Household
from shequ.transfer.models import ImportJob

from .helpers import A_CODE, B_CODE, csv_bytes, error_lines, run_import, xlsx_bytes

pytestmark = pytest.mark.django_db

A_BUILDING, B_BUILDING = "1101050010010101", "1101050010020101"
HOUSE_HEADERS = ["房屋编码", "楼栋代码", "单元", "室号", "楼层", "面积", "用途", "产权人", "社区代码"]


def test_houses_created_by_building_and_room_then_updated_by_code(world):
    rows = [["", A_BUILDING, "", "301", "3", "88.5", "出租", "李四", A_CODE]]
    job = run_import(world.users["worker_a"], csv_bytes(HOUSE_HEADERS, rows), kind="houses")
    assert (job.status, job.created_count) == (ImportJob.Status.DONE, 1), error_lines(job)
    house = House.objects.get(code=f"{A_BUILDING}-0-301")
    assert (house.use, str(house.area), house.community_id) == ("rented", "88.50", world.nodes["A"].id)
    job = run_import(world.users["worker_a"], csv_bytes(HOUSE_HEADERS, [[house.code, "", "", "", "", "", "空置", "", A_CODE]]), kind="houses")
    assert (job.created_count, job.updated_count) == (0, 1), error_lines(job)
    house.refresh_from_db()
    assert house.use == "vacant" and house.owner_name == "李四"


def test_house_in_a_building_of_another_community_is_refused(world):
    rows = [["", B_BUILDING, "", "301", "", "", "", "", A_CODE], ["", B_BUILDING, "", "302", "", "", "", "", B_CODE]]
    job = run_import(world.users["worker_a"], csv_bytes(HOUSE_HEADERS, rows), kind="houses")
    assert error_lines(job) == [
        (2, "楼栋代码", f"楼栋代码 {B_BUILDING} 不存在或不属于社区代码 {A_CODE}"),
        (3, "社区代码", f"社区代码 {B_CODE} 不存在或不在您的辖区内"),
    ]
    assert not House.objects.filter(room__in=["301", "302"]).exists()


def test_house_errors_name_the_bad_values(world):
    rows = [["", A_BUILDING, "", "401", "abc", "-3", "仓库", "", A_CODE], ["", A_BUILDING, "", "", "", "", "", "", A_CODE]]
    job = run_import(world.users["worker_a"], csv_bytes(HOUSE_HEADERS, rows), kind="houses")
    assert error_lines(job) == [
        (2, "楼层", "应为整数"), (2, "面积", "面积应为大于0的数字"), (2, "用途", "“仓库”不是有效取值,应为:自住/出租/空置/商用"),
        (3, "房屋编码", "须填写房屋编码,或楼栋代码+室号"),
    ]


def test_households_keyed_by_number(world):
    headers = ["户号", "房屋编码", "户类型", "户籍性质", "社区代码"]
    house = world.houses["A102"]
    job = run_import(world.users["worker_a"], xlsx_bytes(headers, [["H-NEW-1", house.code, "集体户", "非户籍户", A_CODE]]),
                     kind="households", name="户.xlsx")
    assert job.created_count == 1, error_lines(job)
    household = Household.objects.get(number="H-NEW-1")
    assert (household.house_id, household.kind, household.registration) == (house.id, "collective", "non_local")
    job = run_import(world.users["worker_a"], csv_bytes(headers, [["H-NEW-1", house.code, "家庭户", "", A_CODE]]), kind="households")
    assert (job.created_count, job.updated_count) == (0, 1), error_lines(job)
    household.refresh_from_db()
    assert (household.kind, household.registration) == ("family", "non_local")


def test_household_by_building_unit_room_and_duplicates(world):
    headers = ["户号", "楼栋代码", "单元", "室号", "社区代码"]
    rows = [["H-NEW-2", A_BUILDING, "", "101", A_CODE], ["H-NEW-2", A_BUILDING, "", "102", A_CODE],
            ["H-NEW-3", A_BUILDING, "", "999", A_CODE]]
    job = run_import(world.users["worker_a"], csv_bytes(headers, rows), kind="households", mode="valid_rows")
    assert error_lines(job) == [(3, "户号", "与第2行重复"),
                                (4, "房屋编码", f"房屋 {A_BUILDING}-0-999 不存在或不属于社区代码 {A_CODE}")]
    assert Household.objects.get(number="H-NEW-2").house_id == world.houses["A101"].id


def test_units_keyed_by_credit_code_or_name_and_address(world):
    headers = ["统一社会信用代码", "单位名称", "单位类型", "行业/领域", "楼栋代码", "联系电话", "从业人数", "社区代码"]
    rows = [["91110105MA01A1B2CU", "甲便利店", "个体商户/门店", "商贸零售", A_BUILDING, "13900001111", "5", A_CODE],
            ["", "甲物业", "物业服务企业", "", A_BUILDING, "", "", A_CODE]]
    job = run_import(world.users["worker_a"], csv_bytes(headers, rows), kind="units")
    assert job.created_count == 2, error_lines(job)
    rows[0][1], rows[1][6] = "甲便利店(新名)", "12"
    job = run_import(world.users["worker_a"], csv_bytes(headers, rows), kind="units")
    assert (job.created_count, job.updated_count) == (0, 2), error_lines(job)
    assert Establishment.objects.get(credit_code="91110105MA01A1B2CU").name == "甲便利店(新名)"
    assert Establishment.objects.get(name="甲物业").employees == 12
    assert Establishment.objects.count() == 2


def test_unit_credit_code_check_character(world):
    headers = ["统一社会信用代码", "单位名称", "单位类型", "楼栋代码", "社区代码"]
    job = run_import(world.users["worker_a"], csv_bytes(headers, [["91110105MA01A1B2C0", "某店", "企业", A_BUILDING, A_CODE]]), kind="units")
    assert error_lines(job) == [(2, "统一社会信用代码", "统一社会信用代码校验位错误(应为U)")]


def test_whole_mode_rolls_back_rows_the_services_refuse(world):
    """A row that passes validation but is refused while writing still means nothing is written."""
    rows = [["", A_BUILDING, "", "501", "", "", "", "", A_CODE], ["", A_BUILDING, "", "502", "", "", "", "", A_CODE]]
    from shequ.registry.models import Address

    # A building without a standard address: house_create refuses while writing.
    Address.objects.filter(building=world.nodes["A_building"], kind="building").update(kind="house")
    job = run_import(world.users["worker_a"], csv_bytes(HOUSE_HEADERS, rows), kind="houses")
    assert job.status == ImportJob.Status.REJECTED
    assert [m for _r, _c, m in error_lines(job)] == ["楼栋尚无标准地址,请先登记楼栋地址"] * 2
    assert not House.objects.filter(room__in=["501", "502"]).exists()
