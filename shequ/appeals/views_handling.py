"""Staff pages for handling beyond the basic moves: pause and extension requests and their
approval (挂起/延期审批, with an approval desk), co-handling units (协办), and the audited reveal of
the requester's contact. The detail page shows these through ``handling_context``."""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Department, Node
from shequ.web.paging import capped_page
from shequ.web.views import _int, _require, attempt, page

from . import cohandling, forms, selectors, services, timing
from .models import Appeal, CoHandler, TimeRequest


def _cohandler_units(appeal: Appeal) -> tuple[list[Node], list[Department]]:
    """Units that may co-handle: the nodes holding the appeal's place, the district's departments."""
    ids = [getattr(appeal, f"{level}_id") for level in ("street", "community", "grid")]
    nodes = [n for n in Node.objects.filter(pk__in=[i for i in ids if i]).order_by("depth")
             if n.pk != appeal.handling_node_id]
    departments = list(Department.objects.filter(district_id=appeal.district_id).exclude(pk=appeal.handling_department_id)
                       .order_by("name"))
    return nodes, departments


def _blank(name: str, appeal: Appeal):
    if name == "time_request":
        return forms.TimeRequestForm(prefix=name)
    if name == "cohandler":
        nodes, departments = _cohandler_units(appeal)
        return forms.CoHandlerForm(prefix=name, nodes=nodes, departments=departments)
    return None


def may_move(user, appeal: Appeal) -> bool:
    """Whether the user may move the appeal through its workflow (a co-handling department may not)."""
    return scoping.can(user, "appeals.handle") and not services.cohandles_only(user, appeal)


def handling_context(request, appeal: Appeal, bound: tuple[str, object] | None = None) -> dict:
    """What the detail page shows of pauses, extensions and co-handlers, with the forms the user may use."""
    user = request.user
    bound_name, bound_form = bound if bound else ("", None)
    requests = list(selectors.appeal_time_requests(appeal=appeal))
    cohandlers = list(selectors.appeal_cohandlers(appeal=appeal))
    may_move_it = may_move(user, appeal)
    running = appeal.status in timing.RUNNING_STATUSES
    pending = next((r for r in requests if r.status == TimeRequest.Status.PENDING), None)
    forms_shown = {}
    if may_move_it and running and pending is None and appeal.paused_since is None:
        forms_shown["time_request"] = _blank("time_request", appeal)
    if may_move_it and running:
        forms_shown["cohandler"] = _blank("cohandler", appeal)
    for name in forms_shown:
        if name == bound_name:
            forms_shown[name] = bound_form
    decide = None
    if (pending is not None and scoping.can(user, "appeals.approve") and pending.requested_by_id != user.pk
            and Appeal.objects.filter(timing.approvable_q(user), pk=appeal.pk).exists()):
        decide = bound_form if bound_name == "decide" else forms.DecideForm(prefix="decide")
    mine = set(scoping.bound_department_ids(user))
    my_nodes = {n.pk for n in scoping.bound_nodes(user)}
    rows = []
    for c in cohandlers:
        acts = scoping.is_global(user) or (c.department_id in mine if c.department_id else c.node_id in my_nodes)
        reply_form = None
        if acts and c.replied_at is None and scoping.can(user, "appeals.handle"):
            reply_form = bound_form if bound_name == f"coreply{c.pk}" else forms.ReplyForm(prefix=f"coreply{c.pk}")
        rows.append({"c": c, "reply_form": reply_form, "removable": may_move_it and c.replied_at is None})
    return {
        "time_requests": requests, "pending_request": pending, "decide_form": decide,
        "time_request_form": forms_shown.get("time_request"), "cohandler_form": forms_shown.get("cohandler"),
        "cohandlers": rows, "can_resume": may_move_it and appeal.paused_since is not None,
        "can_reveal": scoping.can_unmask(user), "open_form": bound_name,
    }


def _back(request, pk: int, message: str):
    messages.success(request, message)
    return redirect("appeals:detail", pk=pk)


def _redisplay(request, pk: int, name: str, form):
    from .views import _detail

    return _detail(request, selectors.appeal_get(user=request.user, pk=pk), bound=(name, form))


@page
@require_POST
def time_request_create(request, pk: int):
    user = request.user
    _require(user, "appeals.handle")
    appeal = selectors.appeal_get(user=user, pk=pk)
    form = forms.TimeRequestForm(request.POST, prefix="time_request")
    if form.is_valid():
        d = form.cleaned_data
        ok, _r = attempt(lambda: timing.time_request_create(
            actor=user, appeal_id=appeal.pk, kind=d["kind"], reason=d["reason"],
            extension_value=d["extension_value"], extension_unit=d["extension_unit"]), form=form)
        if ok:
            return _back(request, pk, _("申请已提交,待上级审批"))
    return _redisplay(request, pk, "time_request", form)


@page
@require_POST
def time_request_decide(request, pk: int, request_id: int):
    user = request.user
    _require(user, "appeals.approve")
    selectors.appeal_get(user=user, pk=pk)
    form = forms.DecideForm(request.POST, prefix="decide")
    if form.is_valid():
        d = form.cleaned_data
        if not TimeRequest.objects.filter(pk=request_id, appeal_id=pk).exists():
            _int(None)
        ok, _r = attempt(lambda: timing.time_request_decide(actor=user, request_id=request_id, approve=d["approve"],
                                                            note=d["note"]), form=form)
        if ok:
            return _back(request, pk, _("已审批"))
    return _redisplay(request, pk, "decide", form)


@page
@require_POST
def appeal_resume(request, pk: int):
    user = request.user
    _require(user, "appeals.handle")
    selectors.appeal_get(user=user, pk=pk)
    ok, _r = attempt(lambda: timing.appeal_resume(actor=user, appeal_id=pk), request=request)
    return _back(request, pk, _("已恢复计时")) if ok else redirect("appeals:detail", pk=pk)


@page
@require_POST
def cohandler_add(request, pk: int):
    user = request.user
    _require(user, "appeals.handle")
    appeal = selectors.appeal_get(user=user, pk=pk)
    nodes, departments = _cohandler_units(appeal)
    form = forms.CoHandlerForm(request.POST, prefix="cohandler", nodes=nodes, departments=departments)
    if form.is_valid():
        unit, task = form.cleaned_data["unit"], form.cleaned_data["task"]
        node = next((n for n in nodes if f"n{n.pk}" == unit), None)
        department = next((d for d in departments if f"d{d.pk}" == unit), None)
        ok, _r = attempt(lambda: cohandling.cohandler_add(actor=user, appeal_id=pk, task=task, node=node,
                                                          department=department), form=form)
        if ok:
            return _back(request, pk, _("已增加协办单位"))
    return _redisplay(request, pk, "cohandler", form)


def _cohandler_of(user, pk: int, cohandler_id: int) -> CoHandler:
    selectors.appeal_get(user=user, pk=pk)
    cohandler = CoHandler.objects.filter(pk=cohandler_id, appeal_id=pk).first()
    if cohandler is None:
        _int(None)
    return cohandler


@page
@require_POST
def cohandler_reply(request, pk: int, cohandler_id: int):
    user = request.user
    _require(user, "appeals.handle")
    _cohandler_of(user, pk, cohandler_id)
    name = f"coreply{cohandler_id}"
    form = forms.ReplyForm(request.POST, prefix=name)
    if form.is_valid():
        ok, _r = attempt(lambda: cohandling.cohandler_reply(actor=user, cohandler_id=cohandler_id,
                                                            reply=form.cleaned_data["reply"]), form=form)
        if ok:
            return _back(request, pk, _("已答复协办事项"))
    return _redisplay(request, pk, name, form)


@page
@require_POST
def cohandler_remove(request, pk: int, cohandler_id: int):
    user = request.user
    _require(user, "appeals.handle")
    _cohandler_of(user, pk, cohandler_id)
    ok, _r = attempt(lambda: cohandling.cohandler_remove(actor=user, cohandler_id=cohandler_id,
                                                         reason=request.POST.get("reason", "")), request=request)
    return _back(request, pk, _("已移除协办单位")) if ok else redirect("appeals:detail", pk=pk)


@page
@require_POST
def appeal_reveal(request, pk: int):
    appeal = selectors.appeal_get(user=request.user, pk=pk)
    clear = services.appeal_reveal(actor=request.user, appeal=appeal, channel="page")
    return render(request, "appeals/partials/requester.html", {"name": clear["name"], "phone": clear["phone"],
                                                               "revealed": True})


@page
def approvals(request):
    """The approval desk: pending pause and extension requests of the appeals below the user."""
    _require(request.user, "appeals.approve")
    result = capped_page(selectors.pending_time_requests(user=request.user), request.GET.get("page"))
    return render(request, "appeals/approvals.html", {"page": result, "rows": result.rows})
