"""Writes on surveys: build a questionnaire (draft), publish it to its scope, close it; answer it
online (once per signed-in respondent) or enter a phone interview.

Each service owns its transaction, checks capability and scope through ``jurisdiction.scoping``,
validates every answer against its question (nothing is written when one is wrong) and writes the
audit record in the same transaction.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import Role
from shequ.core.audit import audit_record
from shequ.core.errors import Conflict, InvalidInput, InvalidTransition, NotAllowed, NotInScope
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import LEVEL_RANK, Level, Node
from shequ.registry.services import apply_phone

from .errors import SurveyErrorCode as E
from .models import CHOICE_KINDS, Answer, Channel, Option, Question, QuestionKind, Response, Survey, SurveyLevel

#: The lowest tree level a survey of each level may be sent to (a street survey goes to a street or above).
LOWEST_SCOPE = {SurveyLevel.STREET: Level.STREET, SurveyLevel.COMMUNITY: Level.COMMUNITY,
                SurveyLevel.RESIDENT: Level.GRID}
#: Who answers a survey of each level online.
ANSWERING_ROLES = {SurveyLevel.STREET: {Role.STREET_STAFF}, SurveyLevel.COMMUNITY: {Role.COMMUNITY_WORKER},
                   SurveyLevel.RESIDENT: {Role.RESIDENT}}
MAX_OPTIONS = 30


def _text(value: str, field: str, limit: int, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, extra={"field": field})
    if len(value) > limit:
        raise InvalidInput(_("长度不能超过%(n)d个字符") % {"n": limit}, extra={"field": field})
    return value


def _survey_for_update(actor, survey_id: int) -> Survey:
    survey = scoping.get_in_scope(Survey.objects.select_for_update(), actor, pk=survey_id)
    scoping.ensure_can(actor, "surveys.manage", survey)
    return survey


@transaction.atomic
def survey_create(*, actor, scope: Node, title: str, level: str, description: str = "",
                  closes_on: dt.date | None = None) -> Survey:
    """A new questionnaire (draft) for ``scope`` (a node in the actor's area)."""
    scoping.ensure_can(actor, "surveys.manage")
    if level not in SurveyLevel.values:
        raise InvalidInput(_("调研层面取值不正确"), extra={"field": "level"})
    scoping.ensure_nodes_in_scope(actor, [scope])
    if closes_on is not None and closes_on < timezone.localdate():
        raise InvalidInput(_("截止日期不能早于今天"), extra={"field": "closes_on"})
    if LEVEL_RANK.get(scope.level, 99) > LEVEL_RANK[LOWEST_SCOPE[level]]:
        raise InvalidInput(_("发放范围层级过低:%(level)s问卷须发往%(lowest)s或以上") % {
            "level": SurveyLevel(level).label, "lowest": Level(LOWEST_SCOPE[level]).label},
            code=E.BAD_SCOPE, extra={"field": "scope"})
    survey = Survey(title=_text(title, "title", 100, _("请填写标题")), description=(description or "").strip()[:2000],
                    level=level, scope=scope, closes_on=closes_on, created_by=actor)
    survey.copy_location(scope)
    survey.save()
    audit_record(actor=actor, verb="survey.created", target=survey, extra={"level": level, "scope": scope.pk})
    return survey


@transaction.atomic
def question_add(*, actor, survey_id: int, kind: str, text: str, options: Iterable[str] = (), required: bool = True,
                 scale_min: int = 1, scale_max: int = 5, scale_min_label: str = "", scale_max_label: str = "") -> Question:
    """Append a question to a draft survey; choice questions need at least two distinct options."""
    survey = _survey_for_update(actor, survey_id)
    if survey.status != Survey.Status.DRAFT:
        raise InvalidTransition(_("问卷已发布,不能再修改题目"), code=E.NOT_DRAFT)
    if kind not in QuestionKind.values:
        raise InvalidInput(_("题型取值不正确"), extra={"field": "kind"})
    labels = [o.strip() for o in options if o and o.strip()]
    if kind in CHOICE_KINDS:
        if len(labels) < 2 or len(set(labels)) != len(labels):
            raise InvalidInput(_("选择题至少需要两个互不相同的选项"), code=E.BAD_OPTIONS, extra={"field": "options"})
        if len(labels) > MAX_OPTIONS or any(len(label) > 200 for label in labels):
            raise InvalidInput(_("选项最多%(n)d个,每个不超过200字") % {"n": MAX_OPTIONS}, code=E.BAD_OPTIONS,
                               extra={"field": "options"})
    elif labels:
        raise InvalidInput(_("只有选择题可以设置选项"), code=E.BAD_OPTIONS, extra={"field": "options"})
    if kind == QuestionKind.SCALE and not (-10 <= scale_min < scale_max <= 10 and scale_max - scale_min <= 10):
        raise InvalidInput(_("量表范围应在 -10 到 10 之间,最多11级"), extra={"field": "scale_max"})
    position = (survey.questions.aggregate(m=Max("position"))["m"] or 0) + 1
    question = Question.objects.create(
        survey=survey, position=position, kind=kind, text=_text(text, "text", 300, _("请填写题目")), required=required,
        scale_min=scale_min if kind == QuestionKind.SCALE else 1, scale_max=scale_max if kind == QuestionKind.SCALE else 5,
        scale_min_label=(scale_min_label or "").strip()[:20], scale_max_label=(scale_max_label or "").strip()[:20])
    Option.objects.bulk_create([Option(question=question, position=i, label=label) for i, label in enumerate(labels, 1)])
    audit_record(actor=actor, verb="survey.question_added", target=survey, extra={"question": question.pk, "kind": kind})
    return question


@transaction.atomic
def question_remove(*, actor, survey_id: int, question_id: int) -> None:
    survey = _survey_for_update(actor, survey_id)
    if survey.status != Survey.Status.DRAFT:
        raise InvalidTransition(_("问卷已发布,不能再修改题目"), code=E.NOT_DRAFT)
    deleted, _rows = Question.objects.filter(survey=survey, pk=question_id).delete()
    if not deleted:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    audit_record(actor=actor, verb="survey.question_removed", target=survey, extra={"question": question_id})


@transaction.atomic
def survey_publish(*, actor, survey_id: int, now: dt.datetime | None = None) -> Survey:
    """Send a draft to its scope: from now on it can be answered (and its questions are fixed)."""
    survey = _survey_for_update(actor, survey_id)
    if survey.status != Survey.Status.DRAFT:
        raise InvalidTransition(_("只有草稿可以发布"), code=E.NOT_DRAFT)
    if not survey.questions.exists():
        raise InvalidInput(_("问卷至少需要一道题"), code=E.NO_QUESTIONS)
    survey.status, survey.opened_at = Survey.Status.OPEN, now or timezone.now()
    survey.save(update_fields=["status", "opened_at", "updated_at"])
    audit_record(actor=actor, verb="survey.published", target=survey)
    return survey


@transaction.atomic
def survey_close(*, actor, survey_id: int, now: dt.datetime | None = None) -> Survey:
    survey = _survey_for_update(actor, survey_id)
    if survey.status != Survey.Status.OPEN:
        raise InvalidTransition(_("只有调研中的问卷可以结束"), code=E.NOT_OPEN)
    survey.status, survey.closed_at = Survey.Status.CLOSED, now or timezone.now()
    survey.save(update_fields=["status", "closed_at", "updated_at"])
    audit_record(actor=actor, verb="survey.closed", target=survey)
    return survey


# --- answering -----------------------------------------------------------------------------------

def _answers(survey: Survey, answers: dict[int, Any]) -> list[Answer]:
    """Answer rows from ``{question id: value}`` (an option id, a list of option ids, a number, a text),
    checked against each question; raises naming the question (``extra["field"] = "q<id>"``)."""
    questions = list(survey.questions.prefetch_related("options"))
    known = {q.pk for q in questions}
    unknown = [k for k in answers if int(k) not in known]
    if unknown:
        raise InvalidInput(_("问卷中没有这道题"), code=E.BAD_ANSWER, extra={"field": f"q{unknown[0]}"})
    answers = {int(k): v for k, v in answers.items()}
    rows: list[Answer] = []
    for q in questions:
        raw = answers.get(q.pk)
        field = f"q{q.pk}"
        empty = raw is None or raw == "" or raw == []
        if empty:
            if q.required:
                raise InvalidInput(_("第%(n)d题为必答题") % {"n": q.position}, code=E.BAD_ANSWER, extra={"field": field})
            continue
        options = {o.pk for o in q.options.all()}
        try:
            if q.kind == QuestionKind.SINGLE:
                if isinstance(raw, (list, tuple)):
                    raise ValueError
                if int(raw) not in options:
                    raise ValueError
                rows.append(Answer(question=q, option_id=int(raw)))
            elif q.kind == QuestionKind.MULTIPLE:
                chosen = sorted({int(v) for v in (raw if isinstance(raw, (list, tuple)) else [raw])})
                if not chosen or not set(chosen) <= options:
                    raise ValueError
                rows += [Answer(question=q, option_id=pk) for pk in chosen]
            elif q.kind == QuestionKind.SCALE:
                value = int(raw)
                if not q.scale_min <= value <= q.scale_max:
                    raise ValueError
                rows.append(Answer(question=q, value=value))
            else:
                text = str(raw).strip()
                if len(text) > 2000:
                    raise InvalidInput(_("第%(n)d题填写内容过长(最多2000字)") % {"n": q.position}, code=E.BAD_ANSWER,
                                       extra={"field": field})
                if text:
                    rows.append(Answer(question=q, text=text))
                elif q.required:
                    raise InvalidInput(_("第%(n)d题为必答题") % {"n": q.position}, code=E.BAD_ANSWER, extra={"field": field})
        except (TypeError, ValueError):
            raise InvalidInput(_("第%(n)d题的回答无效") % {"n": q.position}, code=E.BAD_ANSWER, extra={"field": field}) from None
    return rows


def _save(response: Response, rows: list[Answer]) -> Response:
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        raise Conflict(_("您已填写过这份问卷,每人只能填写一次"), code=E.ALREADY_ANSWERED) from None
    for row in rows:
        row.response = response
    Answer.objects.bulk_create(rows)
    return response


def answering_location(user, survey: Survey):
    """Where ``user`` answers ``survey`` from (their resident record or bound node, whose ancestor
    columns the response copies), or None when the survey is not addressed to them (whatever its status)."""
    if not scoping.can(user, "surveys.answer") or getattr(user, "role", None) not in ANSWERING_ROLES[survey.level]:
        return None
    key, value = next(iter(survey.scope.scope_filter().items()))
    if user.role == Role.RESIDENT:
        resident = getattr(user, "resident", None)
        return resident if resident is not None and getattr(resident, key, None) == value else None
    for node in scoping.bound_nodes(user):
        if getattr(node, key, None) == value:
            return node
    return None


@transaction.atomic
def response_submit(*, actor, survey_id: int, answers: dict[int, Any], now: dt.datetime | None = None) -> Response:
    """Answer an open survey addressed to the actor (a resident under its scope for a resident survey,
    street or community staff under it for the other levels) — once."""
    if not scoping.can(actor, "surveys.answer"):
        raise NotAllowed(_("您的角色无权执行此操作"))
    survey = Survey.objects.select_related("scope").filter(pk=survey_id).exclude(status=Survey.Status.DRAFT).first()
    where = answering_location(actor, survey) if survey is not None else None
    if where is None:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    if not survey.is_open(timezone.localdate()):
        raise InvalidTransition(_("问卷调研已结束,不能填写"), code=E.NOT_OPEN)
    rows = _answers(survey, answers)
    response = Response(survey=survey, channel=Channel.ONLINE, respondent=actor, submitted_at=now or timezone.now())
    response.copy_location(where)
    _save(response, rows)
    audit_record(actor=actor, verb="survey.answered", target=survey, node_id=response.audit_node_id,
                 extra={"response": response.pk})
    return response


@transaction.atomic
def interview_record(*, actor, survey_id: int, place: Node, answers: dict[int, Any], interviewee_name: str = "",
                     interviewee_phone: str = "", minutes: int | None = None, note: str = "",
                     now: dt.datetime | None = None) -> Response:
    """A staff member enters the answers of a phone interview 电话访谈 of someone at ``place`` (a node
    under the survey's scope and in the staff member's area). The phone is kept encrypted."""
    scoping.ensure_can(actor, "surveys.interview")
    from .selectors import survey_for_interview

    survey = survey_for_interview(user=actor, pk=survey_id)
    if not survey.is_open(timezone.localdate()):
        raise InvalidTransition(_("问卷未在调研中,不能录入"), code=E.NOT_OPEN)
    scoping.ensure_nodes_in_scope(actor, [place])
    key, value = next(iter(survey.scope.scope_filter().items()))
    if getattr(place, key, None) != value:
        raise InvalidInput(_("受访人所在地不在问卷发放范围内"), code=E.BAD_SCOPE, extra={"field": "place"})
    rows = _answers(survey, answers)
    response = Response(survey=survey, channel=Channel.PHONE, interviewer=actor, submitted_at=now or timezone.now(),
                        interviewee_name=(interviewee_name or "").strip()[:50], interview_minutes=minutes,
                        note=(note or "").strip()[:500])
    apply_phone(response, (interviewee_phone or "").strip(), field="interviewee_phone")
    response.copy_location(place)
    _save(response, rows)
    audit_record(actor=actor, verb="survey.interview_recorded", target=survey, node_id=response.audit_node_id,
                 extra={"response": response.pk})
    return response
