"""The work-admission API (社区工作准入, ``/api/admission``): the lists (and the one in force, public),
department work requests and the office's decisions, assignments of communities and grids, data
reuse exports, unadmitted work, seal uses and certificates, plaques, the burden ledger and the
department ranking.

Reads go through ``selectors`` / ``burden`` (scoped: missing and foreign records are both 404),
writes through ``services`` (role 403, illegal step 409, bad input 422 naming the field, audited).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from shequ.core.errors import NotAllowed, NotInScope
from shequ.core.pagination import PageParams, page_of, paginate
from shequ.core.schemas import EventOut
from shequ.jurisdiction import scoping

from . import burden, selectors, services
from .models import (
    Assignment,
    Category,
    Channel,
    DutyClass,
    FundingMode,
    StampRecord,
    UnadmittedReport,
    WorkTask,
)

router = Router(tags=["社区工作准入"])

CategoryName = Literal[tuple(Category.values)]  # type: ignore[valid-type]
DutyClassName = Literal[tuple(DutyClass.values)]  # type: ignore[valid-type]
FundingName = Literal[tuple(FundingMode.values)]  # type: ignore[valid-type]
TaskStatusName = Literal[tuple(WorkTask.Status.values)]  # type: ignore[valid-type]
AssignmentStatusName = Literal[tuple(Assignment.Status.values)]  # type: ignore[valid-type]
ChannelName = Literal[tuple(Channel.values)]  # type: ignore[valid-type]
StampKindName = Literal[tuple(StampRecord.Kind.values)]  # type: ignore[valid-type]


# --- schemas ------------------------------------------------------------------------------------

class ItemOut(Schema):
    id: int
    category: str
    code: str
    name: str
    legal_basis: str
    note: str


class ListOut(Schema):
    id: int
    district_id: int
    district: str
    version: int
    title: str
    status: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    is_default: bool = Field(..., description="系统默认清单,尚待区社区办修改")
    note: str

    @staticmethod
    def resolve_district(obj) -> str:
        return obj.district.name


class ListDetailOut(ListOut):
    items: list[ItemOut]

    @staticmethod
    def resolve_items(obj) -> list:
        return list(obj.items.order_by("category", "sort", "id"))


class DraftIn(Schema):
    district_id: int
    title: str = Field("", max_length=150)


class DefaultsIn(Schema):
    district_id: int
    effective_from: dt.date | None = None


class ItemIn(Schema):
    category: CategoryName  # type: ignore[valid-type]
    name: str = Field(..., min_length=1, max_length=200)
    legal_basis: str = Field("", max_length=300)
    note: str = Field("", max_length=300)


class ItemChangeIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    legal_basis: str = Field("", max_length=300)
    note: str = Field("", max_length=300)


class PublishIn(Schema):
    effective_from: dt.date
    note: str = Field("", max_length=2000)


class InForceQuery(Schema):
    district: str = Field(..., description="区县行政区划代码")
    date: dt.date | None = Field(None, description="默认今天")


class TaskIn(Schema):
    department_id: int | None = Field(None, description="绑定多个部门时必填")
    title: str = Field(..., min_length=1, max_length=150)
    description: str = Field(..., min_length=1, max_length=4000)
    duty_class: DutyClassName  # type: ignore[valid-type]
    list_item_id: int | None = Field(None, description="现行清单中的依法履职或协助事项;不填为清单外事项")
    legal_basis: str = Field("", max_length=300, description="清单外事项必填")
    purpose: str = Field("", max_length=2000, description="清单外事项必填")
    funding_mode: FundingName = FundingMode.NONE  # type: ignore[valid-type]
    funding_amount: Decimal = Field(Decimal("0"), ge=0, max_digits=12, decimal_places=2,
                                    description="元/社区 或 元/单位;协助、服务、清单外事项须大于 0")
    funding_units: int | None = Field(None, ge=1, description="按工作量拨付时的单位数")
    funding_unit_label: str = Field("", max_length=20)
    funding_source: str = Field("", max_length=200)
    deadline: dt.date
    data_fields: list[str] = Field(default_factory=list, description="需要的数据项(平台目录代码,见 /data-fields)")
    other_data_fields: str = Field("", max_length=500, description="平台未掌握的数据项")
    collection_only: bool = Field(False, description="仅为数据采集")
    ledgers_demanded: int = Field(0, ge=0, le=1000)
    forms_demanded: int = Field(0, ge=0, le=1000)
    community_ids: list[int] = Field(default_factory=list, description="下派社区;空为本区全部社区/村")


class DecisionIn(Schema):
    reason: str = Field("", max_length=2000, description="不予准入、退回修改时必填")
    reuse: bool = Field(True, description="批准时:以平台数据复用代替入户采集")


class AssignmentOut(Schema):
    id: int
    task_id: int
    task: str
    department: str
    node_id: int
    node: str
    level: str
    parent_id: int | None
    status: str
    due_on: dt.date
    overdue: bool
    funding_share: Decimal
    received_at: dt.datetime
    forwarded_at: dt.datetime | None
    completed_at: dt.datetime | None
    result: str
    files: list[str]

    @staticmethod
    def resolve_task(obj) -> str:
        return obj.task.title

    @staticmethod
    def resolve_department(obj) -> str:
        return obj.task.department.name

    @staticmethod
    def resolve_node(obj) -> str:
        return obj.node.name

    @staticmethod
    def resolve_level(obj) -> str:
        return obj.node.level

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue(timezone.localdate())

    @staticmethod
    def resolve_files(obj) -> list[str]:
        return [f.name for f in obj.files.all()]


class TaskOut(Schema):
    id: int
    title: str
    department_id: int
    department: str
    duty_class: str
    status: str
    status_label: str
    admission: str
    list_item: str | None = Field(..., description="对应的清单事项(编号 名称);清单外为空")
    deadline: dt.date
    funding_mode: str
    funding_amount: Decimal
    funding_total: Decimal
    submitted_at: dt.datetime
    dispatched_at: dt.datetime | None

    @staticmethod
    def resolve_department(obj) -> str:
        return obj.department.name

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_list_item(obj) -> str | None:
        return str(obj.list_item) if obj.list_item_id else None

    @staticmethod
    def resolve_funding_total(obj) -> Decimal:
        return obj.funding_total()


class TaskDetailOut(TaskOut):
    description: str
    legal_basis: str
    purpose: str
    funding_units: int | None
    funding_unit_label: str
    funding_source: str
    data_fields: list[str]
    other_data_fields: str
    collection_only: bool
    ledgers_demanded: int
    forms_demanded: int
    reuse_offered: bool
    reuse_approved: bool
    reuse_kinds: list[str] = Field(..., description="可下载的复用数据类别(批准后)")
    decided_at: dt.datetime | None
    decision_reason: str
    assignments: list[AssignmentOut] = Field(..., description="本用户可见的承办(社区只见本社区)")
    timeline: list[EventOut]

    @staticmethod
    def resolve_assignments(obj) -> list:
        return obj.assignments_visible

    @staticmethod
    def resolve_reuse_kinds(obj) -> list[str]:
        from .datafields import headers_by_kind

        return sorted(headers_by_kind(obj.data_fields)) if obj.reuse_approved else []


class TaskQuery(PageParams):
    status: TaskStatusName | None = None  # type: ignore[valid-type]
    department: int | None = None
    duty_class: DutyClassName | None = None  # type: ignore[valid-type]
    q: str = Field("", max_length=100)


class AssignmentQuery(PageParams):
    status: AssignmentStatusName | None = None  # type: ignore[valid-type]
    overdue: bool = Field(False, description="只列逾期未完成的")
    level: Literal["", "community", "grid"] = ""
    q: str = Field("", max_length=100)


class ForwardIn(Schema):
    grid_ids: list[int] = Field(..., min_length=1)
    due_on: dt.date | None = None
    note: str = Field("", max_length=1000)


class CompleteIn(Schema):
    result: str = Field(..., min_length=1, max_length=4000)


class ReuseQuery(Schema):
    kind: Literal["residents", "households", "houses", "units"]
    format: Literal["csv", "xlsx"] = "csv"


class UnadmittedIn(Schema):
    community_id: int
    title: str = Field(..., min_length=1, max_length=150)
    description: str = Field("", max_length=4000)
    received_on: dt.date
    department_id: int | None = None
    department_name: str = Field("", max_length=100, description="非区直部门的交办单位")
    channel: ChannelName = Channel.OTHER  # type: ignore[valid-type]
    ledgers_demanded: int = Field(0, ge=0, le=1000)
    forms_demanded: int = Field(0, ge=0, le=1000)


class UnadmittedOut(Schema):
    id: int
    community_id: int
    community: str
    department_id: int | None
    sender: str
    title: str
    received_on: dt.date
    channel: str
    ledgers_demanded: int
    forms_demanded: int
    status: str
    review_reason: str

    @staticmethod
    def resolve_community(obj) -> str:
        return obj.community.name


class ReviewIn(Schema):
    confirm: bool
    reason: str = Field("", max_length=2000, description="不予认定时必填")


class StampIn(Schema):
    community_id: int
    kind: StampKindName  # type: ignore[valid-type]
    matter: str = Field(..., min_length=1, max_length=200)
    item_id: int | None = Field(None, description="现行清单中的印章使用范围或证明事项")
    requester: str = Field("", max_length=100)
    department_id: int | None = None
    override_reason: str = Field("", max_length=2000, description="清单外仍须办理时的理由(记为警示)")


class StampOut(Schema):
    id: int
    community_id: int
    kind: str
    matter: str
    requester: str
    department_id: int | None
    item: str | None
    outcome: str
    outcome_label: str
    reason: str
    at: dt.datetime

    @staticmethod
    def resolve_item(obj) -> str | None:
        return str(obj.item) if obj.item_id else None

    @staticmethod
    def resolve_outcome_label(obj) -> str:
        return str(obj.get_outcome_display())


class PlaqueIn(Schema):
    community_id: int
    name: str = Field(..., min_length=1, max_length=100)
    put_up_on: dt.date
    department_id: int | None = None
    item_id: int | None = None


class PlaqueOut(Schema):
    id: int
    community_id: int
    name: str
    department_id: int | None
    allowed: bool
    put_up_on: dt.date
    removed_on: dt.date | None


class RemoveIn(Schema):
    removed_on: dt.date


class LedgerQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="默认今年")
    node: int | None = Field(None, description="辖区节点 id,默认用户的辖区")


class LedgerRowOut(Schema):
    id: int
    name: str
    rank: int | None
    index: float = Field(..., description="负担指数(公式见 docs/admission.md)")
    admitted: int
    unadmitted: int
    ledgers: int
    forms: int
    certificates: int
    seals: int
    refused: int
    plaques: int
    excess_plaques: int
    overdue: int
    avoided: int
    funding: Decimal


class LedgerOut(Schema):
    year: int
    rows: list[LedgerRowOut]


class RankingQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100)
    district: int | None = None


class DataFieldOut(Schema):
    code: str
    label: str
    kind: str


# --- lists --------------------------------------------------------------------------------------

@router.get("/lists/in-force", response=ListDetailOut, auth=None, summary="某区某日施行的准入清单(公开)",
            operation_id="admission_list_in_force")
def list_in_force(request, params: Query[InForceQuery]):
    district = selectors.public_district(code=params.district)
    found = selectors.list_in_force(district_id=district.pk, day=params.date or timezone.localdate())
    if found is None:
        raise NotInScope(_("该日没有施行的准入清单"))
    return found


@router.get("/lists", response=list[ListOut], summary="本区准入清单的各版本", operation_id="admission_list_versions")
def list_versions(request):
    return list(selectors.list_versions(user=request.auth))


@router.get("/lists/{int:list_id}", response=ListDetailOut, summary="清单版本详情", operation_id="admission_list_get")
def list_get(request, list_id: int):
    return selectors.list_get(user=request.auth, pk=list_id)


@router.post("/lists/defaults", response={201: ListDetailOut}, summary="安装默认清单(本区尚无清单时)",
             operation_id="admission_list_defaults")
def list_defaults(request, payload: DefaultsIn):
    created = services.list_install_defaults(actor=request.auth, district_id=payload.district_id,
                                             effective_from=payload.effective_from)
    return Status(201, selectors.list_get(user=request.auth, pk=created.pk))


@router.post("/lists", response={201: ListDetailOut}, summary="新建清单草稿(复制最新版本)", operation_id="admission_list_draft")
def list_draft(request, payload: DraftIn):
    draft = services.list_draft_create(actor=request.auth, district_id=payload.district_id, title=payload.title)
    return Status(201, selectors.list_get(user=request.auth, pk=draft.pk))


@router.post("/lists/{int:list_id}/items", response={201: ItemOut}, summary="草稿中添加事项", operation_id="admission_item_add")
def item_add(request, list_id: int, payload: ItemIn):
    return Status(201, services.list_item_add(actor=request.auth, list_id=list_id, category=payload.category,
                                              name=payload.name, legal_basis=payload.legal_basis, note=payload.note))


@router.put("/lists/{int:list_id}/items/{item_id}", response=ItemOut, summary="修改草稿中的事项", operation_id="admission_item_change")
def item_change(request, list_id: int, item_id: int, payload: ItemChangeIn):
    _item_of(request, list_id, item_id)
    return services.list_item_update(actor=request.auth, item_id=item_id, name=payload.name,
                                     legal_basis=payload.legal_basis, note=payload.note)


@router.delete("/lists/{int:list_id}/items/{item_id}", response={204: None}, summary="删除草稿中的事项",
               operation_id="admission_item_remove")
def item_remove(request, list_id: int, item_id: int):
    _item_of(request, list_id, item_id)
    services.list_item_remove(actor=request.auth, item_id=item_id)
    return Status(204, None)


def _item_of(request, list_id: int, item_id: int) -> None:
    admission_list = selectors.list_get(user=request.auth, pk=list_id)
    if not admission_list.items.filter(pk=item_id).exists():
        raise NotInScope(_("记录不存在或不在您的辖区内"))


@router.post("/lists/{int:list_id}/publish", response=ListDetailOut, summary="发布草稿(自施行日起生效,上一版本前一日停止)",
             operation_id="admission_list_publish")
def list_publish(request, list_id: int, payload: PublishIn):
    services.list_publish(actor=request.auth, list_id=list_id, effective_from=payload.effective_from, note=payload.note)
    return selectors.list_get(user=request.auth, pk=list_id)


@router.get("/data-fields", response=list[DataFieldOut], summary="平台已掌握、可复用的数据项目录",
            operation_id="admission_data_fields")
def data_fields(request):
    from .datafields import FIELDS

    return [{"code": f.code, "label": str(f.label), "kind": f.kind} for f in FIELDS]


# --- tasks --------------------------------------------------------------------------------------

def _detail(request, pk: int) -> WorkTask:
    task = selectors.task_get(user=request.auth, pk=pk)
    task.assignments_visible = selectors.task_assignments(user=request.auth, task=task)
    task.timeline = list(selectors.task_events(user=request.auth, task=task, assignments=task.assignments_visible))
    return task


@router.get("/tasks", response=page_of(TaskOut), summary="部门工作事项(按辖区;部门只见本部门的,社区只见下派本社区的)",
            operation_id="admission_task_list")
def task_list(request, filters: Query[TaskQuery]):
    qs = selectors.task_list(user=request.auth, status=filters.status or "", department=filters.department,
                             duty_class=filters.duty_class or "", q=filters.q)
    return paginate(qs, filters)


@router.get("/tasks/{task_id}", response=TaskDetailOut, summary="事项详情(审批记录、承办情况)", operation_id="admission_task_get")
def task_get(request, task_id: int):
    return _detail(request, task_id)


@router.post("/tasks", response={201: TaskDetailOut},
             summary="部门提出工作事项(清单内直接下派;协助事项须附经费;清单外待审批)", operation_id="admission_task_submit")
def task_submit(request, payload: TaskIn):
    data = payload.dict()
    task = services.task_submit(actor=request.auth, **data)
    return Status(201, _detail(request, task.pk))


@router.put("/tasks/{task_id}", response=TaskDetailOut, summary="修改退回的申请并重新提交", operation_id="admission_task_resubmit")
def task_resubmit(request, task_id: int, payload: TaskIn):
    data = payload.dict()
    data.pop("department_id", None)
    services.task_resubmit(actor=request.auth, task_id=task_id, **data)
    return _detail(request, task_id)


@router.post("/tasks/{task_id}/approve", response=TaskDetailOut, summary="区社区办批准准入(并下派)",
             operation_id="admission_task_approve")
def task_approve(request, task_id: int, payload: DecisionIn):
    services.task_approve(actor=request.auth, task_id=task_id, reason=payload.reason, reuse=payload.reuse)
    return _detail(request, task_id)


@router.post("/tasks/{task_id}/reject", response=TaskDetailOut, summary="不予准入(须填理由)", operation_id="admission_task_reject")
def task_reject(request, task_id: int, payload: DecisionIn):
    services.task_reject(actor=request.auth, task_id=task_id, reason=payload.reason)
    return _detail(request, task_id)


@router.post("/tasks/{task_id}/return", response=TaskDetailOut, summary="退回修改(须填理由)", operation_id="admission_task_return")
def task_return(request, task_id: int, payload: DecisionIn):
    services.task_return(actor=request.auth, task_id=task_id, reason=payload.reason)
    return _detail(request, task_id)


@router.get("/tasks/{task_id}/reuse-export", summary="已批准的数据复用导出(限本事项社区与数据项,脱敏)",
            operation_id="admission_reuse_export", response={200: None})
def reuse_export(request, task_id: int, params: Query[ReuseQuery]):
    return reuse_response(actor=request.auth, task_id=task_id, kind=params.kind, fmt=params.format)


def reuse_response(*, actor, task_id: int, kind: str, fmt: str):
    """The HTTP answer of a data-reuse export (shared with the page)."""
    from shequ.transfer import exports

    headers, rows = services.reuse_export(actor=actor, task_id=task_id, kind=kind, fmt=fmt)
    name = f"admission-{task_id}-{kind}"
    if fmt == "xlsx":
        out = exports.xlsx_file(headers, rows, title=kind, text_columns=exports.text_columns(headers))
        response = HttpResponse(out.read(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    response = StreamingHttpResponse(exports.csv_stream(headers, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


# --- assignments --------------------------------------------------------------------------------

@router.get("/assignments", response=page_of(AssignmentOut), summary="本辖区的承办事项(社区/网格)",
            operation_id="admission_assignment_list")
def assignment_list(request, filters: Query[AssignmentQuery]):
    qs = selectors.assignment_list(user=request.auth, status=filters.status or "", level=filters.level, q=filters.q,
                                   overdue_on=timezone.localdate() if filters.overdue else None)
    return paginate(qs, filters)


@router.get("/assignments/{assignment_id}", response=AssignmentOut, summary="承办详情", operation_id="admission_assignment_get")
def assignment_get(request, assignment_id: int):
    return selectors.assignment_get(user=request.auth, pk=assignment_id)


@router.post("/assignments/{assignment_id}/forward", response=list[AssignmentOut], summary="社区转派网格",
             operation_id="admission_assignment_forward")
def assignment_forward(request, assignment_id: int, payload: ForwardIn):
    services.assignment_forward(actor=request.auth, assignment_id=assignment_id, grid_ids=payload.grid_ids,
                                due_on=payload.due_on, note=payload.note)
    return list(selectors.assignment_get(user=request.auth, pk=assignment_id).children.all())


@router.post("/assignments/{assignment_id}/complete", response=AssignmentOut, summary="报告完成(附件请用页面上传)",
             operation_id="admission_assignment_complete")
def assignment_complete(request, assignment_id: int, payload: CompleteIn):
    services.assignment_complete(actor=request.auth, assignment_id=assignment_id, result=payload.result)
    return selectors.assignment_get(user=request.auth, pk=assignment_id)


# --- unadmitted, stamps, plaques ------------------------------------------------------------------

@router.get("/unadmitted", response=page_of(UnadmittedOut), summary="未准入事项登记", operation_id="admission_unadmitted_list")
def unadmitted_list(request, params: Query[PageParams], status: str = "", department: int | None = None):
    if status and status not in UnadmittedReport.Status.values:
        status = ""
    return paginate(selectors.unadmitted_list(user=request.auth, status=status, department=department), params)


@router.post("/unadmitted", response={201: UnadmittedOut}, summary="社区登记未经准入的工作", operation_id="admission_unadmitted_flag")
def unadmitted_flag(request, payload: UnadmittedIn):
    report = services.unadmitted_flag(actor=request.auth, **payload.dict())
    return Status(201, selectors.unadmitted_get(user=request.auth, pk=report.pk))


@router.post("/unadmitted/{report_id}/review", response=UnadmittedOut, summary="区社区办核实(不予认定须填理由)",
             operation_id="admission_unadmitted_review")
def unadmitted_review(request, report_id: int, payload: ReviewIn):
    services.unadmitted_review(actor=request.auth, report_id=report_id, confirm=payload.confirm, reason=payload.reason)
    return selectors.unadmitted_get(user=request.auth, pk=report_id)


@router.get("/stamps", response=page_of(StampOut), summary="用印与证明记录", operation_id="admission_stamp_list")
def stamp_list(request, params: Query[PageParams], kind: str = "", outcome: str = ""):
    return paginate(selectors.stamp_list(user=request.auth, kind=kind if kind in StampRecord.Kind.values else "",
                                         outcome=outcome if outcome in StampRecord.Outcome.values else ""), params)


@router.post("/stamps", response={201: StampOut},
             summary="用印/开具证明:对照清单检查并记录(清单外拒绝,或说明理由后警示办理)", operation_id="admission_stamp_record")
def stamp_record(request, payload: StampIn):
    return Status(201, services.stamp_record(actor=request.auth, **payload.dict()))


@router.get("/plaques", response=page_of(PlaqueOut), summary="社区现有牌子", operation_id="admission_plaque_list")
def plaque_list(request, params: Query[PageParams]):
    return paginate(selectors.plaque_list(user=request.auth), params)


@router.post("/plaques", response={201: PlaqueOut}, summary="登记社区牌子", operation_id="admission_plaque_record")
def plaque_record(request, payload: PlaqueIn):
    return Status(201, services.plaque_record(actor=request.auth, **payload.dict()))


@router.post("/plaques/{plaque_id}/remove", response=PlaqueOut, summary="摘除牌子", operation_id="admission_plaque_remove")
def plaque_remove(request, plaque_id: int, payload: RemoveIn):
    return services.plaque_remove(actor=request.auth, plaque_id=plaque_id, removed_on=payload.removed_on)


# --- ledger and ranking ---------------------------------------------------------------------------

def ledger_nodes(user, node_id: int | None):
    """The nodes whose communities a ledger covers: ``node_id`` (in scope) or the user's bound nodes."""
    from shequ.jurisdiction import selectors as tree

    if not scoping.can(user, "admission.ledger"):
        raise NotAllowed(_("您的角色无权查看负担台账"), extra={"action": "admission.ledger"})
    if node_id is not None:
        return [tree.node_get(user=user, pk=node_id)]
    if scoping.is_global(user):
        from shequ.jurisdiction.models import Level, Node

        return list(Node.objects.filter(level=Level.DISTRICT))
    return scoping.bound_nodes(user)


@router.get("/ledger", response=LedgerOut, summary="社区负担台账与负担指数(按年)", operation_id="admission_ledger")
def ledger(request, params: Query[LedgerQuery]):
    year = params.year or timezone.localdate().year
    start, end = burden.year_range(year)
    return {"year": year, "rows": burden.ledger_for(ledger_nodes(request.auth, params.node), start, end)}


@router.get("/ranking", response=LedgerOut, summary="部门向社区转嫁负担排名(按年)", operation_id="admission_ranking")
def ranking(request, params: Query[RankingQuery]):
    year = params.year or timezone.localdate().year
    district_id = ranking_district(request.auth, params.district)
    start, end = burden.year_range(year)
    return {"year": year, "rows": burden.department_ranking(district_id, start, end)}


def ranking_district(user, district_id: int | None) -> int:
    if not scoping.can(user, "admission.ledger"):
        raise NotAllowed(_("您的角色无权查看负担台账"), extra={"action": "admission.ledger"})
    allowed = selectors.user_district_ids(user)
    if district_id is None:
        if not allowed:
            raise NotInScope(_("记录不存在或不在您的辖区内"))
        return min(allowed)
    if district_id not in allowed:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    return district_id

