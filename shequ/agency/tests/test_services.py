"""Agency services: opening a case from the catalog, the step workflow, materials, trips, delivery,
visits assigned to the grid worker (and the fallback to the community), scope and role, audit."""
import datetime as dt

import pytest

from shequ.accounts.models import Role
from shequ.accounts.services import user_create
from shequ.agency import services
from shequ.agency.models import AgencyCase, CaseStep, Trip, Visit
from shequ.appeals.deadlines import SHANGHAI
from shequ.core.errors import Conflict, InvalidInput, NotAllowed, NotInScope
from shequ.core.models import AuditLog
from shequ.core.testing import PASSWORD

from .factories import THURSDAY_10, finish_steps, matter, open_case


def _snapshot():
    return (AgencyCase.objects.count(), CaseStep.objects.filter(status="pending").count(), Trip.objects.count(),
            Visit.objects.count(), AuditLog.objects.filter(verb__startswith="agency.").count())


def test_open_copies_the_template_and_promises_the_time_limit(world):
    case = open_case(world, materials_received=["银行卡复印件", "身份证"], note="老人行动不便")
    assert case.number == f"DB-20261126-{case.pk:06d}"
    assert [s.name for s in case.steps.order_by("order")] == ["受理登记", "材料收齐", "送审(街道)", "审批", "结果送达"]
    # 15 working days from Thursday 2026-11-26 10:00 (no holidays in the table): Thursday 17 December 10:00.
    assert case.due_at == dt.datetime(2026, 12, 17, 10, 0, tzinfo=SHANGHAI)
    assert case.agent == world.users["worker_a"] and case.community_id == world.nodes["A"].pk
    assert case.grid_id == world.nodes["A_grid"].pk  # located at the resident's house
    assert case.materials_received == ["身份证", "银行卡复印件"]  # catalog order
    log = AuditLog.objects.get(verb="agency.case_opened")
    assert log.target_id == str(case.pk) and log.extra["matter"] == "elderly_allowance"
    assert "110105" not in str(log.extra)  # no ID number copied into the log


def test_open_refuses_bad_input_and_writes_nothing(world):
    before = _snapshot()
    with pytest.raises(InvalidInput) as bad_material:
        open_case(world, materials_received=["护照"])
    assert bad_material.value.extra["field"] == "materials"
    with pytest.raises(InvalidInput) as bad_agent:
        open_case(world, agent=world.users["worker_b"])  # another community's worker
    assert bad_agent.value.extra["field"] == "agent"
    with pytest.raises(InvalidInput):
        open_case(world, actor="street_s1")  # a street user must name an agent
    inactive = matter("residence_cert")
    inactive.active = False
    inactive.save(update_fields=["active"])
    with pytest.raises(InvalidInput):
        open_case(world, code="residence_cert")
    assert _snapshot() == before


def test_open_checks_role_and_scope(world):
    with pytest.raises(NotAllowed):
        open_case(world, actor="leader")
    with pytest.raises(NotInScope):
        open_case(world, actor="worker_b")  # resident A101h lives in community A
    assert not AgencyCase.objects.exists()


def test_street_opens_a_case_for_a_grid_worker_agent(world):
    case = open_case(world, actor="street_s1", agent=world.users["grid_a"])
    assert case.agent == world.users["grid_a"] and case.created_by == world.users["street_s1"]


def test_steps_are_finished_in_order(world):
    case = open_case(world)
    steps = list(case.steps.order_by("order"))
    worker = world.users["worker_a"]
    with pytest.raises(Conflict) as early:
        services.case_step_finish(actor=worker, case_id=case.pk, step_id=steps[2].pk)
    assert early.value.code == "agency_step_order"
    assert not CaseStep.objects.filter(case=case).exclude(status="pending").exists()
    done = services.case_step_finish(actor=worker, case_id=case.pk, step_id=steps[0].pk, note="窗口受理", now=THURSDAY_10)
    assert (done.status, done.done_by, done.done_at, done.note) == ("done", worker, THURSDAY_10, "窗口受理")
    with pytest.raises(Conflict):
        services.case_step_finish(actor=worker, case_id=case.pk, step_id=steps[0].pk)  # twice
    with pytest.raises(InvalidInput):
        services.case_step_finish(actor=worker, case_id=case.pk, step_id=steps[1].pk, skip=True)  # no reason
    skipped = services.case_step_finish(actor=worker, case_id=case.pk, step_id=steps[1].pk, skip=True, note="材料已在系统")
    assert skipped.status == "skipped"
    grid = world.users["grid_a"]  # the grid worker of the resident's grid may work the case too
    services.case_step_finish(actor=grid, case_id=case.pk, step_id=steps[2].pk)
    with pytest.raises(NotInScope):
        services.case_step_finish(actor=world.users["worker_b"], case_id=case.pk, step_id=steps[3].pk)
    with pytest.raises(NotAllowed):
        services.case_step_finish(actor=world.users["leader"], case_id=case.pk, step_id=steps[3].pk)
    verbs = list(AuditLog.objects.filter(verb__startswith="agency.step").order_by("id").values_list("verb", flat=True))
    assert verbs == ["agency.step_done", "agency.step_skipped", "agency.step_done"]


def test_complete_needs_every_step_and_counts_a_collected_result_as_a_trip(world):
    worker = world.users["worker_a"]
    case = open_case(world)
    with pytest.raises(Conflict) as open_steps:
        services.case_complete(actor=worker, case_id=case.pk, delivery="door", result="已批准")
    assert open_steps.value.extra["steps"][0] == "受理登记"
    services.case_trip_add(actor=worker, case_id=case.pk, reason="本人到场签字", now=THURSDAY_10)
    finish_steps(world, case)
    with pytest.raises(InvalidInput):
        services.case_complete(actor=worker, case_id=case.pk, delivery="mail", result="已批准")
    with pytest.raises(InvalidInput):
        services.case_complete(actor=worker, case_id=case.pk, delivery="collected", result=" ")
    assert Trip.objects.filter(case=case).count() == 1
    done_at = THURSDAY_10 + dt.timedelta(days=3)
    closed = services.case_complete(actor=worker, case_id=case.pk, delivery="collected", result="已批准,每月发放", now=done_at)
    closed.refresh_from_db()
    assert (closed.status, closed.closed_at, closed.trip_count) == ("completed", done_at, 2)
    assert list(Trip.objects.filter(case=case).values_list("reason", flat=True)) == ["本人到场签字", "领取办理结果"]
    with pytest.raises(Conflict):
        services.case_trip_add(actor=worker, case_id=case.pk, reason="再来一次")
    with pytest.raises(Conflict):
        services.case_cancel(actor=worker, case_id=case.pk, reason="x")
    log = AuditLog.objects.get(verb="agency.case_completed")
    assert log.extra == {"from": "in_progress", "delivery": "collected", "trips": 2, "on_time": True}


def test_door_delivery_adds_no_trip_and_cancel_needs_a_reason(world):
    worker = world.users["worker_a"]
    case = open_case(world)
    finish_steps(world, case)
    services.case_complete(actor=worker, case_id=case.pk, delivery="door", result="证件已送到家")
    case.refresh_from_db()
    assert case.trip_count == 0 and not case.trips.exists()
    other = open_case(world, resident="A101s")
    with pytest.raises(InvalidInput):
        services.case_cancel(actor=worker, case_id=other.pk, reason="")
    services.case_cancel(actor=worker, case_id=other.pk, reason="居民不再需要")
    other.refresh_from_db()
    assert other.status == "cancelled" and other.cancel_reason == "居民不再需要"


def test_trip_time_cannot_be_in_the_future(world):
    case = open_case(world)
    with pytest.raises(InvalidInput) as future:
        services.case_trip_add(actor=world.users["worker_a"], case_id=case.pk, reason="签字",
                               at=THURSDAY_10 + dt.timedelta(hours=1), now=THURSDAY_10)
    assert future.value.extra["field"] == "at"
    with pytest.raises(InvalidInput):
        services.case_trip_add(actor=world.users["worker_a"], case_id=case.pk, reason="  ")
    case.refresh_from_db()
    assert case.trip_count == 0 and not Trip.objects.exists()


def test_materials_checklist(world):
    case = open_case(world, materials_received=["身份证"])
    services.case_materials_set(actor=world.users["grid_a"], case_id=case.pk, received=["户口簿", "身份证"])
    case.refresh_from_db()
    assert case.materials_received == ["身份证", "户口簿"]
    with pytest.raises(InvalidInput):
        services.case_materials_set(actor=world.users["grid_a"], case_id=case.pk, received=["结婚证"])
    case.refresh_from_db()
    assert case.materials_received == ["身份证", "户口簿"]
    log = AuditLog.objects.get(verb="agency.materials_set")
    assert log.extra == {"added": ["户口簿"], "removed": []}


# --- visits ------------------------------------------------------------------------------------

def test_visit_goes_to_the_grid_worker_of_the_house(world):
    visit = services.visit_request(actor=world.users["worker_a"], resident_id=world.residents["A101h"].pk,
                                   kind="elderly_alone", purpose="独居老人定期探访", now=THURSDAY_10)
    assert visit.assignee == world.users["grid_a"] and visit.assigned_node == world.nodes["A_grid"]
    assert visit.assignment_note == "派至甲社区第1网格网格员grid_a"
    assert visit.grid_id == world.nodes["A_grid"].pk and visit.community_id == world.nodes["A"].pk
    # two working days: Thursday 10:00 -> Monday 10:00
    assert visit.due_at == dt.datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)
    assert AuditLog.objects.get(verb="agency.visit_requested").extra["assignee"] == "grid_a"


def test_visit_without_a_grid_worker_goes_to_the_community_with_a_note(world):
    visit = services.visit_request(actor=world.users["worker_b"], resident_id=world.residents["B101h"].pk,
                                   kind="disabled", purpose="残疾人需求走访", now=THURSDAY_10)
    assert visit.assignee is None and visit.assigned_node == world.nodes["B"]
    assert visit.assignment_note == "乙社区第1网格暂无网格员,派至乙社区统筹安排"


def test_visit_picks_the_grid_worker_with_fewer_open_visits(world):
    second = user_create(actor=world.users["admin"], username="grid_a2", password=PASSWORD, role=Role.GRID_WORKER,
                         nodes=[world.nodes["A_grid"]])
    worker = world.users["worker_a"]
    first = services.visit_request(actor=worker, resident_id=world.residents["A101h"].pk, kind="other", purpose="走访")
    next_one = services.visit_request(actor=worker, resident_id=world.residents["A102h"].pk, kind="other", purpose="走访")
    assert {first.assignee, next_one.assignee} == {world.users["grid_a"], second}
    # an inactive grid worker or one bound elsewhere is never picked
    world.users["grid_a"].is_active = False
    world.users["grid_a"].save(update_fields=["is_active"])
    third = services.visit_request(actor=worker, resident_id=world.residents["A101s"].pk, kind="other", purpose="走访")
    assert third.assignee == second


def test_visit_from_a_case_and_an_appeal(world):
    from shequ.appeals.tests.factories import submit

    case = open_case(world)
    appeal = submit(at="A")
    visit = services.visit_request(actor=world.users["worker_a"], resident_id=world.residents["A101h"].pk,
                                   kind="agency", purpose="上门收取材料", case_id=case.pk, appeal_id=appeal.pk)
    assert visit.case == case and visit.appeal == appeal
    with pytest.raises(InvalidInput):  # the case is another resident's
        services.visit_request(actor=world.users["worker_a"], resident_id=world.residents["A102h"].pk,
                               kind="agency", purpose="上门", case_id=case.pk)
    with pytest.raises(NotInScope):
        services.visit_request(actor=world.users["worker_b"], resident_id=world.residents["B101h"].pk,
                               kind="agency", purpose="上门", case_id=case.pk)


def test_record_a_visit(world):
    visit = services.visit_request(actor=world.users["worker_a"], resident_id=world.residents["A101h"].pk,
                                   kind="elderly_alone", purpose="探访", now=THURSDAY_10)
    grid = world.users["grid_a"]
    with pytest.raises(InvalidInput):
        services.visit_record(actor=grid, visit_id=visit.pk, outcome="", solved_at_door=True)
    with pytest.raises(InvalidInput):
        services.visit_record(actor=grid, visit_id=visit.pk, outcome="见到本人", solved_at_door=True,
                              visited_at=THURSDAY_10 - dt.timedelta(days=1), now=THURSDAY_10 + dt.timedelta(hours=2))
    with pytest.raises(NotInScope):
        services.visit_record(actor=world.users["worker_b"], visit_id=visit.pk, outcome="x", solved_at_door=False)
    at = THURSDAY_10 + dt.timedelta(days=5)  # after the due time: late
    done = services.visit_record(actor=grid, visit_id=visit.pk, outcome="身体状况良好,已代缴电费", solved_at_door=True,
                                 visited_at=at, notes="下周再访", now=at)
    assert (done.status, done.visited_at, done.solved_at_door, done.recorded_by) == ("done", at, True, grid)
    assert AuditLog.objects.get(verb="agency.visit_recorded").extra == {"solved_at_door": True, "late": True}
    with pytest.raises(Conflict):
        services.visit_record(actor=grid, visit_id=visit.pk, outcome="again", solved_at_door=True)
