"""Staff pages for appeals (接诉即办): scoped list, intake, detail with the timeline and the workflow moves.

Thin, like ``shequ.web.views``: reads through ``selectors`` (404 outside scope), writes through
``services`` via ``attempt`` (a refused move, e.g. 409, is shown on the form that asked for it),
the role checked before anything is loaded (403).
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

from shequ.core.errors import InvalidInput
from shequ.core.idcard import mask_phone
from shequ.jurisdiction import scoping
from shequ.jurisdiction import selectors as tree
from shequ.web.paging import capped_page
from shequ.web.views import _int, _require, _search_nodes, attempt, page

from shequ.security.ratelimit import limit

from . import forms, selectors, services
from .views_handling import handling_context, may_move
from .models import Appeal

S = Appeal.Status
OPEN = set(selectors.OPEN_STATUSES)

#: Timeline verbs as shown to people.
VERBS = {
    "submitted": gettext_lazy("受理登记"), "accepted": gettext_lazy("签收"), "dispatched": gettext_lazy("派单/转办"),
    "started": gettext_lazy("开始办理"), "replied": gettext_lazy("答复"), "returned": gettext_lazy("退单"),
    "evaluated": gettext_lazy("评价"), "closed": gettext_lazy("办结"), "reopened": gettext_lazy("重启"),
    "warned": gettext_lazy("超时预警"), "escalated": gettext_lazy("超时升级"),
    "response_overdue": gettext_lazy("响应超时"),
    "pause_requested": gettext_lazy("申请挂起"), "extension_requested": gettext_lazy("申请延期"),
    "paused": gettext_lazy("批准挂起"), "extended": gettext_lazy("批准延期"),
    "pause_rejected": gettext_lazy("驳回挂起申请"), "extension_rejected": gettext_lazy("驳回延期申请"),
    "resumed": gettext_lazy("恢复计时"), "cohandler_added": gettext_lazy("增加协办单位"),
    "cohandler_replied": gettext_lazy("协办答复"), "cohandler_removed": gettext_lazy("移除协办单位"),
    "whistled": gettext_lazy("街道吹哨"),
    "merged": gettext_lazy("作为重复诉求并入"), "merged_in": gettext_lazy("并入重复诉求"),
}

#: action -> (button label, target status, form class); the order is the order of the buttons.
ACTIONS = {
    "accept": (gettext_lazy("签收"), S.ACCEPTED, forms.EmptyForm),
    "dispatch": (gettext_lazy("派单"), S.DISPATCHED, forms.DispatchForm),
    "start": (gettext_lazy("开始办理"), S.IN_PROGRESS, forms.EmptyForm),
    "reply": (gettext_lazy("答复"), S.REPLIED, forms.ReplyForm),
    "return": (gettext_lazy("退单"), S.ACCEPTED, forms.ReasonForm),
    "evaluate": (gettext_lazy("录入评价"), S.EVALUATED, forms.EvaluateForm),
    "close": (gettext_lazy("办结"), S.CLOSED, forms.CloseForm),
    "reopen": (gettext_lazy("重启"), S.REOPENED, forms.ReasonForm),
}


def _available(appeal: Appeal) -> list[str]:
    """The moves the transition table allows from the appeal's status (a return only from dispatched,
    an accept only when it is not a return)."""
    names = []
    for name, (_label, to, _form) in ACTIONS.items():
        if not appeal.can_transition_to(to):
            continue
        if name == "return" and appeal.status != S.DISPATCHED:
            continue
        if name == "accept" and appeal.status == S.DISPATCHED:
            continue
        names.append(name)
    return names


def _masked_name(name: str) -> str:
    return name[:1] + "*" * (len(name) - 1) if name else ""


def _due_state(appeal: Appeal, now) -> str:
    """ok / warning / overdue for the completion deadline of an open appeal ('' when done)."""
    if appeal.status not in OPEN or appeal.completion_due_at is None:
        return ""
    if now > appeal.completion_due_at:
        return "overdue"
    if appeal.completion_warn_at is not None and now >= appeal.completion_warn_at:
        return "warning"
    return "ok"


def _unit(node, department) -> str:
    if department is not None:
        return department.name
    return node.name if node is not None else ""


def _form(name: str, user, data=None):
    cls = ACTIONS[name][2]
    prefix = name
    if cls is forms.DispatchForm:
        return cls(data, prefix=prefix, nodes=_search_nodes(user), departments=selectors.department_list())
    return cls(data, prefix=prefix)


# --- list ------------------------------------------------------------------------------------

@page
def appeal_list(request):
    user = request.user
    _require(user, "appeals.view")
    categories = list(selectors.category_list())
    filters = forms.FilterForm(request.GET or None, categories=categories)
    data = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    now = timezone.now()
    by_code = {c.code: c for c in categories}
    qs = selectors.appeal_list(user=user, status=data.get("status", ""), category=by_code.get(data.get("category")),
                               overdue_at=now if data.get("overdue") else None, number=data.get("number", ""))
    result = capped_page(qs, request.GET.get("page"))
    rows = [{"appeal": a, "url": reverse("appeals:detail", args=[a.pk]), "due_state": _due_state(a, now),
             "unit": _unit(a.handling_node, a.handling_department)} for a in result.rows]
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "appeals/list.html", {
        "filters": filters, "rows": rows, "page": result, "query": params.urlencode(),
        "can_create": scoping.can(user, "appeals.create"), "can_approve": scoping.can(user, "appeals.approve"),
    })


# --- intake ----------------------------------------------------------------------------------

@page
def appeal_create(request):
    user = request.user
    _require(user, "appeals.create")
    categories = list(selectors.category_list())
    form = forms.IntakeForm(request.POST or None, categories=categories)
    if request.method == "POST":
        limit(request, "appeal_create")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, appeal = attempt(lambda: services.appeal_submit(
            actor=user, channel=d["channel"], category=form.categories[d["category"]], description=d["description"],
            contact_kind=d["contact_kind"], lng=d["lng"], lat=d["lat"], address_text=d["address_text"],
            requester_name=d["requester_name"], requester_phone=d["requester_phone"]), form=form)
        if ok:
            messages.success(request, _("诉求已登记:%(number)s") % {"number": appeal.number})
            if selectors.appeal_list(user=user).filter(pk=appeal.pk).exists():
                return redirect("appeals:detail", pk=appeal.pk)
            return redirect("appeals:list")  # placed outside the receiver's own area
    typed_phone = request.POST.get("requester_phone", "") if form.is_bound else ""
    if typed_phone:
        form.fields["requester_phone"].widget.attrs["placeholder"] = mask_phone(typed_phone)
        form.fields["requester_phone"].help_text = _("出于隐私保护,请重新输入电话")
    return render(request, "appeals/create.html", {"form": form})


# --- detail and moves -------------------------------------------------------------------------

def _detail(request, appeal: Appeal, *, bound: tuple[str, object] | None = None, status: int = 200,
            merge_form=None):
    user = request.user
    now = timezone.now()
    can_handle = may_move(user, appeal)
    actions = []
    if can_handle:
        for name in _available(appeal):
            label = ACTIONS[name][0]
            if name == "dispatch" and appeal.status in (S.DISPATCHED, S.IN_PROGRESS):
                label = _("转办")
            form = bound[1] if bound and bound[0] == name else _form(name, user)
            actions.append({"name": name, "label": label, "form": form,
                            "url": reverse("appeals:action", args=[appeal.pk, name]),
                            "open": bool(bound and bound[0] == name)})
    if bound and bound[0] in ACTIONS and bound[0] not in {a["name"] for a in actions}:
        # A move the status does not allow (a stale page, a crafted POST): show its refusal anyway.
        actions.append({"name": bound[0], "label": ACTIONS[bound[0]][0], "form": bound[1],
                        "url": reverse("appeals:action", args=[appeal.pk, bound[0]]), "open": True})
    events = [{"event": e, "verb": VERBS.get(e.verb, e.verb),
               "to": S(e.to_status).label if e.to_status in S.values else e.to_status}
              for e in selectors.appeal_timeline(user=user, appeal=appeal)]
    return render(request, "appeals/detail.html", {
        "appeal": appeal, "events": events, "attachments": selectors.appeal_attachments(appeal=appeal), "actions": actions, "due_state": _due_state(appeal, now),
        "requester_name": _masked_name(appeal.requester_name), "requester_phone": mask_phone(appeal.requester_phone),
        "handling_unit": _unit(appeal.handling_node, appeal.handling_department),
        "lead_unit": _unit(appeal.lead_node, appeal.lead_department),
        **handling_context(request, appeal, bound if bound and bound[0] not in ACTIONS else None),
        **_duplicates_context(user, appeal, merge_form, can_handle),
    }, status=status)


@page
def appeal_detail(request, pk: int):
    _require(request.user, "appeals.view")
    return _detail(request, selectors.appeal_get(user=request.user, pk=pk))


def _write(name: str, user, appeal: Appeal, d: dict):
    pk = appeal.pk
    if name == "accept":
        return services.appeal_accept(actor=user, appeal_id=pk)
    if name == "dispatch":
        unit = d["unit"]
        node = tree.node_get(user=user, pk=_int(unit[1:])) if unit.startswith("n") else None
        department = selectors.department_get(pk=_int(unit[1:])) if unit.startswith("d") else None
        return services.appeal_dispatch(actor=user, appeal_id=pk, node=node, department=department, note=d["note"])
    if name == "start":
        return services.appeal_start(actor=user, appeal_id=pk)
    if name == "reply":
        return services.appeal_reply(actor=user, appeal_id=pk, reply=d["reply"])
    if name == "return":
        return services.appeal_return(actor=user, appeal_id=pk, reason=d["reason"])
    if name == "evaluate":
        return services.appeal_evaluate(actor=user, appeal_id=pk, solved=d["solved"], satisfaction=d["satisfaction"],
                                        note=d["note"])
    if name == "close":
        return services.appeal_close(actor=user, appeal_id=pk, note=d["note"])
    return services.appeal_reopen(actor=user, appeal_id=pk, reason=d["reason"])


@page
@require_POST
def appeal_action(request, pk: int, action: str):
    user = request.user
    _require(user, "appeals.handle")
    if action not in ACTIONS:
        _int(None)  # unknown move: 404
    appeal = selectors.appeal_get(user=user, pk=pk)
    form = _form(action, user, request.POST)
    if form.is_valid():
        ok, _result = attempt(lambda: _write(action, user, appeal, form.cleaned_data), form=form)
        if ok:
            messages.success(request, _("已%(action)s") % {"action": ACTIONS[action][0]})
            if selectors.appeal_list(user=user).filter(pk=pk).exists():
                return redirect("appeals:detail", pk=pk)
            return redirect("appeals:list")  # a department that transferred or returned it no longer sees it
    return _detail(request, selectors.appeal_get(user=user, pk=pk), bound=(action, form))


# --- duplicates and merging -------------------------------------------------------------------

#: Candidates the detail page lists (the nearest first) and offers in the merge form; the others are
#: counted ("另有 N 条"), and any visible appeal can still be chosen by its number. A burst (a water
#: main bursts, hundreds call about it) would otherwise make a page of hundreds of rows.
DUPLICATES_SHOWN = 20


def _shown_duplicates(user, appeal: Appeal) -> tuple[list[Appeal], int]:
    """The nearest ``DUPLICATES_SHOWN`` candidates and how many more there are."""
    candidates = selectors.appeal_duplicates(user=user, appeal=appeal) if appeal.merged_into_id is None else []
    return candidates[:DUPLICATES_SHOWN], max(len(candidates) - DUPLICATES_SHOWN, 0)


def _duplicates_context(user, appeal: Appeal, merge_form, can_handle: bool) -> dict:
    """可能重复 candidates, the appeals merged into this one, and the merge form (open appeals only)."""
    candidates, more = _shown_duplicates(user, appeal)
    can_merge = can_handle and appeal.merged_into_id is None and appeal.status in OPEN
    if can_merge and merge_form is None:
        merge_form = forms.MergeForm(prefix="merge", candidates=candidates)
    return {
        "duplicates": [{"appeal": a, "url": reverse("appeals:detail", args=[a.pk])} for a in candidates],
        "duplicates_more": more,
        "followers": list(selectors.merged_followers(appeal=appeal)),
        "merge_form": merge_form if can_merge or merge_form is not None else None,
        "merge_url": reverse("appeals:merge", args=[appeal.pk]),
    }


def _merge_target(user, d: dict) -> int:
    """The primary's id: the chosen candidate, or the visible appeal with exactly the typed number."""
    if d.get("into"):
        return _int(d["into"])
    number = d["into_number"].strip().upper()
    pk = selectors.appeal_list(user=user, number=number).filter(number=number).values_list("pk", flat=True).first()
    if pk is None:  # missing and out of scope alike
        raise InvalidInput(_("未找到该编号的诉求"), extra={"field": "into_number"})
    return pk


@page
@require_POST
def appeal_merge(request, pk: int):
    user = request.user
    _require(user, "appeals.handle")
    appeal = selectors.appeal_get(user=user, pk=pk)
    form = forms.MergeForm(request.POST, prefix="merge", candidates=_shown_duplicates(user, appeal)[0])
    if form.is_valid():
        d = form.cleaned_data
        ok, _result = attempt(lambda: services.appeal_merge(actor=user, appeal_id=pk, into_id=_merge_target(user, d),
                                                            reason=d["reason"]), form=form)
        if ok:
            messages.success(request, _("已并入诉求,本诉求已办结"))
            return redirect("appeals:detail", pk=pk)
    return _detail(request, selectors.appeal_get(user=user, pk=pk), merge_form=form)
@page
def attachment_file(request, pk: int, attachment_pk: int):
    """A file of an appeal, for staff who may see the appeal; never a public media URL."""
    _require(request.user, "appeals.view")
    attachment = selectors.attachment_get(user=request.user, appeal_pk=pk, pk=attachment_pk)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type,
                            as_attachment=not attachment.is_image, filename=attachment.original_name)
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox"
    return response
