"""Scoped reads of surveys and their results.

Two ways a survey reaches a user:

* **in scope** (``survey_list``, ``survey_get``, results, export): the survey's scope node lies in
  the user's area (``scoping.scope_queryset``) — a street sees its own street's questionnaires and
  their answers, never another street's;
* **addressed** (``survey_addressed_q``, the "to answer" lists, interviews): an open survey whose
  scope contains the user's node or household — a community worker can answer or enter phone
  interviews for a district-wide survey, without seeing the district's results.
"""
from __future__ import annotations

from collections import defaultdict

from django.db.models import Avg, Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import Role
from shequ.core.errors import NotAllowed, NotInScope
from shequ.core.idcard import mask_phone
from shequ.jurisdiction import scoping

from .models import CHOICE_KINDS, Answer, Option, Question, QuestionKind, Response, Survey, SurveyLevel


def _require(user, action: str) -> None:
    if not scoping.can(user, action):
        raise NotAllowed(_("您的角色无权执行此操作"))


def survey_list(*, user, status: str = "", level: str = "", q: str = "") -> QuerySet[Survey]:
    _require(user, "surveys.view")
    qs = scoping.scope_queryset(Survey.objects.all(), user)
    if status:
        qs = qs.filter(status=status)
    if level:
        qs = qs.filter(level=level)
    if q:
        qs = qs.filter(title__icontains=q.strip())
    return (qs.select_related("scope").annotate(responses_count=Count("responses", distinct=True))
            .order_by("-created_at", "-id"))


def _questions():
    return Prefetch("questions", queryset=Question.objects.prefetch_related(
        Prefetch("options", queryset=Option.objects.order_by("position", "id"))).order_by("position", "id"))


def survey_get(*, user, pk: int) -> Survey:
    _require(user, "surveys.view")
    return scoping.get_in_scope(Survey.objects.select_related("scope", "created_by").prefetch_related(_questions()),
                                user, pk=pk)


def _ancestor_ids(user) -> list[int]:
    if user.role == Role.RESIDENT:
        resident = getattr(user, "resident", None)
        if resident is None:
            return []
        return [v for v in resident.ancestor_ids().values() if v]
    ids: set[int] = set()
    for node in scoping.bound_nodes(user):
        ids.update(node.ancestor_path_ids)
        ids.add(node.pk)
    return sorted(ids)


def open_q() -> Q:
    """Open surveys not past their closing date (the last day counts, Shanghai time)."""
    return Q(status=Survey.Status.OPEN) & (Q(closes_on__isnull=True) | Q(closes_on__gte=timezone.localdate()))


def survey_addressed_q(user) -> Q:
    """Open surveys whose scope contains the user's node (staff) or household (resident)."""
    if not (user and user.is_authenticated):
        return Q(pk__in=[])
    if scoping.is_global(user):
        return open_q()
    return open_q() & Q(scope_id__in=_ancestor_ids(user))


def surveys_to_answer(*, user) -> QuerySet[Survey]:
    """Open surveys this user is asked to fill in (a resident: resident-level ones over their home;
    street staff: street-level ones; community workers: community-level ones), not yet answered."""
    from .services import ANSWERING_ROLES

    levels = [level for level, roles in ANSWERING_ROLES.items() if getattr(user, "role", None) in roles]
    if not levels or not scoping.can(user, "surveys.answer") or scoping.is_global(user):
        return Survey.objects.none()
    answered = Response.objects.filter(respondent=user).values("survey_id")
    return (Survey.objects.filter(survey_addressed_q(user), level__in=levels).exclude(pk__in=answered)
            .select_related("scope").order_by("closes_on", "-opened_at", "-id"))


def survey_for_answer(*, user, pk: int) -> Survey:
    """A survey addressed to the user for answering (open or closed, not a draft), with its questions."""
    from .services import answering_location

    survey = (Survey.objects.exclude(status=Survey.Status.DRAFT).select_related("scope").prefetch_related(_questions())
              .filter(pk=pk).first())
    if survey is None or answering_location(user, survey) is None:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    return survey


def has_answered(*, user, survey: Survey) -> bool:
    return Response.objects.filter(survey=survey, respondent=user).exists()


def survey_for_interview(*, user, pk: int) -> Survey:
    """A survey the user may enter phone interviews for: in their area, or addressed to it."""
    _require(user, "surveys.interview")
    survey = (Survey.objects.filter(survey_addressed_q(user) | scoping.scope_q(user, Survey), pk=pk)
              .exclude(status=Survey.Status.DRAFT).select_related("scope").prefetch_related(_questions()).first())
    if survey is None:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    return survey


def surveys_for_interview(*, user) -> QuerySet[Survey]:
    if not scoping.can(user, "surveys.interview"):
        return Survey.objects.none()
    return (Survey.objects.filter(survey_addressed_q(user) | (scoping.scope_q(user, Survey) & open_q()))
            .select_related("scope").order_by("-opened_at", "-id"))


def response_list(*, user, survey: Survey) -> QuerySet[Response]:
    """The answers of a survey loaded through ``survey_get``: those within the user's area."""
    return (scoping.scope_queryset(Response.objects.filter(survey=survey), user)
            .select_related("respondent", "interviewer", "community", "street")
            .prefetch_related(Prefetch("answers", queryset=Answer.objects.select_related("option")))
            .order_by("submitted_at", "id"))


def survey_results(*, user, survey: Survey, text_limit: int = 50) -> dict:
    """Per question: counts and shares per option (choices), distribution and mean (scale), the latest
    texts (free text) — over the responses within the user's area; a handful of grouped queries."""
    responses = scoping.scope_queryset(Response.objects.filter(survey=survey), user)
    total = responses.count()
    by_channel = dict(responses.values_list("channel").annotate(n=Count("id")).order_by())
    answers = Answer.objects.filter(response__in=responses.values("pk"))
    option_counts = dict(answers.filter(option__isnull=False).values_list("option_id").annotate(n=Count("id")).order_by())
    answered = dict(answers.values_list("question_id").annotate(n=Count("response_id", distinct=True)).order_by())
    scale_counts: dict[int, dict[int, int]] = defaultdict(dict)
    for qid, value, n in answers.filter(value__isnull=False).values_list("question_id", "value").annotate(n=Count("id")).order_by():
        scale_counts[qid][value] = n
    means = dict(answers.filter(value__isnull=False).values_list("question_id").annotate(m=Avg("value")).order_by())
    texts: dict[int, list[str]] = defaultdict(list)
    text_qids = [q.pk for q in survey.questions.all() if q.kind == QuestionKind.TEXT]
    for qid in text_qids:
        texts[qid] = list(answers.filter(question_id=qid).exclude(text="").order_by("-id")
                          .values_list("text", flat=True)[:text_limit])
    questions = []
    for q in survey.questions.all():
        n = answered.get(q.pk, 0)
        row = {"question": q, "id": q.pk, "position": q.position, "kind": q.kind, "text": q.text, "answered": n,
               "options": [], "scale": [], "mean": None, "texts": texts.get(q.pk, [])}
        if q.kind in CHOICE_KINDS:
            row["options"] = [{"id": o.pk, "label": o.label, "count": option_counts.get(o.pk, 0),
                               "share": round(option_counts.get(o.pk, 0) / n, 4) if n else None} for o in q.options.all()]
        elif q.kind == QuestionKind.SCALE:
            row["scale"] = [{"label": str(v), "value": v, "count": scale_counts[q.pk].get(v, 0),
                             "share": round(scale_counts[q.pk].get(v, 0) / n, 4) if n else None} for v in q.scale_values]
            row["mean"] = round(float(means[q.pk]), 2) if q.pk in means else None
        questions.append(row)
    return {"total": total, "online": by_channel.get("online", 0), "phone": by_channel.get("phone", 0),
            "questions": questions}


def answer_cells(survey: Survey, response: Response) -> list[str]:
    """One response as one text cell per question (choices by label, joined with "、")."""
    by_question: dict[int, list[str]] = defaultdict(list)
    for a in response.answers.all():
        by_question[a.question_id].append(a.option.label if a.option_id else (str(a.value) if a.value is not None else a.text))
    return ["、".join(by_question.get(q.pk, [])) for q in survey.questions.all()]


def respondent_label(response: Response) -> str:
    """Who answered, masked: the interviewee's name and masked phone, or the account's display name."""
    if response.channel == "phone":
        phone = mask_phone(response.interviewee_phone)
        return f"{response.interviewee_name or _('(未留姓名)')} {phone}".strip()
    if response.respondent_id is None:
        return ""
    if response.respondent.role == Role.RESIDENT:
        return _("居民")  # residents' answers are shown without their identity
    return str(response.respondent)


def level_label(level: str) -> str:
    return str(SurveyLevel(level).label)
