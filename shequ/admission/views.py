"""Pages of work admission (社区工作准入与减负), one set per role:

* department 区直部门 — file a request, see its decision, revise a returned one, download the data
  released instead of a door-to-door collection;
* district community office 区社区办 — edit and publish the lists, decide requests, review flags;
* community worker 社区工作者 / grid worker 网格员 — the tasks that reached them, forwarding to
  grids, completion with results; flag unadmitted work; seal uses, certificates and plaques;
* street staff, leaders — the burden ledger, the department ranking and their charts.

Thin, like ``shequ.whistle.views``: role first (403), reads through ``selectors`` (404 outside
scope), writes through ``services`` via ``attempt`` (a refusal is shown on its form).
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

from shequ.core.errors import NotInScope
from shequ.jurisdiction import scoping
from shequ.web.charts import bar_chart
from shequ.web.paging import capped_page
from shequ.web.views import _int, _require, attempt, page, public

from . import api as admission_api
from . import burden, datafields, forms, selectors, services
from .models import AdmissionList, Assignment, Category, StampRecord, UnadmittedReport, WorkTask

VERBS = {
    "submitted": gettext_lazy("提交申请"), "resubmitted": gettext_lazy("修改后重新提交"), "approved": gettext_lazy("批准准入"),
    "rejected": gettext_lazy("不予准入"), "returned": gettext_lazy("退回修改"), "dispatched": gettext_lazy("下派社区"),
    "forwarded": gettext_lazy("转派网格"), "completed": gettext_lazy("报告完成"), "closed": gettext_lazy("办结"),
    "reuse_exported": gettext_lazy("下载复用数据"),
}


def _query(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- home and public page --------------------------------------------------------------------

@page
def home(request):
    user = request.user
    _require(user, "admission.view")
    today = timezone.localdate()
    tasks = selectors.task_list(user=user)
    context = {
        "can_request": scoping.can(user, "admission.request"),
        "can_review": scoping.can(user, "admission.review"),
        "can_lists": scoping.can(user, "admission.lists"),
        "can_work": scoping.can(user, "admission.work"),
        "can_ledger": scoping.can(user, "admission.ledger"),
        "pending": tasks.filter(status=WorkTask.Status.PENDING).count(),
        "returned": tasks.filter(status=WorkTask.Status.RETURNED).count(),
        "recent": list(tasks[:8]),
        "open_work": selectors.assignment_list(user=user).exclude(status=Assignment.Status.COMPLETED).count(),
        "overdue": selectors.assignment_list(user=user, overdue_on=today).count(),
        "flags": selectors.unadmitted_list(user=user, status=UnadmittedReport.Status.FLAGGED).count(),
        "districts": [d for d in selectors.list_versions(user=user).filter(status=AdmissionList.Status.PUBLISHED)],
    }
    return render(request, "admission/home.html", context)


@public
def public_lists(request, code: str):
    district = selectors.public_district(code=code)
    day = timezone.localdate()
    if request.GET.get("date"):
        try:
            day = dt.date.fromisoformat(request.GET["date"])
        except ValueError:
            pass
    found = selectors.list_in_force(district_id=district.pk, day=day)
    return render(request, "admission/public.html", {
        "district": district, "day": day, "list": found,
        "groups": _groups(found) if found else [],
    })


def _groups(admission_list: AdmissionList) -> list[dict]:
    items = selectors.list_items(admission_list)
    return [{"category": c, "label": Category(c).label, "items": items[c]} for c in Category.values]


# --- lists -----------------------------------------------------------------------------------

@page
def list_versions(request):
    user = request.user
    _require(user, "admission.view")
    versions = list(selectors.list_versions(user=user))
    districts = []
    if scoping.can(user, "admission.lists"):
        from shequ.jurisdiction.models import Node

        have = {v.district_id for v in versions}
        for district in Node.objects.filter(pk__in=selectors.user_district_ids(user)).order_by("path"):
            districts.append({"district": district, "empty": district.pk not in have,
                              "draft": any(v.district_id == district.pk and v.status == "draft" for v in versions)})
    return render(request, "admission/lists.html", {"versions": versions, "districts": districts,
                                                     "can_lists": scoping.can(user, "admission.lists")})


@page
def list_detail(request, pk: int, *, forms_bound: dict | None = None):
    user = request.user
    _require(user, "admission.view")
    admission_list = selectors.list_get(user=user, pk=pk)
    editable = admission_list.status == AdmissionList.Status.DRAFT and scoping.can(user, "admission.lists")
    bound = forms_bound or {}
    return render(request, "admission/list_detail.html", {
        "list": admission_list, "groups": _groups(admission_list), "editable": editable,
        "item_form": bound.get("item") or forms.ItemForm(),
        "publish_form": bound.get("publish") or forms.PublishForm(initial={"effective_from": timezone.localdate()}),
        "error": bound.get("error"),
    })


@page
@require_POST
def list_action(request, pk: int, action: str):
    user = request.user
    _require(user, "admission.lists")
    if action == "defaults":  # ``pk`` is the district here: it has no list yet
        ok, made = attempt(lambda: services.list_install_defaults(actor=user, district_id=pk), request=request)
        return redirect("admission:list_detail", pk=made.pk) if ok else redirect("admission:lists")
    admission_list = selectors.list_get(user=user, pk=pk)
    if action == "new-version":
        ok, draft = attempt(lambda: services.list_draft_create(actor=user, district_id=admission_list.district_id),
                            request=request)
        return redirect("admission:list_detail", pk=draft.pk) if ok else redirect("admission:lists")
    if action == "add":
        form = forms.ItemForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            ok, _item = attempt(lambda: services.list_item_add(actor=user, list_id=pk, category=d["category"], name=d["name"],
                                                                legal_basis=d["legal_basis"]), form=form)
            if ok:
                messages.success(request, _("已添加事项"))
                return redirect("admission:list_detail", pk=pk)
        return _list_again(request, pk, {"item": form})
    if action in ("change", "remove"):
        item_id = _int(request.POST.get("item"))
        if not admission_list.items.filter(pk=item_id).exists():
            raise NotInScope(_("记录不存在或不在您的辖区内"))
        if action == "remove":
            attempt(lambda: services.list_item_remove(actor=user, item_id=item_id), request=request)
        else:
            attempt(lambda: services.list_item_update(actor=user, item_id=item_id, name=request.POST.get("name", ""),
                                                      legal_basis=request.POST.get("legal_basis", "")), request=request)
        return redirect("admission:list_detail", pk=pk)
    if action == "publish":
        form = forms.PublishForm(request.POST)
        if form.is_valid():
            ok, _published = attempt(lambda: services.list_publish(actor=user, list_id=pk,
                                                                   effective_from=form.cleaned_data["effective_from"],
                                                                   note=form.cleaned_data["note"]), form=form)
            if ok:
                messages.success(request, _("清单已发布"))
                return redirect("admission:list_detail", pk=pk)
        return _list_again(request, pk, {"publish": form})
    raise NotInScope(_("记录不存在或不在您的辖区内"))


def _list_again(request, pk: int, bound: dict):
    return list_detail(request, pk, forms_bound=bound)


# --- tasks -----------------------------------------------------------------------------------

@page
def task_list(request):
    user = request.user
    _require(user, "admission.view")
    status = request.GET.get("status", "")
    status = status if status in WorkTask.Status.values else ""
    q = request.GET.get("q", "")[:100]
    qs = selectors.task_list(user=user, status=status, q=q)
    result = capped_page(qs, request.GET.get("page"))
    return render(request, "admission/tasks.html", {
        "page": result, "rows": result.rows, "query": _query(request), "status": status, "q": q,
        "statuses": WorkTask.Status.choices, "can_request": scoping.can(user, "admission.request"),
    })


def _task_form(user, data=None, initial=None):
    departments = list(selectors.own_departments(user=user))
    district_id = departments[0].district_id if departments else None
    items = []
    communities = []
    if district_id:
        found = selectors.list_in_force(district_id=district_id, day=timezone.localdate())
        if found:
            items = list(found.items.filter(category__in=[Category.DUTY, Category.ASSISTING]).order_by("category", "sort"))
        communities = list(selectors.district_communities(district_id=district_id))
    return forms.TaskForm(data, initial=initial, items=items, communities=communities)


@page
def task_create(request):
    user = request.user
    _require(user, "admission.request")
    form = _task_form(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, task = attempt(lambda: services.task_submit(actor=user, **form.service_data()), form=form)
        if ok:
            if task.status == WorkTask.Status.DISPATCHED:
                messages.success(request, _("清单内事项,已直接下派社区"))
            else:
                messages.success(request, _("已提交区社区办审批"))
            return redirect("admission:task_detail", pk=task.pk)
    return render(request, "admission/task_form.html", {"form": form, "task": None})


@page
def task_edit(request, pk: int):
    user = request.user
    _require(user, "admission.request")
    task = selectors.task_get(user=user, pk=pk)
    form = _task_form(user, request.POST or None, initial=forms.TaskForm.initial_of(task))
    if request.method == "POST" and form.is_valid():
        ok, _task = attempt(lambda: services.task_resubmit(actor=user, task_id=pk, **form.service_data()), form=form)
        if ok:
            messages.success(request, _("已重新提交"))
            return redirect("admission:task_detail", pk=pk)
    return render(request, "admission/task_form.html", {"form": form, "task": task})


def _task_page(request, task: WorkTask, decision_form=None):
    user = request.user
    assignments = selectors.task_assignments(user=user, task=task)
    today = timezone.localdate()
    events = [{"event": e, "verb": VERBS.get(e.verb, e.verb)}
              for e in selectors.task_events(user=user, task=task, assignments=assignments)]
    may_decide = (task.status == WorkTask.Status.PENDING and scoping.can(user, "admission.review")
                  and scoping.obj_in_scope(user, task))
    kinds = datafields.headers_by_kind(task.data_fields)
    return render(request, "admission/task_detail.html", {
        "task": task, "assignments": [{"a": a, "overdue": a.is_overdue(today)} for a in assignments],
        "events": events, "decision_form": decision_form or (forms.DecisionForm() if may_decide else None),
        "may_edit": task.status == WorkTask.Status.RETURNED and scoping.can(user, "admission.request"),
        "fields": [datafields.BY_CODE[c].label for c in task.data_fields if c in datafields.BY_CODE],
        "reuse_kinds": [(k, datafields.KIND_LABELS[k]) for k in kinds] if task.reuse_approved
        and scoping.can(user, "admission.request") else [],
        "funding_total": task.funding_total(),
    })


@page
def task_detail(request, pk: int):
    _require(request.user, "admission.view")
    return _task_page(request, selectors.task_get(user=request.user, pk=pk))


@page
@require_POST
def task_decide(request, pk: int):
    user = request.user
    _require(user, "admission.review")
    task = selectors.task_get(user=user, pk=pk)
    form = forms.DecisionForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        write = {
            "approve": lambda: services.task_approve(actor=user, task_id=pk, reason=d["reason"], reuse=d["reuse"]),
            "return": lambda: services.task_return(actor=user, task_id=pk, reason=d["reason"]),
            "reject": lambda: services.task_reject(actor=user, task_id=pk, reason=d["reason"]),
        }[d["decision"]]
        ok, _result = attempt(write, form=form)
        if ok:
            messages.success(request, _("已记录审批决定"))
            return redirect("admission:task_detail", pk=pk)
    return _task_page(request, task, decision_form=form)


@page
def task_reuse(request, pk: int, kind: str, fmt: str):
    _require(request.user, "admission.request")
    if fmt not in ("csv", "xlsx"):
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    return admission_api.reuse_response(actor=request.user, task_id=pk, kind=kind, fmt=fmt)


# --- assignments -----------------------------------------------------------------------------

@page
def assignment_list(request):
    user = request.user
    _require(user, "admission.view")
    today = timezone.localdate()
    overdue = request.GET.get("overdue") == "1"
    status = request.GET.get("status", "")
    status = status if status in Assignment.Status.values else ""
    qs = selectors.assignment_list(user=user, status=status, overdue_on=today if overdue else None,
                                   q=request.GET.get("q", "")[:100])
    result = capped_page(qs, request.GET.get("page"))
    return render(request, "admission/assignments.html", {
        "page": result, "rows": [{"a": a, "overdue": a.is_overdue(today)} for a in result.rows],
        "query": _query(request), "overdue": overdue, "status": status, "statuses": Assignment.Status.choices,
    })


def _assignment_page(request, assignment: Assignment, bound: tuple[str, object] | None = None):
    user = request.user
    may_work = scoping.can(user, "admission.work") and assignment.status != Assignment.Status.COMPLETED
    forward_form = complete_form = None
    if may_work:
        if assignment.parent_id is None:
            grids = list(selectors.community_grids(user=user, community_id=assignment.node_id))
            if grids:
                forward_form = forms.ForwardForm(grids=grids)
                if bound and bound[0] == "forward":
                    forward_form = bound[1]
        complete_form = bound[1] if bound and bound[0] == "complete" else forms.CompleteForm()
    return render(request, "admission/assignment_detail.html", {
        "a": assignment, "task": assignment.task, "overdue": assignment.is_overdue(timezone.localdate()),
        "children": list(assignment.children.all()), "forward_form": forward_form, "complete_form": complete_form,
    })


@page
def assignment_detail(request, pk: int):
    _require(request.user, "admission.view")
    return _assignment_page(request, selectors.assignment_get(user=request.user, pk=pk))


@page
@require_POST
def assignment_action(request, pk: int, action: str):
    user = request.user
    _require(user, "admission.work")
    assignment = selectors.assignment_get(user=user, pk=pk)
    if action == "forward":
        form = forms.ForwardForm(request.POST, grids=list(selectors.community_grids(user=user, community_id=assignment.node_id)))
        if form.is_valid():
            d = form.cleaned_data
            ok, _rows = attempt(lambda: services.assignment_forward(actor=user, assignment_id=pk, grid_ids=d["grids"],
                                                                   due_on=d["due_on"], note=d["note"]), form=form)
            if ok:
                messages.success(request, _("已转派网格"))
                return redirect("admission:assignment_detail", pk=pk)
    elif action == "complete":
        form = forms.CompleteForm(request.POST, request.FILES)
        if form.is_valid():
            ok, _done = attempt(lambda: services.assignment_complete(actor=user, assignment_id=pk,
                                                                   result=form.cleaned_data["result"],
                                                                   files=request.FILES.getlist("files")), form=form)
            if ok:
                messages.success(request, _("已报告完成"))
                return redirect("admission:assignment_detail", pk=pk)
    else:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    return _assignment_page(request, selectors.assignment_get(user=user, pk=pk), bound=(action, form))


# --- community records -----------------------------------------------------------------------

def _community_choices(user):
    return list(selectors.user_communities(user=user)) if scoping.can(user, "admission.work") else []


@page
def unadmitted(request):
    user = request.user
    _require(user, "admission.view")
    communities = _community_choices(user)
    departments = list(selectors.district_departments(user=user))
    form = forms.UnadmittedForm(request.POST or None, communities=communities, departments=departments) if communities else None
    if request.method == "POST":
        _require(user, "admission.work")
        if form is not None and form.is_valid():
            d = form.cleaned_data
            ok, _report = attempt(lambda: services.unadmitted_flag(
                actor=user, community_id=d["community"], title=d["title"], received_on=d["received_on"],
                department_id=d["department"], department_name=d["department_name"], description=d["description"],
                channel=d["channel"], ledgers_demanded=d["ledgers_demanded"], forms_demanded=d["forms_demanded"]), form=form)
            if ok:
                messages.success(request, _("已登记未准入事项"))
                return redirect("admission:unadmitted")
    status = request.GET.get("status", "")
    qs = selectors.unadmitted_list(user=user, status=status if status in UnadmittedReport.Status.values else "")
    result = capped_page(qs, request.GET.get("page"))
    can_review = scoping.can(user, "admission.review")
    return render(request, "admission/unadmitted.html", {
        "form": form, "page": result, "rows": result.rows, "query": _query(request), "can_review": can_review,
        "review_form": forms.ReviewForm() if can_review else None,
    })


@page
@require_POST
def unadmitted_review(request, pk: int):
    user = request.user
    _require(user, "admission.review")
    selectors.unadmitted_get(user=user, pk=pk)
    form = forms.ReviewForm(request.POST)
    if form.is_valid():
        ok, _report = attempt(lambda: services.unadmitted_review(actor=user, report_id=pk, confirm=form.cleaned_data["confirm"],
                                                                 reason=form.cleaned_data["reason"]), request=request)
        if ok:
            messages.success(request, _("已核实"))
    else:
        messages.error(request, _("请选择核实结果"))
    return redirect("admission:unadmitted")


@page
def stamps(request):
    user = request.user
    _require(user, "admission.view")
    communities = _community_choices(user)
    form = None
    if communities:
        found = selectors.list_in_force(district_id=communities[0].district_id, day=timezone.localdate())
        items = list(found.items.filter(category__in=[Category.SEAL, Category.CERTIFICATE]).order_by("category", "sort")) \
            if found else []
        form = forms.StampForm(request.POST or None, communities=communities,
                               departments=list(selectors.district_departments(user=user)), items=items)
    if request.method == "POST":
        _require(user, "admission.work")
        if form is not None and form.is_valid():
            d = form.cleaned_data
            ok, record = attempt(lambda: services.stamp_record(
                actor=user, community_id=d["community"], kind=d["kind"], matter=d["matter"], item_id=d["item"],
                requester=d["requester"], department_id=d["department"], override_reason=d["override_reason"]), form=form)
            if ok:
                level = {StampRecord.Outcome.ALLOWED: messages.SUCCESS, StampRecord.Outcome.WARNED: messages.WARNING,
                         StampRecord.Outcome.REFUSED: messages.ERROR}[record.outcome]
                messages.add_message(request, level, _("已记录:%(outcome)s") % {"outcome": record.get_outcome_display()})
                return redirect("admission:stamps")
    qs = selectors.stamp_list(user=user)
    result = capped_page(qs, request.GET.get("page"))
    return render(request, "admission/stamps.html", {"form": form, "page": result, "rows": result.rows,
                                                     "query": _query(request)})


@page
def plaques(request):
    user = request.user
    _require(user, "admission.view")
    communities = _community_choices(user)
    form = forms.PlaqueForm(request.POST or None, communities=communities,
                            departments=list(selectors.district_departments(user=user))) if communities else None
    if request.method == "POST":
        _require(user, "admission.work")
        if form is not None and form.is_valid():
            d = form.cleaned_data
            ok, plaque = attempt(lambda: services.plaque_record(actor=user, community_id=d["community"], name=d["name"],
                                                                put_up_on=d["put_up_on"], department_id=d["department"]),
                                 form=form)
            if ok:
                if plaque.allowed:
                    messages.success(request, _("已登记(清单允许的牌子)"))
                else:
                    messages.warning(request, _("已登记:该牌子不在允许悬挂的清单内,计入社区负担"))
                return redirect("admission:plaques")
    qs = selectors.plaque_list(user=user)
    result = capped_page(qs, request.GET.get("page"))
    return render(request, "admission/plaques.html", {"form": form, "page": result, "rows": result.rows,
                                                      "query": _query(request), "today": timezone.localdate(),
                                                      "can_work": scoping.can(user, "admission.work")})


@page
@require_POST
def plaque_remove(request, pk: int):
    user = request.user
    _require(user, "admission.work")
    try:
        removed_on = dt.date.fromisoformat(request.POST.get("removed_on", ""))
    except ValueError:
        removed_on = timezone.localdate()
    ok, _plaque = attempt(lambda: services.plaque_remove(actor=user, plaque_id=pk, removed_on=removed_on), request=request)
    if ok:
        messages.success(request, _("已登记摘除"))
    return redirect("admission:plaques")


# --- ledger ----------------------------------------------------------------------------------

@page
def ledger(request):
    user = request.user
    form = forms.YearForm(request.GET or None)
    year = form.chosen_year()
    node_id = request.GET.get("node")
    nodes = admission_api.ledger_nodes(user, int(node_id) if (node_id or "").isdigit() else None)
    start, end = burden.year_range(year)
    rows = burden.ledger_for(nodes, start, end)
    district_ids = selectors.user_district_ids(user)
    ranking = burden.department_ranking(min(district_ids), start, end) if district_ids else []
    top = rows[:15]
    return render(request, "admission/ledger.html", {
        "form": form, "year": year, "rows": rows, "ranking": ranking,
        "community_chart": bar_chart(top, "name", "index", title=_("社区负担指数"), digits=1),
        "department_chart": bar_chart([r for r in ranking if r.index > 0][:15], "name", "index",
                                      title=_("部门转嫁负担"), digits=1, color="#D55E00"),
        "totals": {key: sum(getattr(r, key) for r in rows) for key in
                   ("admitted", "unadmitted", "ledgers", "forms", "certificates", "seals", "excess_plaques", "overdue",
                    "avoided")},
        "weights": burden.BurdenPolicy.current(),
        "ledger_url": reverse("admission:ledger"),
    })
