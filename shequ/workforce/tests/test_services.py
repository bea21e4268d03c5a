"""Services: workers with encrypted personal data, trainings, the December assessment, the joint review,
funds and spending, facilities — each audited, bad input refused naming the field."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from shequ.core.audit import AuditLog
from shequ.core.errors import Conflict, InvalidInput, NotAllowed, NotInScope
from shequ.core.idcard import make_id_number
from shequ.workforce import selectors, services
from shequ.workforce.models import Candidate, Worker

from .factories import staff, worker

pytestmark = pytest.mark.django_db


def test_worker_personal_data_is_encrypted_and_masked(fworld):
    w = worker(fworld, "A", "王一", pay=6000, birth=dt.date(1990, 5, 1), seq=1)
    assert w.birth_date == dt.date(1990, 5, 1) and w.sex in ("M", "F")  # from the ID number
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, phone FROM workforce_worker WHERE id = %s", [w.pk])
        raw_id, raw_phone = cur.fetchone()
    assert raw_id.startswith("v1:") and w.id_number not in raw_id
    assert raw_phone.startswith("v1:") and "13900000001" not in raw_phone
    masked = selectors.masked_personal(w)
    assert masked["phone"] == "139****0001" and "*" in masked["id_number"]
    assert AuditLog.objects.filter(verb="worker.created", target_id=str(w.pk)).exists()


def test_reveal_needs_the_unmask_permission_and_is_audited(fworld):
    w = worker(fworld, "A", "王一", pay=6000, birth=dt.date(1990, 5, 1), seq=1)
    with pytest.raises(NotAllowed):
        services.worker_reveal(actor=fworld.users["worker_a"], worker=w)
    clear = services.worker_reveal(actor=fworld.users["worker_a_unmask"], worker=w)
    assert clear["phone"] == "13900000001"
    assert AuditLog.objects.filter(verb="worker.unmasked", actor_name="worker_a_unmask").exists()


def test_duplicate_id_number_and_bad_input_are_refused(fworld):
    w = worker(fworld, "A", "王一", pay=6000, birth=dt.date(1990, 5, 1), seq=1)
    with pytest.raises(Conflict) as exc:
        services.worker_create(actor=fworld.users["office"], community=fworld.nodes["B"], name="重名",
                               id_number=w.id_number)
    assert exc.value.extra["field"] == "id_number"
    with pytest.raises(InvalidInput) as exc:
        services.worker_create(actor=fworld.users["office"], community=fworld.nodes["B"], name="坏号",
                               id_number="110105199001010000")
    assert exc.value.extra["field"] == "id_number"
    with pytest.raises(InvalidInput) as exc:
        services.worker_create(actor=fworld.users["office"], community=fworld.nodes["A_grid"], name="网格")
    assert exc.value.extra["field"] == "community"
    assert Worker.objects.count() == 1


def test_street_cannot_register_a_worker_in_another_street(fworld):
    with pytest.raises(NotInScope):
        services.worker_create(actor=fworld.users["street_s1"], community=fworld.nodes["C"], name="越界")
    with pytest.raises(NotAllowed):
        services.worker_create(actor=fworld.users["worker_a"], community=fworld.nodes["A"], name="社区自己加")


def test_leaving_needs_a_date(fworld):
    w = worker(fworld, "A", "王一", pay=6000)
    with pytest.raises(InvalidInput) as exc:
        services.worker_update(actor=fworld.users["office"], worker_id=w.pk, status="left")
    assert exc.value.extra["field"] == "left_on"


def test_assessment_only_from_december_and_corrected_once_per_year(fworld):
    w = worker(fworld, "A", "王一", pay=6000)
    with pytest.raises(InvalidInput) as exc:
        services.assessment_record(actor=fworld.users["street_s1"], worker_id=w.pk, year=2026, grade="excellent",
                                   today=dt.date(2026, 11, 30))
    assert exc.value.code == "workforce_assessment_too_early"
    services.assessment_record(actor=fworld.users["street_s1"], worker_id=w.pk, year=2026, grade="competent",
                               today=dt.date(2026, 12, 5))
    a = services.assessment_record(actor=fworld.users["street_s1"], worker_id=w.pk, year=2026, grade="excellent",
                                   remarks="群众评价好", today=dt.date(2026, 12, 20))
    assert w.assessments.count() == 1 and a.grade == "excellent"
    assert AuditLog.objects.filter(verb="worker.assessment_changed").count() == 1


def test_training_is_recorded(fworld):
    w = worker(fworld, "A", "王一", pay=6000)
    t = services.training_add(actor=fworld.users["street_s1"], worker_id=w.pk, title="社会工作者职业水平考试培训",
                              start_on=dt.date(2026, 5, 1), hours=Decimal("16"))
    assert list(w.trainings.all()) == [t]


def test_joint_review_overall_result(fworld):
    office = fworld.users["office"]
    c = services.candidate_create(actor=office, community=fworld.nodes["A"], name="候选人", position="director",
                                  year=2026, id_number=make_id_number("110105", dt.date(1988, 1, 1), 77))
    services.finding_record(actor=fworld.users["org"], candidate_id=c.pk, department_kind="organization", passed=True)
    services.finding_record(actor=fworld.users["dept"], candidate_id=c.pk, department_kind="civil_affairs", passed=True)
    services.finding_record(actor=fworld.users["dept_discipline"], candidate_id=c.pk, department_kind="discipline",
                            passed=True)
    c.refresh_from_db()
    assert c.overall == Candidate.Overall.PENDING
    services.finding_record(actor=fworld.users["dept_political_legal"], candidate_id=c.pk,
                            department_kind="political_legal", passed=True)
    c.refresh_from_db()
    assert c.overall == Candidate.Overall.PASSED
    services.finding_record(actor=fworld.users["dept_discipline"], candidate_id=c.pk, department_kind="discipline",
                            passed=False, reason="受过党纪处分未满期")
    c.refresh_from_db()
    assert c.overall == Candidate.Overall.FAILED
    assert AuditLog.objects.filter(verb="candidate.finding_changed").count() == 1


def test_a_department_gives_findings_only_in_its_own_name_and_fail_needs_a_reason(fworld):
    c = services.candidate_create(actor=fworld.users["office"], community=fworld.nodes["A"], name="候选人",
                                  position="committee", year=2026)
    with pytest.raises(NotAllowed) as exc:
        services.finding_record(actor=fworld.users["dept"], candidate_id=c.pk, department_kind="discipline", passed=True)
    assert exc.value.code == "workforce_wrong_department"
    with pytest.raises(InvalidInput) as exc:
        services.finding_record(actor=fworld.users["dept"], candidate_id=c.pk, department_kind="civil_affairs",
                                passed=False, reason=" ")
    assert exc.value.extra["field"] == "reason"
    with pytest.raises(NotAllowed):
        services.finding_record(actor=fworld.users["street_s1"], candidate_id=c.pk, department_kind="civil_affairs",
                                passed=True)


def test_spending_cannot_exceed_the_funding(fworld):
    staff(fworld)
    funding = selectors.funding_list(user=fworld.users["worker_a"]).get(kind="base")
    services.spending_add(actor=fworld.users["worker_a"], funding_id=funding.pk, amount="30000",
                          spent_on=dt.date(2026, 3, 1), purpose="居民活动")
    with pytest.raises(Conflict) as exc:
        services.spending_add(actor=fworld.users["worker_a"], funding_id=funding.pk, amount="20000.01",
                              spent_on=dt.date(2026, 4, 1), purpose="超支")
    assert exc.value.extra["balance"] == "20000.00"
    with pytest.raises(NotInScope):
        services.spending_add(actor=fworld.users["worker_b"], funding_id=funding.pk, amount="1",
                              spent_on=dt.date(2026, 4, 1), purpose="别的社区")
    with pytest.raises(NotAllowed):
        services.funding_create(actor=fworld.users["street_s1"], community=fworld.nodes["A"], kind="base", year=2026,
                                amount=1, allocated_on=dt.date(2026, 1, 1))


def test_facility_set_updates_the_one_record(fworld):
    office = fworld.users["office"]
    services.facility_set(actor=office, community=fworld.nodes["A"], area=600)
    f = services.facility_set(actor=office, community=fworld.nodes["A"], area="1050.5")
    assert f.area == Decimal("1050.50")
    assert selectors.facility_list(user=office).count() == 1
    with pytest.raises(InvalidInput):
        services.facility_set(actor=office, community=fworld.nodes["A"], area=-1)
