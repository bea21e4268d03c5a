"""The volunteers API (志愿服务), at /api/volunteers: volunteers, activities with sign-up, check-in and
confirmed hours, the leaderboard, call-outs by grid; and the resident's own (``/me``).

Reads go through ``selectors`` (scoped: missing and foreign records are both 404), writes through
``services`` (role 403, illegal move 409, bad input 422 naming the field, audited). Phones are
masked; a resident volunteer's name and phone come from the registry.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from shequ.core.errors import NotInScope
from shequ.core.idcard import mask_phone
from shequ.core.pagination import PageParams, page_of, paginate
from shequ.jurisdiction import selectors as tree_selectors

from . import selectors, services
from .models import Activity, CallOut, CallOutReply, Volunteer

router = Router(tags=["志愿服务"])

ActivityKind = Literal[tuple(Activity.Kind.values)]  # type: ignore[valid-type]
ActivityStatus = Literal[tuple(Activity.Status.values)]  # type: ignore[valid-type]
CallOutKind = Literal[tuple(CallOut.Kind.values)]  # type: ignore[valid-type]
VolunteerStatus = Literal[tuple(Volunteer.Status.values)]  # type: ignore[valid-type]


class VolunteerOut(Schema):
    id: int
    name: str
    is_resident: bool = Field(..., description="是否为登记居民(个人信息在居民库中)")
    resident_id: int | None
    phone: str = Field(..., description="联系电话(脱敏)")
    community: str
    grid: str
    skills: list[str]
    status: str
    emergency_ready: bool
    registered_at: dt.datetime
    hours: Decimal = Field(..., description="已确认的服务时长合计(小时)")

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name

    @staticmethod
    def resolve_is_resident(obj) -> bool:
        return obj.resident_id is not None

    @staticmethod
    def resolve_phone(obj) -> str:
        return mask_phone(obj.contact_phone)

    @staticmethod
    def resolve_community(obj) -> str:
        return obj.community.name if obj.community_id else ""

    @staticmethod
    def resolve_grid(obj) -> str:
        return obj.grid.name if obj.grid_id else ""

    @staticmethod
    def resolve_skills(obj) -> list[str]:
        return [s.code for s in obj.skills.all()]

    @staticmethod
    def resolve_hours(obj) -> Decimal:
        value = getattr(obj, "total_hours", None)
        return value if value is not None else selectors.volunteer_hours(volunteer=obj)


class VolunteerIn(Schema):
    resident_id: int | None = Field(None, description="登记居民的编号;非居民则留空并填写姓名、电话、所属网格")
    name: str = ""
    phone: str = ""
    node_id: int | None = Field(None, description="非居民志愿者所属社区或网格")
    skills: list[str] = []
    emergency_ready: bool = True
    note: str = ""


class VolunteerPatch(Schema):
    skills: list[str] | None = None
    status: VolunteerStatus | None = None
    emergency_ready: bool | None = None
    note: str | None = None


class VolunteerQuery(PageParams):
    q: str = ""
    skill: str = ""
    status: str = Volunteer.Status.ACTIVE
    node: int | None = None


class ActivityOut(Schema):
    id: int
    title: str
    kind: str
    status: str
    node: str
    community: str
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    taken: int = Field(..., description="占用名额(已报名、已签到、已确认)")
    hours: Decimal
    description: str

    @staticmethod
    def resolve_node(obj) -> str:
        return obj.node.name

    @staticmethod
    def resolve_community(obj) -> str:
        return obj.community.name if obj.community_id else ""

    @staticmethod
    def resolve_taken(obj) -> int:
        return getattr(obj, "taken", 0)


class SignUpOut(Schema):
    id: int
    activity_id: int
    volunteer_id: int
    volunteer: str
    status: str
    signed_at: dt.datetime
    checked_in_at: dt.datetime | None
    hours: Decimal | None
    confirmed_at: dt.datetime | None

    @staticmethod
    def resolve_volunteer(obj) -> str:
        return obj.volunteer.display_name


class ActivityDetailOut(ActivityOut):
    signups: list[SignUpOut]

    @staticmethod
    def resolve_signups(obj) -> list:
        return selectors.activity_signups(activity=obj)


class ActivityIn(Schema):
    title: str
    node_id: int = Field(..., description="组织单位:社区或网格")
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int = Field(..., ge=1, description="报名人数上限")
    hours: Decimal | None = Field(None, description="每人计入的服务时长;默认为活动时长")
    kind: ActivityKind = "service"
    place: str = ""
    description: str = ""
    skills: list[str] = []


class ActivityQuery(PageParams):
    status: str = ""
    kind: str = ""
    node: int | None = None


class StatusIn(Schema):
    status: Literal["open", "closed", "finished", "cancelled"]


class SignUpIn(Schema):
    volunteer_id: int | None = Field(None, description="工作人员代为报名时的志愿者;居民本人报名留空")


class HoursIn(Schema):
    hours: Decimal | None = Field(None, description="确认的时长;默认为活动计时")


class LeaderOut(Schema):
    rank: int
    volunteer_id: int
    name: str
    community: str
    hours: Decimal
    activities: int


class LeaderQuery(Schema):
    node: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    limit: int = Field(20, ge=1, le=100)


class ReplyOut(Schema):
    volunteer_id: int
    volunteer: str
    answer: str
    answered_at: dt.datetime | None

    @staticmethod
    def resolve_volunteer(obj) -> str:
        return obj.volunteer.display_name


class CallOutOut(Schema):
    id: int
    kind: str
    status: str
    grid: str
    message: str
    needed: int
    called_at: dt.datetime
    called: int = Field(..., description="召集人数")
    answered_yes: int

    @staticmethod
    def resolve_grid(obj) -> str:
        return obj.node.name

    @staticmethod
    def resolve_called(obj) -> int:
        return getattr(obj, "called", None) if getattr(obj, "called", None) is not None else obj.replies.count()

    @staticmethod
    def resolve_answered_yes(obj) -> int:
        yes = getattr(obj, "yes", None)
        return yes if yes is not None else obj.replies.filter(answer=CallOutReply.Answer.YES).count()


class CallOutDetailOut(CallOutOut):
    replies: list[ReplyOut]

    @staticmethod
    def resolve_replies(obj) -> list:
        return selectors.callout_replies(callout=obj)


class CallOutIn(Schema):
    grid_id: int
    kind: CallOutKind
    message: str
    needed: int = Field(1, ge=1)
    activity_id: int | None = None


class AnswerIn(Schema):
    answer: Literal["yes", "no"]
    volunteer_id: int | None = Field(None, description="工作人员代为记录时的志愿者;志愿者本人回复留空")


class SkillOut(Schema):
    code: str
    name: str


class MeOut(Schema):
    volunteer: VolunteerOut | None
    open_activities: list[ActivityOut]
    signups: list[SignUpOut]


class SelfRegisterIn(Schema):
    skills: list[str] = []


# --- operations ---------------------------------------------------------------------------------

@router.get("/skills", response=list[SkillOut], summary="技能目录", operation_id="volunteers_skill_list")
def skill_list(request):
    return list(selectors.skill_list())


@router.get("/volunteers", response=page_of(VolunteerOut), summary="志愿者名册(按辖区)", operation_id="volunteers_list")
def volunteer_list(request, filters: Query[VolunteerQuery]):
    node = tree_selectors.node_get(user=request.auth, pk=filters.node) if filters.node else None
    qs = selectors.volunteer_list(user=request.auth, q=filters.q, skill=filters.skill, status=filters.status, node=node)
    return paginate(qs, filters)


@router.post("/volunteers", response={201: VolunteerOut}, summary="志愿者注册(居民关联居民库;非居民电话加密)",
             operation_id="volunteers_register")
def volunteer_register(request, payload: VolunteerIn):
    v = services.volunteer_register(actor=request.auth, **payload.dict())
    return Status(201, selectors.volunteer_get(user=request.auth, pk=v.pk))


@router.get("/volunteers/{volunteer_id}", response=VolunteerOut, summary="志愿者详情", operation_id="volunteers_get")
def volunteer_get(request, volunteer_id: int):
    return selectors.volunteer_get(user=request.auth, pk=volunteer_id)


@router.patch("/volunteers/{volunteer_id}", response=VolunteerOut, summary="修改技能、状态", operation_id="volunteers_update")
def volunteer_update(request, volunteer_id: int, payload: VolunteerPatch):
    services.volunteer_update(actor=request.auth, volunteer_id=volunteer_id, **payload.dict())
    return selectors.volunteer_get(user=request.auth, pk=volunteer_id)


@router.get("/activities", response=page_of(ActivityOut), summary="志愿活动(按辖区)", operation_id="volunteers_activity_list")
def activity_list(request, filters: Query[ActivityQuery]):
    node = tree_selectors.node_get(user=request.auth, pk=filters.node) if filters.node else None
    return paginate(selectors.activity_list(user=request.auth, status=filters.status, kind=filters.kind, node=node), filters)


@router.post("/activities", response={201: ActivityDetailOut}, summary="发布志愿活动(报名上限、计时)",
             operation_id="volunteers_activity_create")
def activity_create(request, payload: ActivityIn):
    a = services.activity_create(actor=request.auth, **payload.dict())
    return Status(201, selectors.activity_get(user=request.auth, pk=a.pk))


@router.get("/activities/{activity_id}", response=ActivityDetailOut, summary="活动详情与报名名单",
            operation_id="volunteers_activity_get")
def activity_get(request, activity_id: int):
    return selectors.activity_get(user=request.auth, pk=activity_id)


@router.post("/activities/{activity_id}/status", response=ActivityDetailOut, summary="截止报名、重新开放、结束或取消",
             operation_id="volunteers_activity_status")
def activity_status(request, activity_id: int, payload: StatusIn):
    services.activity_set_status(actor=request.auth, activity_id=activity_id, status=payload.status)
    return selectors.activity_get(user=request.auth, pk=activity_id)


@router.post("/activities/{activity_id}/signups", response={201: SignUpOut},
             summary="报名(居民本人,或工作人员代志愿者报名);满员 409", operation_id="volunteers_signup")
def signup_create(request, activity_id: int, payload: SignUpIn):
    return Status(201, services.signup_create(actor=request.auth, activity_id=activity_id, volunteer_id=payload.volunteer_id))


@router.post("/signups/{signup_id}/cancel", response=SignUpOut, summary="取消报名", operation_id="volunteers_signup_cancel")
def signup_cancel(request, signup_id: int):
    return services.signup_cancel(actor=request.auth, signup_id=signup_id)


@router.post("/signups/{signup_id}/check-in", response=SignUpOut, summary="签到", operation_id="volunteers_check_in")
def signup_check_in(request, signup_id: int):
    return services.signup_check_in(actor=request.auth, signup_id=signup_id)


@router.post("/signups/{signup_id}/absent", response=SignUpOut, summary="记为未到", operation_id="volunteers_absent")
def signup_absent(request, signup_id: int):
    return services.signup_mark_absent(actor=request.auth, signup_id=signup_id)


@router.post("/signups/{signup_id}/confirm", response=SignUpOut, summary="确认服务时长(须已签到)",
             operation_id="volunteers_confirm_hours")
def signup_confirm(request, signup_id: int, payload: HoursIn):
    return services.signup_confirm_hours(actor=request.auth, signup_id=signup_id, hours=payload.hours)


@router.get("/leaderboard", response=list[LeaderOut], summary="服务时长排行(已确认时长)", operation_id="volunteers_leaderboard")
def leaderboard(request, filters: Query[LeaderQuery]):
    node = tree_selectors.node_get(user=request.auth, pk=filters.node) if filters.node else None
    return selectors.leaderboard(user=request.auth, node=node, start=filters.start, end=filters.end, limit=filters.limit)


@router.get("/callouts", response=page_of(CallOutOut), summary="按网格召集(按辖区)", operation_id="volunteers_callout_list")
def callout_list(request, filters: Query[PageParams]):
    return paginate(selectors.callout_list(user=request.auth), filters)


@router.post("/callouts", response={201: CallOutDetailOut}, summary="召集某网格的志愿者(入户任务或应急)",
             operation_id="volunteers_callout_create")
def callout_create(request, payload: CallOutIn):
    c = services.callout_create(actor=request.auth, **payload.dict())
    return Status(201, selectors.callout_get(user=request.auth, pk=c.pk))


@router.get("/callouts/{callout_id}", response=CallOutDetailOut, summary="召集详情与回复", operation_id="volunteers_callout_get")
def callout_get(request, callout_id: int):
    return selectors.callout_get(user=request.auth, pk=callout_id)


@router.post("/callouts/{callout_id}/answer", response=ReplyOut, summary="回复召集(志愿者本人,或工作人员代记)",
             operation_id="volunteers_callout_answer")
def callout_answer(request, callout_id: int, payload: AnswerIn):
    return services.callout_answer(actor=request.auth, callout_id=callout_id, answer=payload.answer,
                                   volunteer_id=payload.volunteer_id)


@router.post("/callouts/{callout_id}/close", response=CallOutDetailOut, summary="结束召集", operation_id="volunteers_callout_close")
def callout_close(request, callout_id: int):
    services.callout_close(actor=request.auth, callout_id=callout_id)
    return selectors.callout_get(user=request.auth, pk=callout_id)


@router.get("/me", response=MeOut, summary="居民本人:志愿者身份、本社区可报名活动、我的报名", operation_id="volunteers_me")
def me(request):
    volunteer = selectors.my_volunteer(user=request.auth)
    return {"volunteer": volunteer, "open_activities": list(selectors.my_open_activities(user=request.auth, now=timezone.now())),
            "signups": list(selectors.my_signups(volunteer=volunteer)) if volunteer else []}


@router.post("/me", response={201: VolunteerOut}, summary="居民本人注册为志愿者", operation_id="volunteers_me_register")
def me_register(request, payload: SelfRegisterIn):
    volunteer = services.volunteer_self_register(actor=request.auth, skills=payload.skills)
    found = selectors.my_volunteer(user=request.auth)
    if found is None or found.pk != volunteer.pk:
        raise NotInScope("")
    return Status(201, found)
