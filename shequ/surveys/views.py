"""Pages of surveys (云调研): the staff list, building and publishing a questionnaire, results with
charts and the Excel export, phone-interview entry, staff answering; and the resident pages under
/s/surveys/ (phone-sized, one answer per resident).

Thin, like ``shequ.web.views``: role first (403), reads through ``selectors`` (404 outside scope),
writes through ``services`` via ``attempt`` (a refused answer is shown on its form, nothing written).
"""
from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.jurisdiction import scoping
from shequ.jurisdiction import selectors as tree
from shequ.jurisdiction.models import Level
from shequ.web.charts import bar_chart
from shequ.web.paging import capped_page
from shequ.web.views import _require, _search_nodes, attempt, page

from . import exports, forms, selectors, services
from .models import Survey

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scopes(user) -> list[tuple[int, str]]:
    """Nodes a survey may be sent to: the user's own bound nodes, then the streets, communities
    and grids of their area."""
    own = [(n.pk, n.name) for n in scoping.bound_nodes(user) if n.level in (Level.CITY, Level.DISTRICT, Level.STREET,
                                                                               Level.COMMUNITY)]
    seen = {pk for pk, _n in own}
    return own + [(pk, name) for pk, name in _search_nodes(user) if pk not in seen]


@page
def survey_list(request):
    user = request.user
    _require(user, "surveys.view")
    status = request.GET.get("status", "")
    qs = selectors.survey_list(user=user, status=status if status in Survey.Status.values else "",
                               q=request.GET.get("q", "")[:100])
    result = capped_page(qs, request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "surveys/list.html", {
        "rows": result.rows, "page": result, "query": params.urlencode(), "status": status,
        "statuses": Survey.Status.choices, "can_manage": scoping.can(user, "surveys.manage"),
        "to_answer": list(selectors.surveys_to_answer(user=user)[:20]),
        "to_interview": list(selectors.surveys_for_interview(user=user)[:20]),
    })


@page
def survey_create(request):
    user = request.user
    _require(user, "surveys.manage")
    form = forms.SurveyForm(request.POST or None, scopes=_scopes(user))
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        ok, survey = attempt(lambda: services.survey_create(actor=user, scope=tree.node_get(user=user, pk=d.pop("scope")),
                                                            **d), form=form)
        if ok:
            messages.success(request, _("问卷已创建,请添加题目后发布"))
            return redirect("surveys:detail", pk=survey.pk)
    return render(request, "surveys/form.html", {"form": form, "title": _("新建问卷"), "back": reverse("surveys:list")})


def _detail(request, survey, question_form=None, status: int = 200):
    user = request.user
    manage = scoping.can(user, "surveys.manage")
    return render(request, "surveys/detail.html", {
        "survey": survey, "can_manage": manage,
        "question_form": question_form or (forms.QuestionForm() if manage and survey.status == Survey.Status.DRAFT else None),
        "responses": selectors.response_list(user=user, survey=survey).count(),
        "can_interview": scoping.can(user, "surveys.interview") and survey.is_open(timezone.localdate()),
    }, status=status)


@page
def survey_detail(request, pk: int):
    return _detail(request, selectors.survey_get(user=request.user, pk=pk))


@page
@require_POST
def question_add(request, pk: int):
    user = request.user
    _require(user, "surveys.manage")
    survey = selectors.survey_get(user=user, pk=pk)
    form = forms.QuestionForm(request.POST)
    if form.is_valid():
        d = dict(form.cleaned_data)
        d["options"] = form.option_lines()
        ok, _q = attempt(lambda: services.question_add(actor=user, survey_id=pk, **d), form=form)
        if ok:
            messages.success(request, _("已添加题目"))
            return redirect("surveys:detail", pk=pk)
    return _detail(request, survey, question_form=form, status=422)


@page
@require_POST
def question_remove(request, pk: int, question_id: int):
    _require(request.user, "surveys.manage")
    selectors.survey_get(user=request.user, pk=pk)
    ok, _r = attempt(lambda: services.question_remove(actor=request.user, survey_id=pk, question_id=question_id),
                     request=request)
    if ok:
        messages.success(request, _("已删除题目"))
    return redirect("surveys:detail", pk=pk)


def _step(request, pk: int, write, message: str):
    _require(request.user, "surveys.manage")
    selectors.survey_get(user=request.user, pk=pk)  # 404 outside the user's area
    ok, _s = attempt(lambda: write(actor=request.user, survey_id=pk), request=request)
    if ok:
        messages.success(request, message)
    return redirect("surveys:detail", pk=pk)


@page
@require_POST
def survey_publish(request, pk: int):
    return _step(request, pk, services.survey_publish, _("问卷已发布"))


@page
@require_POST
def survey_close(request, pk: int):
    return _step(request, pk, services.survey_close, _("调研已结束"))


@page
def survey_results(request, pk: int):
    user = request.user
    survey = selectors.survey_get(user=user, pk=pk)
    results = selectors.survey_results(user=user, survey=survey)
    for q in results["questions"]:
        rows = q["options"] or q["scale"]
        q["chart"] = bar_chart(rows, "label", "count", digits=0, label_chars=10) if rows else ""
    return render(request, "surveys/results.html", {"survey": survey, "results": results})


@page
def survey_export(request, pk: int):
    survey = selectors.survey_get(user=request.user, pk=pk)
    out = exports.survey_export(actor=request.user, survey=survey)
    return FileResponse(out, as_attachment=True, filename=f"survey-{survey.pk}.xlsx", content_type=XLSX)


def _interview_places(user, survey) -> list[tuple[int, str]]:
    key, value = next(iter(survey.scope.scope_filter().items()))
    nodes = scoping.visible_nodes(user).filter(level__in=[Level.COMMUNITY, Level.GRID], **{key: value}).order_by("path")
    return [(n.pk, n.name) for n in nodes[:600]]


@page
def interview(request, pk: int):
    user = request.user
    survey = selectors.survey_for_interview(user=user, pk=pk)
    places = _interview_places(user, survey)
    form = forms.InterviewForm(request.POST or None, places=places, prefix="i")
    answers = forms.AnswerForm(request.POST or None, survey=survey)
    if request.method == "POST" and form.is_valid() and answers.is_valid():
        d = dict(form.cleaned_data)
        ok, _r = attempt(lambda: services.interview_record(
            actor=user, survey_id=pk, place=tree.node_get(user=user, pk=d.pop("place")), answers=answers.answers(), **d),
            form=answers)
        if ok:
            messages.success(request, _("已录入电话访谈"))
            return redirect("surveys:interview", pk=pk)
    return render(request, "surveys/interview.html", {"survey": survey, "form": form, "answers": answers},
                  status=422 if request.method == "POST" else 200)


@page
def staff_answer(request, pk: int):
    user = request.user
    _require(user, "surveys.answer")
    survey = selectors.survey_for_answer(user=user, pk=pk)
    return _answer(request, survey, template="surveys/answer.html", done_url=reverse("surveys:list"))


def _answer(request, survey, *, template: str, done_url: str):
    user = request.user
    answered = selectors.has_answered(user=user, survey=survey)
    form = forms.AnswerForm(request.POST or None, survey=survey)
    if request.method == "POST" and not answered and form.is_valid():
        ok, _r = attempt(lambda: services.response_submit(actor=user, survey_id=survey.pk, answers=form.answers()),
                         form=form)
        if ok:
            messages.success(request, _("提交成功,感谢您的参与!"))
            return redirect(done_url)
    return render(request, template, {"survey": survey, "form": form, "answered": answered,
                                      "is_open": survey.is_open(timezone.localdate())},
                  status=422 if request.method == "POST" and not answered else 200)


# --- resident pages (/s/surveys/) ----------------------------------------------------------------

@page
def resident_list(request):
    user = request.user
    _require(user, "surveys.answer")
    from .models import Response

    answered = (Survey.objects.filter(pk__in=Response.objects.filter(respondent=user).values("survey_id"))
                .order_by("-opened_at")[:20])
    return render(request, "surveys/resident_list.html", {
        "open": list(selectors.surveys_to_answer(user=user)[:50]), "answered": list(answered)})


@page
def resident_answer(request, pk: int):
    user = request.user
    _require(user, "surveys.answer")
    survey = selectors.survey_for_answer(user=user, pk=pk)
    return _answer(request, survey, template="surveys/resident_answer.html", done_url=reverse("surveys_resident:list"))
