"""Writes of full agency 全程代办 and door-to-door visits 上门服务.

Each service owns its transaction, checks the actor's capability ("agency.handle") and scope
(the case or visit is loaded row-locked through ``scoping.get_in_scope``: 404 outside the area),
validates, saves only changed fields and writes the audit record in the same transaction.
``now`` may be passed so that tests control the clock.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import Role, User
from shequ.appeals import deadlines
from shequ.appeals import selectors as appeal_selectors
from shequ.core.audit import audit_record
from shequ.core.errors import Conflict, InvalidInput
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Node
from shequ.registry import selectors as registry_selectors
from shequ.registry.models import Resident

from .errors import AgencyErrorCode
from .models import AgencyCase, CaseStep, Delivery, Matter, Trip, Visit

#: Roles that may act as an agent 代办员 for a case.
AGENT_ROLES = (Role.COMMUNITY_WORKER, Role.GRID_WORKER)
#: A visit asked for without a due time is due this many working days later.
VISIT_DUE_WORKING_DAYS = 2
#: Stored text, in Chinese whatever the user's language (like the appeals' routing reason): the trip
#: recorded when the resident collects the result, the step of a matter without a template, and the
#: assignment notes of a visit.
COLLECT_TRIP_REASON = "领取办理结果"
DEFAULT_STEP = "办理"
NOTE_NO_GRID = "住所未划入网格,派至{community}统筹安排"
NOTE_NO_WORKER = "{grid}暂无网格员,派至{community}统筹安排"
NOTE_WORKER = "派至{grid}网格员{worker}"


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, code=AgencyErrorCode.REASON_REQUIRED, extra={"field": field})
    return value


def _past(at: dt.datetime | None, now: dt.datetime, field: str) -> dt.datetime:
    if at is None:
        return now
    if timezone.is_naive(at):
        raise InvalidInput(_("时间须带时区"), code=AgencyErrorCode.BAD_TIME, extra={"field": field})
    if at > now:
        raise InvalidInput(_("时间不能晚于现在"), code=AgencyErrorCode.BAD_TIME, extra={"field": field})
    return at


def home_of(resident: Resident):
    """Where a resident lives, as a located record: the household's house, else the resident's
    own house, else the resident (whose ancestor columns the registry keeps)."""
    if resident.household_id and resident.household.house_id:
        return resident.household.house
    if resident.house_id:
        return resident.house
    return resident


def _resident(actor, resident_id: int) -> Resident:
    resident = registry_selectors.resident_get(user=actor, pk=resident_id)  # 404 outside scope
    if resident.status != Resident.Status.ACTIVE:
        raise InvalidInput(_("该居民不在册"), code=AgencyErrorCode.RESIDENT_INACTIVE, extra={"field": "resident"})
    return resident


def agents_of(community_id: int):
    """Users who may be the agent of a case in this community: active community and grid workers
    bound to the community or to a node inside it."""
    return (User.objects.filter(role__in=AGENT_ROLES, is_active=True, bindings__node__community_id=community_id)
            .distinct().order_by("role", "username"))


@transaction.atomic
def case_open(*, actor, resident_id: int, matter: Matter, agent: User | None = None, appeal_id: int | None = None,
              note: str = "", materials_received: list[str] | tuple = (), now: dt.datetime | None = None) -> AgencyCase:
    """Open a case for a resident (受理): steps copied from the matter's template, the promised due
    time computed once from the matter's time limit. The agent defaults to the actor when the
    actor is a community or grid worker."""
    scoping.ensure_can(actor, "agency.handle")
    now = now or timezone.now()
    resident = _resident(actor, resident_id)
    if not matter.active:
        raise InvalidInput(_("该代办事项已停用"), code=AgencyErrorCode.MATTER_INACTIVE, extra={"field": "matter"})
    place = home_of(resident)
    if not place.community_id:
        raise InvalidInput(_("该居民未落到社区,无法确定承办社区"), code=AgencyErrorCode.NO_COMMUNITY,
                           extra={"field": "resident"})
    if agent is None and getattr(actor, "role", None) in AGENT_ROLES:
        agent = actor
    if agent is None or not agents_of(place.community_id).filter(pk=agent.pk).exists():
        raise InvalidInput(_("代办员须为本社区的社区工作者或网格员"), code=AgencyErrorCode.BAD_AGENT, extra={"field": "agent"})
    appeal = appeal_selectors.appeal_get(user=actor, pk=appeal_id) if appeal_id else None
    materials = _materials(matter, materials_received)
    case = AgencyCase(
        resident=resident, matter=matter, agent=agent, appeal=appeal, note=(note or "").strip(), received_at=now,
        due_at=deadlines.add(now, matter.limit_value, matter.limit_unit, deadlines.calendar_from_db()),
        materials_received=materials, created_by=actor,
    )
    case.copy_location(place)
    case.save()
    case.number = f"DB-{now.astimezone(deadlines.SHANGHAI):%Y%m%d}-{case.pk:06d}"
    case.save(update_fields=["number"])
    names = list(matter.steps.order_by("order").values_list("name", flat=True)) or [DEFAULT_STEP]
    CaseStep.objects.bulk_create(CaseStep(case=case, order=i, name=name) for i, name in enumerate(names, start=1))
    audit_record(actor=actor, verb="agency.case_opened", target=case,
                 extra={"matter": matter.code, "agent": agent.username, "appeal": appeal_id, "steps": len(names)})
    return case


def _materials(matter: Matter, received) -> list[str]:
    allowed = matter.material_list()
    received = [m.strip() for m in received if m and m.strip()]
    unknown = [m for m in received if m not in allowed]
    if unknown:
        raise InvalidInput(_("材料不在该事项的材料清单中"), code=AgencyErrorCode.BAD_MATERIAL,
                           extra={"field": "materials", "unknown": unknown})
    return [m for m in allowed if m in received]  # the catalog's order, no repeats


def case_for_update(*, actor, case_id: int) -> AgencyCase:
    """The case, row-locked, if the actor may handle it (404 outside their scope)."""
    scoping.ensure_can(actor, "agency.handle")
    return scoping.get_in_scope(AgencyCase.objects.select_for_update().select_related("matter"), actor, pk=case_id)


def _open_case(actor, case_id: int) -> AgencyCase:
    case = case_for_update(actor=actor, case_id=case_id)
    if case.status != AgencyCase.Status.IN_PROGRESS:
        raise Conflict(_("代办件已办结或已撤销"), code=AgencyErrorCode.INVALID_TRANSITION, extra={"status": case.status})
    return case


@transaction.atomic
def case_step_finish(*, actor, case_id: int, step_id: int, skip: bool = False, note: str = "",
                     now: dt.datetime | None = None) -> CaseStep:
    """Mark a step done (or not needed, with a reason). Steps are finished in order."""
    now = now or timezone.now()
    case = _open_case(actor, case_id)
    note = _text(note, "note", _("跳过步骤须说明理由")) if skip else (note or "").strip()
    try:
        step = CaseStep.objects.select_for_update().get(case=case, pk=step_id)
    except CaseStep.DoesNotExist:
        raise InvalidInput(_("该步骤不属于此代办件"), code=AgencyErrorCode.STEP_ORDER, extra={"field": "step"}) from None
    if step.finished:
        raise Conflict(_("该步骤已完成"), code=AgencyErrorCode.INVALID_TRANSITION, extra={"step": step.name})
    if CaseStep.objects.filter(case=case, order__lt=step.order, status=CaseStep.Status.PENDING).exists():
        raise Conflict(_("请先完成前面的步骤"), code=AgencyErrorCode.STEP_ORDER, extra={"step": step.name})
    step.status = CaseStep.Status.SKIPPED if skip else CaseStep.Status.DONE
    step.done_at, step.done_by, step.note = now, actor, note
    step.save(update_fields=["status", "done_at", "done_by", "note"])
    case.save(update_fields=["updated_at"])
    audit_record(actor=actor, verb="agency.step_skipped" if skip else "agency.step_done", target=case,
                 extra={"step": step.name, "order": step.order})
    return step


@transaction.atomic
def case_materials_set(*, actor, case_id: int, received: list[str]) -> AgencyCase:
    """Replace the checklist of materials received (only names of the matter's list)."""
    case = _open_case(actor, case_id)
    before = set(case.materials_received)
    case.materials_received = _materials(case.matter, received)
    case.save(update_fields=["materials_received", "updated_at"])
    audit_record(actor=actor, verb="agency.materials_set", target=case,
                 extra={"added": sorted(set(case.materials_received) - before),
                        "removed": sorted(before - set(case.materials_received))})
    return case


def _trip(case: AgencyCase, *, actor, at: dt.datetime, reason: str) -> Trip:
    trip = Trip.objects.create(case=case, at=at, reason=reason, recorded_by=actor)
    AgencyCase.objects.filter(pk=case.pk).update(trip_count=F("trip_count") + 1)
    case.trip_count += 1
    return trip


@transaction.atomic
def case_trip_add(*, actor, case_id: int, reason: str, at: dt.datetime | None = None,
                  now: dt.datetime | None = None) -> Trip:
    """Record that the resident had to come in person (a trip 跑一趟), with the reason."""
    now = now or timezone.now()
    reason = _text(reason, "reason", _("请填写居民到场的原因"))
    case = _open_case(actor, case_id)
    at = _past(at, now, "at")
    trip = _trip(case, actor=actor, at=at, reason=reason)
    audit_record(actor=actor, verb="agency.trip_recorded", target=case, extra={"reason": reason, "trips": case.trip_count})
    return trip


@transaction.atomic
def case_complete(*, actor, case_id: int, delivery: str, result: str, now: dt.datetime | None = None) -> AgencyCase:
    """Deliver the result (结果送达) and close the case. Every step must be finished. A result the
    resident collects at the window counts as one more trip."""
    now = now or timezone.now()
    if delivery not in Delivery.values:
        raise InvalidInput(_("请选择结果送达方式"), code=AgencyErrorCode.BAD_DELIVERY, extra={"field": "delivery"})
    result = _text(result, "result", _("请填写办理结果"))
    case = _open_case(actor, case_id)
    open_steps = list(CaseStep.objects.filter(case=case, status=CaseStep.Status.PENDING).values_list("name", flat=True))
    if open_steps:
        raise Conflict(_("还有步骤未完成"), code=AgencyErrorCode.STEPS_OPEN, extra={"steps": open_steps})
    if delivery == Delivery.COLLECTED:
        _trip(case, actor=actor, at=now, reason=COLLECT_TRIP_REASON)
    previous = case.transition_to(AgencyCase.Status.COMPLETED)
    case.delivery, case.result, case.closed_at = delivery, result, now
    case.save(update_fields=["status", "delivery", "result", "closed_at", "updated_at"])
    audit_record(actor=actor, verb="agency.case_completed", target=case,
                 extra={"from": previous, "delivery": delivery, "trips": case.trip_count,
                        "on_time": now <= case.due_at})
    return case


@transaction.atomic
def case_cancel(*, actor, case_id: int, reason: str, now: dt.datetime | None = None) -> AgencyCase:
    """Withdraw a case (the resident no longer needs it, or it is not eligible), with a reason."""
    now = now or timezone.now()
    reason = _text(reason, "reason", _("撤销须说明理由"))
    case = _open_case(actor, case_id)
    previous = case.transition_to(AgencyCase.Status.CANCELLED)
    case.cancel_reason, case.closed_at = reason, now
    case.save(update_fields=["status", "cancel_reason", "closed_at", "updated_at"])
    audit_record(actor=actor, verb="agency.case_cancelled", target=case, extra={"from": previous, "reason": reason})
    return case


# --- door-to-door visits ---------------------------------------------------------------------

def visit_assignment(place) -> tuple[Node, User | None, str]:
    """Who visits a home: (unit, grid worker or None, why).

    The grid of the house; among the active grid workers bound to that grid, the one with the
    fewest visits still to make (then the lowest id). Without a grid, or a grid without a grid
    worker, the visit goes to the community, unassigned, with a note saying so.
    """
    community = Node.objects.get(pk=place.community_id)
    if not place.grid_id:
        return community, None, NOTE_NO_GRID.format(community=community.name)
    grid = Node.objects.get(pk=place.grid_id)
    worker = (User.objects.filter(role=Role.GRID_WORKER, is_active=True, bindings__node_id=grid.pk)
              .annotate(open_visits=Count("agency_visits", filter=Q(agency_visits__status=Visit.Status.ASSIGNED)))
              .order_by("open_visits", "id").first())
    if worker is None:
        return community, None, NOTE_NO_WORKER.format(grid=grid.name, community=community.name)
    return grid, worker, NOTE_WORKER.format(grid=grid.name, worker=worker)


@transaction.atomic
def visit_request(*, actor, resident_id: int, kind: str, purpose: str, case_id: int | None = None,
                  appeal_id: int | None = None, due_at: dt.datetime | None = None,
                  now: dt.datetime | None = None) -> Visit:
    """Ask for a door-to-door visit to a resident: assigned at once to the grid worker of the
    resident's house's grid (``visit_assignment``), due ``VISIT_DUE_WORKING_DAYS`` working days
    later unless ``due_at`` is given."""
    scoping.ensure_can(actor, "agency.handle")
    now = now or timezone.now()
    if kind not in Visit.Kind.values:
        raise InvalidInput(_("上门类型不正确"), extra={"field": "kind"})
    purpose = _text(purpose, "purpose", _("请填写上门事由"))
    resident = _resident(actor, resident_id)
    case = None
    if case_id:
        case = scoping.get_in_scope(AgencyCase.objects.all(), actor, pk=case_id)
        if case.resident_id != resident.pk:
            raise InvalidInput(_("代办件与居民不符"), extra={"field": "case"})
    appeal = appeal_selectors.appeal_get(user=actor, pk=appeal_id) if appeal_id else None
    if due_at is None:
        due_at = deadlines.add(now, VISIT_DUE_WORKING_DAYS, "working_days", deadlines.calendar_from_db())
    elif timezone.is_naive(due_at) or due_at <= now:
        raise InvalidInput(_("应上门时间须晚于现在"), code=AgencyErrorCode.BAD_TIME, extra={"field": "due_at"})
    place = home_of(resident)
    if not place.community_id:
        raise InvalidInput(_("该居民未落到社区,无法安排上门"), code=AgencyErrorCode.NO_COMMUNITY, extra={"field": "resident"})
    node, worker, why = visit_assignment(place)
    visit = Visit(resident=resident, kind=kind, case=case, appeal=appeal, purpose=purpose, requested_at=now,
                  requested_by=actor, due_at=due_at, assigned_node=node, assignee=worker, assignment_note=why)
    visit.copy_location(place)
    visit.save()
    audit_record(actor=actor, verb="agency.visit_requested", target=visit,
                 extra={"kind": kind, "assignee": getattr(worker, "username", ""), "node": node.pk,
                        "case": case_id, "appeal": appeal_id})
    return visit


def _open_visit(actor, visit_id: int) -> Visit:
    scoping.ensure_can(actor, "agency.handle")
    visit = scoping.get_in_scope(Visit.objects.select_for_update(), actor, pk=visit_id)
    if visit.status != Visit.Status.ASSIGNED:
        raise Conflict(_("该上门服务已记录或已取消"), code=AgencyErrorCode.INVALID_TRANSITION, extra={"status": visit.status})
    return visit


@transaction.atomic
def visit_record(*, actor, visit_id: int, outcome: str, solved_at_door: bool, visited_at: dt.datetime | None = None,
                 notes: str = "", now: dt.datetime | None = None) -> Visit:
    """The visitor records the visit: when, what came of it, whether the matter was solved at the door."""
    now = now or timezone.now()
    outcome = _text(outcome, "outcome", _("请填写上门结果"))
    visit = _open_visit(actor, visit_id)
    visited_at = _past(visited_at, now, "visited_at")
    if visited_at < visit.requested_at:
        raise InvalidInput(_("上门时间不能早于申请时间"), code=AgencyErrorCode.BAD_TIME, extra={"field": "visited_at"})
    visit.status, visit.visited_at, visit.outcome = Visit.Status.DONE, visited_at, outcome
    visit.solved_at_door, visit.notes, visit.recorded_by = bool(solved_at_door), (notes or "").strip(), actor
    visit.save(update_fields=["status", "visited_at", "outcome", "solved_at_door", "notes", "recorded_by", "updated_at"])
    audit_record(actor=actor, verb="agency.visit_recorded", target=visit,
                 extra={"solved_at_door": visit.solved_at_door, "late": visited_at > visit.due_at})
    return visit


@transaction.atomic
def visit_cancel(*, actor, visit_id: int, reason: str) -> Visit:
    """Call off a visit no longer needed, with a reason."""
    reason = _text(reason, "reason", _("取消须说明理由"))
    visit = _open_visit(actor, visit_id)
    visit.status, visit.notes, visit.recorded_by = Visit.Status.CANCELLED, reason, actor
    visit.save(update_fields=["status", "notes", "recorded_by", "updated_at"])
    audit_record(actor=actor, verb="agency.visit_cancelled", target=visit, extra={"reason": reason})
    return visit
