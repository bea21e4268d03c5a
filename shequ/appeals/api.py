"""The appeals API (接诉即办): the catalog, intake by staff, scoped lists and details, and the
workflow moves (accept, dispatch/transfer, start, reply).

Reads go through ``selectors`` (scoped: missing and foreign appeals are both 404), writes through
``services`` (role check 403, illegal move 409, audited). The requester's phone is masked in
every answer; the name shows its first character only.
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils import timezone
from django.http import HttpResponse
from ninja import Field, Header, Query, Router, Schema

from shequ.core import idempotency
from shequ.core.pagination import PageParams, page_of, paginate
from shequ.core.schemas import document
from shequ.jurisdiction import selectors as tree_selectors
from shequ.registry import selectors as registry_selectors
from shequ.registry.schemas import masked

from shequ.security.ratelimit import limit

from . import selectors, services
from .models import Appeal, Channel, ContactKind, Satisfaction

router = Router(tags=["接诉即办"])

ChannelName = Literal[tuple(Channel.values)]  # type: ignore[valid-type]
ContactKindName = Literal[tuple(ContactKind.values)]  # type: ignore[valid-type]
StatusName = Literal[tuple(Appeal.Status.values)]  # type: ignore[valid-type]
SatisfactionName = Literal[tuple(Satisfaction.values)]  # type: ignore[valid-type]


# --- schemas -----------------------------------------------------------------------------------

class CategoryOut(Schema):
    code: str
    name: str
    group: str
    unit_kind: str
    department_kind: str
    contact_kind: str
    time_limit: str = Field(..., description="时限类别代码")

    @staticmethod
    def resolve_time_limit(obj) -> str:
        return obj.time_limit.code


class UnitOut(Schema):
    type: str = Field(..., description="node 辖区单位 / department 区直部门")
    id: int
    name: str


def _unit(node, department) -> dict | None:
    if department is not None:
        return {"type": "department", "id": department.pk, "name": department.name}
    if node is not None:
        return {"type": "node", "id": node.pk, "name": node.name}
    return None


class AppealOut(Schema):
    id: int
    number: str
    status: str
    status_label: str
    channel: str
    contact_kind: str
    category: str
    category_name: str
    community: str
    handling_unit: UnitOut | None
    received_at: dt.datetime
    completion_due_at: dt.datetime | None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return Appeal.status_label(obj.status)

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.category.code

    @staticmethod
    def resolve_category_name(obj) -> str:
        return obj.category.name

    @staticmethod
    def resolve_community(obj) -> str:
        return obj.community.name if obj.community_id else ""

    @staticmethod
    def resolve_handling_unit(obj) -> dict | None:
        return _unit(obj.handling_node, obj.handling_department)


#: The columns of a list row. Lists read these as plain rows and build ``AppealOut`` documents
#: directly (``_list_item``): loading 50 appeals with their category, units and community as model
#: instances and passing them through the resolvers cost several times the query itself.
_LIST_COLUMNS = ("id", "number", "status", "channel", "contact_kind", "category__code", "category__name",
                 "community__name", "handling_node_id", "handling_node__name", "handling_department_id",
                 "handling_department__name", "received_at", "completion_due_at")


def _list_item(row: dict) -> dict:
    """One ``AppealOut`` document (same keys, order and values) from a row of ``_LIST_COLUMNS``."""
    if row["handling_department_id"] is not None:
        unit = {"type": "department", "id": row["handling_department_id"], "name": row["handling_department__name"]}
    elif row["handling_node_id"] is not None:
        unit = {"type": "node", "id": row["handling_node_id"], "name": row["handling_node__name"]}
    else:
        unit = None
    return {"id": row["id"], "number": row["number"], "status": row["status"], "status_label": Appeal.status_label(row["status"]),
            "channel": row["channel"], "contact_kind": row["contact_kind"], "category": row["category__code"],
            "category_name": row["category__name"], "community": row["community__name"] or "", "handling_unit": unit,
            "received_at": row["received_at"], "completion_due_at": row["completion_due_at"]}


class EventOut(Schema):
    at: dt.datetime
    actor: str = Field(..., description="操作人账号")
    verb: str
    from_status: str
    to_status: str
    note: str

    @staticmethod
    def resolve_actor(obj) -> str:
        return obj.actor_name


class AppealDetailOut(AppealOut):
    description: str
    lng: float | None
    lat: float | None
    address_text: str
    address: str = Field(..., description="匹配的标准地址")
    requester_name: str = Field(..., description="诉求人(脱敏)")
    requester_phone: str = Field(..., description="诉求人电话(脱敏)")
    routing_reason: str
    first_receiver: str = Field(..., description="首问责任人账号")
    lead_unit: UnitOut | None
    accept_due_at: dt.datetime | None
    dispatch_due_at: dt.datetime | None
    response_due_at: dt.datetime | None
    accepted_at: dt.datetime | None
    dispatched_at: dt.datetime | None
    started_at: dt.datetime | None
    replied_at: dt.datetime | None
    reply: str
    solved: bool | None
    satisfaction: str
    evaluated_at: dt.datetime | None
    closed_at: dt.datetime | None
    return_count: int
    reopen_count: int
    paused_since: dt.datetime | None = Field(None, description="挂起起始时间(挂起期间不计时)")
    response_overdue_at: dt.datetime | None
    completion_warn_at: dt.datetime | None
    escalated_at: dt.datetime | None
    merged_into: int | None = Field(None, description="已作为重复诉求并入的主诉求 id")
    timeline: list[EventOut]

    @staticmethod
    def resolve_address(obj) -> str:
        return obj.address.full_text if obj.address_id else ""

    @staticmethod
    def resolve_requester_name(obj) -> str:
        name = obj.requester_name or ""
        return name[:1] + "*" * (len(name) - 1) if name else ""

    @staticmethod
    def resolve_requester_phone(obj) -> str:
        return masked("phone", obj.requester_phone)

    @staticmethod
    def resolve_first_receiver(obj) -> str:
        return obj.first_receiver.username if obj.first_receiver_id else ""

    @staticmethod
    def resolve_lead_unit(obj) -> dict | None:
        return _unit(obj.lead_node, obj.lead_department)

    @staticmethod
    def resolve_merged_into(obj) -> int | None:
        return obj.merged_into_id


class AppealQuery(PageParams):
    status: StatusName | None = None
    category: str = Field("", max_length=40, description="类别代码")
    node: int | None = Field(None, description="只列此辖区节点之下")
    overdue: bool = Field(False, description="只列未办结且已超过办结时限的")


class AppealSubmitIn(Schema):
    channel: ChannelName
    category: str = Field(..., max_length=40, description="类别代码(见 /appeals/categories)")
    description: str = Field(..., min_length=1, max_length=4000)
    contact_kind: ContactKindName | None = Field(None, description="默认取类别的诉求类型")
    lng: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    address_text: str = Field("", max_length=300)
    address_id: int | None = Field(None, description="已知的标准地址 id")
    requester_name: str = Field("", max_length=50)
    requester_phone: str = Field("", max_length=30)


class DispatchIn(Schema):
    node_id: int | None = Field(None, description="派往的辖区单位(网格、社区、街道、区)")
    department_id: int | None = Field(None, description="派往的区直部门")
    note: str = Field("", max_length=1000, description="理由(转办时必填)")


class ReplyIn(Schema):
    reply: str = Field(..., min_length=1, max_length=4000)


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=1000)


class NoteIn(Schema):
    note: str = Field("", max_length=1000)


class EvaluateIn(Schema):
    solved: bool
    satisfaction: SatisfactionName
    note: str = Field("", max_length=1000)


# --- operations --------------------------------------------------------------------------------

def _answer(request, response: HttpResponse, appeal: Appeal, *, status: int) -> HttpResponse:
    """The ``AppealDetailOut`` answer for an appeal the code has just made or loaded, built directly
    (``core.schemas.document``: the same JSON Ninja makes of it, without its validation pass)."""
    from shequ.api import api  # the API this router is mounted on (imported here: it imports this module)

    response.status_code = status
    return api.create_response(request, document(AppealDetailOut, appeal), temporal_response=response)


def _detail(request, pk: int) -> Appeal:
    appeal = selectors.appeal_get(user=request.auth, pk=pk)
    appeal.timeline = list(selectors.appeal_timeline(user=request.auth, appeal=appeal))
    return appeal


@router.get("/categories", response=list[CategoryOut], summary="派单目录(启用的类别)", operation_id="appeals_category_list")
def category_list(request):
    return list(selectors.category_list())


@router.get("", response=page_of(AppealOut), summary="诉求列表(按辖区或承办部门过滤)", operation_id="appeals_list")
def appeal_list(request, filters: Query[AppealQuery]):
    qs = selectors.appeal_list(
        user=request.auth, status=filters.status or "",
        category=selectors.category_get(code=filters.category) if filters.category else None,
        node=tree_selectors.node_get(user=request.auth, pk=filters.node) if filters.node else None,
        overdue_at=timezone.now() if filters.overdue else None,
    )
    page = paginate(qs, filters, columns=_LIST_COLUMNS)
    # Built as the page schema would dump it, then rendered by the API's own renderer (same JSON).
    document = {"count": page["count"], "count_is_estimate": page["count_is_estimate"], "limit": page["limit"],
                "offset": page["offset"], "items": [_list_item(row) for row in page["items"]]}
    from shequ.api import api  # the API this router is mounted on (imported here: it imports this module)

    return api.create_response(request, document, status=200)


@router.get("/{appeal_id}", response=AppealDetailOut, summary="诉求详情(含派单依据与办理记录)", operation_id="appeals_get")
def appeal_get(request, appeal_id: int):
    return _detail(request, appeal_id)


@router.post("", response={201: AppealDetailOut}, summary="登记诉求(窗口、热线、巡查等)", operation_id="appeals_submit",
             description="带 Idempotency-Key 请求头重试同一请求(如超时后)不会重复登记:返回第一次登记的诉求,"
                         "响应头 Idempotent-Replayed: true;同一个键用于不同的请求正文时返回 422。键保留 24 小时。")
def appeal_submit(request, payload: AppealSubmitIn, response: HttpResponse,
                  idempotency_key: str | None = Header(None, alias=idempotency.HEADER, max_length=idempotency.KEY_MAX)):
    limit(request, "appeal_create")
    key = idempotency.checked_key(idempotency_key)

    def create():
        address = registry_selectors.address_get(user=request.auth, pk=payload.address_id) if payload.address_id else None
        return services.appeal_submit(
            actor=request.auth, channel=payload.channel, category=selectors.category_get(code=payload.category),
            description=payload.description, contact_kind=payload.contact_kind or "", lng=payload.lng, lat=payload.lat,
            address=address, address_text=payload.address_text, requester_name=payload.requester_name,
            requester_phone=payload.requester_phone,
        )

    # A key belongs to the user who sent it: the appeal it made is theirs to see again as they saw it
    # the first time (also when it lies outside their area, as below).
    appeal, replayed = idempotency.once(owner=f"user:{request.auth.pk}", key=key,
                                        body_fingerprint=lambda: idempotency.fingerprint(request.body), create=create,
                                        load=selectors.appeal_by_id)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    # An appeal placed outside the receiver's own area (first-ask: they still took it in) is not in
    # their scope afterwards: answer from the service's result, as for a transfer (a new appeal
    # comes with its timeline; a replayed one reads it).
    if replayed:
        appeal.timeline = list(selectors.appeal_timeline(user=request.auth, appeal=appeal))
    return _answer(request, response, appeal, status=201)


@router.post("/{appeal_id}/accept", response=AppealDetailOut, summary="签收", operation_id="appeals_accept")
def appeal_accept(request, appeal_id: int):
    services.appeal_accept(actor=request.auth, appeal_id=appeal_id)
    return _detail(request, appeal_id)


@router.post("/{appeal_id}/dispatch", response=AppealDetailOut, summary="派单或转办(转办须填理由)", operation_id="appeals_dispatch")
def appeal_dispatch(request, appeal_id: int, payload: DispatchIn):
    node = tree_selectors.node_get(user=request.auth, pk=payload.node_id) if payload.node_id else None
    department = selectors.department_get(pk=payload.department_id) if payload.department_id else None
    appeal = services.appeal_dispatch(actor=request.auth, appeal_id=appeal_id, node=node, department=department,
                                      note=payload.note)
    # A department that transfers an appeal away no longer sees it: answer from the service's result.
    appeal.timeline = list(selectors.appeal_timeline(user=request.auth, appeal=appeal))
    return appeal


@router.post("/{appeal_id}/start", response=AppealDetailOut, summary="开始办理", operation_id="appeals_start")
def appeal_start(request, appeal_id: int):
    services.appeal_start(actor=request.auth, appeal_id=appeal_id)
    return _detail(request, appeal_id)


@router.post("/{appeal_id}/reply", response=AppealDetailOut, summary="答复诉求人", operation_id="appeals_reply")
def appeal_reply(request, appeal_id: int, payload: ReplyIn):
    services.appeal_reply(actor=request.auth, appeal_id=appeal_id, reply=payload.reply)
    return _detail(request, appeal_id)


@router.post("/{appeal_id}/return", response=AppealDetailOut, summary="退单(须填理由,次数有限)", operation_id="appeals_return")
def appeal_return(request, appeal_id: int, payload: ReasonIn):
    appeal = services.appeal_return(actor=request.auth, appeal_id=appeal_id, reason=payload.reason)
    # The returning department no longer handles the appeal: answer from the service's result.
    appeal.timeline = list(selectors.appeal_timeline(user=request.auth, appeal=appeal))
    return appeal


@router.post("/{appeal_id}/evaluate", response=AppealDetailOut, summary="录入诉求人评价(是否解决、满意度)",
             operation_id="appeals_evaluate")
def appeal_evaluate(request, appeal_id: int, payload: EvaluateIn):
    services.appeal_evaluate(actor=request.auth, appeal_id=appeal_id, solved=payload.solved,
                             satisfaction=payload.satisfaction, note=payload.note)
    return _detail(request, appeal_id)


@router.post("/{appeal_id}/close", response=AppealDetailOut, summary="办结(未经办理直接办结须说明理由)",
             operation_id="appeals_close")
def appeal_close(request, appeal_id: int, payload: NoteIn):
    services.appeal_close(actor=request.auth, appeal_id=appeal_id, note=payload.note)
    return _detail(request, appeal_id)


@router.post("/{appeal_id}/reopen", response=AppealDetailOut, summary="重启(须填理由,次数有限)", operation_id="appeals_reopen")
def appeal_reopen(request, appeal_id: int, payload: ReasonIn):
    services.appeal_reopen(actor=request.auth, appeal_id=appeal_id, reason=payload.reason)
    return _detail(request, appeal_id)


from . import api_handling  # noqa: E402,F401  (adds the handling operations to this router)
# --- duplicates (可能重复) and merging --------------------------------------------------------

class DuplicateOut(AppealOut):
    distance_m: float | None = Field(..., description="与本诉求的距离(米);仅按标准地址匹配时为空")
    same_address: bool = Field(..., description="匹配到同一标准地址")


class MergeIn(Schema):
    into_id: int = Field(..., description="并入的主诉求 id")
    reason: str = Field(..., min_length=1, max_length=1000, description="合并理由(必填)")


@router.get("/{appeal_id}/duplicates", response=list[DuplicateOut], summary="可能重复的诉求(同类、邻近、近期、未办结)",
            operation_id="appeals_duplicates")
def appeal_duplicates(request, appeal_id: int):
    appeal = selectors.appeal_get(user=request.auth, pk=appeal_id)
    return selectors.appeal_duplicates(user=request.auth, appeal=appeal)


@router.post("/{appeal_id}/merge", response=AppealDetailOut, summary="将本诉求作为重复诉求并入另一诉求(须填理由,不可撤销)",
             operation_id="appeals_merge")
def appeal_merge(request, appeal_id: int, payload: MergeIn):
    services.appeal_merge(actor=request.auth, appeal_id=appeal_id, into_id=payload.into_id, reason=payload.reason)
    return _detail(request, appeal_id)
