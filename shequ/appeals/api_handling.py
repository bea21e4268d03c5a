"""Appeals API, handling beyond the basic moves: pauses and extensions with approval (挂起/延期),
co-handling units of multi-unit appeals (协办), and the audited reveal of the requester's contact.

Operations are added to ``api.router`` (imported at the end of ``api.py``).
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema, Status

from shequ.jurisdiction import selectors as tree_selectors

from . import cohandling, selectors, services, timing
from .api import AppealDetailOut, ReasonIn, ReplyIn, _detail, router
from .models import TimeLimitClass, TimeRequest

KindName = Literal[tuple(TimeRequest.Kind.values)]  # type: ignore[valid-type]
UnitName = Literal[tuple(TimeLimitClass.CompletionUnit.values)]  # type: ignore[valid-type]


class TimeRequestIn(Schema):
    kind: KindName = Field(..., description="pause 挂起(暂停计时)/ extension 延期")
    reason: str = Field(..., min_length=1, max_length=1000)
    extension_value: int | None = Field(None, ge=1, le=365, description="延期时长(延期必填)")
    extension_unit: UnitName | None = Field(None, description="hours / calendar_days / working_days")


class TimeRequestOut(Schema):
    id: int
    appeal_id: int
    appeal_number: str
    kind: str
    reason: str
    extension_value: int | None
    extension_unit: str
    status: str
    requested_by: str
    requested_at: dt.datetime
    decided_by: str
    decided_at: dt.datetime | None
    decision_note: str
    paused_from: dt.datetime | None
    paused_until: dt.datetime | None
    due_before: dt.datetime | None
    due_after: dt.datetime | None

    @staticmethod
    def resolve_appeal_number(obj) -> str:
        return obj.appeal.number

    @staticmethod
    def resolve_requested_by(obj) -> str:
        return obj.requested_by.username

    @staticmethod
    def resolve_decided_by(obj) -> str:
        return obj.decided_by.username if obj.decided_by_id else ""


class DecideIn(Schema):
    approve: bool
    note: str = Field("", max_length=1000, description="审批意见(驳回必填)")


class CoHandlerIn(Schema):
    node_id: int | None = Field(None, description="协办辖区单位(须管辖诉求发生地)")
    department_id: int | None = Field(None, description="协办部门(诉求所在区的部门)")
    task: str = Field(..., min_length=1, max_length=1000, description="协办事项")


class CoHandlerOut(Schema):
    id: int
    unit: str
    unit_type: str
    task: str
    reply: str
    replied_at: dt.datetime | None

    @staticmethod
    def resolve_unit(obj) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_unit_type(obj) -> str:
        return "department" if obj.department_id else "node"


class RevealOut(Schema):
    name: str
    phone: str


@router.get("/time-requests/pending", response=list[TimeRequestOut], summary="待审批的挂起/延期申请",
            operation_id="appeals_time_requests_pending")
def time_requests_pending(request):
    return list(selectors.pending_time_requests(user=request.auth)[:500])


@router.post("/time-requests/{request_id}/decide", response=TimeRequestOut, summary="审批挂起/延期申请(驳回须填理由)",
             operation_id="appeals_time_request_decide")
def time_request_decide(request, request_id: int, payload: DecideIn):
    return timing.time_request_decide(actor=request.auth, request_id=request_id, approve=payload.approve,
                                      note=payload.note)


@router.post("/cohandlers/{cohandler_id}/reply", response=CoHandlerOut, summary="协办单位答复本单位部分",
             operation_id="appeals_cohandler_reply")
def cohandler_reply(request, cohandler_id: int, payload: ReplyIn):
    return cohandling.cohandler_reply(actor=request.auth, cohandler_id=cohandler_id, reply=payload.reply)


@router.post("/cohandlers/{cohandler_id}/remove", response={204: None}, summary="移除未答复的协办单位(须填理由)",
             operation_id="appeals_cohandler_remove")
def cohandler_remove(request, cohandler_id: int, payload: ReasonIn):
    cohandling.cohandler_remove(actor=request.auth, cohandler_id=cohandler_id, reason=payload.reason)
    return Status(204, None)


@router.get("/{appeal_id}/time-requests", response=list[TimeRequestOut], summary="诉求的挂起/延期申请",
            operation_id="appeals_time_requests")
def time_requests(request, appeal_id: int):
    return list(selectors.appeal_time_requests(appeal=selectors.appeal_get(user=request.auth, pk=appeal_id)))


@router.post("/{appeal_id}/time-requests", response={201: TimeRequestOut}, summary="申请挂起或延期(须填理由,待上级审批)",
             operation_id="appeals_time_request_create")
def time_request_create(request, appeal_id: int, payload: TimeRequestIn):
    return Status(201, timing.time_request_create(
        actor=request.auth, appeal_id=appeal_id, kind=payload.kind, reason=payload.reason,
        extension_value=payload.extension_value, extension_unit=payload.extension_unit or ""))


@router.post("/{appeal_id}/resume", response=AppealDetailOut, summary="恢复计时(结束挂起)", operation_id="appeals_resume")
def appeal_resume(request, appeal_id: int):
    timing.appeal_resume(actor=request.auth, appeal_id=appeal_id)
    return _detail(request, appeal_id)


@router.get("/{appeal_id}/cohandlers", response=list[CoHandlerOut], summary="协办单位", operation_id="appeals_cohandlers")
def cohandler_list(request, appeal_id: int):
    return list(selectors.appeal_cohandlers(appeal=selectors.appeal_get(user=request.auth, pk=appeal_id)))


@router.post("/{appeal_id}/cohandlers", response={201: CoHandlerOut}, summary="增加协办单位(多部门联办,主办单位牵头)",
             operation_id="appeals_cohandler_add")
def cohandler_add(request, appeal_id: int, payload: CoHandlerIn):
    node = tree_selectors.node_get(user=request.auth, pk=payload.node_id) if payload.node_id else None
    department = selectors.department_get(pk=payload.department_id) if payload.department_id else None
    return Status(201, cohandling.cohandler_add(actor=request.auth, appeal_id=appeal_id, task=payload.task,
                                                node=node, department=department))


@router.post("/{appeal_id}/reveal", response=RevealOut, summary="查看诉求人姓名、电话明文(需专门权限,记入审计日志)",
             operation_id="appeals_reveal")
def appeal_reveal(request, appeal_id: int):
    appeal = selectors.appeal_get(user=request.auth, pk=appeal_id)
    return services.appeal_reveal(actor=request.auth, appeal=appeal, channel="api")
