"""Pages for whistle and report (吹哨报到): scoped list, blowing a whistle, the detail with each
department's progress and the steps this user may take, the department ranking.

Thin, like ``shequ.web.views``: the role is checked first (403), reads go through ``selectors``
(404 outside scope), writes through ``services`` via ``attempt`` (a refused step, 409 or 422, is
shown on the form that asked for it).
"""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shequ.accounts.models import Role
from shequ.core.errors import NotInScope
from shequ.jurisdiction import scoping
from shequ.web.paging import capped_page
from shequ.web.views import _require, _search_nodes, attempt, page

from . import forms, ranking as rank, selectors, services
from .models import Whistle, WhistleTarget

T = WhistleTarget.Status

#: Timeline verbs as shown to people.
VERBS = {
    "whistled": gettext_lazy("吹哨"), "acknowledged": gettext_lazy("签收"), "on_site": gettext_lazy("到场报到"),
    "acted": gettext_lazy("处置"), "replied": gettext_lazy("回复"), "scored": gettext_lazy("评分"),
    "rescored": gettext_lazy("修改评分"), "closed": gettext_lazy("办结"),
}

#: action -> (button label, capability, target status, form class), in the order of the workflow.
ACTIONS = {
    "acknowledge": (gettext_lazy("签收"), "whistle.act", T.ACKNOWLEDGED, forms.EmptyForm),
    "on_site": (gettext_lazy("到场报到"), "whistle.act", T.ON_SITE, forms.OnSiteForm),
    "act": (gettext_lazy("记录处置"), "whistle.act", T.ACTING, forms.ActForm),
    "reply": (gettext_lazy("回复结果"), "whistle.act", T.REPLIED, forms.ReplyForm),
    "score": (gettext_lazy("评分"), "whistle.score", T.SCORED, forms.ScoreForm),
}


def _may_score(user, whistle: Whistle, target: WhistleTarget) -> bool:
    if not scoping.can(user, "whistle.score") or target.status not in (T.REPLIED, T.SCORED):
        return False
    return whistle.closed_at is None or scoping.is_global(user) or user.role == Role.DISTRICT_OFFICE


def _available(user, whistle: Whistle, target: WhistleTarget, own: set[int]) -> list[str]:
    names = [name for name, (_l, cap, to, _f) in ACTIONS.items()
             if cap == "whistle.act" and target.pk in own and target.can_transition_to(to)]
    if _may_score(user, whistle, target):
        names.append("score")
    return names


def _form(name: str, target: WhistleTarget, data=None):
    prefix = f"t{target.pk}-{name}"
    if name == "score" and data is None and target.score is not None:
        initial = {"timeliness": target.score_timeliness, "attitude": target.score_attitude,
                   "result": target.score_result, "comment": target.score_comment}
        return forms.ScoreForm(prefix=prefix, initial=initial)
    return ACTIONS[name][3](data, prefix=prefix)


def _steps(whistle: Whistle, target: WhistleTarget) -> list[dict]:
    return [
        {"label": _("签收"), "at": target.acknowledged_at, "state": ""},
        {"label": _("到场报到"), "at": target.on_site_at, "due": whistle.report_due_at, "state": target.report_state,
         "note": target.on_site_people},
        {"label": _("处置"), "at": target.acted_at, "state": ""},
        {"label": _("回复"), "at": target.replied_at, "due": whistle.reply_due_at, "state": target.reply_state},
        {"label": _("评分"), "at": target.scored_at, "state": ""},
    ]


# --- list ------------------------------------------------------------------------------------

@page
def whistle_list(request):
    user = request.user
    _require(user, "whistle.view")
    department_user = user.role == Role.DEPARTMENT and not scoping.is_global(user)
    departments = [] if department_user else list(selectors.whistle_departments(user=user))
    filters = forms.FilterForm(request.GET or None, departments=departments)
    data = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    now = timezone.now()
    qs = selectors.whistle_list(user=user, status=data.get("status", ""), urgency=data.get("urgency", ""),
                                department=data.get("department"), late_at=now if data.get("late") else None,
                                q=data.get("q", ""))
    result = capped_page(qs, request.GET.get("page"))
    rows = []
    for w in result.rows:
        targets = selectors.visible_targets(user=user, whistle=w, now=now)
        rows.append({"whistle": w, "url": reverse("whistle:detail", args=[w.pk]), "targets": targets,
                     "on_site": sum(1 for t in targets if t.on_site_at), "replied": sum(1 for t in targets if t.replied_at),
                     "late": w.closed_at is None and any("overdue" in (t.report_state, t.reply_state) for t in targets)})
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "whistle/list.html", {
        "filters": filters, "rows": rows, "page": result, "query": params.urlencode(),
        "can_create": scoping.can(user, "whistle.create"), "department_user": department_user,
        "can_rank": scoping.can(user, "whistle.ranking"),
    })


# --- create ----------------------------------------------------------------------------------

@page
def whistle_create(request):
    user = request.user
    _require(user, "whistle.create")
    departments = list(selectors.whistle_departments(user=user))
    form = forms.WhistleForm(request.POST or None, places=_search_nodes(user), departments=departments)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data

        def write():
            from shequ.jurisdiction import selectors as tree

            return services.whistle_create(
                actor=user, place=tree.node_get(user=user, pk=d["place"]), title=d["title"],
                description=d["description"], department_ids=d["departments"], urgency=d["urgency"],
                appeal_ids=selectors.appeal_ids_by_number(user=user, numbers=form.appeal_numbers()),
                address_text=d["address_text"], lng=d["lng"], lat=d["lat"], report_due_at=d["report_due_at"])

        try:
            ok, whistle = attempt(write, form=form)
        except NotInScope as exc:  # a linked appeal outside the area: say so on the form, not a 404 page
            form.add_error("appeals" if exc.extra.get("field") == "appeals" else "place", exc.message)
            ok = False
        if ok:
            messages.success(request, _("已吹哨:%(title)s") % {"title": whistle.title})
            return redirect("whistle:detail", pk=whistle.pk)
    return render(request, "whistle/create.html", {"form": form})


# --- detail and steps ------------------------------------------------------------------------

def _detail(request, whistle: Whistle, *, bound: tuple[int, str, object] | None = None):
    user = request.user
    now = timezone.now()
    targets = selectors.visible_targets(user=user, whistle=whistle, now=now)
    own = selectors.own_target_ids(user=user, targets=targets)
    targets.sort(key=lambda t: t.pk not in own)  # a department's own row first (stable otherwise)
    cards = []
    for target in targets:
        names = _available(user, whistle, target, own)
        if bound and bound[0] == target.pk and bound[1] not in names:
            names.append(bound[1])  # a refused step (stale page, crafted POST): show why
        actions = []
        for name in names:
            label = _("修改评分") if name == "score" and target.status == T.SCORED else ACTIONS[name][0]
            is_bound = bool(bound and bound[0] == target.pk and bound[1] == name)
            actions.append({"name": name, "label": label, "open": is_bound,
                            "form": bound[2] if is_bound else _form(name, target),
                            "url": reverse("whistle:action", args=[whistle.pk, target.pk, name])})
        cards.append({"target": target, "steps": _steps(whistle, target), "actions": actions})
    close_form = None
    if bound and bound[1] == "close":
        close_form = bound[2]
    elif whistle.status == Whistle.Status.SCORED and scoping.can(user, "whistle.score"):
        close_form = forms.CloseForm(prefix="close")
    events = [{"event": e, "verb": VERBS.get(e.verb, e.verb)} for e in selectors.whistle_timeline(user=user, whistle=whistle)]
    return render(request, "whistle/detail.html", {
        "whistle": whistle, "cards": cards, "events": events, "close_form": close_form,
        "appeals": list(whistle.appeals.all()),
    })


@page
def whistle_detail(request, pk: int):
    _require(request.user, "whistle.view")
    return _detail(request, selectors.whistle_get(user=request.user, pk=pk))


def _write(name: str, user, target: WhistleTarget, d: dict):
    pk = target.pk
    if name == "acknowledge":
        return services.target_acknowledge(actor=user, target_id=pk)
    if name == "on_site":
        return services.target_report_on_site(actor=user, target_id=pk, people=d["people"], arrived_at=d["arrived_at"])
    if name == "act":
        return services.target_act(actor=user, target_id=pk, notes=d["notes"])
    if name == "reply":
        return services.target_reply(actor=user, target_id=pk, reply=d["reply"])
    return services.target_score(actor=user, target_id=pk, timeliness=d["timeliness"], attitude=d["attitude"],
                                 result=d["result"], comment=d["comment"], reason=d["reason"])


@page
@require_POST
def target_action(request, pk: int, target_id: int, action: str):
    user = request.user
    if action not in ACTIONS:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    _require(user, ACTIONS[action][1])
    whistle = selectors.whistle_get(user=user, pk=pk)
    target = next((t for t in whistle.targets.all() if t.pk == target_id), None)
    if target is None:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    form = _form(action, target, request.POST)
    if form.is_valid():
        ok, _result = attempt(lambda: _write(action, user, target, form.cleaned_data), form=form)
        if ok:
            messages.success(request, _("已%(action)s:%(department)s") % {"action": ACTIONS[action][0],
                                                                         "department": target.department.name})
            return redirect("whistle:detail", pk=pk)
    return _detail(request, selectors.whistle_get(user=user, pk=pk), bound=(target.pk, action, form))


@page
@require_POST
def whistle_close(request, pk: int):
    user = request.user
    _require(user, "whistle.score")
    whistle = selectors.whistle_get(user=user, pk=pk)
    form = forms.CloseForm(request.POST, prefix="close")
    if form.is_valid():
        ok, _result = attempt(lambda: services.whistle_close(actor=user, whistle_id=pk, note=form.cleaned_data["note"]),
                              form=form)
        if ok:
            messages.success(request, _("吹哨已办结"))
            return redirect("whistle:detail", pk=pk)
    return _detail(request, whistle, bound=(0, "close", form))


# --- ranking ---------------------------------------------------------------------------------

@page
def ranking(request):
    user = request.user
    districts = rank.ranking_districts(user)  # 403 for roles without whistle.ranking
    form = forms.RankingForm(request.GET or None)
    args = form.period_args(timezone.now())
    district_id = request.GET.get("district")
    result = rank.department_ranking(user=user, district_id=int(district_id) if (district_id or "").isdigit() else None,
                                     **args)
    return render(request, "whistle/ranking.html", {
        "form": form, "ranking": result, "chart": rank.bar_chart(result.rows), "districts": districts,
        "args": args,
    })
