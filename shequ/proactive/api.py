"""Proactive governance API (``/api/proactive``): the month's frequent problems, and 每月一题 topics
(create, start, finish, notes). Scoped like the pages: 404 outside scope, 403 without the role."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from shequ.appeals import selectors as appeal_selectors
from shequ.appeals.deadlines import SHANGHAI
from shequ.jurisdiction import selectors as tree

from . import selectors, services
from .models import Topic

router = Router(tags=["主动治理"])


class ProblemsQuery(Schema):
    month: str = Field(..., pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")
    level: Literal["community", "street"] = "community"
    limit: int = Field(20, ge=1, le=100)


class ProblemOut(Schema):
    place_id: int
    place: str
    category_id: int
    category: str
    count: int
    share: float
    previous: int
    change: int
    repeat_addresses: int
    repeat_appeals: int
    topic_id: int | None


class MilestoneIn(Schema):
    due_on: dt.date
    title: str = Field(..., min_length=1, max_length=200)


class TopicIn(Schema):
    month: str = Field(..., pattern=r"^\d{4}-\d{2}$")
    place_id: int
    category: str = Field(..., max_length=40, description="类别代码")
    title: str = Field(..., min_length=1, max_length=200)
    plan: str = Field(..., min_length=1)
    owner_person: str = Field(..., min_length=1, max_length=50)
    owner_node_id: int | None = None
    owner_department_id: int | None = None
    milestones: list[MilestoneIn] = []


class TopicOut(Schema):
    id: int
    title: str
    month: str
    place_id: int
    place: str
    category: str
    status: str
    owner_unit: str
    owner_person: str
    plan: str
    result: str
    started_at: dt.datetime | None
    done_at: dt.datetime | None

    @staticmethod
    def resolve_month(obj) -> str:
        return f"{obj.month:%Y-%m}"

    @staticmethod
    def resolve_place(obj) -> str:
        return obj.place.name

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.category.code

    @staticmethod
    def resolve_owner_unit(obj) -> str:
        return obj.owner_unit.name


class NoteOut(Schema):
    at: dt.datetime
    author: str = Field(..., validation_alias="author_name")
    kind: str
    text: str


class EffectOut(Schema):
    month: str
    count: int
    phase: str


class TopicDetailOut(TopicOut):
    milestones: list[MilestoneIn]
    notes: list[NoteOut]
    appeals: list[str] = Field(..., description="涉及诉求编号(本人可见的)")
    effect: list[EffectOut]

    @staticmethod
    def resolve_milestones(obj) -> list[dict]:
        return list(obj.milestones.values("due_on", "title"))

    @staticmethod
    def resolve_notes(obj) -> list:
        return list(obj.notes.all())

    @staticmethod
    def resolve_appeals(obj) -> list[str]:
        return obj.visible_appeal_numbers

    @staticmethod
    def resolve_effect(obj) -> list[dict]:
        return obj.effect_rows


class ResultIn(Schema):
    result: str = Field(..., min_length=1)


class NoteIn(Schema):
    text: str = Field(..., min_length=1, max_length=4000)


def _detail(request, pk: int) -> Topic:
    user = request.auth
    topic = selectors.topic_get(user=user, pk=pk)
    topic.visible_appeal_numbers = list(selectors.topic_appeals(user=user, topic=topic).values_list("number", flat=True))
    topic.effect_rows = selectors.topic_effect(user=user, topic=topic, today=timezone.now().astimezone(SHANGHAI).date())
    return topic


@router.get("/problems", response=list[ProblemOut], summary="某月高频问题(地点×类别)", operation_id="proactive_problems")
def problems(request, q: Query[ProblemsQuery]):
    return selectors.hot_problems(user=request.auth, month=selectors.parse_month(q.month), level=q.level, limit=q.limit)


@router.get("/topics", response=list[TopicOut], summary="每月一题列表", operation_id="proactive_topic_list")
def topic_list(request, status: Literal[tuple(Topic.Status.values)] | None = None):  # type: ignore[valid-type]
    return list(selectors.topic_list(user=request.auth, status=status or ""))


@router.post("/topics", response={201: TopicDetailOut}, summary="立为每月一题", operation_id="proactive_topic_create")
def topic_create(request, payload: TopicIn):
    user = request.auth
    owner_node = tree.node_get(user=user, pk=payload.owner_node_id) if payload.owner_node_id else None
    owner_department = (appeal_selectors.department_get(pk=payload.owner_department_id)
                        if payload.owner_department_id else None)
    topic = services.topic_create(
        actor=user, month=selectors.parse_month(payload.month), place=tree.node_get(user=user, pk=payload.place_id),
        category=appeal_selectors.category_get(code=payload.category), title=payload.title, plan=payload.plan,
        owner_person=payload.owner_person, owner_node=owner_node, owner_department=owner_department,
        milestones=[(m.due_on, m.title) for m in payload.milestones])
    return Status(201, _detail(request, topic.pk))


@router.get("/topics/{topic_id}", response=TopicDetailOut, summary="每月一题详情(含进展与成效)", operation_id="proactive_topic_get")
def topic_get(request, topic_id: int):
    return _detail(request, topic_id)


@router.post("/topics/{topic_id}/start", response=TopicDetailOut, summary="开始治理", operation_id="proactive_topic_start")
def topic_start(request, topic_id: int):
    services.topic_start(actor=request.auth, topic_id=topic_id)
    return _detail(request, topic_id)


@router.post("/topics/{topic_id}/finish", response=TopicDetailOut, summary="完成(须填治理成效)", operation_id="proactive_topic_finish")
def topic_finish(request, topic_id: int, payload: ResultIn):
    services.topic_finish(actor=request.auth, topic_id=topic_id, result=payload.result)
    return _detail(request, topic_id)


@router.post("/topics/{topic_id}/notes", response=TopicDetailOut, summary="记录进展", operation_id="proactive_topic_note")
def topic_note(request, topic_id: int, payload: NoteIn):
    services.topic_note_add(actor=request.auth, topic_id=topic_id, text=payload.text)
    return _detail(request, topic_id)
