"""Proactive governance pages (/proactive/): the month's frequent problems, topics (每月一题) with
their plan, progress and effect. Thin: selectors read (404 outside scope), services write via
``attempt``, the role checked first (403)."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shequ.appeals import selectors as appeal_selectors
from shequ.appeals.deadlines import SHANGHAI
from shequ.core.errors import InvalidInput
from shequ.jurisdiction import scoping
from shequ.jurisdiction import selectors as tree
from shequ.web.views import _int, _require, _search_nodes, attempt, page

from . import selectors, services
from .models import Topic


def _today():
    return timezone.now().astimezone(SHANGHAI).date()


def _month(request) -> "tuple":
    """The month asked for (?month=YYYY-MM), else last month (this month is not over)."""
    text = request.GET.get("month", "")
    try:
        return selectors.parse_month(text) if text else selectors.month_start(_today(), -1), None
    except InvalidInput as exc:
        return selectors.month_start(_today(), -1), exc.message


@page
def problems(request):
    user = request.user
    _require(user, "proactive.view")
    month, error = _month(request)
    level = request.GET.get("level") if request.GET.get("level") in selectors.LEVELS else "community"
    rows = selectors.hot_problems(user=user, month=month, level=level)
    return render(request, "proactive/problems.html", {
        "rows": rows, "month": month, "level": level, "error": error,
        "can_manage": scoping.can(user, "proactive.manage"),
        "previous": f"{selectors.month_start(month, -1):%Y-%m}", "next": f"{selectors.month_start(month, 1):%Y-%m}",
    })


@page
def topic_list(request):
    _require(request.user, "proactive.view")
    return render(request, "proactive/topic_list.html", {
        "topics": selectors.topic_list(user=request.user),
        "can_manage": scoping.can(request.user, "proactive.manage"),
    })


class TopicForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("题目"), max_length=200)
    owner = forms.ChoiceField(label=gettext_lazy("责任单位"))
    owner_person = forms.CharField(label=gettext_lazy("责任人"), max_length=50)
    plan = forms.CharField(label=gettext_lazy("治理方案(措施)"), widget=forms.Textarea(attrs={"rows": 4}))
    milestones = forms.CharField(label=gettext_lazy("时间节点"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                 help_text=gettext_lazy("每行一个:YYYY-MM-DD 内容"))

    def __init__(self, *args, nodes=(), departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "—"), (_("辖区单位"), [(f"n{pk}", name) for pk, name in nodes]),
                                        (_("区直部门"), [(f"d{d.pk}", d.name) for d in departments])]


@page
def topic_create(request):
    user = request.user
    _require(user, "proactive.manage")
    month, _error = _month(request)
    place = tree.node_get(user=user, pk=_int(request.GET.get("place")))
    category = appeal_selectors.category_list(active_only=False).filter(pk=_int(request.GET.get("category"))).first()
    if category is None:
        _int(None)
    form = TopicForm(request.POST or None, nodes=_search_nodes(user), departments=appeal_selectors.department_list(),
                     initial={"title": f"{place.name}{category.name}问题治理", "owner": f"n{place.pk}"})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        unit = d["owner"]
        ok, topic = attempt(lambda: services.topic_create(
            actor=user, month=month, place=place, category=category, title=d["title"], plan=d["plan"],
            owner_person=d["owner_person"],
            owner_node=tree.node_get(user=user, pk=_int(unit[1:])) if unit.startswith("n") else None,
            owner_department=appeal_selectors.department_get(pk=_int(unit[1:])) if unit.startswith("d") else None,
            milestones=services.parse_milestones(d["milestones"])), form=form)
        if ok:
            messages.success(request, _("已立为每月一题"))
            return redirect("proactive:topic_detail", pk=topic.pk)
    appeals = selectors.problem_appeals(user=user, month=month, place=place, category=category)
    return render(request, "proactive/topic_form.html", {"form": form, "month": month, "place": place,
                                                          "category": category, "appeal_count": appeals.count()})


class ResultForm(forms.Form):
    result = forms.CharField(label=gettext_lazy("治理成效"), widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("进展"), widget=forms.Textarea(attrs={"rows": 2}))


ACTIONS = {"start": forms.Form, "finish": ResultForm, "note": NoteForm}


def _detail(request, topic: Topic, bound=None):
    user = request.user
    effect = selectors.topic_effect(user=user, topic=topic, today=_today())
    actions = {}
    if scoping.can(user, "proactive.manage"):
        if topic.status == Topic.Status.PLANNED:
            actions["start"] = forms.Form()
        if topic.status == Topic.Status.IN_PROGRESS:
            actions["finish"] = ResultForm(prefix="finish")
        actions["note"] = NoteForm(prefix="note")
        if bound:
            actions[bound[0]] = bound[1]
    return render(request, "proactive/topic_detail.html", {
        "topic": topic, "effect": effect, "actions": actions,
        "appeals": [{"appeal": a, "url": reverse("appeals:detail", args=[a.pk])}
                    for a in selectors.topic_appeals(user=user, topic=topic)],
    })


@page
def topic_detail(request, pk: int):
    return _detail(request, selectors.topic_get(user=request.user, pk=pk))


@page
@require_POST
def topic_action(request, pk: int, action: str):
    user = request.user
    _require(user, "proactive.manage")
    if action not in ACTIONS:
        _int(None)
    selectors.topic_get(user=user, pk=pk)  # 404 outside the scope, before reading the form
    form = ACTIONS[action](request.POST, prefix=None if action == "start" else action)
    if form.is_valid():
        d = form.cleaned_data
        write = {"start": lambda: services.topic_start(actor=user, topic_id=pk),
                 "finish": lambda: services.topic_finish(actor=user, topic_id=pk, result=d["result"]),
                 "note": lambda: services.topic_note_add(actor=user, topic_id=pk, text=d["text"])}[action]
        ok, _result = attempt(write, form=form)
        if ok:
            return redirect("proactive:topic_detail", pk=pk)
    return _detail(request, selectors.topic_get(user=user, pk=pk), bound=(action, form))
