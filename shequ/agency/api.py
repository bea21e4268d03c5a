"""The agency API (全程代办, 上门服务, 最多跑一趟), at /api/agency: the matter catalog, cases with
their steps, materials, trips and delivery, door-to-door visits, and the measures.

Reads go through ``selectors`` (scoped: missing and foreign records are both 404; a resident
gets their own cases only), writes through ``services`` (role 403, illegal move 409, audited).
A resident is referred to by name with the ID number masked; nothing else personal is returned.
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from shequ.core.pagination import PageParams, page_of, paginate
from shequ.jurisdiction import selectors as tree_selectors
from shequ.registry.schemas import masked

from . import metrics, selectors, services
from .models import AgencyCase, Delivery, Visit

router = Router(tags=["全程代办与上门服务"])

CaseStatusName = Literal[tuple(AgencyCase.Status.values)]  # type: ignore[valid-type]
VisitStatusName = Literal[tuple(Visit.Status.values)]  # type: ignore[valid-type]
VisitKindName = Literal[tuple(Visit.Kind.values)]  # type: ignore[valid-type]
DeliveryName = Literal[tuple(Delivery.values)]  # type: ignore[valid-type]
GroupName = Literal[tuple(metrics.GROUPS)]  # type: ignore[valid-type]


# --- schemas -----------------------------------------------------------------------------------

class MatterOut(Schema):
    code: str
    name: str
    group: str
    level: str
    department_kind: str
    limit_value: int
    limit_unit: str
    materials: list[str]
    steps: list[str]

    @staticmethod
    def resolve_materials(obj) -> list[str]:
        return obj.material_list()

    @staticmethod
    def resolve_steps(obj) -> list[str]:
        return [s.name for s in sorted(obj.steps.all(), key=lambda s: s.order)]


class ResidentRef(Schema):
    id: int
    name: str
    id_number: str = Field(..., description="身份证号(脱敏)")


def _resident(resident) -> dict:
    return {"id": resident.pk, "name": resident.name, "id_number": masked("id_number", resident.id_number)}


class CaseOut(Schema):
    id: int
    number: str
    status: str
    status_label: str
    matter: str
    matter_name: str
    resident: ResidentRef
    community: str
    agent: str = Field(..., description="代办员账号")
    received_at: dt.datetime
    due_at: dt.datetime
    closed_at: dt.datetime | None
    trip_count: int
    overdue: bool = Field(..., description="办理中且已过承诺办结时间")

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_matter(obj) -> str:
        return obj.matter.code

    @staticmethod
    def resolve_matter_name(obj) -> str:
        return obj.matter.name

    @staticmethod
    def resolve_resident(obj) -> dict:
        return _resident(obj.resident)

    @staticmethod
    def resolve_community(obj) -> str:
        return obj.community.name if obj.community_id else ""

    @staticmethod
    def resolve_agent(obj) -> str:
        return obj.agent.username

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.status == AgencyCase.Status.IN_PROGRESS and obj.due_at < timezone.now()


class StepOut(Schema):
    id: int
    order: int
    name: str
    status: str
    done_at: dt.datetime | None
    done_by: str
    note: str

    @staticmethod
    def resolve_done_by(obj) -> str:
        return obj.done_by.username if obj.done_by_id else ""


class MaterialOut(Schema):
    name: str
    received: bool


class TripOut(Schema):
    id: int
    at: dt.datetime
    reason: str
    recorded_by: str

    @staticmethod
    def resolve_recorded_by(obj) -> str:
        return obj.recorded_by.username if obj.recorded_by_id else ""


class VisitOut(Schema):
    id: int
    kind: str
    kind_label: str
    status: str
    resident: ResidentRef
    purpose: str
    case: str = Field(..., description="代办编号")
    appeal: str = Field(..., description="诉求编号")
    requested_at: dt.datetime
    due_at: dt.datetime
    assigned_unit: str
    assignee: str = Field(..., description="上门人员账号(无网格员时为空,由社区统筹)")
    assignment_note: str
    visited_at: dt.datetime | None
    outcome: str
    solved_at_door: bool | None
    notes: str
    overdue: bool

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_resident(obj) -> dict:
        return _resident(obj.resident)

    @staticmethod
    def resolve_case(obj) -> str:
        return obj.case.number if obj.case_id else ""

    @staticmethod
    def resolve_appeal(obj) -> str:
        return obj.appeal.number if obj.appeal_id else ""

    @staticmethod
    def resolve_assigned_unit(obj) -> str:
        return obj.assigned_node.name

    @staticmethod
    def resolve_assignee(obj) -> str:
        return obj.assignee.username if obj.assignee_id else ""

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.status == Visit.Status.ASSIGNED and obj.due_at < timezone.now()


class CaseDetailOut(CaseOut):
    note: str
    appeal: str = Field(..., description="关联诉求编号")
    delivery: str
    result: str
    cancel_reason: str
    materials: list[MaterialOut]
    steps: list[StepOut]
    trips: list[TripOut]
    visits: list[VisitOut]

    @staticmethod
    def resolve_appeal(obj) -> str:
        return obj.appeal.number if obj.appeal_id else ""

    @staticmethod
    def resolve_materials(obj) -> list[dict]:
        got = set(obj.materials_received)
        return [{"name": m, "received": m in got} for m in obj.matter.material_list()]

    @staticmethod
    def resolve_steps(obj) -> list:
        return obj.steps_list

    @staticmethod
    def resolve_trips(obj) -> list:
        return obj.trips_list

    @staticmethod
    def resolve_visits(obj) -> list:
        return obj.visits_list


class CaseQuery(PageParams):
    status: CaseStatusName | None = None
    matter: str = Field("", max_length=40, description="事项代码")
    number: str = Field("", max_length=32, description="代办编号前缀")
    node: int | None = Field(None, description="只列此辖区节点之下")
    overdue: bool = Field(False, description="只列办理中且已过承诺时间的")


class CaseOpenIn(Schema):
    resident_id: int
    matter: str = Field(..., max_length=40, description="事项代码(见 /agency/matters)")
    agent_id: int | None = Field(None, description="代办员(本社区的社区工作者或网格员);默认为本人")
    appeal_id: int | None = None
    note: str = Field("", max_length=2000)
    materials_received: list[str] = Field(default_factory=list, max_length=50)


class NoteIn(Schema):
    note: str = Field("", max_length=1000)


class MaterialsIn(Schema):
    received: list[str] = Field(..., max_length=50)


class TripIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)
    at: dt.datetime | None = Field(None, description="默认为现在;不能晚于现在")


class CompleteIn(Schema):
    delivery: DeliveryName
    result: str = Field(..., min_length=1, max_length=2000)


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=1000)


class VisitQuery(PageParams):
    mine: bool = Field(False, description="只列派给我的")
    status: VisitStatusName | None = None
    overdue: bool = Field(False, description="只列待上门且已过应上门时间的")


class VisitIn(Schema):
    resident_id: int
    kind: VisitKindName
    purpose: str = Field(..., min_length=1, max_length=2000)
    case_id: int | None = None
    appeal_id: int | None = None
    due_at: dt.datetime | None = Field(None, description=f"默认 {services.VISIT_DUE_WORKING_DAYS} 个工作日后")


class VisitRecordIn(Schema):
    outcome: str = Field(..., min_length=1, max_length=2000)
    solved_at_door: bool
    visited_at: dt.datetime | None = Field(None, description="默认为现在;不能晚于现在")
    notes: str = Field("", max_length=2000)


class MeasureParams(Schema):
    group: GroupName = Field("community", description="community / street / matter / month")  # type: ignore[valid-type]
    from_: dt.date = Field(..., alias="from", description="期初(含),上海日期")
    to: dt.date = Field(..., description="期末(含),上海日期")


class MeasureRowOut(Schema):
    key: int | str
    name: str
    closed: int
    at_most_one_trip: int
    zero_trips: int
    trips: int
    on_time: int
    at_most_one_trip_rate: float | None
    zero_trip_rate: float | None
    average_trips: float | None
    on_time_rate: float | None


class MeasuresOut(Schema):
    group: str
    start: dt.date = Field(..., validation_alias="start", serialization_alias="from")
    end: dt.date = Field(..., validation_alias="end", serialization_alias="to")
    rows: list[MeasureRowOut]
    total: MeasureRowOut


# --- operations --------------------------------------------------------------------------------

def _case_detail(user, pk: int) -> AgencyCase:
    case = selectors.case_get(user=user, pk=pk)
    case.steps_list = selectors.case_steps(case=case)
    case.trips_list = selectors.case_trips(case=case)
    case.visits_list = [] if selectors.is_resident(user) else list(selectors.visit_list(user=user, case=case))
    return case


@router.get("/matters", response=list[MatterOut], summary="代办事项目录(启用的)", operation_id="agency_matter_list")
def matter_list(request):
    return list(selectors.matter_list())


@router.get("/cases", response=page_of(CaseOut), summary="代办件列表(按辖区;居民只见本人)", operation_id="agency_case_list")
def case_list(request, filters: Query[CaseQuery]):
    qs = selectors.case_list(
        user=request.auth, status=filters.status or "", number=filters.number,
        matter=selectors.matter_get(code=filters.matter) if filters.matter else None,
        node=tree_selectors.node_get(user=request.auth, pk=filters.node) if filters.node else None,
        overdue_at=timezone.now() if filters.overdue else None)
    return paginate(qs, filters)


@router.get("/cases/{case_id}", response=CaseDetailOut, summary="代办件详情(步骤、材料、跑腿、上门)",
            operation_id="agency_case_get")
def case_get(request, case_id: int):
    return _case_detail(request.auth, case_id)


@router.post("/cases", response={201: CaseDetailOut}, summary="受理代办件(按事项模板生成步骤)", operation_id="agency_case_open")
def case_open(request, payload: CaseOpenIn):
    agent = selectors.agent_get(pk=payload.agent_id) if payload.agent_id else None
    case = services.case_open(actor=request.auth, resident_id=payload.resident_id,
                              matter=selectors.matter_get(code=payload.matter), agent=agent,
                              appeal_id=payload.appeal_id, note=payload.note,
                              materials_received=payload.materials_received)
    return Status(201, _case_detail(request.auth, case.pk))


@router.post("/cases/{case_id}/steps/{step_id}/done", response=CaseDetailOut, summary="完成步骤(须按顺序)",
             operation_id="agency_step_done")
def step_done(request, case_id: int, step_id: int, payload: NoteIn):
    services.case_step_finish(actor=request.auth, case_id=case_id, step_id=step_id, note=payload.note)
    return _case_detail(request.auth, case_id)


@router.post("/cases/{case_id}/steps/{step_id}/skip", response=CaseDetailOut, summary="跳过步骤(须说明理由)",
             operation_id="agency_step_skip")
def step_skip(request, case_id: int, step_id: int, payload: NoteIn):
    services.case_step_finish(actor=request.auth, case_id=case_id, step_id=step_id, skip=True, note=payload.note)
    return _case_detail(request.auth, case_id)


@router.put("/cases/{case_id}/materials", response=CaseDetailOut, summary="更新已收材料清单",
            operation_id="agency_materials_set")
def materials_set(request, case_id: int, payload: MaterialsIn):
    services.case_materials_set(actor=request.auth, case_id=case_id, received=payload.received)
    return _case_detail(request.auth, case_id)


@router.post("/cases/{case_id}/trips", response={201: CaseDetailOut}, summary="记录居民跑腿(到场一次)",
             operation_id="agency_trip_add")
def trip_add(request, case_id: int, payload: TripIn):
    services.case_trip_add(actor=request.auth, case_id=case_id, reason=payload.reason, at=payload.at)
    return Status(201, _case_detail(request.auth, case_id))


@router.post("/cases/{case_id}/complete", response=CaseDetailOut, summary="结果送达并办结(居民自取计一次跑腿)",
             operation_id="agency_case_complete")
def case_complete(request, case_id: int, payload: CompleteIn):
    services.case_complete(actor=request.auth, case_id=case_id, delivery=payload.delivery, result=payload.result)
    return _case_detail(request.auth, case_id)


@router.post("/cases/{case_id}/cancel", response=CaseDetailOut, summary="撤销(须说明理由)", operation_id="agency_case_cancel")
def case_cancel(request, case_id: int, payload: ReasonIn):
    services.case_cancel(actor=request.auth, case_id=case_id, reason=payload.reason)
    return _case_detail(request.auth, case_id)


@router.get("/visits", response=page_of(VisitOut), summary="上门服务列表(mine=我的上门,overdue=超时未上门)",
            operation_id="agency_visit_list")
def visit_list(request, filters: Query[VisitQuery]):
    qs = selectors.visit_list(user=request.auth, assignee=request.auth if filters.mine else None,
                              status=filters.status or "", overdue_at=timezone.now() if filters.overdue else None)
    return paginate(qs, filters)


@router.get("/visits/{visit_id}", response=VisitOut, summary="上门服务详情", operation_id="agency_visit_get")
def visit_get(request, visit_id: int):
    return selectors.visit_get(user=request.auth, pk=visit_id)


@router.post("/visits", response={201: VisitOut}, summary="申请上门服务(自动派给住所所在网格的网格员)",
             operation_id="agency_visit_request")
def visit_request(request, payload: VisitIn):
    visit = services.visit_request(actor=request.auth, resident_id=payload.resident_id, kind=payload.kind,
                                   purpose=payload.purpose, case_id=payload.case_id, appeal_id=payload.appeal_id,
                                   due_at=payload.due_at)
    return Status(201, selectors.visit_get(user=request.auth, pk=visit.pk))


@router.post("/visits/{visit_id}/record", response=VisitOut, summary="记录上门结果", operation_id="agency_visit_record")
def visit_record(request, visit_id: int, payload: VisitRecordIn):
    services.visit_record(actor=request.auth, visit_id=visit_id, outcome=payload.outcome,
                          solved_at_door=payload.solved_at_door, visited_at=payload.visited_at, notes=payload.notes)
    return selectors.visit_get(user=request.auth, pk=visit_id)


@router.post("/visits/{visit_id}/cancel", response=VisitOut, summary="取消上门(须说明理由)", operation_id="agency_visit_cancel")
def visit_cancel(request, visit_id: int, payload: ReasonIn):
    services.visit_cancel(actor=request.auth, visit_id=visit_id, reason=payload.reason)
    return selectors.visit_get(user=request.auth, pk=visit_id)


@router.get("/measures", response=MeasuresOut, by_alias=True, summary="最多跑一趟率、零跑腿率、平均跑腿次数、按时办结率",
            operation_id="agency_measures")
def measures(request, params: Query[MeasureParams]):
    return metrics.agency_measures(user=request.auth, group=params.group, start=params.from_, end=params.to)
