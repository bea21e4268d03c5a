"""Pages of the workforce module: the overview with charts, workers (list, export, import, detail with
trainings and the yearly assessment, edit), the yearly assessment sheet, the qualification joint review,
funds and spending, facilities.

Thin, like ``shequ.web.views``: the role is checked first (403), reads go through ``selectors`` (404
outside scope), writes through ``services`` via ``attempt`` (a refused write is shown on its form).
"""
from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shequ.core.audit import audit_record
from shequ.jurisdiction import scoping
from shequ.jurisdiction import selectors as tree
from shequ.transfer.exports import text_columns, xlsx_file
from shequ.web.charts import bar_chart
from shequ.web.paging import CappedPage, capped_page, page_number
from shequ.web.views import _require, _search_nodes, attempt, page

from . import forms, imports, selectors, services
from .models import INSURANCE_FIELDS, FundKind, ReviewDepartment, Worker

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _query(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _xlsx(out, name: str) -> FileResponse:
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)


def _list_page(rows: list, number, *, per_page: int) -> CappedPage:
    """A page of an already computed list (every community's figures), for the shared pager."""
    number = page_number(number)
    part = rows[(number - 1) * per_page: number * per_page]
    return CappedPage(rows=part, number=number, per_page=per_page, has_next=len(rows) > number * per_page,
                      total=len(rows), total_capped=False)


# --- overview ------------------------------------------------------------------------------------

@page
def overview(request):
    user = request.user
    _require(user, "workforce.view")
    form = forms.OverviewForm(request.GET or None, nodes=[(pk, name) for pk, name in _search_nodes(user)][:600])
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    node = tree.node_get(user=user, pk=data["node"]) if data.get("node") else None
    o = selectors.workforce_overview(user=user, node=node, end=data.get("end"))
    rows = sorted(o["rows"], key=lambda r: -(r["households_per_worker"] or 0))
    charts = {
        "hpw": bar_chart(rows[:30], "community", "households_per_worker", digits=0, label_chars=8),
        "age": bar_chart(o["structure"]["age"], "label", "count", digits=0),
        "education": bar_chart(o["structure"]["education"], "label", "count", digits=0),
        "certificate": bar_chart(o["structure"]["certificate"], "label", "count", digits=0),
    }
    return render(request, "workforce/overview.html", {"o": o, "form": form, "charts": charts,
                                                       "rows": sorted(o["rows"], key=lambda r: r["node"].path)})


# --- workers ---------------------------------------------------------------------------------------

def _worker_filters(request):
    user = request.user
    form = forms.WorkerFilterForm(request.GET or None, communities=selectors.community_choices(user=user))
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = selectors.worker_list(user=user, community=data.get("community"), position=data.get("position", ""),
                               education=data.get("education", ""), certificate=data.get("certificate", ""),
                               status=data.get("status", "active") if form.is_bound else "active", q=data.get("q", ""))
    return form, qs


@page
def worker_list(request):
    user = request.user
    _require(user, "workforce.view")
    form, qs = _worker_filters(request)
    result = capped_page(qs, request.GET.get("page"))
    today = timezone.localdate()
    rows = [{"worker": w, "age": w.age_on(today), "masked": selectors.masked_personal(w),
             "url": reverse("workforce:worker", args=[w.pk])} for w in result.rows]
    return render(request, "workforce/worker_list.html", {
        "filters": form, "rows": rows, "page": result, "query": _query(request),
        "can_manage": scoping.can(user, "workforce.manage"), "can_export": scoping.can(user, "workforce.export"),
    })


@page
def worker_export(request):
    user = request.user
    _require(user, "workforce.export")
    _form, qs = _worker_filters(request)
    today = timezone.localdate()
    headers = [_("姓名"), _("社区代码"), _("社区/村"), _("身份证号"), _("联系电话"), _("性别"), _("年龄"), _("岗位"), _("学历"),
               _("社会工作职业资格"), _("月薪酬"), _("养老保险"), _("医疗保险"), _("失业保险"), _("工伤/意外伤害保险"),
               _("入职日期"), _("状态")]
    rows = []
    for w in qs.iterator(chunk_size=1000):
        masked = selectors.masked_personal(w)
        rows.append([w.name, w.community.code, w.community.name, masked["id_number"], masked["phone"],
                     w.get_sex_display(), w.age_on(today), w.get_position_display(), w.get_education_display(),
                     w.get_certificate_display(), float(w.monthly_pay),
                     *[_("是") if getattr(w, f) else _("否") for f in INSURANCE_FIELDS],
                     w.hired_on.isoformat() if w.hired_on else "", w.get_status_display()])
    nodes = scoping.bound_nodes(user)
    audit_record(actor=user, verb="export.workers", target_type="workforce.worker", target_repr=f"{len(rows)} records",
                 node_id=nodes[0].pk if nodes else None, extra={"count": len(rows), "unmasked": False, "format": "xlsx"})
    return _xlsx(xlsx_file([str(h) for h in headers], rows, title=_("社区工作者"), text_columns=text_columns(headers)),
                 f"workers-{today:%Y%m%d}.xlsx")


def _worker_write(user, data: dict, worker: Worker | None = None):
    data = dict(data)
    community = tree.node_get(user=user, pk=data.pop("community"))
    if worker is None:
        return services.worker_create(actor=user, community=community, **data)
    for key in ("id_number", "phone"):
        if not data.get(key):
            data.pop(key, None)  # blank: keep what is registered
    if data.get("status") != Worker.Status.LEFT:
        data["left_on"] = None
    return services.worker_update(actor=user, worker_id=worker.pk, community=community, **data)


@page
def worker_create(request):
    user = request.user
    _require(user, "workforce.manage")
    form = forms.WorkerForm(request.POST or None, communities=selectors.community_choices(user=user))
    if request.method == "POST" and form.is_valid():
        ok, worker = attempt(lambda: _worker_write(user, form.cleaned_data), form=form)
        if ok:
            messages.success(request, _("已登记:%(name)s") % {"name": worker.name})
            return redirect("workforce:worker", pk=worker.pk)
    return render(request, "workforce/form.html", {"form": form, "title": _("登记社区工作者"),
                                                   "back": reverse("workforce:workers")})


@page
def worker_edit(request, pk: int):
    user = request.user
    _require(user, "workforce.manage")
    worker = selectors.worker_get(user=user, pk=pk)
    initial = {f: getattr(worker, f) for f in services.WORKER_FIELDS}
    initial["community"] = worker.community_id
    form = forms.WorkerForm(request.POST or None, initial=initial, communities=selectors.community_choices(user=user),
                            editing=True)
    if request.method == "POST" and form.is_valid():
        ok, _w = attempt(lambda: _worker_write(user, form.cleaned_data, worker), form=form)
        if ok:
            messages.success(request, _("已保存"))
            return redirect("workforce:worker", pk=pk)
    return render(request, "workforce/form.html", {"form": form, "title": _("修改:%(name)s") % {"name": worker.name},
                                                   "back": reverse("workforce:worker", args=[pk])})


def _worker_page(request, worker: Worker, *, training_form=None, assessment_form=None, status: int = 200):
    user = request.user
    assessments = [{"assessment": a, "stars": selectors.cadre_coefficient(worker.community_id, a.year)}
                   for a in worker.assessments.all()]
    manage = scoping.can(user, "workforce.manage")
    return render(request, "workforce/worker_detail.html", {
        "worker": worker, "age": worker.age_on(timezone.localdate()), "personal": selectors.masked_personal(worker),
        "reveal_url": reverse("workforce:worker_reveal", args=[worker.pk]),
        "can_unmask": scoping.can_unmask(user), "can_manage": manage, "assessments": assessments,
        "training_form": training_form or (forms.TrainingForm(prefix="t") if manage else None),
        "assessment_form": assessment_form or (forms.AssessmentForm(prefix="a") if manage else None),
    }, status=status)


@page
def worker_detail(request, pk: int):
    return _worker_page(request, selectors.worker_get(user=request.user, pk=pk))


@page
@require_POST
def worker_reveal(request, pk: int):
    worker = selectors.worker_get(user=request.user, pk=pk)
    clear = services.worker_reveal(actor=request.user, worker=worker, channel="page")
    return render(request, "web/partials/personal.html", {"personal": clear, "revealed": True})


#: The two small forms on a worker's page: (form class, prefix, service, context key, message).
WORKER_FORMS = {
    "training": (forms.TrainingForm, "t", services.training_add, "training_form", gettext_lazy("已登记培训")),
    "assessment": (forms.AssessmentForm, "a", services.assessment_record, "assessment_form", gettext_lazy("已记录年度考核")),
}


def _worker_form_post(request, pk: int, name: str):
    form_class, prefix, write, key, message = WORKER_FORMS[name]
    user = request.user
    _require(user, "workforce.manage")
    worker = selectors.worker_get(user=user, pk=pk)
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        ok, _r = attempt(lambda: write(actor=user, worker_id=pk, **form.cleaned_data), form=form)
        if ok:
            messages.success(request, message)
            return redirect("workforce:worker", pk=pk)
    return _worker_page(request, worker, status=422, **{key: form})


@page
@require_POST
def training_add(request, pk: int):
    return _worker_form_post(request, pk, "training")


@page
@require_POST
def assessment_add(request, pk: int):
    return _worker_form_post(request, pk, "assessment")


@page
def assessment_sheet(request, year: int | None = None):
    user = request.user
    _require(user, "workforce.view")
    year = year or forms.default_assessment_year()
    if not 2000 <= year <= 2100:
        from django.http import Http404

        raise Http404
    rows = selectors.assessment_sheet(user=user, year=year)
    this = timezone.localdate().year
    return render(request, "workforce/assessments.html", {
        "year": year, "rows": rows, "years": range(this, this - 6, -1),
        "done": sum(1 for r in rows if r["assessment"]),
        "stars_available": any(r["stars"]["available"] for r in rows) if rows else selectors.cadre_coefficient(0, year)["available"],
    })


# --- import --------------------------------------------------------------------------------------

@page
def worker_import(request):
    user = request.user
    _require(user, "workforce.manage")
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        ok, result = attempt(lambda: imports.worker_import(actor=user, binary=upload.file, filename=upload.name), form=form)
        if ok and result.ok:
            messages.success(request, _("导入完成:新增 %(c)d 人,更新 %(u)d 人") % {"c": result.created, "u": result.updated})
            return redirect("workforce:workers")
    return render(request, "workforce/import.html", {"form": form, "result": result,
                                                     "columns": imports.COLUMNS},
                  status=422 if (result is not None and not result.ok) or form.errors else 200)


@page
def import_template(request):
    _require(request.user, "workforce.manage")
    headers, rows = imports.template()
    return _xlsx(xlsx_file(headers, rows, title=_("社区工作者导入模板"), text_columns=text_columns(headers)),
                 "workers-template.xlsx")


# --- joint review --------------------------------------------------------------------------------

def _require_any(user, *actions):
    if not any(scoping.can(user, a) for a in actions):
        _require(user, actions[0])


@page
def candidate_list(request):
    user = request.user
    _require_any(user, "workforce.view", "workforce.review")
    overall = request.GET.get("overall", "")
    qs = selectors.candidate_list(user=user, overall=overall if overall in ("pending", "passed", "failed") else "",
                                  q=request.GET.get("q", "")[:50])
    result = capped_page(qs, request.GET.get("page"))
    rows = []
    for c in result.rows:
        found = {f.department_kind: f for f in c.findings.all()}
        rows.append({"candidate": c, "findings": [found.get(k) for k in ReviewDepartment.values]})
    return render(request, "workforce/candidate_list.html", {
        "rows": rows, "page": result, "query": _query(request), "departments": ReviewDepartment.choices,
        "can_manage": scoping.can(user, "workforce.manage"), "overall": overall,
    })


@page
def candidate_create(request):
    user = request.user
    _require(user, "workforce.manage")
    form = forms.CandidateForm(request.POST or None, communities=selectors.community_choices(user=user))
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        ok, candidate = attempt(lambda: services.candidate_create(
            actor=user, community=tree.node_get(user=user, pk=d.pop("community")), **d), form=form)
        if ok:
            messages.success(request, _("已提交联审:%(name)s") % {"name": candidate.name})
            return redirect("workforce:candidate", pk=candidate.pk)
    return render(request, "workforce/form.html", {"form": form, "title": _("提交任职资格联审"),
                                                   "back": reverse("workforce:candidates")})


def _candidate_page(request, candidate, form=None, status: int = 200):
    kinds = services.reviewable_kinds(request.user)
    found = {f.department_kind: f for f in candidate.findings.all()}
    return render(request, "workforce/candidate_detail.html", {
        "candidate": candidate, "masked": selectors.masked_personal(candidate),
        "rows": [{"kind": k, "label": label, "finding": found.get(k)} for k, label in ReviewDepartment.choices],
        "form": form or (forms.FindingForm(kinds=kinds) if kinds else None),
    }, status=status)


@page
def candidate_detail(request, pk: int):
    return _candidate_page(request, selectors.candidate_get(user=request.user, pk=pk))


@page
@require_POST
def finding_add(request, pk: int):
    user = request.user
    _require(user, "workforce.review")
    selectors.candidate_get(user=user, pk=pk)  # 404 outside the user's area
    form = forms.FindingForm(request.POST, kinds=services.reviewable_kinds(user))
    if form.is_valid():
        ok, _f = attempt(lambda: services.finding_record(actor=user, candidate_id=pk, **form.cleaned_data), form=form)
        if ok:
            messages.success(request, _("已出具审查意见"))
            return redirect("workforce:candidate", pk=pk)
    return _candidate_page(request, selectors.candidate_get(user=user, pk=pk), form=form, status=422)


# --- funds -----------------------------------------------------------------------------------------

@page
def funding_list(request):
    user = request.user
    _require(user, "workforce.view")
    communities = selectors.community_choices(user=user)
    filters = forms.FundingFilterForm(request.GET or None, communities=communities)
    data = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    qs = selectors.funding_list(user=user, year=data.get("year"), kind=data.get("kind", ""), community=data.get("community"))
    result = capped_page(qs, request.GET.get("page"))
    for f in result.rows:
        f.balance = f.amount - f.spent
    totals = {row["kind"]: row for row in _totals(qs)}
    return render(request, "workforce/funding_list.html", {
        "filters": filters, "page": result, "rows": result.rows, "query": _query(request),
        "totals": [{"label": label, **totals.get(kind, {"amount": 0, "spent": 0})} for kind, label in FundKind.choices],
        "can_fund": scoping.can(user, "workforce.fund"),
        "form": forms.FundingForm(communities=communities) if scoping.can(user, "workforce.fund") else None,
    })


def _totals(qs):
    from django.db.models import Sum

    rows = {}
    for f in qs.order_by().values("kind").annotate(amount=Sum("amount")):
        rows[f["kind"]] = {"kind": f["kind"], "amount": f["amount"], "spent": 0}
    from .models import Spending

    for s in Spending.objects.filter(funding__in=qs.values("pk")).values("funding__kind").annotate(spent=Sum("amount")).order_by():
        rows.setdefault(s["funding__kind"], {"kind": s["funding__kind"], "amount": 0})["spent"] = s["spent"]
    return rows.values()


@page
@require_POST
def funding_create(request):
    user = request.user
    _require(user, "workforce.fund")
    communities = selectors.community_choices(user=user)
    form = forms.FundingForm(request.POST, communities=communities)
    if form.is_valid():
        d = dict(form.cleaned_data)
        ok, funding = attempt(lambda: services.funding_create(
            actor=user, community=tree.node_get(user=user, pk=d.pop("community")), **d), form=form)
        if ok:
            messages.success(request, _("已拨付经费"))
            return redirect("workforce:funding", pk=funding.pk)
    return render(request, "workforce/form.html", {"form": form, "title": _("拨付经费"),
                                                   "back": reverse("workforce:funds")}, status=422)


def _funding_page(request, funding, form=None, status: int = 200):
    spent = sum(s.amount for s in funding.spendings.all())
    can_spend = scoping.can(request.user, "workforce.spend")
    return render(request, "workforce/funding_detail.html", {
        "funding": funding, "spent": spent, "balance": funding.amount - spent,
        "form": form or (forms.SpendingForm() if can_spend else None)}, status=status)


@page
def funding_detail(request, pk: int):
    return _funding_page(request, selectors.funding_get(user=request.user, pk=pk))


@page
@require_POST
def spending_add(request, pk: int):
    user = request.user
    _require(user, "workforce.spend")
    selectors.funding_get(user=user, pk=pk)  # 404 outside the user's area
    form = forms.SpendingForm(request.POST)
    if form.is_valid():
        ok, _s = attempt(lambda: services.spending_add(actor=user, funding_id=pk, **form.cleaned_data), form=form)
        if ok:
            messages.success(request, _("已登记支出"))
            return redirect("workforce:funding", pk=pk)
    return _funding_page(request, selectors.funding_get(user=user, pk=pk), form=form, status=422)


# --- facilities ------------------------------------------------------------------------------------

@page
def facility_list(request):
    user = request.user
    _require(user, "workforce.view")
    o = selectors.workforce_overview(user=user)
    rows = sorted(o["rows"], key=lambda r: r["node"].path)
    result = _list_page(rows, request.GET.get("page"), per_page=100)
    return render(request, "workforce/facilities.html", {
        "o": o, "rows": result.rows, "page": result, "query": "", "can_manage": scoping.can(user, "workforce.manage"),
        "meeting": sum(1 for r in rows if r["meets_area_standard"]),
        "standard": rows[0]["centre_area_standard"] if rows else None,
        "chart": bar_chart([r for r in rows if r["centre_area"]][:40], "community", "centre_area", digits=0, label_chars=8),
    })


@page
def facility_edit(request, community_id: int):
    user = request.user
    _require(user, "workforce.manage")
    community = tree.node_get(user=user, pk=community_id)
    current = selectors.facility_list(user=user).filter(community=community).first()
    initial = {"area": current.area, "address_text": current.address_text, "built_year": current.built_year,
               "note": current.note} if current else {}
    form = forms.FacilityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        ok, _f = attempt(lambda: services.facility_set(actor=user, community=community, **form.cleaned_data), form=form)
        if ok:
            messages.success(request, _("已保存"))
            return redirect("workforce:facilities")
    return render(request, "workforce/form.html", {
        "form": form, "title": _("服务设施:%(name)s") % {"name": community.name}, "back": reverse("workforce:facilities")})
