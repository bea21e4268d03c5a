"""Social organizations API (``/api/socialorgs``): organizations, per-community counts against the target,
government-purchased service projects, and a public directory (no login). Scoped like the pages."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from shequ.core.pagination import PageParams, page_of, paginate
from shequ.jurisdiction import selectors as tree
from shequ.jurisdiction.models import Node

from . import selectors, services
from .models import ServiceProject, SocialOrganization

router = Router(tags=["社会组织"])

OrgType = Literal[tuple(SocialOrganization.Type.values)]  # type: ignore[valid-type]
Filing = Literal[tuple(SocialOrganization.Filing.values)]  # type: ignore[valid-type]
Group = Literal[tuple(SocialOrganization.Group.values)]  # type: ignore[valid-type]


def _node(request, pk):
    return tree.node_get(user=request.auth, pk=pk) if pk else None


class OrganizationIn(Schema):
    community_id: int
    name: str = Field(..., min_length=1, max_length=150)
    type: OrgType
    served_group: Group = ""
    filing: Filing = "unfiled"
    filed_on: dt.date | None = None
    founded_on: dt.date | None = None
    revoked_on: dt.date | None = None
    unit_id: int | None = Field(None, description="对应的实有单位(须在本社区)")
    leader_name: str = Field("", max_length=50)
    member_count: int = Field(0, ge=0)
    activities: str = ""


class OrganizationPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=150)
    type: OrgType | None = None
    served_group: Group | None = None
    filing: Filing | None = None
    filed_on: dt.date | None = None
    founded_on: dt.date | None = None
    revoked_on: dt.date | None = None
    unit_id: int | None = None
    leader_name: str | None = Field(None, max_length=50)
    member_count: int | None = Field(None, ge=0)
    activities: str | None = None


class OrganizationOut(Schema):
    id: int
    name: str
    type: str
    served_group: str
    community_id: int
    community: str
    filing: str
    filed_on: dt.date | None
    founded_on: dt.date | None
    revoked_on: dt.date | None
    unit_id: int | None
    leader_name: str
    member_count: int
    activities: str

    @staticmethod
    def resolve_community(obj) -> str:
        return obj.community.name


class OrgFilter(PageParams):
    node_id: int | None = None
    type: OrgType | None = None
    filing: Filing | None = None
    q: str = ""


@router.get("/organizations", response=page_of(OrganizationOut), summary="社区社会组织列表", operation_id="socialorgs_list")
def organization_list(request, q: Query[OrgFilter]):
    return paginate(selectors.organization_list(user=request.auth, node=_node(request, q.node_id), type=q.type or "",
                                                filing=q.filing or "", q=q.q), q)


@router.post("/organizations", response={201: OrganizationOut}, summary="登记社会组织", operation_id="socialorgs_create")
def organization_create(request, payload: OrganizationIn):
    user = request.auth
    data = payload.dict()
    community = tree.node_get(user=user, pk=data.pop("community_id"))
    org = services.organization_create(actor=user, community=community, **data)
    return Status(201, selectors.organization_get(user=user, pk=org.pk))


@router.get("/organizations/{org_id}", response=OrganizationOut, summary="社会组织详情", operation_id="socialorgs_get")
def organization_get(request, org_id: int):
    return selectors.organization_get(user=request.auth, pk=org_id)


@router.patch("/organizations/{org_id}", response=OrganizationOut, summary="修改社会组织", operation_id="socialorgs_update")
def organization_update(request, org_id: int, payload: OrganizationPatch):
    services.organization_update(actor=request.auth, organization_id=org_id, **payload.dict(exclude_unset=True))
    return selectors.organization_get(user=request.auth, pk=org_id)


class CommunityCountOut(Schema):
    community_id: int
    community: str
    total: int
    by_type: dict[str, int]
    target: int
    alert_below: int
    below_target: bool
    alert: bool


class NodeQuery(Schema):
    node_id: int | None = None
    alert_only: bool = Field(False, description="只看低于预警数(默认3个)的社区")


@router.get("/per-community", response=list[CommunityCountOut], summary="各社区社会组织数与目标",
            operation_id="socialorgs_per_community")
def per_community(request, q: Query[NodeQuery]):
    rows = selectors.community_counts(user=request.auth, node=_node(request, q.node_id))
    return [{**r, "community_id": r["community"].pk, "community": r["community"].name}
            for r in rows if r["alert"] or not q.alert_only]


class ProjectIn(Schema):
    organization_id: int
    title: str = Field(..., min_length=1, max_length=200)
    place_id: int = Field(..., description="服务地点:社区或街道")
    purchaser: str = Field(..., min_length=1, max_length=100)
    budget: Decimal = Field(..., ge=0)
    start_on: dt.date
    end_on: dt.date


class FinishIn(Schema):
    results: str = Field(..., min_length=1)
    spent: Decimal = Field(..., ge=0)
    beneficiaries: int | None = Field(None, ge=0)
    rating: str = Field("", max_length=16)


class ProjectOut(Schema):
    id: int
    title: str
    organization_id: int
    organization: str
    place_id: int
    place: str
    purchaser: str
    budget: Decimal
    spent: Decimal | None
    start_on: dt.date
    end_on: dt.date
    status: str
    beneficiaries: int | None
    results: str
    rating: str

    @staticmethod
    def resolve_organization(obj) -> str:
        return obj.organization.name

    @staticmethod
    def resolve_place(obj) -> str:
        return obj.place.name


class ProjectFilter(PageParams):
    node_id: int | None = None
    status: Literal[tuple(ServiceProject.Status.values)] | None = None  # type: ignore[valid-type]
    year: int | None = Field(None, ge=2000, le=2100)


@router.get("/projects", response=page_of(ProjectOut), summary="政府购买服务项目", operation_id="socialorgs_project_list")
def project_list(request, q: Query[ProjectFilter]):
    return paginate(selectors.project_list(user=request.auth, node=_node(request, q.node_id), status=q.status or "",
                                           year=q.year), q)


@router.post("/projects", response={201: ProjectOut}, summary="登记购买服务项目", operation_id="socialorgs_project_create")
def project_create(request, payload: ProjectIn):
    user = request.auth
    project = services.project_create(actor=user, organization_id=payload.organization_id, title=payload.title,
                                      place=tree.node_get(user=user, pk=payload.place_id), purchaser=payload.purchaser,
                                      budget=payload.budget, start_on=payload.start_on, end_on=payload.end_on)
    return Status(201, selectors.project_get(user=user, pk=project.pk))


@router.get("/projects/{project_id}", response=ProjectOut, summary="项目详情", operation_id="socialorgs_project_get")
def project_get(request, project_id: int):
    return selectors.project_get(user=request.auth, pk=project_id)


@router.post("/projects/{project_id}/start", response=ProjectOut, summary="项目开始实施", operation_id="socialorgs_project_start")
def project_start(request, project_id: int):
    services.project_start(actor=request.auth, project_id=project_id)
    return selectors.project_get(user=request.auth, pk=project_id)


@router.post("/projects/{project_id}/finish", response=ProjectOut, summary="项目结项(成效、支出)",
             operation_id="socialorgs_project_finish")
def project_finish(request, project_id: int, payload: FinishIn):
    services.project_finish(actor=request.auth, project_id=project_id, results=payload.results, spent=payload.spent,
                            beneficiaries=payload.beneficiaries, rating=payload.rating)
    return selectors.project_get(user=request.auth, pk=project_id)


class PublicOut(Schema):
    id: int
    name: str
    type: str
    served_group: str
    community: str
    street: str | None
    filing: str
    activities: str

    @staticmethod
    def resolve_community(obj) -> str:
        return obj.community.name

    @staticmethod
    def resolve_street(obj) -> str | None:
        return obj.street.name if obj.street_id else None


class PublicFilter(PageParams):
    node_code: str = Field("", description="区划代码(街道或社区),留空为全部")
    type: OrgType | None = None


@router.get("/public", response=page_of(PublicOut), auth=None, summary="公开名录:已登记/备案的社区社会组织",
            operation_id="socialorgs_public")
def public(request, q: Query[PublicFilter]):
    node = Node.objects.filter(code=q.node_code).first() if q.node_code else None
    if q.node_code and node is None:
        return paginate(SocialOrganization.objects.none(), q)
    return paginate(selectors.public_list(node=node, type=q.type or ""), q)
