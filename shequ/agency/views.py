"""Pages of full agency 全程代办 and door-to-door visits 上门服务.

Thin, like ``shequ.appeals.views``: reads through ``selectors`` (404 outside scope), writes through
``services`` via ``attempt`` (a refusal, e.g. a step out of order, is shown on the form that asked
for it and nothing is written), the role checked before anything is loaded (403).
"""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shequ.appeals import selectors as appeal_selectors
from shequ.appeals.deadlines import SHANGHAI
from shequ.core.errors import InvalidInput, NotAllowed
from shequ.core.idcard import mask_id_number
from shequ.jurisdiction import scoping
from shequ.registry import selectors as registry_selectors
from shequ.web.paging import capped_page
from shequ.web.views import _int, _require, attempt, page

from . import forms, metrics, selectors, services
from .models import AgencyCase, CaseStep, Visit


def _resident_label(resident) -> str:
    parts = [resident.name, mask_id_number(resident.id_number)]
    if resident.household_id:
        parts.append(resident.household.number)
    if resident.community_id:
        parts.append(resident.community.name)
    return " · ".join(p for p in parts if p)


def _home_address(resident) -> str:
    place = services.home_of(resident)
    address = getattr(place, "address", None)
    return address.full_text if address is not None else ""


def _resident_options(user, q: str, chosen) -> list[dict]:
    """Residents offered in a form: those matching ``q`` in the user's scope (at most 20), plus the
    chosen one (loaded through the scoped selector: 404 for a resident outside the scope)."""
    rows = list(registry_selectors.resident_list(user=user, q=q)[:20]) if q else []
    pk = _int(chosen) if chosen not in (None, "") else None
    if pk is not None and pk not in {r.pk for r in rows}:
        rows.insert(0, registry_selectors.resident_get(user=user, pk=pk))
    return [{"id": r.pk, "label": _resident_label(r)} for r in rows]


def _due_date(value: dt.date | None) -> dt.datetime | None:
    """A due date from a form: the end of that day in Shanghai."""
    if value is None:
        return None
    return dt.datetime.combine(value, dt.time(18, 0), tzinfo=SHANGHAI)


# --- cases ---------------------------------------------------------------------------------------

@page
def case_list(request):
    user = request.user
    selectors.ensure_staff(user)
    matters = list(selectors.matter_list(active_only=False))
    filters = forms.CaseFilterForm(request.GET or None, matters=matters)
    data = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    now = timezone.now()
    by_code = {m.code: m for m in matters}
    qs = selectors.case_list(user=user, status=data.get("status", ""), matter=by_code.get(data.get("matter")),
                             number=data.get("number", ""), overdue_at=now if data.get("overdue") else None)
    result = capped_page(qs, request.GET.get("page"))
    rows = [{"case": c, "url": reverse("agency:detail", args=[c.pk]), "resident": _resident_label(c.resident),
             "overdue": c.status == AgencyCase.Status.IN_PROGRESS and c.due_at < now} for c in result.rows]
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "agency/list.html", {
        "filters": filters, "rows": rows, "page": result, "query": params.urlencode(),
        "can_handle": scoping.can(user, "agency.handle"),
    })


def _appeal_id(user, number: str) -> int | None:
    number = (number or "").strip().upper()
    if not number:
        return None
    appeal = appeal_selectors.appeal_list(user=user).filter(number=number).first()
    if appeal is None:
        raise InvalidInput(_("找不到该诉求编号(或不在您的辖区内)"), extra={"field": "appeal_number"})
    return appeal.pk


@page
def case_create(request):
    user = request.user
    _require(user, "agency.handle")
    q = request.GET.get("q", "").strip()
    chosen = request.POST.get("resident") if request.method == "POST" else request.GET.get("resident")
    residents = _resident_options(user, q, chosen)
    matters = list(selectors.matter_list())
    by_code = {m.code: m for m in matters}
    form = forms.CaseOpenForm(request.POST or None, residents=residents, matters=matters,
                              agents=selectors.agent_options(user), initial={"resident": chosen})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, case = attempt(lambda: services.case_open(
            actor=user, resident_id=d["resident"], matter=by_code[d["matter"]],
            agent=selectors.agent_get(pk=d["agent"]) if d["agent"] else None,
            appeal_id=_appeal_id(user, d["appeal_number"]), note=d["note"]), form=form)
        if ok:
            messages.success(request, _("代办件已受理:%(number)s") % {"number": case.number})
            return redirect("agency:detail", pk=case.pk)
    return render(request, "agency/case_form.html", {"form": form, "q": q, "searched": bool(q)})


#: action -> form class of the case detail page.
CASE_ACTIONS = {
    "step": forms.StepForm, "materials": forms.MaterialsForm, "trip": forms.TripForm,
    "visit": forms.VisitRequestForm, "complete": forms.CompleteForm, "cancel": forms.ReasonForm,
}


def _case_form(name: str, case: AgencyCase, data=None):
    if name == "materials":
        return forms.MaterialsForm(data, prefix=name, materials=case.matter.material_list(),
                                   initial={"received": case.materials_received})
    if name == "visit":
        return forms.VisitRequestForm(data, prefix=name, initial={"kind": Visit.Kind.AGENCY})
    return CASE_ACTIONS[name](data, prefix=name)


def _case_context(request, case: AgencyCase, bound: tuple[str, object] | None = None) -> dict:
    user = request.user
    now = timezone.now()
    steps = selectors.case_steps(case=case)
    next_step = next((s for s in steps if s.status == CaseStep.Status.PENDING), None)
    is_open = case.status == AgencyCase.Status.IN_PROGRESS
    can_handle = is_open and scoping.can(user, "agency.handle")
    forms_ = {}
    if can_handle:
        forms_ = {name: _case_form(name, case) for name in CASE_ACTIONS}
        if bound:
            forms_[bound[0]] = bound[1]
    got = set(case.materials_received)
    return {
        "case": case, "steps": steps, "next_step": next_step, "can_handle": can_handle, "forms": forms_,
        "bound": bound[0] if bound else "",
        "step_error_id": bound[1].data.get("step-step") if bound and bound[0] == "step" else "",
        "trips": selectors.case_trips(case=case),
        "materials": [{"name": m, "received": m in got} for m in case.matter.material_list()],
        "resident_label": _resident_label(case.resident),
        "overdue": is_open and case.due_at < now,
        "all_steps_done": next_step is None,
    }


@page
def case_detail(request, pk: int):
    selectors.ensure_staff(request.user)
    case = selectors.case_get(user=request.user, pk=pk)
    context = _case_context(request, case)
    context["visits"] = list(selectors.visit_list(user=request.user, case=case))
    return render(request, "agency/detail.html", context)


def _case_write(name: str, user, case: AgencyCase, d: dict):
    pk = case.pk
    if name == "step":
        return services.case_step_finish(actor=user, case_id=pk, step_id=d["step"], skip=d["skip"], note=d["note"])
    if name == "materials":
        return services.case_materials_set(actor=user, case_id=pk, received=d["received"])
    if name == "trip":
        return services.case_trip_add(actor=user, case_id=pk, reason=d["reason"])
    if name == "visit":
        return services.visit_request(actor=user, resident_id=case.resident_id, kind=d["kind"], purpose=d["purpose"],
                                      case_id=pk, appeal_id=case.appeal_id, due_at=_due_date(d["due_date"]))
    if name == "complete":
        return services.case_complete(actor=user, case_id=pk, delivery=d["delivery"], result=d["result"])
    return services.case_cancel(actor=user, case_id=pk, reason=d["reason"])


#: Success messages per case action.
CASE_DONE = {
    "step": gettext_lazy("步骤已更新"), "materials": gettext_lazy("材料清单已更新"), "trip": gettext_lazy("已记录一次跑腿"),
    "visit": gettext_lazy("已派出上门服务"), "complete": gettext_lazy("已办结,结果已送达"), "cancel": gettext_lazy("已撤销"),
}


@page
@require_POST
def case_action(request, pk: int, action: str):
    user = request.user
    _require(user, "agency.handle")
    selectors.ensure_staff(user)
    if action not in CASE_ACTIONS:
        _int(None)  # unknown action: 404
    case = selectors.case_get(user=user, pk=pk)
    form = _case_form(action, case, request.POST)
    if form.is_valid():
        ok, _result = attempt(lambda: _case_write(action, user, case, form.cleaned_data), form=form)
        if ok:
            messages.success(request, CASE_DONE[action])
            return redirect("agency:detail", pk=pk)
    case = selectors.case_get(user=user, pk=pk)
    context = _case_context(request, case, bound=(action, form))
    context["visits"] = list(selectors.visit_list(user=user, case=case))
    return render(request, "agency/detail.html", context, status=422)


# --- the resident's own cases ----------------------------------------------------------------------

def _require_resident(user) -> None:
    if not selectors.is_resident(user) or not scoping.can(user, "agency.view"):
        raise NotAllowed(_("此页面供居民查看本人的代办件"))


@page
def my_cases(request):
    _require_resident(request.user)
    cases = list(selectors.case_list(user=request.user)[:100])
    return render(request, "agency/mine.html", {"cases": cases})


@page
def my_case(request, pk: int):
    _require_resident(request.user)
    case = selectors.case_get(user=request.user, pk=pk)
    return render(request, "agency/mine_detail.html", {
        "case": case, "steps": selectors.case_steps(case=case), "trips": selectors.case_trips(case=case),
        "materials": [{"name": m, "received": m in set(case.materials_received)} for m in case.matter.material_list()],
    })


# --- visits ------------------------------------------------------------------------------------

VISIT_TABS = {"mine": gettext_lazy("我的上门"), "all": gettext_lazy("辖区全部"), "overdue": gettext_lazy("超时未上门")}


@page
def visit_list(request):
    user = request.user
    selectors.ensure_staff(user)
    default = "mine" if user.role == "grid_worker" else "all"
    tab = request.GET.get("show", default)
    tab = tab if tab in VISIT_TABS else default
    now = timezone.now()
    qs = selectors.visit_list(
        user=user, assignee=user if tab == "mine" else None,
        status=Visit.Status.ASSIGNED if tab == "mine" and not request.GET.get("done") else "",
        overdue_at=now if tab == "overdue" else None)
    result = capped_page(qs, request.GET.get("page"))
    rows = [{"visit": v, "url": reverse("agency:visit_detail", args=[v.pk]), "resident": _resident_label(v.resident),
             "address": _home_address(v.resident),
             "overdue": v.status == Visit.Status.ASSIGNED and v.due_at < now} for v in result.rows]
    params = request.GET.copy()
    params.pop("page", None)
    tabs = [{"key": k, "label": label, "active": k == tab, "url": f"{reverse('agency:visits')}?show={k}"}
            for k, label in VISIT_TABS.items()]
    return render(request, "agency/visits.html", {
        "rows": rows, "page": result, "query": params.urlencode(), "tabs": tabs, "tab": tab,
        "can_handle": scoping.can(user, "agency.handle"),
    })


@page
def visit_create(request):
    user = request.user
    _require(user, "agency.handle")
    q = request.GET.get("q", "").strip()
    chosen = request.POST.get("resident") if request.method == "POST" else request.GET.get("resident")
    form = forms.VisitCreateForm(request.POST or None, residents=_resident_options(user, q, chosen),
                                 initial={"resident": chosen, "kind": Visit.Kind.ELDERLY_ALONE})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, visit = attempt(lambda: services.visit_request(
            actor=user, resident_id=d["resident"], kind=d["kind"], purpose=d["purpose"],
            due_at=_due_date(d["due_date"])), form=form)
        if ok:
            messages.success(request, visit.assignment_note)
            return redirect("agency:visit_detail", pk=visit.pk)
    return render(request, "agency/visit_form.html", {"form": form, "q": q, "searched": bool(q)})


VISIT_ACTIONS = {"record": forms.VisitRecordForm, "cancel": forms.ReasonForm}


def _visit_page(request, visit: Visit, bound: tuple[str, object] | None = None, status: int = 200):
    user = request.user
    can_handle = visit.status == Visit.Status.ASSIGNED and scoping.can(user, "agency.handle")
    forms_ = {name: cls(prefix=name) for name, cls in VISIT_ACTIONS.items()} if can_handle else {}
    if bound:
        forms_[bound[0]] = bound[1]
    return render(request, "agency/visit_detail.html", {
        "visit": visit, "forms": forms_, "bound": bound[0] if bound else "", "can_handle": can_handle,
        "resident_label": _resident_label(visit.resident), "address": _home_address(visit.resident),
        "overdue": visit.status == Visit.Status.ASSIGNED and visit.due_at < timezone.now(),
    }, status=status)


@page
def visit_detail(request, pk: int):
    selectors.ensure_staff(request.user)
    return _visit_page(request, selectors.visit_get(user=request.user, pk=pk))


@page
@require_POST
def visit_action(request, pk: int, action: str):
    user = request.user
    _require(user, "agency.handle")
    if action not in VISIT_ACTIONS:
        _int(None)
    selectors.visit_get(user=user, pk=pk)  # 404 outside the scope, before reading the form
    form = VISIT_ACTIONS[action](request.POST, prefix=action)
    if form.is_valid():
        d = form.cleaned_data
        if action == "record":
            write = lambda: services.visit_record(  # noqa: E731
                actor=user, visit_id=pk, outcome=d["outcome"], solved_at_door=d["solved_at_door"],
                visited_at=d["visited_at"], notes=d["notes"])
        else:
            write = lambda: services.visit_cancel(actor=user, visit_id=pk, reason=d["reason"])  # noqa: E731
        ok, _result = attempt(write, form=form)
        if ok:
            messages.success(request, _("上门记录已保存") if action == "record" else _("上门服务已取消"))
            return redirect("agency:visit_detail", pk=pk)
    return _visit_page(request, selectors.visit_get(user=user, pk=pk), bound=(action, form), status=422)


# --- measures ------------------------------------------------------------------------------------

CHART_W, CHART_H, CHART_TOP, CHART_BOTTOM, CHART_LEFT = 640, 240, 16, 48, 64


def chart(rows) -> dict:
    """An inline SVG bar chart: per row, the at-most-one-trip share and the on-time share (0–100 %)."""
    rows = [r for r in rows if r.closed]
    plot_h = CHART_H - CHART_TOP - CHART_BOTTOM
    slot = (CHART_W - CHART_LEFT) / max(len(rows), 1)
    bar = min(28.0, slot / 3)
    bars, labels = [], []
    for i, row in enumerate(rows):
        x0 = CHART_LEFT + i * slot + (slot - 2 * bar) / 2
        for j, (kind, value) in enumerate((("one", row.at_most_one_trip_rate), ("ontime", row.on_time_rate))):
            h = plot_h * (value or 0)
            bars.append({"x": round(x0 + j * bar, 1), "y": round(CHART_TOP + plot_h - h, 1), "w": round(bar - 2, 1),
                         "h": round(h, 1), "kind": kind, "title": f"{row.name}: {round((value or 0) * 100)}%"})
        labels.append({"x": round(CHART_LEFT + i * slot + slot / 2, 1), "text": str(row.name)[:8]})
    grid = [{"y": round(CHART_TOP + plot_h * (1 - p / 100), 1), "label": f"{p}%"} for p in (0, 50, 100)]
    return {"width": CHART_W, "height": CHART_H, "bars": bars, "labels": labels, "grid": grid,
            "label_y": CHART_H - CHART_BOTTOM + 18, "left": CHART_LEFT, "right": CHART_W}


@page
def measures(request):
    user = request.user
    selectors.ensure_staff(user)
    today = timezone.now().astimezone(SHANGHAI).date()
    first = today.replace(day=1)
    start = (first - dt.timedelta(days=150)).replace(day=1)
    form = forms.MeasuresForm(request.GET or {"group": "month", "start": start, "end": today})
    report = None
    if form.is_valid():
        d = form.cleaned_data
        report = metrics.agency_measures(user=user, group=d["group"], start=d["start"], end=d["end"])
    return render(request, "agency/measures.html", {
        "form": form, "report": report, "chart": chart(report.rows) if report and report.rows else None,
    })
