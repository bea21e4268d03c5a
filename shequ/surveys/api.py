"""The surveys API (云调研, ``/api/surveys``): questionnaires in the user's area, building and
publishing them, answering (once per respondent), phone interviews, results and the Excel export.

Reads go through ``selectors`` (scoped: missing and foreign surveys are both 404), writes through
``services`` (role 403, bad input 422 naming the question, a second answer 409, audited).
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import FileResponse
from ninja import Field, Query, Router, Schema, Status

from shequ.core.pagination import PageParams, page_of, paginate
from shequ.jurisdiction import selectors as tree

from . import exports, selectors, services
from .models import QuestionKind, Survey, SurveyLevel

router = Router(tags=["云调研"])

LevelName = Literal[tuple(SurveyLevel.values)]  # type: ignore[valid-type]
KindName = Literal[tuple(QuestionKind.values)]  # type: ignore[valid-type]
StatusName = Literal[tuple(Survey.Status.values)]  # type: ignore[valid-type]
AnswerValue = int | list[int] | str


class OptionOut(Schema):
    id: int
    label: str


class QuestionOut(Schema):
    id: int
    position: int
    kind: str
    text: str
    required: bool
    scale_min: int
    scale_max: int
    options: list[OptionOut]

    @staticmethod
    def resolve_options(obj) -> list:
        return list(obj.options.all())


class SurveyOut(Schema):
    id: int
    title: str
    level: str
    level_label: str
    scope_id: int
    scope: str
    status: str
    opened_at: dt.datetime | None
    closes_on: dt.date | None
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_level_label(obj) -> str:
        return str(obj.get_level_display())

    @staticmethod
    def resolve_scope(obj) -> str:
        return obj.scope.name


class SurveyDetailOut(SurveyOut):
    description: str
    questions: list[QuestionOut]

    @staticmethod
    def resolve_questions(obj) -> list:
        return list(obj.questions.all())


class SurveyQuery(PageParams):
    status: StatusName | None = None  # type: ignore[valid-type]
    level: LevelName | None = None  # type: ignore[valid-type]
    q: str = Field("", max_length=100)


class SurveyIn(Schema):
    scope_id: int = Field(..., description="发放范围:辖区节点(街道问卷须为街道或以上,社区问卷为社区或以上,居民问卷可到网格)")
    title: str = Field(..., min_length=1, max_length=100)
    level: LevelName  # type: ignore[valid-type]
    description: str = Field("", max_length=2000)
    closes_on: dt.date | None = None


class QuestionIn(Schema):
    kind: KindName  # type: ignore[valid-type]
    text: str = Field(..., min_length=1, max_length=300)
    options: list[str] = Field(default_factory=list, description="选择题的选项(至少两个)")
    required: bool = True
    scale_min: int = Field(1, ge=-10, le=10)
    scale_max: int = Field(5, ge=-10, le=10)
    scale_min_label: str = Field("", max_length=20)
    scale_max_label: str = Field("", max_length=20)


class AnswersIn(Schema):
    answers: dict[int, AnswerValue] = Field(..., description="题目 id → 选项 id(单选)/ 选项 id 列表(多选)/ 数值(量表)/ 文字(填空)")


class InterviewIn(AnswersIn):
    place_id: int = Field(..., description="受访人所在的社区、网格等节点(须在发放范围和您的辖区内)")
    interviewee_name: str = Field("", max_length=50)
    interviewee_phone: str = Field("", max_length=20, description="加密保存,显示时脱敏")
    minutes: int | None = Field(None, ge=0, le=600)
    note: str = Field("", max_length=500)


class ResponseOut(Schema):
    id: int
    survey_id: int
    channel: str
    submitted_at: dt.datetime


class ShareRowOut(Schema):
    label: str
    count: int
    share: float | None


class QuestionResultOut(Schema):
    id: int
    position: int
    kind: str
    text: str
    answered: int
    options: list[ShareRowOut]
    scale: list[ShareRowOut]
    mean: float | None
    texts: list[str]


class ResultsOut(Schema):
    total: int
    online: int
    phone: int
    questions: list[QuestionResultOut]


@router.get("", response=page_of(SurveyOut), summary="辖区内的调研问卷", operation_id="surveys_list")
def survey_list(request, filters: Query[SurveyQuery]):
    qs = selectors.survey_list(user=request.auth, status=filters.status or "", level=filters.level or "", q=filters.q)
    return paginate(qs, filters)


@router.get("/to-answer", response=list[SurveyOut], summary="待我填写的问卷(居民、社区、街道层面)",
            operation_id="surveys_to_answer")
def surveys_to_answer(request):
    return list(selectors.surveys_to_answer(user=request.auth)[:100])


@router.post("", response={201: SurveyDetailOut}, summary="新建问卷(草稿)", operation_id="surveys_create")
def survey_create(request, payload: SurveyIn):
    data = payload.dict()
    scope = tree.node_get(user=request.auth, pk=data.pop("scope_id"))
    survey = services.survey_create(actor=request.auth, scope=scope, **data)
    return Status(201, selectors.survey_get(user=request.auth, pk=survey.pk))


@router.get("/{survey_id}", response=SurveyDetailOut, summary="问卷详情(题目与选项)", operation_id="surveys_get")
def survey_get(request, survey_id: int):
    return selectors.survey_get(user=request.auth, pk=survey_id)


@router.post("/{survey_id}/questions", response={201: SurveyDetailOut}, summary="添加题目(仅草稿)",
             operation_id="surveys_question_add")
def question_add(request, survey_id: int, payload: QuestionIn):
    services.question_add(actor=request.auth, survey_id=survey_id, **payload.dict())
    return Status(201, selectors.survey_get(user=request.auth, pk=survey_id))


@router.delete("/{survey_id}/questions/{question_id}", response={204: None}, summary="删除题目(仅草稿)",
               operation_id="surveys_question_remove")
def question_remove(request, survey_id: int, question_id: int):
    services.question_remove(actor=request.auth, survey_id=survey_id, question_id=question_id)
    return Status(204, None)


@router.post("/{survey_id}/publish", response=SurveyDetailOut, summary="发布(发放到范围内)", operation_id="surveys_publish")
def survey_publish(request, survey_id: int):
    services.survey_publish(actor=request.auth, survey_id=survey_id)
    return selectors.survey_get(user=request.auth, pk=survey_id)


@router.post("/{survey_id}/close", response=SurveyDetailOut, summary="结束调研", operation_id="surveys_close")
def survey_close(request, survey_id: int):
    services.survey_close(actor=request.auth, survey_id=survey_id)
    return selectors.survey_get(user=request.auth, pk=survey_id)


@router.post("/{survey_id}/responses", response={201: ResponseOut}, summary="填写问卷(每人一次)",
             operation_id="surveys_answer")
def response_submit(request, survey_id: int, payload: AnswersIn):
    return Status(201, services.response_submit(actor=request.auth, survey_id=survey_id, answers=payload.answers))


@router.post("/{survey_id}/interviews", response={201: ResponseOut}, summary="录入电话访谈", operation_id="surveys_interview")
def interview_record(request, survey_id: int, payload: InterviewIn):
    data = payload.dict()
    place = tree.node_get(user=request.auth, pk=data.pop("place_id"))
    return Status(201, services.interview_record(actor=request.auth, survey_id=survey_id, place=place, **data))


@router.get("/{survey_id}/results", response=ResultsOut, summary="调研结果(您辖区内的答卷)", operation_id="surveys_results")
def survey_results(request, survey_id: int):
    survey = selectors.survey_get(user=request.auth, pk=survey_id)
    return selectors.survey_results(user=request.auth, survey=survey)


@router.get("/{survey_id}/export.xlsx", summary="导出调研结果(Excel:汇总与答卷,电话脱敏)", operation_id="surveys_export",
            response={200: None})
def survey_export(request, survey_id: int):
    survey = selectors.survey_get(user=request.auth, pk=survey_id)
    out = exports.survey_export(actor=request.auth, survey=survey)
    return FileResponse(out, as_attachment=True, filename=f"survey-{survey.pk}.xlsx",
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
