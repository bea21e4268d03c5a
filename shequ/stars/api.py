"""The star-rating API (星级化考评, ``/api/stars``): cycles, the scoped list and detail of ratings,
the five steps, quarterly checks, objections, the standing on a date, the city overview, the
resident's own assessment and the cadres' coefficient.

Reads go through ``selectors`` (scoped: missing and foreign ratings are both 404), writes through
``services`` (role 403, illegal step 409, bad input 422, audited).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from shequ.core.errors import NotAllowed, NotInScope
from shequ.core.pagination import PageParams, page_of, paginate
from shequ.core.schemas import EventOut
from shequ.jurisdiction import scoping
from shequ.jurisdiction import selectors as tree

from . import rules, selectors, services
from .cadre import cadre_coefficient
from .models import MassVote, Rating
from .perms import ensure

router = Router(tags=["星级化考评"])

StatusName = Literal[tuple(Rating.Status.values)]  # type: ignore[valid-type]
GradeName = Literal[rules.Grade.ORDER]  # type: ignore[valid-type]
AnswerName = Literal[tuple(MassVote.Answer.values)]  # type: ignore[valid-type]


def _today() -> dt.date:
    return services.local_day(timezone.now())


# --- schemas -------------------------------------------------------------------------------------

class ItemOut(Schema):
    id: int
    text: str
    points: int


class StarOut(Schema):
    id: int
    code: str
    name: str
    criteria: str
    pass_score: int
    gate: str = Field(..., description="double_five 双五好 / civilized 文明社区 / safe 平安社区 / 空")
    items: list[ItemOut]

    @staticmethod
    def resolve_items(obj) -> list:
        return list(obj.items.all())


class CycleOut(Schema):
    id: int
    year: int
    name: str
    mass_start: dt.date
    mass_end: dt.date
    publicity_days: int
    good_min: int
    fair_min: int
    average_min: int
    wuhao_min: int
    city_min: int
    region_min: int
    mass_pass_rate: Decimal
    mass_min_votes: int
    coef_good: Decimal
    coef_fair: Decimal
    coef_average: Decimal
    coef_poor: Decimal
    stars: list[StarOut]

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)

    @staticmethod
    def resolve_stars(obj) -> list:
        return selectors.cycle_stars(obj)


class CycleIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    mass_start: dt.date
    mass_end: dt.date
    publicity_days: int = Field(7, ge=1, le=60)
    good_min: int = Field(8, ge=1, le=50)
    fair_min: int = Field(7, ge=1, le=50)
    average_min: int = Field(5, ge=1, le=50)
    wuhao_min: int = Field(7, ge=1, le=50)
    city_min: int = Field(8, ge=1, le=50)
    region_min: int = Field(10, ge=1, le=50)
    mass_pass_rate: Decimal = Field(Decimal("0.60"), ge=0, le=1)
    mass_min_votes: int = Field(10, ge=0)


class RatingOut(Schema):
    id: int
    year: int
    organization_id: int = Field(..., description="社区/村节点 id(以其代表该社区/村党组织)")
    organization: str
    street_id: int | None
    street: str
    status: str
    status_label: str
    stars_held: int = Field(..., description="现有星数(审定授星后随减星、增星变化)")
    grade: str | None = Field(..., description="good 好 / fair 较好 / average 一般 / poor 差;授星前为空")
    grade_label: str | None
    mass_votes: int
    mass_households: int
    publicity_start: dt.date | None
    publicity_end: dt.date | None

    @staticmethod
    def resolve_year(obj) -> int:
        return obj.cycle.year

    @staticmethod
    def resolve_organization(obj) -> str:
        return obj.organization_label

    @staticmethod
    def resolve_street(obj) -> str:
        return obj.street.name if obj.street_id else ""

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_grade(obj) -> str | None:
        return rules.grade_of(obj.stars_held, obj.cycle.thresholds) if obj.awarded else None

    @staticmethod
    def resolve_grade_label(obj) -> str | None:
        return rules.grade_label(rules.grade_of(obj.stars_held, obj.cycle.thresholds)) if obj.awarded else None


class RowOut(Schema):
    star_id: int
    star: str
    mass_satisfied: int
    mass_basic: int
    mass_unsatisfied: int
    mass_rate: Decimal | None
    item_scores: dict[str, str]
    score: Decimal | None
    proposed: bool
    review_passed: bool | None
    review_note: str
    approved: bool | None

    @staticmethod
    def resolve_star(obj) -> str:
        return obj.star.name


class ChangeOut(Schema):
    id: int
    star_id: int
    star: str
    kind: str
    status: str
    effective_on: dt.date | None
    quarter: str
    reason: str
    evidence: str
    proposed_at: dt.datetime
    decided_at: dt.datetime | None
    decision_note: str

    @staticmethod
    def resolve_star(obj) -> str:
        return obj.star.name


class ObjectionOut(Schema):
    id: int
    star_id: int | None
    filed_at: dt.datetime
    text: str
    outcome: str
    answer: str
    answered_at: dt.datetime | None


class RatingDetailOut(RatingOut):
    assessment_note: str
    review_note: str
    approval_note: str
    assessed_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    approved_at: dt.datetime | None
    published_at: dt.datetime | None
    rows: list[RowOut]
    history: list[ChangeOut]
    objections: list[ObjectionOut]
    timeline: list[EventOut]

    @staticmethod
    def resolve_rows(obj) -> list:
        return list(obj.rows.all())

    @staticmethod
    def resolve_objections(obj) -> list:
        return obj.objection_list


class RatingQuery(PageParams):
    year: int | None = Field(None, description="考评年度,默认当前年度")
    street: int | None = Field(None, description="街道/乡镇节点 id")
    status: StatusName | None = None
    grade: GradeName | None = Field(None, description="按现有星数的等次(仅已授星)")
    q: str = Field("", max_length=50, description="社区/村名称包含")


class AssessIn(Schema):
    scores: dict[int, dict[int, Decimal]] = Field(..., description="星 id → {细则 id → 得分}(每颗星的每一项)")
    note: str = Field("", max_length=2000)


class ReviewIn(Schema):
    rejected: dict[int, str] = Field(default_factory=dict, description="复核不通过的星 id → 理由;其余申报的星通过")
    note: str = Field("", max_length=2000)


class ApproveIn(Schema):
    struck: dict[int, str] = Field(default_factory=dict, description="不予授星的星 id → 理由;其余复核通过的星授予")
    note: str = Field("", max_length=2000)


class NoteIn(Schema):
    note: str = Field(..., min_length=1, max_length=2000)


class ChangeIn(Schema):
    star_id: int
    reason: str = Field(..., min_length=1, max_length=2000)
    evidence: str = Field(..., min_length=1, max_length=4000, description="依据/佐证")


class DecideIn(Schema):
    approve: bool
    note: str = Field("", max_length=2000, description="不同意时必填")


class ObjectionIn(Schema):
    text: str = Field(..., min_length=1, max_length=2000)
    star_id: int | None = None


class AnswerIn(Schema):
    outcome: Literal["upheld", "dismissed"]
    answer: str = Field(..., min_length=1, max_length=2000)
    remove_star: bool = Field(False, description="异议成立且涉及某颗星时,据此减星")


class RecommendationOut(Schema):
    key: str
    label: str
    eligible: bool
    kind: str = Field(..., description="priority 按星数优先推荐 / gate 按所需星的参评资格")
    reason: str


class StandingOut(Schema):
    organization_id: int
    on: dt.date
    year: int | None = Field(..., description="所依据的考评年度;尚未授星为空")
    stars: int
    star_names: list[str]
    grade: str
    grade_label: str
    coefficient: Decimal
    recommendations: list[RecommendationOut]


class DistributionOut(Schema):
    grade: str
    label: str
    count: int
    share: float | None


class EligibleOut(Schema):
    key: str
    label: str
    kind: str
    organizations: list[str]


class OverviewOut(Schema):
    year: int
    on: dt.date
    total: int
    awarded: int
    average_stars: float | None
    distribution: list[DistributionOut]
    eligible: list[EligibleOut]
    excluded: list[EligibleOut] = Field(..., description="缺少所需星、不得参加的评选")


class MineOut(Schema):
    year: int
    organization: str
    status: str
    mass_start: dt.date
    mass_end: dt.date
    open: bool = Field(..., description="现在可以参加测评")
    voted: bool
    stars: list[StarOut]


class VoteIn(Schema):
    answers: dict[int, AnswerName] = Field(..., description="星 id → satisfied 满意 / basic 基本满意 / unsatisfied 不满意")  # type: ignore[valid-type]
    comment: str = Field("", max_length=1000)


class CadreOut(Schema):
    username: str
    name: str


class CadresOut(Schema):
    community_id: int
    community: str
    year: int
    grade: str | None
    grade_label: str | None
    stars: int | None
    coefficient: Decimal | None
    workers: list[CadreOut]


# --- operations ---------------------------------------------------------------------------------------

def _cycle(year: int | None):
    if year is None:
        cycle = selectors.current_cycle(_today())
        if cycle is None:
            raise NotInScope(_("尚未设立考评年度"))
        return cycle
    return selectors.cycle_get(year=year)


def _detail(request, pk: int) -> Rating:
    rating = selectors.rating_get(user=request.auth, pk=pk)
    rating.history = list(selectors.rating_history(rating=rating))
    rating.objection_list = list(selectors.rating_objections(rating=rating))
    rating.timeline = list(selectors.rating_timeline(rating=rating))
    return rating


@router.get("/cycles", response=list[CycleOut], summary="考评年度及其星、细则和阈值", operation_id="stars_cycles")
def cycle_list(request):
    if not scoping.can(request.auth, "stars.view"):
        raise NotAllowed(_("您的角色无权执行此操作"))
    return list(selectors.cycle_list())


@router.post("/cycles", response={201: CycleOut}, summary="设立考评年度(默认十颗星,开启辖区内各社区/村的评定)",
             operation_id="stars_cycle_create")
def cycle_create(request, payload: CycleIn):
    data = payload.dict()
    cycle = services.cycle_create(actor=request.auth, year=data.pop("year"), mass_start=data.pop("mass_start"),
                                  mass_end=data.pop("mass_end"), **data)
    return Status(201, cycle)


@router.post("/cycles/{year}/open", response=dict, summary="为辖区内新增的社区/村补开评定", operation_id="stars_open")
def ratings_open(request, year: int):
    return {"opened": services.ratings_open(actor=request.auth, cycle_id=selectors.cycle_get(year=year).pk)}


@router.get("/ratings", response=page_of(RatingOut), summary="星级评定列表(按辖区)", operation_id="stars_ratings")
def rating_list(request, filters: Query[RatingQuery]):
    if not scoping.can(request.auth, "stars.view"):
        raise NotAllowed(_("您的角色无权执行此操作"))
    qs = selectors.rating_list(user=request.auth, cycle=_cycle(filters.year), street=filters.street,
                               status=filters.status or "", q=filters.q, grade=filters.grade or "")
    return paginate(qs, filters)


@router.get("/ratings/{rating_id}", response=RatingDetailOut, summary="星级评定详情(各星得分、历史、异议、记录)",
            operation_id="stars_rating")
def rating_get(request, rating_id: int):
    return _detail(request, rating_id)


@router.get("/ratings/{rating_id}/standing", response=StandingOut, summary="某日的星数、等次与推荐资格",
            operation_id="stars_standing")
def rating_standing(request, rating_id: int, on: dt.date | None = None):
    rating = selectors.rating_get(user=request.auth, pk=rating_id)
    on = on or _today()
    s = selectors.standing_of(rating=rating, on=on)
    names = {row.star_id: row.star.name for row in rating.rows.all()}
    return {"organization_id": rating.organization_id, "on": on, "year": rating.cycle.year if s.count or rating.awarded else None,
            "stars": s.count, "star_names": [names.get(pk, str(pk)) for pk in sorted(s.stars)], "grade": s.grade,
            "grade_label": s.grade_label, "coefficient": s.coefficient, "recommendations": s.recommendations()}


@router.post("/ratings/{rating_id}/assess", response=RatingDetailOut, summary="乡镇考评(逐项评分,截止群众测评)",
             operation_id="stars_assess")
def rating_assess(request, rating_id: int, payload: AssessIn):
    services.township_assess(actor=request.auth, rating_id=rating_id, scores=payload.scores, note=payload.note)
    return _detail(request, rating_id)


@router.post("/ratings/{rating_id}/review", response=RatingDetailOut, summary="市属部门复核验收", operation_id="stars_review")
def rating_review(request, rating_id: int, payload: ReviewIn):
    services.rating_review(actor=request.auth, rating_id=rating_id, rejected=payload.rejected, note=payload.note)
    return _detail(request, rating_id)


@router.post("/ratings/{rating_id}/return", response=RatingDetailOut, summary="退回上一环节(须说明理由)",
             operation_id="stars_return")
def rating_return(request, rating_id: int, payload: NoteIn):
    services.rating_return(actor=request.auth, rating_id=rating_id, note=payload.note)
    return _detail(request, rating_id)


@router.post("/ratings/{rating_id}/approve", response=RatingDetailOut, summary="市委审定授星(开始公示)",
             operation_id="stars_approve")
def rating_approve(request, rating_id: int, payload: ApproveIn):
    services.rating_approve(actor=request.auth, rating_id=rating_id, struck=payload.struck, note=payload.note)
    return _detail(request, rating_id)


@router.post("/ratings/{rating_id}/publish", response=RatingDetailOut, summary="公示期满、异议均已答复后亮星",
             operation_id="stars_publish")
def rating_publish(request, rating_id: int):
    services.rating_publish(actor=request.auth, rating_id=rating_id)
    return _detail(request, rating_id)


@router.post("/ratings/{rating_id}/remove", response={201: ChangeOut}, summary="季度核查:减星(立即生效)",
             operation_id="stars_remove")
def star_remove(request, rating_id: int, payload: ChangeIn):
    change = services.star_remove(actor=request.auth, rating_id=rating_id, star_id=payload.star_id,
                                  reason=payload.reason, evidence=payload.evidence)
    return Status(201, change)


@router.post("/ratings/{rating_id}/add", response={201: ChangeOut}, summary="季度核查:申请增星(报市委审定)",
             operation_id="stars_add")
def star_add(request, rating_id: int, payload: ChangeIn):
    change = services.star_add_propose(actor=request.auth, rating_id=rating_id, star_id=payload.star_id,
                                       reason=payload.reason, evidence=payload.evidence)
    return Status(201, change)


@router.post("/changes/{change_id}/decide", response=ChangeOut, summary="市委审定增星申请", operation_id="stars_decide")
def change_decide(request, change_id: int, payload: DecideIn):
    return services.star_change_decide(actor=request.auth, change_id=change_id, approve=payload.approve, note=payload.note)


@router.post("/ratings/{rating_id}/objections", response={201: ObjectionOut}, summary="公示期内提出异议",
             operation_id="stars_object")
def objection_file(request, rating_id: int, payload: ObjectionIn):
    return Status(201, services.objection_file(actor=request.auth, rating_id=rating_id, text=payload.text,
                                               star_id=payload.star_id))


@router.post("/objections/{objection_id}/answer", response=ObjectionOut, summary="答复异议", operation_id="stars_answer")
def objection_answer(request, objection_id: int, payload: AnswerIn):
    return services.objection_answer(actor=request.auth, objection_id=objection_id, outcome=payload.outcome,
                                     answer=payload.answer, remove_star=payload.remove_star)


@router.get("/overview", response=OverviewOut, summary="等次分布与推荐名单(按辖区)", operation_id="stars_overview")
def overview(request, year: int | None = None, node: int | None = None, on: dt.date | None = None):
    ensure(request.auth, "stars.view")
    scope = tree.node_get(user=request.auth, pk=node) if node else None
    result = selectors.overview(user=request.auth, cycle=_cycle(year), on=on or _today(), node=scope)

    def names(rows):
        return [row["rating"].organization_label for row in rows]

    return {"year": result.cycle.year, "on": result.on, "total": result.total, "awarded": result.awarded,
            "average_stars": result.average, "distribution": result.distribution,
            "eligible": [{**{k: e[k] for k in ("key", "label", "kind")}, "organizations": names(e["rows"])} for e in result.eligibility],
            "excluded": [{**{k: e[k] for k in ("key", "label", "kind")}, "organizations": names(e["rows"])} for e in result.excluded]}


@router.get("/mine", response=MineOut, summary="居民:本社区党组织的群众测评", operation_id="stars_mine")
def mine(request, year: int | None = None):
    ensure(request.auth, "stars.rate")
    cycle = _cycle(year)
    rating = selectors.resident_rating(user=request.auth, cycle=cycle)
    if rating is None:
        raise NotInScope(_("本社区本年度没有开展星级评定"))
    today = _today()
    return {"year": cycle.year, "organization": rating.organization_label, "status": rating.status,
            "mass_start": cycle.mass_start, "mass_end": cycle.mass_end,
            "open": rating.status == Rating.Status.MASS and rating.mass_closed_at is None and cycle.mass_start <= today <= cycle.mass_end,
            "voted": selectors.has_voted(user=request.auth, rating=rating), "stars": selectors.cycle_stars(cycle)}


@router.post("/mine/vote", response={201: dict}, summary="居民:提交群众测评(每年度一次)", operation_id="stars_vote")
def vote(request, payload: VoteIn, year: int | None = None):
    cycle = _cycle(year)
    services.mass_vote(actor=request.auth, cycle_id=cycle.pk, answers=payload.answers, comment=payload.comment)
    return Status(201, {"year": cycle.year, "voted": True})


@router.get("/cadres", response=CadresOut, summary="社区干部年度考核:星级等次与绩效系数", operation_id="stars_cadres")
def cadres(request, community: int, year: int | None = None):
    ensure(request.auth, "stars.view")
    node = tree.node_get(user=request.auth, pk=community)
    year = year or _cycle(None).year
    workers = selectors.community_workers(user=request.auth, community=node)
    result = cadre_coefficient(node.pk, year) or {}
    return {"community_id": node.pk, "community": node.name, "year": year, "grade": result.get("grade"),
            "grade_label": result.get("grade_label"), "stars": result.get("stars"), "coefficient": result.get("coefficient"),
            "workers": [{"username": u.username, "name": u.display_name or u.username} for u in workers]}
