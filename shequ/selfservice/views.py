"""Resident pages: the phone-sized intake (anyone), the follow link (whoever holds it), "我的诉求"
(a signed-in resident, own appeals only) and the public list of anonymized appeals (anyone).

Thin like ``shequ.web.views``: reads through ``selectors``, writes through ``appeals.services``
via ``attempt`` (an error is shown on the form and nothing is written).
"""
from __future__ import annotations


from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.appeals import selectors as appeal_selectors
from shequ.appeals import services as appeal_services
from shequ.appeals.forms import EvaluateForm
from shequ.appeals.models import Appeal, Channel
from shequ.core.idcard import mask_phone
from shequ.jurisdiction import scoping
from shequ.notify import selectors as notify_selectors
from shequ.notify import services as notify_services
from shequ.web.charts import area_map
from shequ.web.paging import capped_page
from shequ.web.views import _require, attempt, page, public

from shequ.security.ratelimit import limit

from . import selectors
from .forms import IntakeForm, PublicFilterForm
from .links import follow_path

S = Appeal.Status


def _resident(user):
    """The registered resident behind a signed-in resident account, else None."""
    if user.is_authenticated and scoping.can(user, "appeals.own") and not scoping.can(user, "appeals.handle"):
        return user
    return None


# --- intake ----------------------------------------------------------------------------------

@public
def intake(request):
    account = _resident(request.user)
    resident = getattr(account, "resident", None) if account else None
    categories = list(appeal_selectors.category_list())
    form = IntakeForm(request.POST or None, request.FILES or None, categories=categories, resident=resident)
    if request.method == "POST":
        limit(request, "appeal_create")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, appeal = attempt(lambda: appeal_services.appeal_submit(
            actor=None, channel=Channel.WEB, category=form.categories[d["category"]], description=d["description"],
            lng=d["lng"], lat=d["lat"], address_text=d["address_text"], requester_name=d["requester_name"],
            requester_phone=d["requester_phone"], requester_user=account, attachments=d["photos"]), form=form)
        if ok:
            return redirect(follow_path(appeal.pk) + "?new=1")
    return render(request, "selfservice/intake.html", {
        "form": form, "resident": resident,
        "masked_phone": mask_phone(resident.phone) if resident is not None else "",
    }, status=422 if form.is_bound and form.errors else 200)


# --- follow link and "我的诉求" ------------------------------------------------------------

def _follow(request, appeal: Appeal, *, evaluate_url: str, form=None, status: int = 200):
    return render(request, "selfservice/follow.html", {
        "appeal": appeal, "timeline": selectors.requester_timeline(appeal=appeal),
        "masked_phone": mask_phone(appeal.requester_phone),
        # The form shows while the appeal waits for its evaluation, or to say why one was refused.
        "can_evaluate": appeal.status == S.REPLIED or bool(form is not None and form.errors),
        "evaluate_url": evaluate_url,
        "form": form or EvaluateForm(prefix="evaluate"),
        "on_time": selectors.on_time(status=appeal.status, replied_at=appeal.replied_at,
                                     due=appeal.completion_due_at, now=timezone.now()),
        "just_submitted": request.GET.get("new") == "1", "link": request.build_absolute_uri(follow_path(appeal.pk)),
    }, status=status)


def _evaluate(request, appeal: Appeal, *, actor, evaluate_url: str, back: str):
    form = EvaluateForm(request.POST, prefix="evaluate")
    if form.is_valid():
        d = form.cleaned_data
        ok, _result = attempt(lambda: appeal_services.appeal_evaluate(
            actor=actor, appeal_id=appeal.pk, solved=d["solved"], satisfaction=d["satisfaction"], note=d["note"]),
            form=form)
        if ok:
            messages.success(request, _("感谢您的评价"))
            return redirect(back)
    return _follow(request, appeal, evaluate_url=evaluate_url, form=form, status=422)


@public
def follow(request, token: str):
    appeal = selectors.follow_appeal_get(token=token)
    return _follow(request, appeal, evaluate_url=reverse("selfservice:follow_evaluate", args=[token]))


@public
@require_POST
def follow_evaluate(request, token: str):
    appeal = selectors.follow_appeal_get(token=token)
    return _evaluate(request, appeal, actor=None, evaluate_url=request.path,
                     back=reverse("selfservice:follow", args=[token]))


@page
def mine(request):
    user = request.user
    _require(user, "appeals.own")
    result = capped_page(selectors.my_appeal_list(user=user), request.GET.get("page"))
    rows = [{"appeal": a, "url": reverse("selfservice:mine_detail", args=[a.pk])} for a in result.rows]
    notes = list(notify_selectors.notification_list(user=user))
    response = render(request, "selfservice/mine.html", {"rows": rows, "page": result, "query": "",
                                                         "notifications": notes})
    notify_services.notifications_mark_read(user=user, ids=[n.pk for n in notes if n.read_at is None])
    return response


@page
def mine_detail(request, pk: int):
    appeal = selectors.my_appeal_get(user=request.user, pk=pk)
    return _follow(request, appeal, evaluate_url=reverse("selfservice:mine_evaluate", args=[pk]))


@page
@require_POST
def mine_evaluate(request, pk: int):
    appeal = selectors.my_appeal_get(user=request.user, pk=pk)
    return _evaluate(request, appeal, actor=request.user, evaluate_url=request.path,
                     back=reverse("selfservice:mine_detail", args=[pk]))


# --- public list ------------------------------------------------------------------------------

@public
def public_list(request):
    streets, communities = selectors.public_filter_options()
    categories = list(appeal_selectors.category_list())
    filters = PublicFilterForm(request.GET or None, streets=streets, communities=communities, categories=categories)
    data = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    qs = selectors.public_appeal_list(street=data.get("street"), community=data.get("community"),
                                      category=data.get("category", ""), status=data.get("status", ""),
                                      month=data.get("month", ""))
    result = capped_page(qs, request.GET.get("page"))
    now = timezone.now()
    labels = dict(S.choices)
    rows = []
    for row in result.rows:
        rows.append({**row, "status_label": labels.get(row["status"], row["status"]),
                     "on_time": selectors.on_time(status=row["status"], replied_at=row["replied_at"],
                                                  due=row["completion_due_at"], now=now),
                     "done_at": row["closed_at"] or row["replied_at"]})
    params = request.GET.copy()
    params.pop("page", None)
    areas, counts = selectors.public_map(street=data.get("street"), community=data.get("community"),
                                         category=data.get("category", ""), status=data.get("status", ""),
                                         month=data.get("month", ""), now=now)
    return render(request, "selfservice/public_list.html", {
        "filters": filters, "rows": rows, "page": result, "query": params.urlencode(),
        "map": area_map(areas, counts, title=_("各网格诉求数量")), "map_total": sum(counts.values()),
        "map_month": data.get("month", ""),
    })
