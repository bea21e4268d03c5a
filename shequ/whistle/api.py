"""The whistle-and-report API (吹哨报到, ``/api/whistle``): scoped list and detail, blowing a
whistle, each department's steps, the street's scores, closing, and the department ranking.

Reads go through ``selectors`` / ``ranking`` (scoped: missing and foreign whistles are both 404),
writes through ``services`` (role check 403, illegal step 409, bad input 422, audited).
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from shequ.core.errors import NotInScope
from shequ.core.pagination import PageParams, page_of, paginate
from shequ.jurisdiction import scoping
from shequ.jurisdiction import selectors as tree_selectors

from . import ranking as rank
from . import selectors, services
from .models import Urgency, Whistle, WhistleTarget

router = Router(tags=["吹哨报到"])

UrgencyName = Literal[tuple(Urgency.values)]  # type: ignore[valid-type]
StatusName = Literal[tuple(Whistle.Status.values)]  # type: ignore[valid-type]


# --- schemas -----------------------------------------------------------------------------------

class TargetOut(Schema):
    id: int
    department_id: int
    department: str
    status: str
    status_label: str
    acknowledged_at: dt.datetime | None
    on_site_at: dt.datetime | None
    on_site_people: str
    report_state: str = Field(..., description="on_time 按时 / late 迟到 / overdue 超时未到 / pending 未到时限")
    acted_at: dt.datetime | None
    action_notes: str
    replied_at: dt.datetime | None
    reply: str
    reply_state: str = Field(..., description="on_time / late / overdue / pending")
    score_timeliness: int | None
    score_attitude: int | None
    score_result: int | None
    score: float | None = Field(..., description="三项(各 1–5)之和折算为 0–100")
    score_comment: str
    scored_at: dt.datetime | None

    @staticmethod
    def resolve_department(obj) -> str:
        return obj.department.name

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_score(obj) -> float | None:
        return float(obj.score) if obj.score is not None else None


class WhistleOut(Schema):
    id: int
    title: str
    status: str
    status_label: str
    urgency: str
    street_id: int
    street: str
    place_id: int
    place: str
    whistled_at: dt.datetime
    report_due_at: dt.datetime
    reply_due_at: dt.datetime
    closed_at: dt.datetime | None
    targets: list[TargetOut]

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_street(obj) -> str:
        return obj.street.name

    @staticmethod
    def resolve_place(obj) -> str:
        return obj.place.name

    @staticmethod
    def resolve_targets(obj) -> list:
        return obj.visible_targets


class EventOut(Schema):
    at: dt.datetime
    actor: str
    verb: str
    department: str
    note: str

    @staticmethod
    def resolve_actor(obj) -> str:
        return obj.actor_name

    @staticmethod
    def resolve_department(obj) -> str:
        return obj.target.department.name if obj.target_id else ""


class WhistleDetailOut(WhistleOut):
    description: str
    address_text: str
    lng: float | None
    lat: float | None
    whistled_by: str
    appeals: list[str] = Field(..., description="关联诉求编号")
    timeline: list[EventOut]

    @staticmethod
    def resolve_whistled_by(obj) -> str:
        return obj.whistled_by.username if obj.whistled_by_id else ""

    @staticmethod
    def resolve_appeals(obj) -> list[str]:
        return [a.number for a in obj.appeals.all()]


class WhistleQuery(PageParams):
    status: StatusName | None = None
    urgency: UrgencyName | None = None
    department: int | None = Field(None, description="只列向此部门吹哨的")
    late: bool = Field(False, description="只列有部门超时未到场或未回复的(未办结)")
    q: str = Field("", max_length=100, description="事项包含")


class WhistleIn(Schema):
    place_id: int = Field(..., description="街道或其下的社区、网格节点")
    title: str = Field(..., min_length=1, max_length=100)
    description: str = Field(..., min_length=1, max_length=4000)
    department_ids: list[int] = Field(..., min_length=1, description="本区的区直部门")
    urgency: UrgencyName = Urgency.NORMAL  # type: ignore[valid-type]
    appeal_ids: list[int] = Field(default_factory=list, description="关联诉求 id(须在辖区内)")
    address_text: str = Field("", max_length=300)
    lng: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    report_due_at: dt.datetime | None = Field(None, description="到场时限;不填按紧急程度")


class OnSiteIn(Schema):
    people: str = Field("", max_length=200, description="到场人员")
    arrived_at: dt.datetime | None = Field(None, description="到场时间,不填为现在")


class ActIn(Schema):
    notes: str = Field(..., min_length=1, max_length=4000)


class ReplyIn(Schema):
    reply: str = Field(..., min_length=1, max_length=4000)


class ScoreIn(Schema):
    timeliness: int = Field(..., ge=1, le=5, description="响应时效 1–5")
    attitude: int = Field(..., ge=1, le=5, description="工作态度 1–5")
    result: int = Field(..., ge=1, le=5, description="处置效果 1–5")
    comment: str = Field(..., min_length=1, max_length=1000)
    reason: str = Field("", max_length=1000, description="修改已有评分时必填")


class CloseIn(Schema):
    note: str = Field("", max_length=1000)


class RankingQuery(Schema):
    period: Literal["month", "year"] = "month"
    year: int | None = Field(None, ge=2000, le=2100, description="默认今年")
    month: int | None = Field(None, ge=1, le=12, description="月度时必填,默认本月")
    district: int | None = Field(None, description="区县节点 id,默认用户所在区")


class RankRowOut(Schema):
    rank: int | None
    department_id: int
    name: str
    whistles: int
    scored: int
    average_score: float | None
    report_on_time: int
    report_known: int
    report_rate: float | None
    reply_on_time: int
    reply_known: int
    reply_rate: float | None


class RankingOut(Schema):
    district_id: int
    district: str
    period: str
    start: dt.date
    end: dt.date = Field(..., description="不含")
    rows: list[RankRowOut]


# --- operations --------------------------------------------------------------------------------

def _with_targets(request, whistle: Whistle) -> Whistle:
    """Attach the department rows with their on-time states for the schema."""
    whistle.visible_targets = selectors.visible_targets(user=request.auth, whistle=whistle, now=timezone.now())
    return whistle


def _detail(request, pk: int) -> Whistle:
    whistle = _with_targets(request, selectors.whistle_get(user=request.auth, pk=pk))
    whistle.timeline = list(selectors.whistle_timeline(user=request.auth, whistle=whistle))
    return whistle


@router.get("/ranking", response=RankingOut, summary="部门报到排名(平均得分、按时到场率、按时回复率、吹哨次数)",
            operation_id="whistle_ranking")
def department_ranking(request, params: Query[RankingQuery]):
    today = timezone.localdate(timezone.now(), timezone=rank.SHANGHAI)
    return rank.department_ranking(user=request.auth, period=params.period, year=params.year or today.year,
                                   month=(params.month or today.month) if params.period == "month" else None,
                                   district_id=params.district)


@router.get("", response=page_of(WhistleOut), summary="吹哨列表(按辖区;部门只见向其吹哨的)", operation_id="whistle_list")
def whistle_list(request, filters: Query[WhistleQuery]):
    qs = selectors.whistle_list(user=request.auth, status=filters.status or "", urgency=filters.urgency or "",
                                department=filters.department, late_at=timezone.now() if filters.late else None,
                                q=filters.q)
    page = paginate(qs, filters)
    page["items"] = [_with_targets(request, w) for w in page["items"]]
    return page


@router.get("/{whistle_id}", response=WhistleDetailOut, summary="吹哨详情(各部门进度与办理记录)", operation_id="whistle_get")
def whistle_get(request, whistle_id: int):
    return _detail(request, whistle_id)


@router.post("", response={201: WhistleDetailOut}, summary="吹哨(街道向区直部门)", operation_id="whistle_create")
def whistle_create(request, payload: WhistleIn):
    whistle = services.whistle_create(
        actor=request.auth, place=tree_selectors.node_get(user=request.auth, pk=payload.place_id), title=payload.title,
        description=payload.description, department_ids=payload.department_ids, urgency=payload.urgency,
        appeal_ids=payload.appeal_ids, address_text=payload.address_text, lng=payload.lng, lat=payload.lat,
        report_due_at=payload.report_due_at)
    return Status(201, _detail(request, whistle.pk))


def _target_of(request, whistle_id: int, target_id: int) -> WhistleTarget:
    """The department row ``target_id`` of a whistle the user sees (404 otherwise)."""
    whistle = selectors.whistle_get(user=request.auth, pk=whistle_id)
    target = next((t for t in whistle.targets.all() if t.pk == target_id), None)
    if target is None:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    return target


@router.post("/{whistle_id}/targets/{target_id}/acknowledge", response=WhistleDetailOut, summary="部门签收",
             operation_id="whistle_acknowledge")
def target_acknowledge(request, whistle_id: int, target_id: int):
    scoping.ensure_can(request.auth, "whistle.act")
    services.target_acknowledge(actor=request.auth, target_id=_target_of(request, whistle_id, target_id).pk)
    return _detail(request, whistle_id)


@router.post("/{whistle_id}/targets/{target_id}/on-site", response=WhistleDetailOut, summary="部门到场报到",
             operation_id="whistle_on_site")
def target_on_site(request, whistle_id: int, target_id: int, payload: OnSiteIn):
    scoping.ensure_can(request.auth, "whistle.act")
    services.target_report_on_site(actor=request.auth, target_id=_target_of(request, whistle_id, target_id).pk,
                                   people=payload.people, arrived_at=payload.arrived_at)
    return _detail(request, whistle_id)


@router.post("/{whistle_id}/targets/{target_id}/act", response=WhistleDetailOut, summary="部门记录处置情况",
             operation_id="whistle_act")
def target_act(request, whistle_id: int, target_id: int, payload: ActIn):
    scoping.ensure_can(request.auth, "whistle.act")
    services.target_act(actor=request.auth, target_id=_target_of(request, whistle_id, target_id).pk, notes=payload.notes)
    return _detail(request, whistle_id)


@router.post("/{whistle_id}/targets/{target_id}/reply", response=WhistleDetailOut, summary="部门回复办理结果",
             operation_id="whistle_reply")
def target_reply(request, whistle_id: int, target_id: int, payload: ReplyIn):
    scoping.ensure_can(request.auth, "whistle.act")
    services.target_reply(actor=request.auth, target_id=_target_of(request, whistle_id, target_id).pk, reply=payload.reply)
    return _detail(request, whistle_id)


@router.post("/{whistle_id}/targets/{target_id}/score", response=WhistleDetailOut,
             summary="街道为部门打分(改分须填理由;办结后仅区社区办可改)", operation_id="whistle_score")
def target_score(request, whistle_id: int, target_id: int, payload: ScoreIn):
    scoping.ensure_can(request.auth, "whistle.score")
    services.target_score(actor=request.auth, target_id=_target_of(request, whistle_id, target_id).pk,
                          timeliness=payload.timeliness, attitude=payload.attitude, result=payload.result,
                          comment=payload.comment, reason=payload.reason)
    return _detail(request, whistle_id)


@router.post("/{whistle_id}/close", response=WhistleDetailOut, summary="办结吹哨(各部门均已评分)", operation_id="whistle_close")
def whistle_close(request, whistle_id: int, payload: CloseIn):
    services.whistle_close(actor=request.auth, whistle_id=whistle_id, note=payload.note)
    return _detail(request, whistle_id)
