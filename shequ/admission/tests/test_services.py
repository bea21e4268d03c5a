"""Services: the admission rules a department, the office and a community notice."""
import datetime as dt
from decimal import Decimal

import pytest

from shequ.admission import services
from shequ.admission.errors import AdmissionErrorCode as E
from shequ.admission.models import Assignment, AvoidedCollection, Category, StampRecord, TaskEvent, WorkTask
from shequ.core.errors import Conflict, InvalidInput, InvalidTransition, NotAllowed, NotInScope
from shequ.core.models import AuditLog

from .factories import DEADLINE, NOW, item, off_list, submit

pytestmark = pytest.mark.django_db


def test_on_list_basic_work_goes_out_at_once(aworld):
    """A duty on the list reaches its communities directly, with the deadline and an audit row."""
    task = submit(aworld, communities=("A", "B"))
    assert task.status == WorkTask.Status.DISPATCHED and task.admission == WorkTask.Admission.LISTED
    rows = Assignment.objects.filter(task=task).order_by("node__code")
    assert [r.node.name for r in rows] == ["甲社区", "乙社区"]
    assert all(r.due_on == DEADLINE and r.community_id == r.node_id for r in rows)
    assert AuditLog.objects.filter(verb="admission.task_submitted", target_id=str(task.pk)).exists()
    assert list(TaskEvent.objects.filter(task=task).values_list("verb", flat=True)) == ["submitted", "dispatched"]


def test_assisting_work_needs_its_funding(aworld):
    """费随事转: an on-list assisting item without money is refused, naming the field; with money it goes out."""
    assisting = item(aworld, Category.ASSISTING, 7)
    with pytest.raises(InvalidInput) as exc:
        submit(aworld, duty_class="assisting", list_item_id=assisting.pk)
    assert exc.value.code == E.FUNDING_REQUIRED and exc.value.extra["field"] == "funding_amount"
    assert not WorkTask.objects.exists()
    task = submit(aworld, duty_class="assisting", list_item_id=assisting.pk, funding_mode="per_community",
                  funding_amount=Decimal("1500"), communities=("A", "B"))
    assert task.status == WorkTask.Status.DISPATCHED
    assert task.funding_total() == Decimal("3000")
    assert set(Assignment.objects.filter(task=task).values_list("funding_share", flat=True)) == {Decimal("1500.00")}


def test_per_unit_funding_is_shared_among_communities(aworld):
    task = off_list(aworld, funding_mode="per_unit", funding_amount=Decimal("5"), funding_units=300,
                    funding_unit_label="户", communities=("A", "B", "C"))
    services.task_approve(actor=aworld.users["office"], task_id=task.pk, now=NOW)
    assert task.funding_total() == Decimal("1500")
    assert set(Assignment.objects.filter(task=task).values_list("funding_share", flat=True)) == {Decimal("500.00")}


def test_an_item_of_the_wrong_class_is_refused(aworld):
    """Claiming an assisting item as basic work (to skip the funding) is refused."""
    with pytest.raises(InvalidInput) as exc:
        submit(aworld, duty_class="basic", list_item_id=item(aworld, Category.ASSISTING).pk)
    assert exc.value.code == E.CLASS_MISMATCH


def test_an_item_of_another_version_is_not_on_the_list(aworld):
    seal = item(aworld, Category.SEAL)
    with pytest.raises(InvalidInput) as exc:
        submit(aworld, duty_class="basic", list_item_id=seal.pk)
    assert exc.value.code == E.CLASS_MISMATCH
    with pytest.raises(InvalidInput) as exc:
        submit(aworld, duty_class="basic", list_item_id=999999)
    assert exc.value.code == E.ITEM_NOT_IN_LIST


@pytest.mark.parametrize("field", ["legal_basis", "purpose"])
def test_off_list_work_must_state_basis_and_purpose(aworld, field):
    with pytest.raises(InvalidInput) as exc:
        off_list(aworld, **{field: "  "})
    assert exc.value.extra["field"] == field


def test_off_list_work_must_bring_funding_and_a_future_deadline(aworld):
    with pytest.raises(InvalidInput) as exc:
        off_list(aworld, duty_class="basic", funding_mode="none", funding_amount=0)
    assert exc.value.code == E.FUNDING_REQUIRED
    with pytest.raises(InvalidInput) as exc:
        off_list(aworld, deadline=dt.date(2026, 11, 26))
    assert exc.value.code == E.BAD_DEADLINE


def test_off_list_work_waits_for_the_office_and_reaches_nobody(aworld):
    task = off_list(aworld)
    assert task.status == WorkTask.Status.PENDING
    assert not Assignment.objects.filter(task=task).exists()


def test_the_office_approves_and_the_task_goes_out(aworld):
    task = off_list(aworld, communities=("A", "C"))
    later = NOW + dt.timedelta(hours=3)
    services.task_approve(actor=aworld.users["office"], task_id=task.pk, reason="同意,经费已落实", now=later)
    task.refresh_from_db()
    assert task.status == WorkTask.Status.DISPATCHED and task.admission == WorkTask.Admission.APPROVED
    assert task.decided_at == later and task.decided_by == aworld.users["office"]
    assert Assignment.objects.filter(task=task).count() == 2
    log = AuditLog.objects.get(verb="admission.task_approved")
    assert log.extra["reason"] == "同意,经费已落实"


@pytest.mark.parametrize("service", [services.task_reject, services.task_return])
def test_reject_and_return_need_a_reason(aworld, service):
    task = off_list(aworld)
    with pytest.raises(InvalidInput) as exc:
        service(actor=aworld.users["office"], task_id=task.pk, reason=" ", now=NOW)
    assert exc.value.code == E.REASON_REQUIRED
    service(actor=aworld.users["office"], task_id=task.pk, reason="缺少法律依据原文", now=NOW)
    task.refresh_from_db()
    assert task.decision_reason == "缺少法律依据原文"
    assert not Assignment.objects.filter(task=task).exists()


def test_a_returned_request_is_revised_and_filed_again(aworld):
    task = off_list(aworld)
    services.task_return(actor=aworld.users["office"], task_id=task.pk, reason="请写明经费来源", now=NOW)
    with pytest.raises(InvalidTransition):
        services.task_approve(actor=aworld.users["office"], task_id=task.pk, now=NOW)
    services.task_resubmit(actor=aworld.users["dept"], task_id=task.pk, now=NOW, title="辖区养犬情况摸底",
                           description="逐户登记", duty_class="assisting", legal_basis="《动物防疫法》",
                           purpose="狂犬病防疫", funding_mode="per_community", funding_amount=Decimal("2000"),
                           funding_source="区财政专项", deadline=DEADLINE, community_ids=[aworld.nodes["A"].pk])
    task.refresh_from_db()
    assert task.status == WorkTask.Status.PENDING and task.funding_source == "区财政专项"
    verbs = list(task.events.values_list("verb", flat=True))
    assert verbs == ["submitted", "returned", "resubmitted"]


def test_a_rejected_request_cannot_be_approved(aworld):
    task = off_list(aworld)
    services.task_reject(actor=aworld.users["office"], task_id=task.pk, reason="属部门自身职责", now=NOW)
    with pytest.raises(InvalidTransition):
        services.task_approve(actor=aworld.users["office"], task_id=task.pk, now=NOW)


def test_a_department_cannot_decide_or_dispatch(aworld):
    task = off_list(aworld)
    with pytest.raises(NotAllowed):
        services.task_approve(actor=aworld.users["dept"], task_id=task.pk, now=NOW)
    with pytest.raises(NotInScope):  # another department does not even see it
        services.task_resubmit(actor=aworld.users["dept_housing"], task_id=task.pk, now=NOW)
    with pytest.raises(NotAllowed):
        submit(aworld, user="worker_a")


def test_a_community_forwards_to_its_grid_and_completes(aworld):
    task = submit(aworld, communities=("A", "B"))
    row_a = Assignment.objects.get(task=task, node=aworld.nodes["A"])
    with pytest.raises(InvalidInput):
        services.assignment_forward(actor=aworld.users["worker_a"], assignment_id=row_a.pk,
                                    grid_ids=[aworld.nodes["B_grid"].pk], now=NOW)
    [grid_row] = services.assignment_forward(actor=aworld.users["worker_a"], assignment_id=row_a.pk,
                                             grid_ids=[aworld.nodes["A_grid"].pk], due_on=dt.date(2026, 12, 10), now=NOW)
    assert grid_row.grid_id == aworld.nodes["A_grid"].pk and grid_row.parent_id == row_a.pk
    services.assignment_complete(actor=aworld.users["grid_a"], assignment_id=grid_row.pk, result="已入户宣传32户", now=NOW)
    with pytest.raises(NotInScope):  # the grid worker does not see the community's own row
        services.assignment_complete(actor=aworld.users["grid_a"], assignment_id=row_a.pk, result="x", now=NOW)
    services.assignment_complete(actor=aworld.users["worker_a"], assignment_id=row_a.pk, result="活动已开展", now=NOW)
    task.refresh_from_db()
    assert task.status == WorkTask.Status.DISPATCHED  # B has not reported yet
    row_b = Assignment.objects.get(task=task, node=aworld.nodes["B"])
    with pytest.raises(NotInScope):
        services.assignment_complete(actor=aworld.users["worker_a"], assignment_id=row_b.pk, result="x", now=NOW)
    services.assignment_complete(actor=aworld.users["worker_b"], assignment_id=row_b.pk, result="已完成", now=NOW)
    task.refresh_from_db()
    assert task.status == WorkTask.Status.CLOSED
    with pytest.raises(Conflict):
        services.assignment_complete(actor=aworld.users["worker_b"], assignment_id=row_b.pk, result="again", now=NOW)


def test_completion_files_are_checked_by_content(aworld):
    from django.core.files.uploadedfile import SimpleUploadedFile

    task = submit(aworld)
    row = Assignment.objects.get(task=task)
    bad = SimpleUploadedFile("result.pdf", b"not a pdf", content_type="application/pdf")
    with pytest.raises(InvalidInput):
        services.assignment_complete(actor=aworld.users["worker_a"], assignment_id=row.pk, result="完成", files=[bad], now=NOW)
    row.refresh_from_db()
    assert row.status == Assignment.Status.RECEIVED  # nothing half-written
    pdf = SimpleUploadedFile("result.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    services.assignment_complete(actor=aworld.users["worker_a"], assignment_id=row.pk, result="完成", files=[pdf], now=NOW)
    assert [f.name for f in row.files.all()] == ["result.pdf"]


def test_overdue_is_a_query(aworld):
    from shequ.admission import selectors

    task = submit(aworld, communities=("A", "B"))
    row_a = Assignment.objects.get(task=task, node=aworld.nodes["A"])
    services.assignment_complete(actor=aworld.users["worker_a"], assignment_id=row_a.pk, result="完成", now=NOW)
    late = selectors.assignment_list(user=aworld.users["office"], overdue_on=DEADLINE + dt.timedelta(days=1))
    assert [a.node.name for a in late] == ["乙社区"]
    assert not selectors.assignment_list(user=aworld.users["office"], overdue_on=DEADLINE).exists()


def test_data_reuse_replaces_a_door_to_door_collection(aworld):
    """A collection-only task whose fields the registry holds is done by a scoped, masked export:
    no community is sent out, each is recorded as spared."""
    task = submit(aworld, communities=("A", "B"), data_fields=["name", "phone", "tags"], collection_only=True,
                  title="独居老人信息统计")
    assert task.status == WorkTask.Status.PENDING and task.reuse_offered  # registry data leave only after approval
    with pytest.raises(Conflict) as exc:
        services.reuse_export(actor=aworld.users["dept"], task_id=task.pk, kind="residents")
    assert exc.value.code == E.REUSE_NOT_APPROVED
    services.task_approve(actor=aworld.users["office"], task_id=task.pk, now=NOW)
    task.refresh_from_db()
    assert task.status == WorkTask.Status.REUSED and not Assignment.objects.filter(task=task).exists()
    avoided = {a.community_id: a.records for a in AvoidedCollection.objects.filter(task=task)}
    assert avoided == {aworld.nodes["A"].pk: 4, aworld.nodes["B"].pk: 4}
    headers, rows = services.reuse_export(actor=aworld.users["dept"], task_id=task.pk, kind="residents")
    rows = list(rows)
    assert headers == ["姓名", "社区", "联系电话", "标签"]
    assert {r[1] for r in rows} == {"甲社区", "乙社区"} and len(rows) == 8  # not 丙村
    assert all("****" in r[2] for r in rows)  # masked
    log = AuditLog.objects.get(verb="export.residents")
    assert log.extra["admission_task"] == task.pk and log.extra["unmasked"] is False


def test_reuse_with_other_fields_still_dispatches(aworld):
    task = submit(aworld, data_fields=["name"], other_data_fields="疫苗接种情况", collection_only=True)
    services.task_approve(actor=aworld.users["office"], task_id=task.pk, now=NOW)
    task.refresh_from_db()
    assert task.status == WorkTask.Status.DISPATCHED
    assert Assignment.objects.filter(task=task).count() == 1 and AvoidedCollection.objects.filter(task=task).count() == 1


def test_the_office_may_refuse_the_reuse(aworld):
    task = submit(aworld, data_fields=["id_number"], collection_only=True)
    services.task_approve(actor=aworld.users["office"], task_id=task.pk, reuse=False, now=NOW)
    task.refresh_from_db()
    assert task.status == WorkTask.Status.DISPATCHED and not task.reuse_approved
    assert not AvoidedCollection.objects.exists()


def test_unknown_data_fields_are_named(aworld):
    with pytest.raises(InvalidInput) as exc:
        submit(aworld, data_fields=["name", "blood_type"])
    assert exc.value.extra["unknown"] == ["blood_type"]


def test_unadmitted_work_is_flagged_and_reviewed(aworld):
    report = services.unadmitted_flag(actor=aworld.users["worker_a"], community_id=aworld.nodes["A"].pk,
                                      title="填报辖区商铺消防台账", received_on=dt.date(2026, 11, 20),
                                      department_id=aworld.departments["housing"].pk, channel="chat",
                                      ledgers_demanded=2, forms_demanded=5, now=NOW)
    assert report.community_id == aworld.nodes["A"].pk
    with pytest.raises(NotInScope):  # not in B's area
        services.unadmitted_flag(actor=aworld.users["worker_b"], community_id=aworld.nodes["A"].pk, title="x",
                                 received_on=dt.date(2026, 11, 20), department_name="某协会", now=NOW)
    with pytest.raises(InvalidInput) as exc:
        services.unadmitted_flag(actor=aworld.users["worker_a"], community_id=aworld.nodes["A"].pk, title="x",
                                 received_on=dt.date(2026, 11, 20), now=NOW)
    assert exc.value.extra["field"] == "department"
    with pytest.raises(NotAllowed):
        services.unadmitted_review(actor=aworld.users["worker_a"], report_id=report.pk, confirm=True)
    with pytest.raises(InvalidInput):
        services.unadmitted_review(actor=aworld.users["office"], report_id=report.pk, confirm=False)
    services.unadmitted_review(actor=aworld.users["office"], report_id=report.pk, confirm=True)
    report.refresh_from_db()
    assert report.status == "confirmed"


def test_seal_uses_and_certificates_are_checked_against_the_lists(aworld):
    a = aworld.nodes["A"].pk
    worker = aworld.users["worker_a"]
    seal = item(aworld, Category.SEAL, 6)
    ok = services.stamp_record(actor=worker, community_id=a, kind="seal", matter="低保入户核查意见", item_id=seal.pk, now=NOW)
    assert ok.outcome == StampRecord.Outcome.ALLOWED
    refused = services.stamp_record(actor=worker, community_id=a, kind="certificate", matter="无犯罪记录证明",
                                    requester="居民王某", department_id=aworld.departments["civil"].pk, now=NOW)
    assert refused.outcome == StampRecord.Outcome.REFUSED  # recorded, not an error
    warned = services.stamp_record(actor=worker, community_id=a, kind="certificate", matter="法院调查取证",
                                   override_reason="人民法院协助调查函", now=NOW)
    assert warned.outcome == StampRecord.Outcome.WARNED
    with pytest.raises(InvalidInput):  # a seal-scope item is not a certificate
        services.stamp_record(actor=worker, community_id=a, kind="certificate", matter="x", item_id=seal.pk, now=NOW)
    assert StampRecord.objects.count() == 3
    assert AuditLog.objects.filter(verb="admission.certificate_refused").exists()


def test_plaques_outside_the_list_are_marked(aworld):
    a = aworld.nodes["A"].pk
    allowed = services.plaque_record(actor=aworld.users["worker_a"], community_id=a, name="社区居民委员会",
                                     put_up_on=dt.date(2020, 1, 1), now=NOW)
    extra = services.plaque_record(actor=aworld.users["worker_a"], community_id=a, name="食品安全工作站",
                                   put_up_on=dt.date(2021, 5, 1), department_id=aworld.departments["housing"].pk, now=NOW)
    assert allowed.allowed is True and extra.allowed is False
    services.plaque_remove(actor=aworld.users["worker_a"], plaque_id=extra.pk, removed_on=dt.date(2026, 11, 1), now=NOW)
    with pytest.raises(Conflict):
        services.plaque_remove(actor=aworld.users["worker_a"], plaque_id=extra.pk, removed_on=dt.date(2026, 11, 2), now=NOW)
