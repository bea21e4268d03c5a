"""Importing residents: the error report, whole-file vs valid-rows mode, re-import, scope, audit."""
from __future__ import annotations

import pytest

from shequ.core.errors import NotAllowed
from shequ.core.idcard import make_id_number
from shequ.core.models import AuditLog
from shequ.registry.models import Household, HouseholdMembership, Resident
from shequ.registry.services import id_hash_of
from shequ.transfer.models import ImportJob

from .helpers import (A_CODE, A_HOUSEHOLD, B_CODE, B_HOUSEHOLD, RESIDENT_HEADERS, csv_bytes, error_lines, new_id,
                      resident_row, run_import, xlsx_bytes)

pytestmark = pytest.mark.django_db


def _bad_check_digit(n: int) -> tuple[str, str]:
    good = new_id(n)
    wrong = "0" if good[-1] != "0" else "1"
    return good[:-1] + wrong, good[-1]


def test_valid_file_creates_residents_with_derived_birth_and_sex(world):
    before = Resident.objects.count()
    rows = [resident_row(i, tags="党员,veteran") for i in range(3)]
    job = run_import(world.users["worker_a"], csv_bytes(RESIDENT_HEADERS, rows))
    assert job.status == ImportJob.Status.DONE, error_lines(job)
    assert (job.created_count, job.updated_count, job.error_count) == (3, 0, 0)
    assert Resident.objects.count() == before + 3
    resident = Resident.objects.get(id_hash=id_hash_of(rows[0][0]))
    assert resident.id_number == rows[0][0]  # stored encrypted, read back in clear
    assert resident.phone == rows[0][2]
    assert resident.birth_date.isoformat() == "1990-01-01"
    assert resident.sex in ("M", "F")
    assert resident.household.number == A_HOUSEHOLD
    assert resident.community_id == world.nodes["A"].id and resident.house_id == resident.household.house_id
    assert sorted(resident.tags.values_list("code", flat=True)) == ["party_member", "veteran"]
    assert HouseholdMembership.objects.filter(resident=resident, household=resident.household, left_on__isnull=True).exists()


def test_bad_check_digit_is_reported_with_expected_digit_and_nothing_written(world):
    bad, expected = _bad_check_digit(1)
    rows = [resident_row(0), resident_row(1)]
    rows[1][0] = bad
    before = Resident.objects.count()
    job = run_import(world.users["worker_a"], csv_bytes(RESIDENT_HEADERS, rows))
    assert job.status == ImportJob.Status.REJECTED
    assert error_lines(job) == [(3, "身份证号", f"身份证号校验位错误(应为{expected})")]
    assert Resident.objects.count() == before


def test_unknown_community_code(world):
    job = run_import(world.users["worker_a"], csv_bytes(RESIDENT_HEADERS, [resident_row(0, community="110105009999")]))
    assert error_lines(job) == [(2, "社区代码", "社区代码 110105009999 不存在或不在您的辖区内")]


def test_community_outside_scope_is_refused(world):
    """Worker of community A cannot import into community B: the row is refused, nothing written."""
    before = Resident.objects.filter(community=world.nodes["B"]).count()
    job = run_import(world.users["worker_a"], csv_bytes(RESIDENT_HEADERS, [resident_row(0, household=B_HOUSEHOLD, community=B_CODE)]),
                     mode="valid_rows")
    assert error_lines(job) == [(2, "社区代码", f"社区代码 {B_CODE} 不存在或不在您的辖区内")]
    assert job.created_count == 0
    assert Resident.objects.filter(community=world.nodes["B"]).count() == before


def test_household_of_another_community_is_refused(world):
    job = run_import(world.users["street_s1"], csv_bytes(RESIDENT_HEADERS, [resident_row(0, household=B_HOUSEHOLD, community=A_CODE)]))
    assert error_lines(job) == [(2, "户号", f"户号 {B_HOUSEHOLD} 不属于社区代码 {A_CODE}")]


def test_street_staff_may_import_into_each_community_of_their_street(world):
    rows = [resident_row(0), resident_row(1, household=B_HOUSEHOLD, community=B_CODE)]
    job = run_import(world.users["street_s1"], csv_bytes(RESIDENT_HEADERS, rows))
    assert job.status == ImportJob.Status.DONE and job.created_count == 2


def test_role_without_import_capability_is_refused(world):
    with pytest.raises(NotAllowed):
        run_import(world.users["grid_a"], csv_bytes(RESIDENT_HEADERS, [resident_row(0)]))
    assert not ImportJob.objects.exists()


def test_duplicate_rows_in_one_file(world):
    rows = [resident_row(0), resident_row(1), resident_row(0, name="重复的人")]
    job = run_import(world.users["worker_a"], csv_bytes(RESIDENT_HEADERS, rows), mode="valid_rows")
    assert error_lines(job) == [(4, "身份证号", "与第2行重复")]
    assert job.created_count == 2
    assert Resident.objects.get(id_hash=id_hash_of(rows[0][0])).name == "居民0"


def test_wrong_header_names_the_missing_column(world):
    headers = ["身份证", "名字", "户号", "社区代码"]
    job = run_import(world.users["worker_a"], csv_bytes(headers, [[new_id(0), "张三", A_HOUSEHOLD, A_CODE]]))
    assert job.status == ImportJob.Status.FAILED
    assert error_lines(job) == [(1, "", "缺少必填列:身份证号"), (1, "", "缺少必填列:姓名")]


def test_headers_match_despite_spaces_and_required_markers(world):
    headers = [" 身份证号* ", "姓 名", "联系电话", "户号*", "社区代码\u3000"]
    row = resident_row(0)
    job = run_import(world.users["worker_a"], csv_bytes(headers, [[row[0], row[1], row[2], row[3], row[7]]]))
    assert job.status == ImportJob.Status.DONE, error_lines(job)


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n\r\n"])
def test_empty_file(world, content):
    job = run_import(world.users["worker_a"], content)
    assert job.status == ImportJob.Status.FAILED
    assert error_lines(job) == [(1, "", "文件为空")]


def test_header_only_file_has_no_data_rows(world):
    job = run_import(world.users["worker_a"], csv_bytes(RESIDENT_HEADERS, []))
    assert job.status == ImportJob.Status.FAILED and job.message == "文件没有数据行"


def test_gbk_csv_is_detected(world):
    rows = [resident_row(0, name="欧阳娜娜", tags="低保")]
    job = run_import(world.users["worker_a"], csv_bytes(RESIDENT_HEADERS, rows, encoding="gbk"))
    assert job.status == ImportJob.Status.DONE, error_lines(job)
    resident = Resident.objects.get(id_hash=id_hash_of(rows[0][0]))
    assert resident.name == "欧阳娜娜"
    assert list(resident.tags.values_list("name", flat=True)) == ["低保"]


def test_utf8_bom_csv(world):
    job = run_import(world.users["worker_a"], b"\xef\xbb\xbf" + csv_bytes(RESIDENT_HEADERS, [resident_row(0)]))
    assert job.status == ImportJob.Status.DONE, error_lines(job)


def test_xlsx_import_with_numbers_as_cells(world):
    row = resident_row(0)
    row[2] = int(row[2])  # Excel turns phones into numbers
    job = run_import(world.users["worker_a"], xlsx_bytes(RESIDENT_HEADERS, [row]), name="居民.xlsx")
    assert job.status == ImportJob.Status.DONE, error_lines(job)
    assert Resident.objects.get(id_hash=id_hash_of(row[0])).phone == str(row[2])


def test_whole_mode_writes_nothing_when_one_row_is_bad(world):
    rows = [resident_row(i) for i in range(5)]
    rows[3][2] = "12345"
    before = Resident.objects.count()
    job = run_import(world.users["worker_a"], csv_bytes(RESIDENT_HEADERS, rows), mode="whole")
    assert job.status == ImportJob.Status.REJECTED
    assert error_lines(job) == [(5, "联系电话", "电话号码格式不正确:应为11位手机号或带区号的固定电话")]
    assert Resident.objects.count() == before
    assert not AuditLog.objects.filter(verb="resident.imported").exists()


def test_valid_rows_mode_writes_exactly_the_valid_rows(world):
    rows = [resident_row(i) for i in range(5)]
    rows[1][7] = B_CODE
    rows[3][6] = "不存在的标签"
    job = run_import(world.users["worker_a"], csv_bytes(RESIDENT_HEADERS, rows), mode="valid_rows")
    assert job.status == ImportJob.Status.DONE
    assert [(r, c) for r, c, _m in error_lines(job)] == [(3, "社区代码"), (5, "标签")]
    assert error_lines(job)[1][2] == "未知标签:不存在的标签(标签须取自标签目录)"
    imported = set(Resident.objects.filter(id_hash__in=[id_hash_of(r[0]) for r in rows]).values_list("name", flat=True))
    assert imported == {"居民0", "居民2", "居民4"}
    assert job.created_count == 3


def test_reimport_updates_instead_of_duplicating(world):
    rows = [resident_row(i) for i in range(3)]
    run_import(world.users["worker_a"], csv_bytes(RESIDENT_HEADERS, rows))
    count = Resident.objects.count()
    rows[0][1], rows[0][2], rows[0][6] = "改名了", "13912345678", "党员"
    job = run_import(world.users["worker_a"], csv_bytes(RESIDENT_HEADERS, rows))
    assert (job.status, job.created_count, job.updated_count) == (ImportJob.Status.DONE, 0, 3)
    assert Resident.objects.count() == count
    resident = Resident.objects.get(id_hash=id_hash_of(rows[0][0]))
    assert (resident.name, resident.phone) == ("改名了", "13912345678")
    assert list(resident.tags.values_list("code", flat=True)) == ["party_member"]


def test_reimport_of_an_existing_resident_moves_them_to_the_new_household(world):
    resident = world.residents["A101s"]
    target = Household.objects.get(number="H110105001001102")
    row = [resident.id_number, resident.name, "", target.number, "配偶", "", "", A_CODE]
    job = run_import(world.users["worker_a"], csv_bytes(RESIDENT_HEADERS, [row]))
    assert job.updated_count == 1, error_lines(job)
    resident.refresh_from_db()
    assert resident.household_id == target.id and resident.house_id == target.house_id
    assert resident.phone == world.residents["A101s"].phone  # blank cell keeps the value
    memberships = HouseholdMembership.objects.filter(resident=resident)
    assert memberships.filter(left_on__isnull=True).get().household_id == target.id
    assert memberships.filter(left_on__isnull=False).count() == 1


def test_resident_registered_outside_scope_is_not_taken_over(world):
    foreign = world.residents["B101h"]
    row = [foreign.id_number, "冒名", "", A_HOUSEHOLD, "", "", "", A_CODE]
    job = run_import(world.users["worker_a"], csv_bytes(RESIDENT_HEADERS, [row]))
    assert error_lines(job) == [(2, "身份证号", "该身份证号已登记为您辖区外的居民,请联系其所在社区")]
    foreign.refresh_from_db()
    assert foreign.name != "冒名" and foreign.community_id == world.nodes["B"].id


def test_new_head_of_household_becomes_head(world):
    household = Household.objects.get(number=A_HOUSEHOLD)
    Household.objects.filter(pk=household.pk).update(head=None)
    row = resident_row(0)
    row[4] = "户主"
    run_import(world.users["worker_a"], csv_bytes(RESIDENT_HEADERS, [row]))
    household.refresh_from_db()
    assert household.head.id_hash == id_hash_of(row[0])


def test_import_is_audited_by_batch_without_personal_data(world):
    rows = [resident_row(i) for i in range(3)]
    job = run_import(world.users["worker_a"], csv_bytes(RESIDENT_HEADERS, rows))
    record = AuditLog.objects.get(verb="resident.imported")
    ids = set(Resident.objects.filter(id_hash__in=[id_hash_of(r[0]) for r in rows]).values_list("id", flat=True))
    assert set(record.extra["ids"]) == ids
    assert record.extra["job"] == job.id and record.actor_id == world.users["worker_a"].id
    assert AuditLog.objects.filter(verb="import.finished", target_id=str(job.id)).exists()
    dumped = str(list(AuditLog.objects.values_list("extra", "target_repr")))
    for row in rows:
        assert row[0] not in dumped and row[2] not in dumped


def test_the_downloaded_template_imports_as_is(world, client):
    client.force_login(world.users["worker_a"])
    content = client.get("/transfer/templates/residents.csv")
    job = run_import(world.users["worker_a"], b"".join(content.streaming_content))
    assert job.status == ImportJob.Status.DONE, error_lines(job)
    assert Resident.objects.filter(id_hash=id_hash_of(make_id_number("110105", __import__("datetime").date(1980, 1, 1), 1))).exists()


def test_nul_characters_in_cells_are_dropped(world):
    """Found by the property test on PostgreSQL, whose text cannot hold NUL: the import failed while writing."""
    rows = [resident_row(1, name="居\x00民一")]
    job = run_import(world.users["worker_a"], csv_bytes(RESIDENT_HEADERS, rows))
    assert job.status == ImportJob.Status.DONE
    assert Resident.objects.get(id_hash=id_hash_of(rows[0][0])).name == "居民一"
