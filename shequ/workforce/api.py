"""The workforce API (``/api/workforce``): community workers (masked personal data; clear only
through ``reveal``, permission-checked and audit-logged), trainings, the December yearly assessment
with the community's star coefficient, the qualification joint review, funds and spending,
facilities, the per-community figures and the Excel import.

Reads go through ``selectors`` / ``stats`` (scoped: missing and foreign records are both 404),
writes through ``services`` (role 403, bad input 422, conflicts 409, audited).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from ninja import Path, Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from shequ.core.pagination import PageParams, page_of, paginate
from shequ.jurisdiction import selectors as tree

from . import imports, selectors, services
from .models import Certificate, Education, FundKind, Grade, Position, ReviewDepartment, Worker

router = Router(tags=["社区工作者、经费与设施"])


def _lit(choices):
    return Literal[tuple(choices.values)]  # type: ignore[valid-type]


PositionName, EducationName, CertificateName = _lit(Position), _lit(Education), _lit(Certificate)
GradeName, FundKindName, DepartmentName = _lit(Grade), _lit(FundKind), _lit(ReviewDepartment)
StatusName, SexName = _lit(Worker.Status), _lit(Worker.Sex)


# --- schemas -----------------------------------------------------------------------------------

class WorkerOut(Schema):
    id: int
    name: str
    community_id: int
    community: str
    street: str
    sex: str
    birth_date: dt.date | None
    age: int | None
    id_number: str = Field(..., description="脱敏,如 110105********1234")
    phone: str = Field(..., description="脱敏,如 138****5678")
    position: str
    position_label: str
    education: str
    education_label: str
    certificate: str
    certificate_label: str
    monthly_pay: Decimal
    pension_insured: bool
    medical_insured: bool
    unemployment_insured: bool
    injury_insured: bool
    hired_on: dt.date | None
    status: str
    left_on: dt.date | None
    note: str

    @staticmethod
    def resolve_community(obj) -> str:
        return obj.community.name

    @staticmethod
    def resolve_street(obj) -> str:
        return obj.street.name if obj.street_id else ""

    @staticmethod
    def resolve_age(obj) -> int | None:
        return obj.age_on(timezone.localdate())

    @staticmethod
    def resolve_id_number(obj) -> str:
        return selectors.masked_personal(obj)["id_number"]

    @staticmethod
    def resolve_phone(obj) -> str:
        return selectors.masked_personal(obj)["phone"]

    @staticmethod
    def resolve_position_label(obj) -> str:
        return str(obj.get_position_display())

    @staticmethod
    def resolve_education_label(obj) -> str:
        return str(obj.get_education_display())

    @staticmethod
    def resolve_certificate_label(obj) -> str:
        return str(obj.get_certificate_display())


class TrainingOut(Schema):
    id: int
    title: str
    organizer: str
    start_on: dt.date
    hours: Decimal


class StarsOut(Schema):
    available: bool = Field(..., description="false:星级评定模块未安装(not available)")
    rated: bool | None = Field(None, description="该社区该年度是否已评星")
    grade: str | None = None
    stars: int | None = None
    coefficient: float | None = Field(None, description="绩效报酬系数")


class AssessmentOut(Schema):
    year: int
    grade: str
    grade_label: str
    remarks: str
    assessed_on: dt.date
    stars: StarsOut = Field(..., description="所在社区的星级与绩效系数(shequ.stars)")

    @staticmethod
    def resolve_grade_label(obj) -> str:
        return str(obj.get_grade_display())

    @staticmethod
    def resolve_stars(obj) -> dict:
        return selectors.cadre_coefficient(obj.worker.community_id, obj.year)


class WorkerDetailOut(WorkerOut):
    trainings: list[TrainingOut]
    assessments: list[AssessmentOut]

    @staticmethod
    def resolve_trainings(obj) -> list:
        return list(obj.trainings.all())

    @staticmethod
    def resolve_assessments(obj) -> list:
        return list(obj.assessments.all())


class WorkerQuery(PageParams):
    community: int | None = None
    node: int | None = Field(None, description="只列此节点下的")
    position: PositionName | None = None  # type: ignore[valid-type]
    education: EducationName | None = None  # type: ignore[valid-type]
    certificate: CertificateName | None = None  # type: ignore[valid-type]
    status: StatusName | Literal[""] = "active"  # type: ignore[valid-type]
    q: str = Field("", max_length=50)


class WorkerIn(Schema):
    community_id: int
    name: str = Field(..., min_length=1, max_length=50)
    id_number: str = Field("", max_length=20, description="填写则校验(GB 11643)并据此确定出生日期、性别")
    phone: str = Field("", max_length=20)
    sex: SexName | Literal[""] = ""  # type: ignore[valid-type]
    birth_date: dt.date | None = None
    position: PositionName = Position.STAFF  # type: ignore[valid-type]
    education: EducationName = Education.SENIOR  # type: ignore[valid-type]
    certificate: CertificateName = Certificate.NONE  # type: ignore[valid-type]
    monthly_pay: Decimal = Field(Decimal("0"), ge=0, max_digits=10, decimal_places=2)
    pension_insured: bool = False
    medical_insured: bool = False
    unemployment_insured: bool = False
    injury_insured: bool = False
    hired_on: dt.date | None = None
    note: str = Field("", max_length=200)


class WorkerPatch(Schema):
    community_id: int | None = None
    name: str | None = Field(None, min_length=1, max_length=50)
    id_number: str | None = Field(None, max_length=20)
    phone: str | None = Field(None, max_length=20)
    position: PositionName | None = None  # type: ignore[valid-type]
    education: EducationName | None = None  # type: ignore[valid-type]
    certificate: CertificateName | None = None  # type: ignore[valid-type]
    monthly_pay: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    pension_insured: bool | None = None
    medical_insured: bool | None = None
    unemployment_insured: bool | None = None
    injury_insured: bool | None = None
    hired_on: dt.date | None = None
    status: StatusName | None = None  # type: ignore[valid-type]
    left_on: dt.date | None = None
    note: str | None = Field(None, max_length=200)


class PersonalOut(Schema):
    id_number: str
    phone: str


class TrainingIn(Schema):
    title: str = Field(..., min_length=1, max_length=100)
    start_on: dt.date
    hours: Decimal = Field(Decimal("0"), ge=0, max_digits=6, decimal_places=1)
    organizer: str = Field("", max_length=100)


class AssessmentIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    grade: GradeName  # type: ignore[valid-type]
    remarks: str = Field("", max_length=500)


class SheetRowOut(Schema):
    worker_id: int
    name: str
    community: str
    position_label: str
    grade: str | None
    grade_label: str | None
    remarks: str
    stars: StarsOut


class FindingOut(Schema):
    department_kind: str
    department_label: str
    passed: bool
    reason: str
    reviewed_at: dt.datetime

    @staticmethod
    def resolve_department_label(obj) -> str:
        return str(obj.get_department_kind_display())


class CandidateOut(Schema):
    id: int
    name: str
    id_number: str = Field(..., description="脱敏")
    community_id: int
    community: str
    position: str
    year: int
    overall: str = Field(..., description="pending 审查中 / passed 通过 / failed 未通过")
    overall_label: str
    findings: list[FindingOut]
    note: str

    @staticmethod
    def resolve_id_number(obj) -> str:
        return selectors.masked_personal(obj)["id_number"]

    @staticmethod
    def resolve_community(obj) -> str:
        return obj.community.name

    @staticmethod
    def resolve_overall_label(obj) -> str:
        return str(obj.get_overall_display())

    @staticmethod
    def resolve_findings(obj) -> list:
        return list(obj.findings.all())


class CandidateIn(Schema):
    community_id: int
    name: str = Field(..., min_length=1, max_length=50)
    id_number: str = Field("", max_length=20)
    position: PositionName  # type: ignore[valid-type]
    year: int = Field(..., ge=2000, le=2100)
    note: str = Field("", max_length=200)


class FindingIn(Schema):
    department_kind: DepartmentName = Field(..., description="organization 组织部 / civil_affairs 民政 / discipline 纪委监委 / political_legal 政法委")  # type: ignore[valid-type]
    passed: bool
    reason: str = Field("", max_length=500, description="不通过时必填")


class CandidateQuery(PageParams):
    year: int | None = None
    overall: Literal["", "pending", "passed", "failed"] = ""
    q: str = Field("", max_length=50)


class FundingOut(Schema):
    id: int
    community_id: int
    community: str
    kind: str
    kind_label: str
    year: int
    amount: Decimal
    spent: Decimal
    balance: Decimal
    allocated_on: dt.date
    source: str
    purpose: str

    @staticmethod
    def resolve_community(obj) -> str:
        return obj.community.name

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_balance(obj) -> Decimal:
        return obj.amount - obj.spent


class FundingQuery(PageParams):
    year: int | None = None
    kind: FundKindName | None = None  # type: ignore[valid-type]
    community: int | None = None


class FundingIn(Schema):
    community_id: int
    kind: FundKindName  # type: ignore[valid-type]
    year: int = Field(..., ge=2000, le=2100)
    amount: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)
    allocated_on: dt.date
    source: str = Field("", max_length=100)
    purpose: str = Field("", max_length=200)


class SpendingIn(Schema):
    amount: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)
    spent_on: dt.date
    purpose: str = Field(..., min_length=1, max_length=200)


class FacilityIn(Schema):
    area: Decimal = Field(..., ge=0, max_digits=10, decimal_places=2, description="服务中心面积(㎡)")
    address_text: str = Field("", max_length=200)
    built_year: int | None = Field(None, ge=1900, le=2100)
    note: str = Field("", max_length=200)


class FacilityOut(Schema):
    community_id: int
    area: Decimal
    address_text: str
    built_year: int | None
    note: str


class FigureQuery(Schema):
    node: int | None = Field(None, description="统计此节点下各社区;默认用户辖区内全部社区")
    start: dt.date | None = Field(None, description="经费统计起始日,默认今年1月1日")
    end: dt.date | None = Field(None, description="截止日(含),默认今天;在岗人数按此日")


class CommunityFiguresOut(Schema):
    community_id: int
    community: str
    street: str
    workers: int
    households: int
    households_per_worker: float | None
    avg_pay: float | None
    pay_standard: float | None
    workers_under_standard: int
    certified_share: float | None
    college_share: float | None
    centre_area: float | None
    centre_area_standard: float
    meets_area_standard: bool
    funds: float
    spent: float


class StructureRowOut(Schema):
    label: str
    count: int
    share: float | None


class FiguresOut(Schema):
    start: dt.date
    end: dt.date
    communities: int
    workers: int
    households: int
    workers_per_community: float | None
    households_per_worker: float | None
    avg_pay: float | None
    pay_to_standard: float | None
    workers_under_standard: int
    certified_share: float | None
    facility_coverage: float | None = Field(..., description="服务中心面积达标的社区数 ÷ 社区数")
    funds: float
    funds_per_community: float | None
    spent: float
    age: list[StructureRowOut]
    education: list[StructureRowOut]
    rows: list[CommunityFiguresOut]


class ImportErrorOut(Schema):
    row: int
    column: str
    message: str


class ImportOut(Schema):
    ok: bool
    created: int
    updated: int
    errors: list[ImportErrorOut] = Field(..., description="逐行错误;有错误时全部未导入")


# --- workers -----------------------------------------------------------------------------------

def _split(request, payload, key: str = "community_id"):
    """(the node named by ``key``, in the user's area or 404; the other fields)."""
    data = payload.dict()
    return tree.node_get(user=request.auth, pk=data.pop(key)), data


def _node(request, pk: int | None):
    return tree.node_get(user=request.auth, pk=pk) if pk else None


@router.get("/workers", response=page_of(WorkerOut), summary="社区工作者列表(按辖区;身份证号、电话脱敏)",
            operation_id="workforce_worker_list")
def worker_list(request, filters: Query[WorkerQuery]):
    qs = selectors.worker_list(user=request.auth, community=filters.community, node=_node(request, filters.node),
                               position=filters.position or "", education=filters.education or "",
                               certificate=filters.certificate or "", status=filters.status, q=filters.q)
    return paginate(qs, filters)


@router.post("/workers", response={201: WorkerDetailOut}, summary="登记社区工作者", operation_id="workforce_worker_create")
def worker_create(request, payload: WorkerIn):
    community, data = _split(request, payload)
    worker = services.worker_create(actor=request.auth, community=community, **data)
    return Status(201, selectors.worker_get(user=request.auth, pk=worker.pk))


@router.get("/workers/{worker_id}", response=WorkerDetailOut, summary="社区工作者详情(培训、年度考核与社区星级系数)",
            operation_id="workforce_worker_get")
def worker_get(request, worker_id: int):
    return selectors.worker_get(user=request.auth, pk=worker_id)


@router.patch("/workers/{worker_id}", response=WorkerDetailOut, summary="修改社区工作者(只改给出的字段)",
              operation_id="workforce_worker_update")
def worker_update(request, worker_id: int, payload: WorkerPatch):
    data = payload.dict(exclude_unset=True)
    community_id = data.pop("community_id", None)
    community = tree.node_get(user=request.auth, pk=community_id) if community_id else None
    selectors.worker_get(user=request.auth, pk=worker_id)
    services.worker_update(actor=request.auth, worker_id=worker_id, community=community,
                           **{k: ("" if v is None and k in ("id_number", "phone", "note") else v) for k, v in data.items()})
    return selectors.worker_get(user=request.auth, pk=worker_id)


@router.post("/workers/{worker_id}/reveal", response=PersonalOut, summary="查看身份证号、电话明文(需权限,记入审计日志)",
             operation_id="workforce_worker_reveal")
def worker_reveal(request, worker_id: int):
    worker = selectors.worker_get(user=request.auth, pk=worker_id)
    return services.worker_reveal(actor=request.auth, worker=worker, channel="api")


@router.post("/workers/{worker_id}/trainings", response={201: TrainingOut}, summary="登记培训",
             operation_id="workforce_training_add")
def training_add(request, worker_id: int, payload: TrainingIn):
    return Status(201, services.training_add(actor=request.auth, worker_id=worker_id, **payload.dict()))


@router.post("/workers/{worker_id}/assessments", response=AssessmentOut, summary="年度考核(12月起;同一年度再次提交为更正)",
             operation_id="workforce_assessment_record")
def assessment_record(request, worker_id: int, payload: AssessmentIn):
    return services.assessment_record(actor=request.auth, worker_id=worker_id, **payload.dict())


@router.get("/assessments/{year}", response=list[SheetRowOut], summary="年度考核表:在岗工作者的等次与所在社区星级系数",
            operation_id="workforce_assessment_sheet")
def assessment_sheet(request, year: int = Path(..., ge=2000, le=2100), node: int | None = None):
    rows = selectors.assessment_sheet(user=request.auth, year=year, node=_node(request, node))
    return [{"worker_id": r["worker"].pk, "name": r["worker"].name, "community": r["worker"].community.name,
             "position_label": str(r["worker"].get_position_display()),
             "grade": r["assessment"].grade if r["assessment"] else None,
             "grade_label": str(r["assessment"].get_grade_display()) if r["assessment"] else None,
             "remarks": r["assessment"].remarks if r["assessment"] else "", "stars": r["stars"]} for r in rows]


@router.post("/import", response=ImportOut, summary="从 Excel/CSV 导入社区工作者(逐行错误报告;有错误则全部不导入)",
             operation_id="workforce_worker_import")
def worker_import(request, file: File[UploadedFile]):
    result = imports.worker_import(actor=request.auth, binary=file.file, filename=file.name or "")
    return {"ok": result.ok, "created": result.created, "updated": result.updated,
            "errors": [{"row": r, "column": c, "message": m} for r, c, m in result.errors]}


# --- figures -----------------------------------------------------------------------------------

@router.get("/figures", response=FiguresOut, summary="各社区工作者数、户均比、薪酬与标准、持证率、设施达标、经费",
            operation_id="workforce_figures")
def figures(request, params: Query[FigureQuery]):
    return selectors.workforce_overview(user=request.auth, node=_node(request, params.node), start=params.start, end=params.end)


# --- joint review --------------------------------------------------------------------------------

@router.get("/candidates", response=page_of(CandidateOut), summary="任职资格联审对象", operation_id="workforce_candidate_list")
def candidate_list(request, filters: Query[CandidateQuery]):
    qs = selectors.candidate_list(user=request.auth, year=filters.year, overall=filters.overall, q=filters.q)
    return paginate(qs, filters)


@router.post("/candidates", response={201: CandidateOut}, summary="提交联审对象", operation_id="workforce_candidate_create")
def candidate_create(request, payload: CandidateIn):
    community, data = _split(request, payload)
    candidate = services.candidate_create(actor=request.auth, community=community, **data)
    return Status(201, selectors.candidate_get(user=request.auth, pk=candidate.pk))


@router.get("/candidates/{candidate_id}", response=CandidateOut, summary="联审对象详情(四部门意见与结果)",
            operation_id="workforce_candidate_get")
def candidate_get(request, candidate_id: int):
    return selectors.candidate_get(user=request.auth, pk=candidate_id)


@router.post("/candidates/{candidate_id}/findings", response=CandidateOut,
             summary="部门出具审查意见(通过/不通过并说明理由);任一部门不通过即未通过,四部门均通过为通过",
             operation_id="workforce_finding_record")
def finding_record(request, candidate_id: int, payload: FindingIn):
    services.finding_record(actor=request.auth, candidate_id=candidate_id, **payload.dict())
    return selectors.candidate_get(user=request.auth, pk=candidate_id)


# --- funds and facilities -------------------------------------------------------------------------

@router.get("/funds", response=page_of(FundingOut), summary="社区经费(基本经费、以奖代投、任务经费)与支出",
            operation_id="workforce_funding_list")
def funding_list(request, filters: Query[FundingQuery]):
    qs = selectors.funding_list(user=request.auth, year=filters.year, kind=filters.kind or "", community=filters.community)
    return paginate(qs, filters)


@router.post("/funds", response={201: FundingOut}, summary="拨付经费(区社区办)", operation_id="workforce_funding_create")
def funding_create(request, payload: FundingIn):
    community, data = _split(request, payload)
    funding = services.funding_create(actor=request.auth, community=community, **data)
    return Status(201, selectors.funding_list(user=request.auth).get(pk=funding.pk))


@router.post("/funds/{funding_id}/spendings", response={201: FundingOut}, summary="登记支出(不得超过经费余额)",
             operation_id="workforce_spending_add")
def spending_add(request, funding_id: int, payload: SpendingIn):
    services.spending_add(actor=request.auth, funding_id=funding_id, **payload.dict())
    return Status(201, selectors.funding_list(user=request.auth).get(pk=funding_id))


@router.put("/facilities/{community_id}", response=FacilityOut, summary="设置社区服务中心面积",
            operation_id="workforce_facility_set")
def facility_set(request, community_id: int, payload: FacilityIn):
    community = tree.node_get(user=request.auth, pk=community_id)
    return services.facility_set(actor=request.auth, community=community, **payload.dict())
