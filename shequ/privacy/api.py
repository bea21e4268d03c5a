"""Personal-information requests (个人信息权利) for staff: list, register, complete, reject."""
from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema
from ninja.responses import Status

from shequ.core.pagination import PageParams, page_of, paginate
from shequ.registry import selectors as registry_selectors

from . import selectors, services

router = Router(tags=["个人信息权利"])


class DataRequestOut(Schema):
    id: int
    number: str
    kind: str
    status: str
    channel: str
    resident_id: int
    community_id: int | None
    reason: str
    due_on: dt.date
    response: str
    decided_at: dt.datetime | None


class DataRequestIn(Schema):
    resident_id: int
    kind: str
    reason: str = ""
    corrections: dict[str, str] = {}


class DecisionIn(Schema):
    response: str = ""


class RequestQuery(PageParams):
    status: str = ""


DataRequestPage = page_of(DataRequestOut)


@router.get("/requests", response=DataRequestPage, summary="辖区内的个人信息权利请求", operation_id="privacy_list")
def request_list(request, params: Query[RequestQuery]):
    return paginate(selectors.request_list(user=request.auth, status=params.status), params)


@router.post("/requests", response={201: DataRequestOut}, summary="窗口代为登记请求", operation_id="privacy_file")
def request_file(request, payload: DataRequestIn):
    resident = registry_selectors.resident_get(user=request.auth, pk=payload.resident_id)
    return Status(201, services.request_file(actor=request.auth, resident=resident, kind=payload.kind,
                                             reason=payload.reason, corrections=payload.corrections))


@router.get("/requests/{request_id}", response=DataRequestOut, summary="请求详情", operation_id="privacy_get")
def request_get(request, request_id: int):
    return selectors.request_get(user=request.auth, pk=request_id)


@router.post("/requests/{request_id}/complete", response=DataRequestOut, summary="办结(更正写入、删除执行)",
             operation_id="privacy_complete")
def request_complete(request, request_id: int, payload: DecisionIn):
    return services.request_complete(actor=request.auth, request_id=request_id, response=payload.response)


@router.post("/requests/{request_id}/reject", response=DataRequestOut, summary="不予办理(须说明理由)",
             operation_id="privacy_reject")
def request_reject(request, request_id: int, payload: DecisionIn):
    return services.request_reject(actor=request.auth, request_id=request_id, response=payload.response)
