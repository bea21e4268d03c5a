"""Party building API (``/api/party``): organizations, coverage and vacuum, joint meetings and their
resolutions, dual reporting (registrations, services, roster, flags), central households.
Scoped like the pages: 404 outside scope, 403 without the role. Personal data is never returned
beyond a resident's id and name."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from shequ.core.pagination import PageParams, page_of, paginate
from shequ.jurisdiction import selectors as tree
from shequ.registry import selectors as reg

from . import selectors, services
from .models import JointMeeting, PartyOrganization

router = Router(tags=["党建"])

OrgKind = Literal[tuple(PartyOrganization.Kind.values)]  # type: ignore[valid-type]


def _node(request, pk: int | None):
    return tree.node_get(user=request.auth, pk=pk) if pk else None


# --- organizations -------------------------------------------------------------------------------

class OrganizationIn(Schema):
    name: str = Field(..., min_length=1, max_length=150)
    kind: OrgKind
    node_id: int | None = Field(None, description="所在辖区(街道、社区、网格或楼栋);省略时为覆盖单位所在社区")
    parent_id: int | None = Field(None, description="上级党组织")
    unit_ids: list[int] = Field([], description="覆盖的实有单位(须在所在辖区内)")
    secretary_id: int | None = Field(None, description="书记(标注为党员的居民)")
    member_count: int = Field(0, ge=0)
    founded_on: dt.date | None = None


class OrganizationPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=150)
    kind: OrgKind | None = None
    parent_id: int | None = None
    unit_ids: list[int] | None = None
    secretary_id: int | None = None
    member_count: int | None = Field(None, ge=0)
    founded_on: dt.date | None = None


class UnitRef(Schema):
    id: int
    name: str
    kind: str
    sector: str


class OrganizationOut(Schema):
    id: int
    name: str
    kind: str
    node_id: int
    node: str
    community_id: int | None
    parent_id: int | None
    secretary_id: int | None
    secretary: str | None
    member_count: int
    founded_on: dt.date | None
    dissolved_on: dt.date | None
    units: list[UnitRef]

    @staticmethod
    def resolve_node(obj) -> str:
        return obj.node.name

    @staticmethod
    def resolve_secretary(obj) -> str | None:
        return obj.secretary.name if obj.secretary_id else None

    @staticmethod
    def resolve_units(obj) -> list:
        return list(obj.units.all())


class DissolveIn(Schema):
    on: dt.date
    reason: str = Field(..., min_length=1, max_length=200)


class OrgFilter(PageParams):
    node_id: int | None = None
    kind: OrgKind | None = None
    q: str = ""
    include_dissolved: bool = False


def _parent(request, pk):
    return selectors.organization_get(user=request.auth, pk=pk) if pk else None


def _resident(request, pk):
    return reg.resident_get(user=request.auth, pk=pk) if pk else None


@router.get("/organizations", response=page_of(OrganizationOut), summary="党组织列表", operation_id="party_org_list")
def organization_list(request, q: Query[OrgFilter]):
    qs = selectors.organization_list(user=request.auth, node=_node(request, q.node_id), kind=q.kind or "", q=q.q,
                                     active_only=not q.include_dissolved).prefetch_related("units")
    return paginate(qs, q)


@router.post("/organizations", response={201: OrganizationOut}, summary="新建党组织", operation_id="party_org_create")
def organization_create(request, payload: OrganizationIn):
    user = request.auth
    org = services.organization_create(
        actor=user, name=payload.name, kind=payload.kind, node=_node(request, payload.node_id),
        parent=_parent(request, payload.parent_id), unit_ids=payload.unit_ids,
        secretary=_resident(request, payload.secretary_id), member_count=payload.member_count,
        founded_on=payload.founded_on)
    return Status(201, selectors.organization_get(user=user, pk=org.pk))


@router.get("/organizations/{org_id}", response=OrganizationOut, summary="党组织详情", operation_id="party_org_get")
def organization_get(request, org_id: int):
    return selectors.organization_get(user=request.auth, pk=org_id)


@router.patch("/organizations/{org_id}", response=OrganizationOut, summary="修改党组织", operation_id="party_org_update")
def organization_update(request, org_id: int, payload: OrganizationPatch):
    data = payload.dict(exclude_unset=True)
    changes = {k: v for k, v in data.items() if k not in ("parent_id", "secretary_id")}
    if "parent_id" in data:
        changes["parent"] = _parent(request, data["parent_id"])
    if "secretary_id" in data:
        changes["secretary"] = _resident(request, data["secretary_id"])
    services.organization_update(actor=request.auth, organization_id=org_id, **changes)
    return selectors.organization_get(user=request.auth, pk=org_id)


@router.post("/organizations/{org_id}/dissolve", response=OrganizationOut, summary="撤销党组织", operation_id="party_org_dissolve")
def organization_dissolve(request, org_id: int, payload: DissolveIn):
    services.organization_dissolve(actor=request.auth, organization_id=org_id, on=payload.on, reason=payload.reason)
    return selectors.organization_get(user=request.auth, pk=org_id)


class CoverageOut(Schema):
    sector: str = Field(..., description="行业代码;合计行为空")
    label: str
    units: int
    covered: int
    rate: float | None = Field(..., description="覆盖率(0–1);无单位时为 null")


class CoverageQuery(Schema):
    node_id: int | None = None


@router.get("/coverage", response=list[CoverageOut], summary="组织覆盖率(按行业,末行合计)", operation_id="party_coverage")
def coverage(request, q: Query[CoverageQuery]):
    return selectors.coverage_by_sector(user=request.auth, node=_node(request, q.node_id))


class VacuumOut(Schema):
    id: int
    name: str
    kind: str
    sector: str
    community_id: int | None
    community: str | None
    address: str

    @staticmethod
    def resolve_community(obj) -> str | None:
        return obj.community.name if obj.community_id else None

    @staticmethod
    def resolve_address(obj) -> str:
        return obj.address.full_text


class VacuumFilter(PageParams):
    node_id: int | None = None
    sector: str = ""
    kind: str = ""


@router.get("/vacuum", response=page_of(VacuumOut), summary="无党组织覆盖的单位(真空区)", operation_id="party_vacuum")
def vacuum(request, q: Query[VacuumFilter]):
    return paginate(selectors.vacuum_units(user=request.auth, node=_node(request, q.node_id), sector=q.sector,
                                           kind=q.kind), q)


# --- joint meetings ------------------------------------------------------------------------------

class MeetingIn(Schema):
    community_id: int
    title: str = Field(..., min_length=1, max_length=200)
    scheduled_on: dt.date
    place: str = Field("", max_length=200)
    convener_id: int | None = None
    unit_ids: list[int] = Field([], description="邀请参会的单位(须在本街道内)")
    topics: list[str] = Field([], description="议题")


class AttendanceOut(Schema):
    unit_id: int
    unit: str
    representative: str
    present: bool | None

    @staticmethod
    def resolve_unit(obj) -> str:
        return obj.unit.name


class TopicOut(Schema):
    id: int
    title: str
    raised_by_id: int | None


class FollowUpOut(Schema):
    on: dt.date
    note: str
    status_after: str
    author_name: str


class ResolutionOut(Schema):
    id: int
    meeting_id: int
    text: str
    owner_name: str
    owner_unit_id: int | None
    due_on: dt.date | None
    status: str
    done_on: dt.date | None
    followups: list[FollowUpOut]

    @staticmethod
    def resolve_followups(obj) -> list:
        return list(obj.followups.all())


class MeetingOut(Schema):
    id: int
    community_id: int
    community: str
    title: str
    scheduled_on: dt.date
    place: str
    convener_id: int | None
    status: str
    held_on: dt.date | None

    @staticmethod
    def resolve_community(obj) -> str:
        return obj.community.name


class MeetingDetailOut(MeetingOut):
    minutes: str
    attendance: list[AttendanceOut]
    topics: list[TopicOut]
    resolutions: list[ResolutionOut]

    @staticmethod
    def resolve_attendance(obj) -> list:
        return obj.detail["attendance"]

    @staticmethod
    def resolve_topics(obj) -> list:
        return obj.detail["topics"]

    @staticmethod
    def resolve_resolutions(obj) -> list:
        return obj.detail["resolutions"]


def _meeting(request, pk: int) -> JointMeeting:
    meeting = selectors.meeting_get(user=request.auth, pk=pk)
    meeting.detail = selectors.meeting_detail(meeting)
    return meeting


class MeetingFilter(PageParams):
    node_id: int | None = None
    status: Literal[tuple(JointMeeting.Status.values)] | None = None  # type: ignore[valid-type]
    year: int | None = Field(None, ge=2000, le=2100)


@router.get("/meetings", response=page_of(MeetingOut), summary="联席会议列表", operation_id="party_meeting_list")
def meeting_list(request, q: Query[MeetingFilter]):
    return paginate(selectors.meeting_list(user=request.auth, node=_node(request, q.node_id), status=q.status or "",
                                           year=q.year), q)


@router.post("/meetings", response={201: MeetingDetailOut}, summary="安排联席会议", operation_id="party_meeting_schedule")
def meeting_schedule(request, payload: MeetingIn):
    user = request.auth
    meeting = services.meeting_schedule(
        actor=user, community=tree.node_get(user=user, pk=payload.community_id), title=payload.title,
        scheduled_on=payload.scheduled_on, place=payload.place, convener=_parent(request, payload.convener_id),
        unit_ids=payload.unit_ids, topics=payload.topics)
    return Status(201, _meeting(request, meeting.pk))


@router.get("/meetings/{meeting_id}", response=MeetingDetailOut, summary="联席会议详情", operation_id="party_meeting_get")
def meeting_get(request, meeting_id: int):
    return _meeting(request, meeting_id)


class HoldIn(Schema):
    held_on: dt.date
    minutes: str = Field(..., min_length=1)
    present_unit_ids: list[int] | None = Field(None, description="到会单位;省略则不登记到会情况")


@router.post("/meetings/{meeting_id}/hold", response=MeetingDetailOut, summary="登记会议已召开", operation_id="party_meeting_hold")
def meeting_hold(request, meeting_id: int, payload: HoldIn):
    services.meeting_hold(actor=request.auth, meeting_id=meeting_id, held_on=payload.held_on, minutes=payload.minutes,
                          present_unit_ids=payload.present_unit_ids)
    return _meeting(request, meeting_id)


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


@router.post("/meetings/{meeting_id}/cancel", response=MeetingDetailOut, summary="取消会议", operation_id="party_meeting_cancel")
def meeting_cancel(request, meeting_id: int, payload: ReasonIn):
    services.meeting_cancel(actor=request.auth, meeting_id=meeting_id, reason=payload.reason)
    return _meeting(request, meeting_id)


class TopicIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    raised_by_id: int | None = None


@router.post("/meetings/{meeting_id}/topics", response=MeetingDetailOut, summary="增加议题", operation_id="party_meeting_topic")
def meeting_topic(request, meeting_id: int, payload: TopicIn):
    services.meeting_topic_add(actor=request.auth, meeting_id=meeting_id, title=payload.title,
                               raised_by_id=payload.raised_by_id)
    return _meeting(request, meeting_id)


class ResolutionIn(Schema):
    text: str = Field(..., min_length=1, max_length=500)
    owner_name: str = Field(..., min_length=1, max_length=100)
    owner_unit_id: int | None = None
    due_on: dt.date | None = None


@router.post("/meetings/{meeting_id}/resolutions", response={201: ResolutionOut}, summary="登记议定事项",
             operation_id="party_resolution_add")
def resolution_add(request, meeting_id: int, payload: ResolutionIn):
    resolution = services.resolution_add(actor=request.auth, meeting_id=meeting_id, text=payload.text,
                                         owner_name=payload.owner_name, owner_unit_id=payload.owner_unit_id,
                                         due_on=payload.due_on)
    return Status(201, selectors.resolution_get(user=request.auth, pk=resolution.pk))


class FollowUpIn(Schema):
    note: str = Field(..., min_length=1)
    status: Literal["open", "in_progress", "done", "dropped"]
    on: dt.date | None = None


@router.post("/resolutions/{resolution_id}/followups", response=ResolutionOut, summary="跟进议定事项落实",
             operation_id="party_resolution_follow_up")
def resolution_follow_up(request, resolution_id: int, payload: FollowUpIn):
    services.resolution_follow_up(actor=request.auth, resolution_id=resolution_id, note=payload.note,
                                  status=payload.status, on=payload.on)
    return selectors.resolution_get(user=request.auth, pk=resolution_id)


class ResolutionFilter(PageParams):
    node_id: int | None = None
    open_only: bool = False
    overdue: bool = Field(False, description="只看逾期未办结的")


@router.get("/resolutions", response=page_of(ResolutionOut), summary="议定事项(落实跟踪)", operation_id="party_resolution_list")
def resolution_list(request, q: Query[ResolutionFilter]):
    overdue_on = services.today_local() if q.overdue else None
    qs = selectors.resolution_list(user=request.auth, node=_node(request, q.node_id), open_only=q.open_only,
                                   overdue_on=overdue_on).prefetch_related("followups")
    return paginate(qs, q)


class MeetingCountOut(Schema):
    community_id: int
    community: str
    held: int
    scheduled: int
    minimum: int
    below: bool


class YearQuery(Schema):
    year: int = Field(..., ge=2000, le=2100)
    node_id: int | None = None


@router.get("/meetings-per-community", response=list[MeetingCountOut], summary="各社区年度联席会议次数与预警",
            operation_id="party_meeting_counts")
def meeting_counts(request, q: Query[YearQuery]):
    rows = selectors.meeting_counts(user=request.auth, year=q.year, node=_node(request, q.node_id))
    return [{**r, "community_id": r["community"].pk, "community": r["community"].name} for r in rows]


# --- dual reporting ------------------------------------------------------------------------------

class RegistrationIn(Schema):
    kind: Literal["organization", "member"]
    community_id: int
    registered_on: dt.date
    resident_id: int | None = Field(None, description="党员(居民)编号;kind=member 时必填")
    organization_name: str = Field("", max_length=150)
    unit_id: int | None = None
    workplace: str = Field("", max_length=150)


class RegistrationOut(Schema):
    id: int
    kind: str
    community_id: int
    community: str
    name: str
    resident_id: int | None
    unit_id: int | None
    workplace: str
    registered_on: dt.date
    status: str
    confirmed_hours: Decimal | None = None

    @staticmethod
    def resolve_community(obj) -> str:
        return obj.community.name

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name

    @staticmethod
    def resolve_confirmed_hours(obj):
        return getattr(obj, "confirmed_hours", None)


class ServiceIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    served_on: dt.date
    hours: Decimal = Field(..., gt=0, le=24)
    note: str = Field("", max_length=200)


class ServiceOut(Schema):
    id: int
    registration_id: int
    title: str
    served_on: dt.date
    hours: Decimal
    status: str
    confirmed_at: dt.datetime | None
    note: str


class ConfirmIn(Schema):
    confirmed: bool
    note: str = Field("", max_length=200)


class RegistrationFilter(PageParams):
    node_id: int | None = None
    kind: Literal["organization", "member"] | None = None
    status: Literal["active", "withdrawn", ""] = "active"
    q: str = ""


@router.get("/registrations", response=page_of(RegistrationOut), summary="双报到登记", operation_id="party_registration_list")
def registration_list(request, q: Query[RegistrationFilter]):
    return paginate(selectors.registration_list(user=request.auth, node=_node(request, q.node_id), kind=q.kind or "",
                                                status=q.status, q=q.q), q)


@router.post("/registrations", response={201: RegistrationOut}, summary="登记报到", operation_id="party_registration_create")
def registration_create(request, payload: RegistrationIn):
    user = request.auth
    registration = services.registration_create(
        actor=user, kind=payload.kind, community=tree.node_get(user=user, pk=payload.community_id),
        registered_on=payload.registered_on, resident=_resident(request, payload.resident_id),
        organization_name=payload.organization_name, unit_id=payload.unit_id, workplace=payload.workplace)
    return Status(201, selectors.registration_get(user=user, pk=registration.pk))


@router.get("/registrations/{registration_id}", response=RegistrationOut, summary="报到登记详情",
            operation_id="party_registration_get")
def registration_get(request, registration_id: int):
    return selectors.registration_get(user=request.auth, pk=registration_id)


@router.post("/registrations/{registration_id}/withdraw", response=RegistrationOut, summary="撤回报到",
             operation_id="party_registration_withdraw")
def registration_withdraw(request, registration_id: int, payload: ReasonIn):
    services.registration_withdraw(actor=request.auth, registration_id=registration_id, on=services.today_local(),
                                   reason=payload.reason)
    return selectors.registration_get(user=request.auth, pk=registration_id)


@router.get("/registrations/{registration_id}/services", response=list[ServiceOut], summary="报到服务记录",
            operation_id="party_service_list")
def service_list(request, registration_id: int):
    return list(selectors.registration_services(selectors.registration_get(user=request.auth, pk=registration_id)))


@router.post("/registrations/{registration_id}/services", response={201: ServiceOut}, summary="登记服务",
             operation_id="party_service_log")
def service_log(request, registration_id: int, payload: ServiceIn):
    record = services.service_log(actor=request.auth, registration_id=registration_id, title=payload.title,
                                  served_on=payload.served_on, hours=payload.hours, note=payload.note)
    return Status(201, record)


@router.post("/services/{service_id}/confirm", response=ServiceOut, summary="社区确认(或不予确认)服务",
             operation_id="party_service_confirm")
def service_confirm(request, service_id: int, payload: ConfirmIn):
    return services.service_confirm(actor=request.auth, service_id=service_id, confirmed=payload.confirmed,
                                    note=payload.note)


class IdleQuery(PageParams):
    node_id: int | None = None


@router.get("/registrations-idle", response=page_of(RegistrationOut), summary="报到后N个月未服务(分页)",
            operation_id="party_registration_idle")
def registration_idle(request, q: Query[IdleQuery]):
    today, node = services.today_local(), _node(request, q.node_id)
    ids = selectors.idle_registration_ids(user=request.auth, today=today, node=node)
    chunk = ids[q.offset:q.offset + q.limit]
    items = selectors.idle_registrations(user=request.auth, today=today, node=node, ids=chunk) if chunk else []
    return {"items": items, "count": len(ids), "count_is_estimate": False, "limit": q.limit, "offset": q.offset}


class ExpectedOut(Schema):
    id: int
    kind: str
    community_id: int
    name: str
    resident_id: int | None
    workplace: str
    registered: bool


class ExpectedFilter(PageParams):
    node_id: int | None = None
    unregistered: bool = Field(False, description="只看应报到未报到的")


@router.get("/roster", response=page_of(ExpectedOut), summary="应报到名单(含是否已报到)", operation_id="party_roster_list")
def roster_list(request, q: Query[ExpectedFilter]):
    fn = selectors.unregistered_expected if q.unregistered else selectors.expected_list
    return paginate(fn(user=request.auth, node=_node(request, q.node_id)), q)


class RosterRowIn(Schema):
    kind: str = Field(..., description="党组织 或 党员")
    community_code: str
    name: str
    id_number: str = Field("", description="党员的身份证号,只用于在居民信息中找到此人,不保存")
    workplace: str = ""


class RosterError(Schema):
    row: int
    column: str
    reason: str


class RosterResult(Schema):
    created: int
    updated: int
    errors: list[RosterError]


@router.post("/roster", response={200: RosterResult, 422: RosterResult}, summary="导入应报到名单(JSON)",
             operation_id="party_roster_import")
def roster_import(request, rows: list[RosterRowIn]):
    result = services.roster_import(actor=request.auth, rows=[r.dict() for r in rows], source="api")
    return Status(422 if result["errors"] else 200, result)


@router.post("/roster/file", response={200: RosterResult, 422: RosterResult}, summary="导入应报到名单(xlsx/csv 文件)",
             operation_id="party_roster_import_file")
def roster_import_file(request, file: File[UploadedFile]):
    result = services.roster_import_file(actor=request.auth, binary=file.file, filename=file.name or "")
    return Status(422 if result["errors"] else 200, result)


# --- central households --------------------------------------------------------------------------

class CentralIn(Schema):
    member_id: int = Field(..., description="党员(居民)编号,其所在户成为中心户")
    served_household_ids: list[int] = []
    designated_on: dt.date | None = None
    note: str = Field("", max_length=200)


class ServedIn(Schema):
    served_household_ids: list[int]


class CentralOut(Schema):
    id: int
    household_id: int
    household: str
    member_id: int
    member: str
    building_id: int | None
    community_id: int | None
    designated_on: dt.date
    served_household_ids: list[int]

    @staticmethod
    def resolve_household(obj) -> str:
        return obj.household.number

    @staticmethod
    def resolve_member(obj) -> str:
        return obj.member.name

    @staticmethod
    def resolve_served_household_ids(obj) -> list[int]:
        return sorted(h.pk for h in obj.served.all())


class CentralFilter(PageParams):
    node_id: int | None = None


@router.get("/central-households", response=page_of(CentralOut), summary="党员中心户", operation_id="party_central_list")
def central_list(request, q: Query[CentralFilter]):
    return paginate(selectors.central_list(user=request.auth, node=_node(request, q.node_id)).prefetch_related("served"), q)


@router.post("/central-households", response={201: CentralOut}, summary="设立党员中心户", operation_id="party_central_create")
def central_create(request, payload: CentralIn):
    user = request.auth
    center = services.central_household_create(actor=user, member=reg.resident_get(user=user, pk=payload.member_id),
                                               served_ids=payload.served_household_ids,
                                               designated_on=payload.designated_on, note=payload.note)
    return Status(201, selectors.central_get(user=user, pk=center.pk))


@router.get("/central-households/{center_id}", response=CentralOut, summary="党员中心户详情", operation_id="party_central_get")
def central_get(request, center_id: int):
    return selectors.central_get(user=request.auth, pk=center_id)


@router.put("/central-households/{center_id}/served", response=CentralOut, summary="设置联系服务户",
            operation_id="party_central_serve")
def central_serve(request, center_id: int, payload: ServedIn):
    services.central_household_serve(actor=request.auth, center_id=center_id, served_ids=payload.served_household_ids)
    return selectors.central_get(user=request.auth, pk=center_id)


@router.post("/central-households/{center_id}/remove", response={204: None}, summary="撤销党员中心户",
             operation_id="party_central_remove")
def central_remove(request, center_id: int, payload: ReasonIn):
    services.central_household_remove(actor=request.auth, center_id=center_id, reason=payload.reason)
    return Status(204, None)

